"""Regions and the invitations' delivery in the admin.

The contact persons' admin is in ``staff.admin``: its actions are the staff's audited services.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.admin_base import ReadOnlyModelAdmin, shorten
from regions.models import Invitation, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "county_name", "active"]
    list_display_links = ["code", "name"]
    list_filter = ["active"]
    search_fields = ["code", "name", "county_name"]
    ordering = ["code"]
    fields = ["code", "name", "county_name", "slug", "active"]

    def get_readonly_fields(self, request, obj=None):
        """The code and slug name a region for good: typed (and checked unique) only when it is
        added. Read-only on the add form too, they were saved empty: the second such region was
        a unique-constraint error (a 500)."""
        return ["code", "slug"] if obj is not None else []


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyModelAdmin):
    """Read-only: invitations change only through the services (see the contact persons)."""

    list_display = [
        "contact_person",
        "region",
        "created_at",
        "expires_at",
        "status_display",
        "sent_at",
        "send_attempts",
        "short_error",
    ]
    list_filter = ["contact_person__region"]
    search_fields = ["contact_person__user__full_name", "contact_person__user__email"]
    list_select_related = ["contact_person__user", "contact_person__region"]
    date_hierarchy = "created_at"
    fields = (
        "contact_person",
        "status_display",
        "created_at",
        "created_by",
        "expires_at",
        "sent_at",
        "send_attempts",
        "last_error",
        "used_at",
        "revoked_at",
    )
    readonly_fields = fields

    @admin.display(description=_("region"), ordering="contact_person__region__code")
    def region(self, obj):
        return obj.contact_person.region

    @admin.display(description=_("läge"))
    def status_display(self, obj):
        return obj.status.label

    @admin.display(description=_("senaste fel"))
    def short_error(self, obj):
        return shorten(obj.last_error, 80)
