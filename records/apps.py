from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    """Records management: retention by plan (gallring) and the archival package of a round."""

    name = "records"
    verbose_name = _("Arkiv och gallring")
    #: Admin permissions the Handläggare group holds on this app's models (see portal.staff_group).
    #: Staff read the retention plans and the purge log; only superusers change a plan.
    staff_permissions: list[str] = ["view_retentionplan", "view_purgerecord"]
