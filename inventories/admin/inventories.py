"""The admin for rounds, inventories, their versions and the audit history.

Inventories are read here and changed only through the services: the admin actions "Godkänn" and
"Återsänd" call ``inventory_accept`` and lead to the staff screen for a return (it needs a
message). Versions and the audit history are read-only. The admin site itself admits only the
Handläggare group (``portal.admin_site.PortalAdminSite``), like the rest of the staff area.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Now
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from inventories.guidance import FIELD_HELP
from inventories.models import (
    AuditEvent,
    FieldGuidance,
    Inventory,
    InventoryVersion,
    Milestone,
    Round,
)
from inventories.services.review import inventory_accept
from portal.admin_base import ReadOnlyModelAdmin, shorten


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 1
    fields = ["position", "when", "what", "starts_on", "ends_on"]
    ordering = ["starts_on", "position"]


class FieldGuidanceForm(forms.ModelForm):
    field = forms.ChoiceField(label=_("fält"), choices=())

    class Meta:
        model = FieldGuidance
        fields = ["field", "help_text", "example"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [
            (key, f"{key} – {help_text}") for key, (help_text, _example) in FIELD_HELP.items()
        ]
        self.fields["help_text"].help_text = _("Tomt: portalens standardtext.")
        self.fields["example"].help_text = _("Tomt: portalens standardexempel.")


class FieldGuidanceInline(admin.StackedInline):
    """The round's own help texts and examples; a field without a row uses the code default."""

    model = FieldGuidance
    form = FieldGuidanceForm
    extra = 0


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "opens_at", "deadline", "start_capital", "active"]
    list_filter = ["active"]
    search_fields = ["name", "slug", "programme"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MilestoneInline, FieldGuidanceInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "programme", "active"]}),
        (
            _("Datum och belopp"),
            {"fields": ["opens_at", "deadline", "start_capital", "programme_funds"]},
        ),
        (_("Programperiod"), {"fields": ["period_start", "period_end"]}),
        (_("Påminnelser"), {"fields": ["reminder_days", "reminder_time"]}),
        (
            _("Diarienummer"),
            {"fields": ["registration_prefix", "registration_digits", "registration_next"]},
        ),
        (_("Vägledning"), {"fields": ["about", "desired_end_state", "next_steps"]}),
    ]


class VersionInline(admin.TabularInline):
    model = InventoryVersion
    extra = 0
    can_delete = False
    show_change_link = True
    fields = (
        "number",
        "submitted_at",
        "submitted_by_name",
        "deadline",
        "on_time_display",
        "sha256",
    )
    readonly_fields = fields
    ordering = ["number"]

    @admin.display(description=_("i tid"), boolean=True)
    def on_time_display(self, obj):
        # An extra inline row a hostile post asks for is an empty version: no times to compare.
        if obj.submitted_at is None or obj.deadline is None:
            return None
        return obj.on_time

    def get_queryset(self, request):
        return super().get_queryset(request).defer("snapshot_json")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _latest_version(field):
    return Subquery(
        InventoryVersion.objects.filter(inventory=OuterRef("pk"))
        .order_by("-number")
        .values(field)[:1]
    )


