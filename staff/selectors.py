"""What Tillväxtverket's staff read: the progress board and the exports of a round.

Every function here runs a fixed number of queries whatever the number of regions (the board is
tested with 21 and with 290 regions).
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from inventories.models import (
    AuditEvent,
    CompletionItem,
    Inventory,
    InventoryVersion,
    Round,
    ThreadMessage,
    VersionDocument,
)
from inventories.snapshot import sha256_hex
from portal.compiled import CompiledQuery, prefetched
from portal.formatting import days_label, days_until
from regions.models import ContactPerson, Region
from reminders.models import Reminder

NOT_STARTED = "not_started"

#: Board statuses in the order a round moves through them, with their label and a text icon.
STATUSES = [
    (NOT_STARTED, _("Ej påbörjad"), "○"),
    (Inventory.Status.DRAFT, _("Utkast"), "✎"),
    (Inventory.Status.RETURNED, _("Återsänd"), "↩"),
    (Inventory.Status.SUBMITTED, _("Inskickad"), "➤"),
    (Inventory.Status.ACCEPTED, _("Godkänd"), "✓"),
]
STATUS_LABELS = {value: label for value, label, _icon in STATUSES}
STATUS_ICONS = {value: icon for value, _label, icon in STATUSES}


def status_info(inventory) -> tuple[str, str | Promise, str]:
    """``(status, label, icon)`` of an inventory, or of a region that has not started."""
    status = inventory.status if inventory is not None else NOT_STARTED
    return status, STATUS_LABELS[status], STATUS_ICONS[status]


class Timeliness:
    """Whether a region is on time: judged on its latest submission, or on the clock."""

    ON_TIME = "on_time"
    LATE = "late"
    OVERDUE = "overdue"
    OPEN = "open"

    LABELS = {
        ON_TIME: _("I tid"),
        LATE: _("Sen"),
        OVERDUE: _("Ej inskickad, sista dag passerad"),
        OPEN: _("Ej inskickad"),
    }


def rounds_for_staff():
    return Round.objects.order_by("-opens_at")


def round_default() -> Round | None:
    """The newest active round (the board's default)."""
    return Round.objects.filter(active=True).order_by("-opens_at").first()


def round_get_for_staff(*, slug) -> Round:
    try:
        return Round.objects.get(slug=slug)
    except Round.DoesNotExist:
        raise Http404 from None


def region_get_for_staff(*, slug) -> Region:
    try:
        return Region.objects.get(slug=slug)
    except Region.DoesNotExist:
        raise Http404 from None


def _latest_version(field_name):
    return Subquery(
        InventoryVersion.objects.filter(inventory=OuterRef("pk"))
        .order_by("-number")
        .values(field_name)[:1]
    )


def timeliness(*, submitted_at, deadline_at_submission, effective_deadline, now) -> str:
    if submitted_at is not None:
        return Timeliness.ON_TIME if submitted_at <= deadline_at_submission else Timeliness.LATE
    return Timeliness.OVERDUE if now > effective_deadline else Timeliness.OPEN


@dataclass
class BoardRow:
    region: Region
    inventory: Inventory | None
    contacts: list
    status: str
    effective_deadline: datetime.datetime
    extended: bool
    version_number: int | None
    submitted_at: datetime.datetime | None
    timeliness: str
    days_left: int
    last_reminder: tuple | None = None
    handlaggare: Any = None
    #: Completion items the region has not had resolved, and its messages not yet answered.
    open_items: int = 0
    unanswered: int = 0

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]

    @property
    def status_icon(self):
        return STATUS_ICONS[self.status]

    @property
    def timeliness_label(self):
        return Timeliness.LABELS[self.timeliness]

    @property
    def days_label(self):
        return days_label(self.days_left)

    @property
    def last_change(self):
        return self.inventory.updated_at if self.inventory else None

    @property
    def has_contact(self) -> bool:
        return bool(self.contacts)


@dataclass
class StatusCount:
    status: str
    label: str | Promise
    icon: str
    count: int
    total: int
    offset: int = 0

    @property
    def percent(self) -> float:
        return round(100 * self.count / self.total, 2) if self.total else 0

    @property
    def offset_percent(self) -> float:
        return round(100 * self.offset / self.total, 2) if self.total else 0


