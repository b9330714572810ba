"""The retention plans (superusers edit them, staff read them) and the log of what was purged."""

from django.contrib import admin

from portal.admin_base import ReadOnlyModelAdmin
from records.models import PurgeRecord, RetentionPlan


@admin.register(RetentionPlan)
class RetentionPlanAdmin(admin.ModelAdmin):
    list_display = [
        "round",
        "contact_inactive_months",
        "draft_months",
        "sign_in_days",
        "updated_at",
    ]
    list_select_related = ["round"]
    fields = ["round", "contact_inactive_months", "draft_months", "sign_in_days", "updated_at"]
    readonly_fields = ["updated_at"]

    def get_readonly_fields(self, request, obj=None):
        # A plan belongs to its round for good: another round gets a plan of its own.
        return [*self.readonly_fields, "round"] if obj is not None else self.readonly_fields


@admin.register(PurgeRecord)
class PurgeRecordAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "kind", "count", "round", "trigger", "reason"]
    list_filter = ["kind", "trigger", "round"]
    list_select_related = ["round"]
    fields = ["created_at", "kind", "round", "count", "object_ids", "reason", "data", "trigger"]
