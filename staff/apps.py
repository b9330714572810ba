from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    """The handläggare's back office at /handlaggare/: internal notes and assignments."""

    name = "staff"
    verbose_name = _("Handläggare")