@dataclass
class Board:
    round: Round
    rows: list[BoardRow]
    now: datetime.datetime
    counts: list[StatusCount] = field(default_factory=list)

    @property
    def days_to_deadline(self) -> int:
        return days_until(self.round.deadline, now=self.now)

    @property
    def days_label(self):
        return days_label(self.days_to_deadline)

    @property
    def missing_contacts(self) -> int:
        return sum(1 for row in self.rows if not row.has_contact)

    @property
    def extended_count(self) -> int:
        return sum(1 for row in self.rows if row.extended)


def _active_contacts_prefetch():
    return Prefetch(
        "contact_persons",
        queryset=ContactPerson.objects.filter(active=True, user__is_active=True)
        .select_related("user")
        .order_by("role", "user__full_name"),
        to_attr="active_contacts",
    )


#: Before any message: a region message after this with no staff message is unanswered.
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _count(queryset):
    """The number of rows of ``queryset`` (filtered on ``OuterRef("pk")``) as a subquery."""
    return Coalesce(
        Subquery(
            queryset.order_by().values("inventory_id").annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def with_dialogue_counts(queryset):
    """``queryset``'s inventories with ``open_items`` (completion items not resolved) and
    ``unanswered`` (the region's messages no staff message has followed yet), in the same query."""
    last_staff = Subquery(
        ThreadMessage.objects.filter(inventory=OuterRef("pk"), from_staff=True)
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return queryset.annotate(
        open_items=_count(
            CompletionItem.objects.filter(
                inventory=OuterRef("pk"), status=CompletionItem.Status.OPEN
            )
        ),
        last_staff_message_at=Coalesce(last_staff, Value(_EPOCH, output_field=DateTimeField())),
    ).annotate(
        unanswered=_count(
            ThreadMessage.objects.filter(
                inventory=OuterRef("pk"),
                from_staff=False,
                created_at__gt=OuterRef("last_staff_message_at"),
            )
        )
    )


def board_inventories(round_):
    """The round's inventories with their latest version's facts and their dialogue counts
    (one query)."""
    return with_dialogue_counts(
        Inventory.objects.filter(round=round_).annotate(
            latest_number=_latest_version("number"),
            latest_submitted_at=_latest_version("submitted_at"),
            latest_deadline=_latest_version("deadline"),
        )
    )


def last_reminders(round_) -> dict[int, tuple]:
    """``{region_id: (sent_at, kind label)}``: the latest reminder sent to each region (one query).

    Reminders proper (before and after the deadline) count; notices of an extension do not.
    """
    rows = (
        Reminder.objects.filter(
            round=round_,
            region__isnull=False,
            status=Reminder.Status.SENT,
            kind__in=[Reminder.Kind.REMINDER, Reminder.Kind.DEADLINE_PASSED],
        )
        .order_by("region_id", "-sent_at", "-id")
        .values_list("region_id", "sent_at", "kind")
    )
    labels = dict(Reminder.Kind.choices)
    latest: dict[int, tuple] = {}
    for region_id, sent_at, kind in rows:
        latest.setdefault(region_id, (sent_at, labels.get(kind, kind)))
    return latest


def board_for_round(round_, *, now=None) -> Board:
    """Every active region in ``round_``, with or without an inventory, and the status counts."""
    now = now or timezone.now()
    regions = list(
        Region.objects.filter(active=True)
        .order_by("code")
        .prefetch_related(_active_contacts_prefetch())
    )
    inventories = {inv.region_id: inv for inv in board_inventories(round_)}
    reminders = last_reminders(round_)
    assigned = assignments_for_round(round_)
    rows = []
    for region in regions:
        inventory = inventories.get(region.pk)
        if inventory is not None:
            inventory.round = round_
            deadline = inventory.effective_deadline
            submitted_at = inventory.latest_submitted_at
            row = BoardRow(
                region=region,
                inventory=inventory,
                contacts=region.active_contacts,
                status=inventory.status,
                effective_deadline=deadline,
                extended=inventory.deadline_override is not None,
                version_number=inventory.latest_number,
                submitted_at=submitted_at,
                timeliness=timeliness(
                    submitted_at=submitted_at,
                    deadline_at_submission=inventory.latest_deadline,
                    effective_deadline=deadline,
                    now=now,
                ),
                days_left=days_until(deadline, now=now),
                open_items=inventory.open_items,
                unanswered=inventory.unanswered,
            )
        else:
            row = BoardRow(
                region=region,
                inventory=None,
                contacts=region.active_contacts,
                status=NOT_STARTED,
                effective_deadline=round_.deadline,
                extended=False,
                version_number=None,
                submitted_at=None,
                timeliness=timeliness(
                    submitted_at=None,
                    deadline_at_submission=None,
                    effective_deadline=round_.deadline,
                    now=now,
                ),
                days_left=days_until(round_.deadline, now=now),
            )
        row.last_reminder = reminders.get(region.pk)
        row.handlaggare = assigned.get(region.pk)
        rows.append(row)
    board = Board(round=round_, rows=rows, now=now)
    offset = 0
    for value, label, icon in STATUSES:
        count = sum(1 for row in rows if row.status == value)
        board.counts.append(StatusCount(value, label, icon, count, len(rows), offset))
        offset += count
    return board


# One inventory, as staff see it ----------------------------------------------------------------


def _versions():
    """Versions without their snapshots, with their PDF copies, in order."""
    return (
        InventoryVersion.objects.defer("snapshot_json")
        .select_related("document")
        .order_by("number")
    )


def versions_for_staff(inventory):
    """``inventory``'s versions (``_versions``)."""
    return _versions().filter(inventory=inventory)


def dialogue_counts(inventory) -> Inventory:
    """``inventory`` with ``open_items`` and ``unanswered`` (``with_dialogue_counts``)."""
    return with_dialogue_counts(Inventory.objects.filter(pk=inventory.pk)).only("pk").get()


def _inventories_for_staff(*, versions=True, counts=True, **filters):
    queryset = Inventory.objects.filter(**filters)
    if counts:
        queryset = with_dialogue_counts(queryset)
    queryset = queryset.select_related("round", "region")
    if versions:
        queryset = queryset.prefetch_related(Prefetch("versions", queryset=_versions()))
    return queryset


def inventory_for_staff(*, round_, region) -> Inventory | None:
    """The region's inventory in the round with its versions (without their snapshots) and its
    dialogue counts (``with_dialogue_counts``)."""
    return _inventories_for_staff(round=round_, region=region).first()


# The staff pages of one inventory run these on every request: compiled once (portal.compiled).
_INVENTORY_BY_SLUGS = {
    counts: CompiledQuery(
        lambda round_slug, region_slug, counts=counts: _inventories_for_staff(
            versions=False, counts=counts, round__slug=round_slug, region__slug=region_slug
        ),
        round_slug=str,
        region_slug=str,
    )
    for counts in (True, False)
}
_VERSIONS_OF = CompiledQuery(
    lambda inventory_id: _versions().filter(inventory_id=inventory_id), inventory_id=int
)


def _with_versions(inventory: Inventory) -> Inventory:
    """``inventory`` with its versions as ``_inventories_for_staff`` prefetches them."""
    versions = _VERSIONS_OF.rows(inventory_id=inventory.pk)
    for version in versions:
        version.inventory = inventory
    prefetched(inventory, "versions", versions)
    return inventory


def round_region_inventory_for_staff(*, round_slug, region_slug, versions=True, counts=True):
    """``(round, region, inventory)`` as ``inventory_for_staff`` loads the inventory: two queries
    when the region has an inventory in the round (the inventory with its round and region, its
    versions unless ``versions=False``; its dialogue counts unless ``counts=False``), four when
    not (``inventory`` is ``None``). 404 for an unknown round or region."""
    inventory = _INVENTORY_BY_SLUGS[counts].first(round_slug=round_slug, region_slug=region_slug)
    if inventory is not None:
        if versions:
            _with_versions(inventory)
        return inventory.round, inventory.region, inventory
    return round_get_for_staff(slug=round_slug), region_get_for_staff(slug=region_slug), None


def inventory_with_versions_for_staff(*, round_slug, region_slug) -> Inventory:
    """The region's inventory in the round with its round, region and versions (without their
    snapshots, with their documents): two queries. 404 if the round, the region or the inventory
    does not exist."""
    inventory = _INVENTORY_BY_SLUGS[False].first(round_slug=round_slug, region_slug=region_slug)
    if inventory is None:
        raise Http404
    return _with_versions(inventory)


def version_in(inventory, number) -> tuple[InventoryVersion, InventoryVersion | None]:
    """Version ``number`` of ``inventory`` and the one before it, from its prefetched versions
    (``inventory_with_versions_for_staff``); 404 if there is no such version."""
    versions = list(inventory.versions.all())
    for index, version in enumerate(versions):
        if version.number == number:
            return version, versions[index - 1] if index else None
    raise Http404


def audit_for_inventory(*, round_, region, inventory):
    """The inventory's history in order, with the region's events that belong to the round or
    to no round (contact person changes, reminders to a region that had not opened the form)."""
    condition = Q(region=region, inventory__isnull=True) & (Q(round=round_) | Q(round__isnull=True))
    if inventory is not None:
        condition |= Q(inventory=inventory)
    return AuditEvent.objects.filter(condition).select_related("actor").order_by("created_at", "id")


@dataclass
class DeliveryProblems:
    """E-mails that failed at least once and are still being retried (no action needed)."""

    outbox: int
    reminders: int

    def __bool__(self):
        return bool(self.outbox or self.reminders)


def delivery_problems(round_) -> DeliveryProblems:
    """How many official e-mails are waiting after failed attempts: outbox rows (all kinds) and
    the round's reminder rows shown as failed. Both are retried by themselves."""
    from portal.models import OutboxMessage
    from reminders.models import Reminder

    return DeliveryProblems(
        outbox=OutboxMessage.objects.filter(
            status=OutboxMessage.Status.PENDING, attempts__gt=0
        ).count(),
        reminders=Reminder.objects.filter(round=round_, status=Reminder.Status.FAILED).count(),
    )


def damaged_documents(round_):
    """The round's copies of record flagged as damaged (``inventories.services.integrity``)."""
    return (
        VersionDocument.objects.filter(version__inventory__round=round_)
        .exclude(damage="")
        .select_related("version__inventory__region")
        .defer("version__snapshot_json")
        .order_by("version__inventory__region__code", "version__number")
    )


def audit_attach_return_notices(events) -> None:
    """Give each decision ("returned", "accepted") ``notice_rows``: its e-mails in the outbox,
    one per recipient."""
    from inventories.services.review import inventory_accepted_group, inventory_returned_group
    from portal.models import OutboxMessage

    group_of = {
        AuditEvent.Action.RETURNED: inventory_returned_group,
        AuditEvent.Action.ACCEPTED: inventory_accepted_group,
    }
    groups = {
        group_of[event.action](event.pk): event for event in events if event.action in group_of
    }
    for event in groups.values():
        event.notice_rows = []
    for row in OutboxMessage.objects.filter(group__in=groups).order_by("id"):
        groups[row.group].notice_rows.append(row)


def contacts_for_region(*, region):
    """All the region's contact persons (active first) with their latest invitation."""
    from regions.models import Invitation

    return (
        ContactPerson.objects.filter(region=region)
        .select_related("user")
        .prefetch_related(
            Prefetch("invitations", queryset=Invitation.objects.order_by("-created_at"))
        )
        .order_by("-active", "role", "user__full_name")
    )


def active_contacts_for_region(*, region) -> list:
    """The region's active contact persons, as ``contacts_for_region`` orders them (one query,
    without their invitations)."""
    return list(
        ContactPerson.objects.filter(region=region, active=True)
        .select_related("user")
        .order_by("role", "user__full_name")
    )


# Exports ---------------------------------------------------------------------------------------


@dataclass
class ExportRow:
    """One active region in the export: its inventory (or none) and its latest submitted version."""

    region: Region
    inventory: Inventory | None
    version: InventoryVersion | None

    @property
    def status(self) -> str:
        return self.inventory.status if self.inventory else NOT_STARTED

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]

    @property
    def damaged(self) -> bool:
        """Flagged by the integrity check, or its stored content no longer matches its hash."""
        if self.version is None:
            return False
        document = getattr(self.version, "document", None)
        if document is not None and document.is_damaged:
            return True
        return sha256_hex(self.version.snapshot_json) != self.version.sha256

    @property
    def snapshot(self) -> dict | None:
        if self.version is None:
            return None
        cached = getattr(self, "_snapshot", None)
        if cached is None:
            cached = self._snapshot = self.version.snapshot
        return cached


def latest_versions(round_, *, with_snapshot=True):
    """The latest submitted version of every inventory in the round (one query)."""
    latest = (
        InventoryVersion.objects.filter(inventory=OuterRef("inventory"))
        .order_by("-number")
        .values("number")[:1]
    )
    queryset = InventoryVersion.objects.filter(
        inventory__round=round_, number=Subquery(latest)
    ).select_related("inventory__region")
    if not with_snapshot:
        queryset = queryset.defer("snapshot_json")
    queryset = queryset.select_related("document")
    return queryset.order_by("inventory__region__code")


def export_rows(round_) -> list[ExportRow]:
    """Every active region, its inventory and its latest submitted version (three queries)."""
    regions = list(Region.objects.filter(active=True).order_by("code"))
    inventories = {inv.region_id: inv for inv in Inventory.objects.filter(round=round_)}
    versions = {v.inventory.region_id: v for v in latest_versions(round_)}
    for inventory in inventories.values():
        inventory.round = round_
    return [
        ExportRow(region, inventories.get(region.pk), versions.get(region.pk)) for region in regions
    ]


# Internal notes and assignment -----------------------------------------------------------------


def handlaggare_all():
    """The active members of the Handläggare group, by name (the choices for an assignment)."""
    from django.contrib.auth import get_user_model

    from portal.models import STAFF_GROUP_NAME

    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, groups__name=STAFF_GROUP_NAME)
        .distinct()
        .order_by("full_name", "email")
    )


def assignment_for(*, round_, region):
    from staff.models import Assignment

    return (
        Assignment.objects.filter(round=round_, region=region).select_related("handlaggare").first()
    )


def assignments_for_round(round_) -> dict:
    """``{region_id: handläggare}`` for every region assigned in ``round_``."""
    from staff.models import Assignment

    return {
        a.region_id: a.handlaggare
        for a in Assignment.objects.filter(round=round_).select_related("handlaggare")
    }


def internal_notes(inventory):
    if inventory is None:
        return []
    return list(inventory.internal_notes.select_related("author"))


def case_handlers(inventory) -> list:
    """The staff who get a region's messages about ``inventory``: its assigned handläggare
    (an empty list when nobody is assigned, or the account is no longer active)."""
    from inventories.services.dialogue import Recipient
    from staff.models import Assignment

    assignment = (
        Assignment.objects.filter(round_id=inventory.round_id, region_id=inventory.region_id)
        .select_related("handlaggare")
        .first()
    )
    if assignment is None or not assignment.handlaggare.is_active:
        return []
    user = assignment.handlaggare
    return [Recipient(email=user.email, language=user.language, name=user.full_name)]


# Synthesis reports -----------------------------------------------------------------------------


def synthesis_reports_for_staff(*, round_, actor, limit: int = 20):
    """The round's latest synthesis reports (staff only)."""
    from portal.permissions import ensure_staff
    from staff.models import SynthesisReport

    ensure_staff(actor)
    return list(SynthesisReport.objects.filter(round=round_).select_related("requested_by")[:limit])


def synthesis_report_get_for_staff(*, round_, report_id, actor):
    """One synthesis report of the round (404 for another round's or a missing one)."""
    from portal.permissions import ensure_staff
    from staff.models import SynthesisReport

    ensure_staff(actor)
    try:
        return SynthesisReport.objects.select_related("round", "requested_by").get(
            round=round_, pk=report_id
        )
    except SynthesisReport.DoesNotExist:
        raise Http404 from None
