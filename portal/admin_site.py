"""The portal's admin site: Swedish titles, and only Tillväxtverket's staff get in."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class PortalAdminSite(admin.AdminSite):
    site_header = _("Tillväxtverket – behovsinventering")
    site_title = _("Behovsinventering")
    index_title = _("Handläggarvy")

    def has_permission(self, request):
        """Only active members of the Handläggare group (or superusers) use the admin, and only
        once this sign-in is confirmed with the second factor."""
        user = request.user
        return user.is_active and user.is_handlaggare and user.is_verified()

    def login(self, request, extra_context=None):
        """Staff signed in with a password only are sent to the second factor, not asked again."""
        # Imported here: this module is loaded with INSTALLED_APPS, before the models.
        from django.contrib.auth import REDIRECT_FIELD_NAME
        from django.contrib.auth.views import redirect_to_login
        from django.urls import reverse

        user = request.user
        if user.is_authenticated and user.is_handlaggare and not user.is_verified():
            next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse(
                "admin:index", current_app=self.name
            )
            return redirect_to_login(next_url, reverse("second_factor_verify"))
        return super().login(request, extra_context)


class PortalAdminConfig(AdminConfig):
    """Listed in INSTALLED_APPS instead of ``django.contrib.admin``: a PortalAdminSite."""

    default_site = "portal.admin_site.PortalAdminSite"