class TimelinessFilter(admin.SimpleListFilter):
    """On time or late: judged on the latest submission, or on the clock if none was made."""

    title = _("i tid eller sen")
    parameter_name = "i_tid"

    def lookups(self, request, model_admin):
        return [
            ("on_time", _("Inskickad i tid")),
            ("late", _("Inskickad sent")),
            ("overdue", _("Ej inskickad, sista dag passerad")),
            ("open", _("Ej inskickad, sista dag ej passerad")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        queryset = queryset.annotate(
            _latest_at=_latest_version("submitted_at"),
            _latest_deadline=_latest_version("deadline"),
            _effective=Coalesce("deadline_override", "round__deadline"),
        )
        if value == "on_time":
            return queryset.filter(_latest_at__isnull=False, _latest_at__lte=F("_latest_deadline"))
        if value == "late":
            return queryset.filter(_latest_at__isnull=False, _latest_at__gt=F("_latest_deadline"))
        if value == "overdue":
            return queryset.filter(_latest_at__isnull=True, _effective__lt=Now())
        if value == "open":
            return queryset.filter(_latest_at__isnull=True, _effective__gte=Now())
        return queryset


@admin.register(Inventory)
class InventoryAdmin(admin.ModelAdmin):
    list_display = [
        "region",
        "round",
        "registration_number",
        "status",
        "effective_deadline_display",
        "submitted_at",
        "timeliness_display",
        "staff_link",
    ]
    list_filter = ["round", "status", "region", TimelinessFilter]
    list_select_related = ["round", "region"]
    search_fields = [
        "region__name",
        "region__code",
        "region__county_name",
        "round__name",
        "registration_number",
    ]
    ordering = ["round", "region__code"]
    actions = ["accept_selected", "return_selected"]
    inlines = [VersionInline]
    fields = (
        "round",
        "region",
        "registration_number",
        "status",
        "staff_link",
        "created_at",
        "created_by",
        "updated_at",
        "submitted_at",
        "accepted_at",
        "returned_at",
        "return_message",
        "deadline_override",
        "deadline_override_reason",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _latest_at=_latest_version("submitted_at"),
                _latest_deadline=_latest_version("deadline"),
            )
        )

    @admin.display(description=_("gällande sista dag"), ordering="deadline_override")
    def effective_deadline_display(self, obj):
        text = formats.date_format(timezone.localtime(obj.effective_deadline), "Y-m-d H:i")
        if obj.deadline_override:
            return format_html("{} <strong>({})</strong>", text, gettext("förlängd"))
        return text

    @admin.display(description=_("i tid eller sen"))
    def timeliness_display(self, obj):
        latest_at = getattr(obj, "_latest_at", None)
        if latest_at is not None:
            return gettext("I tid") if latest_at <= obj._latest_deadline else gettext("Sen")
        if obj.deadline_passed:
            return gettext("Ej inskickad, sista dag passerad")
        return gettext("Ej inskickad")

    @admin.display(description=_("handläggarvy"))
    def staff_link(self, obj):
        if obj.pk is None:
            return ""
        url = reverse(
            "staff:inventory",
            kwargs={"round_slug": obj.round.slug, "region_slug": obj.region.slug},
        )
        return format_html('<a href="{}">{}</a>', url, gettext("Öppna i handläggarvyn"))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Godkänn"), permissions=["change"])
    def accept_selected(self, request, queryset):
        accepted, refused = 0, []
        for inventory in queryset.select_related("region"):
            try:
                inventory_accept(inventory=inventory, actor=request.user)
            except ValidationError as exc:
                refused.append(f"{inventory.region.name}: {' '.join(exc.messages)}")
            else:
                accepted += 1
        if accepted:
            self.message_user(
                request,
                ngettext(
                    "%(count)d behovsinventering godkänd.",
                    "%(count)d behovsinventeringar godkända.",
                    accepted,
                )
                % {"count": accepted},
                messages.SUCCESS,
            )
        for line in refused:
            self.message_user(request, line, messages.WARNING)

    @admin.action(description=_("Återsänd för komplettering"), permissions=["change"])
    def return_selected(self, request, queryset):
        """A return needs a message to the region: go to the staff screen that asks for it."""
        items = list(queryset.select_related("round", "region")[:2])
        if len(items) != 1:
            self.message_user(
                request,
                gettext(
                    "Välj en behovsinventering i taget för att återsända den med ett meddelande."
                ),
                messages.WARNING,
            )
            return None
        inventory = items[0]
        if inventory.status != Inventory.Status.SUBMITTED:
            self.message_user(
                request,
                gettext("Bara en inskickad behovsinventering kan återsändas."),
                messages.WARNING,
            )
            return None
        return redirect(
            "staff:return", round_slug=inventory.round.slug, region_slug=inventory.region.slug
        )


@admin.register(InventoryVersion)
class InventoryVersionAdmin(ReadOnlyModelAdmin):
    list_display = ["inventory", "number", "submitted_at", "submitted_by_name", "on_time_display"]
    list_filter = ["inventory__round", "inventory__region"]
    list_select_related = ["inventory__round", "inventory__region"]
    search_fields = ["inventory__region__name", "inventory__region__code", "sha256"]
    ordering = ["inventory__round", "inventory__region__code", "number"]
    fields = (
        "inventory",
        "number",
        "submitted_at",
        "submitted_by",
        "submitted_by_name",
        "deadline",
        "sha256",
        "snapshot_json",
    )
    readonly_fields = fields

    @admin.display(description=_("i tid"), boolean=True)
    def on_time_display(self, obj):
        return obj.on_time

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name.endswith("changelist"):
            queryset = queryset.defer("snapshot_json")
        return queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "action", "region", "round", "actor", "message_short"]
    list_filter = ["action", "round", "region"]
    list_select_related = ["region", "round", "actor"]
    search_fields = ["message", "region__name", "actor__email", "actor__full_name"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    fields = ("created_at", "action", "inventory", "round", "region", "actor", "message", "data")
    readonly_fields = fields

    @admin.display(description=_("beskrivning"))
    def message_short(self, obj):
        return shorten(obj.message)
