from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portalen")
    #: Admin permissions the Handläggare group holds on this app's models (see portal.staff_group).
    #: ``change_user`` lets staff correct a contact person's name or e-mail language only: the
    #: UserAdmin keeps credentials, rights and every staff account to superusers (portal.admin).
    staff_permissions = ["view_user", "change_user", "view_outboxmessage"]

    def ready(self):
        from portal.staff_group import sync_staff_group

        post_migrate.connect(sync_staff_group, dispatch_uid="portal.sync_staff_group")
