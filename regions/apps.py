from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "regions"
    verbose_name = _("Regioner och kontaktpersoner")
    #: Admin permissions the Handläggare group holds on this app's models (see portal.staff_group).
    staff_permissions = [
        "view_region",
        "change_region",
        "view_contactperson",
        "add_contactperson",
        "change_contactperson",
        "view_invitation",
    ]
