from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    """The handläggare's back office at /handlaggare/: internal notes and assignments."""

    name = "staff"
    verbose_name = _("Handläggare")

    def ready(self):
        # The region's messages go to the handläggare assigned to it (the inventories app, a
        # layer below, asks through this function).
        from inventories.services.dialogue import staff_recipients_register
        from staff.selectors import case_handlers

        staff_recipients_register(case_handlers)
