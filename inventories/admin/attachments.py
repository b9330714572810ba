"""Attachments in the admin, read-only: what each region uploaded, its scan and where it is.

Uploads, deletes and scans go through ``inventories.services.attachments``; an infected file's
bytes stay under ``quarantine/`` for staff to hand to IT, and are never served by the portal.
"""

from django.contrib import admin

from inventories.models import Attachment
from portal.admin_base import ReadOnlyModelAdmin


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyModelAdmin):
    list_display = [
        "original_name",
        "inventory",
        "kind",
        "status",
        "signature",
        "size",
        "uploaded_at",
        "frozen_in",
    ]
    list_filter = ["status", "kind", "inventory__round", "inventory__region"]
    search_fields = ["original_name", "inventory__region__name", "sha256"]
    list_select_related = ["inventory__round", "inventory__region", "frozen_in"]
    ordering = ["-uploaded_at", "-id"]
    fields = (
        "inventory",
        "kind",
        "description",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "file",
        "status",
        "signature",
        "scan_attempts",
        "last_scan_error",
        "scanned_at",
        "uploaded_by",
        "uploaded_at",
        "frozen_in",
    )
