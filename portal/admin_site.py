"""The portal's admin site: Swedish titles, and only Tillväxtverket's staff get in."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class PortalAdminSite(admin.AdminSite):
    site_header = _("Tillväxtverket – behovsinventering")
    site_title = _("Behovsinventering")
    index_title = _("Handläggarvy")

    def has_permission(self, request):
        """Only active members of the Handläggare group (or superusers) use the admin."""
        user = request.user
        return user.is_active and user.is_handlaggare


class PortalAdminConfig(AdminConfig):
    """Listed in INSTALLED_APPS instead of ``django.contrib.admin``: a PortalAdminSite."""

    default_site = "portal.admin_site.PortalAdminSite"
