"""The PDF copies of record in the admin: state, hashes, receipt, and a download link for staff.

Read-only: documents are written by the render and receipt tasks
(``inventories.services.records``). Staff can ask for a failed PDF to be rendered again with an
action that calls a service.
"""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from inventories.models import VersionDocument
from inventories.services.records import (
    version_document_retry,
    version_pdf_filename,
    version_receipt_group,
)
from portal.admin_base import ReadOnlyModelAdmin, shorten
from portal.outbox import outbox_group_rows


class DamagedFilter(admin.SimpleListFilter):
    title = _("skada")
    parameter_name = "damaged"

    def lookups(self, request, model_admin):
        return [("1", _("Skadad")), ("0", _("Stämmer"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.exclude(damage="")
        if self.value() == "0":
            return queryset.filter(damage="")
        return queryset


@admin.register(VersionDocument)
class VersionDocumentAdmin(ReadOnlyModelAdmin):
    list_display = [
        "version_label",
        "status_text",
        "download",
        "rendered_at",
        "receipt_sent_at",
        "attempts",
        "problem",
    ]
    list_filter = [
        DamagedFilter,
        "status",
        "version__inventory__round",
        "version__inventory__region",
    ]
    search_fields = ["version__inventory__region__name", "version__inventory__region__code"]
    list_select_related = ["version__inventory__round", "version__inventory__region"]
    ordering = ["-created_at", "-id"]
    actions = ["render_again"]
    fields = (
        "version",
        "status",
        "download",
        "sha256",
        "size",
        "attempts",
        "last_error",
        "created_at",
        "rendered_at",
        "receipt_sent_at",
        "receipt_emails",
        "damage",
        "damaged_at",
        "damage_reported_at",
        "verified_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("version__snapshot_json")

    @admin.display(description=_("inskickad version"), ordering="version__submitted_at")
    def version_label(self, obj):
        version = obj.version
        return (
            f"{version.inventory.region.name} – {version.inventory.round.name} – v{version.number}"
        )

    @admin.display(description=_("status"), ordering="status")
    def status_text(self, obj):
        # Text, not colour: the status reads the same without seeing colours.
        label = obj.get_status_display()
        if obj.is_damaged:
            return "⚠ " + gettext("Skadad")
        return f"⚠ {label}" if obj.status == VersionDocument.Status.FAILED else label

    @admin.display(description=_("PDF"))
    def download(self, obj):
        if not obj.is_ready:
            return "–"
        version = obj.version
        url = reverse(
            "inventories:version_pdf",
            kwargs={
                "region_slug": version.inventory.region.slug,
                "round_slug": version.inventory.round.slug,
                "number": version.number,
            },
        )
        return format_html('<a href="{}" download>{}</a>', url, version_pdf_filename(version))

    @admin.display(description=_("senaste fel"))
    def problem(self, obj):
        return shorten(obj.damage or obj.last_error)

    @admin.display(description=_("kvitton och besked (e-post)"))
    def receipt_emails(self, obj):
        rows = outbox_group_rows(version_receipt_group(obj.version_id))
        return (
            format_html_join(
                mark_safe("<br>"),
                "{} – {} ({} {})",
                (
                    (row.to, row.get_status_display(), row.attempts, shorten(row.last_error, 80))
                    for row in rows
                ),
            )
            or "–"
        )

    def has_render_permission(self, request):
        return getattr(request.user, "is_handlaggare", False) and request.user.has_perm(
            "inventories.view_versiondocument"
        )

    @admin.action(
        description=_("Skapa PDF-kopian igen (bara de som inte är klara)"), permissions=["render"]
    )
    def render_again(self, request, queryset):
        count = 0
        for document in queryset.exclude(status=VersionDocument.Status.READY):
            version_document_retry(document=document)
            count += 1
        if count:
            message = ngettext(
                "%(count)s PDF-kopia skapas igen.", "%(count)s PDF-kopior skapas igen.", count
            ) % {"count": count}
        else:
            message = gettext(
                "De valda PDF-kopiorna är redan klara; en lagrad kopia ersätts aldrig."
            )
        self.message_user(request, message, messages.SUCCESS if count else messages.WARNING)
