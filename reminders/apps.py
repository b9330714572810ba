from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("Påminnelser")
    #: Admin permissions the Handläggare group holds on this app's models (see portal.staff_group).
    staff_permissions = ["view_reminder"]
