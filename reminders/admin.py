"""The reminder ledger in the admin: what was sent to whom and when, and what failed.

Read-only: rows are written by the sweep (``reminders.services``). Staff can put
failed rows back in the queue with an action that calls a service. Registered from
``InventoriesConfig.ready`` so that it stays apart from ``inventories/admin.py``.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from portal.admin_base import ReadOnlyModelAdmin, shorten
from reminders.models import Reminder
from reminders.services import reminders_retry_failed


class FailedFirstStatusFilter(admin.SimpleListFilter):
    """Status filter whose first choice is the rows staff must act on."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        failed = Reminder.Status.FAILED
        others = [(s.value, s.label) for s in Reminder.Status if s != failed]
        return [(failed.value, failed.label), *others]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(status=self.value())
        return queryset


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyModelAdmin):
    list_display = [
        "due_at",
        "round",
        "region_or_staff",
        "kind",
        "step",
        "recipient",
        "status_text",
        "attempts",
        "sent_at",
        "problem",
    ]
    list_filter = ["round", FailedFirstStatusFilter, "kind", "region"]
    search_fields = ["region__name", "region__code", "scope", "recipient", "user__full_name"]
    list_select_related = ["round", "region"]
    date_hierarchy = "due_at"
    ordering = ["-due_at", "scope", "recipient"]
    actions = ["retry_failed"]
    list_per_page = 100
    fields = (
        "round",
        "region",
        "scope",
        "kind",
        "step",
        "recipient",
        "user",
        "deadline",
        "due_at",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
        "note",
        "message_id",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    @admin.display(description=_("region"), ordering="scope")
    def region_or_staff(self, obj):
        if obj.region_id:
            return f"{obj.region.name} ({obj.region.code})"
        return gettext("Handläggarna")

    @admin.display(description=_("status"), ordering="status")
    def status_text(self, obj):
        # Text, not colour: the status reads the same without seeing colours.
        label = obj.get_status_display()
        if obj.status == Reminder.Status.FAILED:
            return f"⚠ {label}"
        return label

    @admin.display(description=_("fel eller anteckning"))
    def problem(self, obj):
        return shorten(obj.last_error or obj.note)

    def has_retry_permission(self, request):
        return getattr(request.user, "is_handlaggare", False) and request.user.has_perm(
            "inventories.view_reminder"
        )

    @admin.action(description=_("Försök skicka de misslyckade igen"), permissions=["retry"])
    def retry_failed(self, request, queryset):
        count = reminders_retry_failed(reminders=list(queryset), actor=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)s påminnelse skickas igen vid nästa körning.",
                "%(count)s påminnelser skickas igen vid nästa körning.",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )
