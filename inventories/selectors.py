"""Reading inventories, always scoped to the user's region (staff see every region)."""

from django.db.models import Prefetch
from django.http import Http404

from inventories.models import (
    Attachment,
    AuditEvent,
    CompletionItem,
    Goal,
    Intervention,
    Inventory,
    InventoryVersion,
    Round,
    ThreadMessage,
)
from regions.selectors import region_get_for_user


def rounds_for_region_page():
    """Active rounds, newest first, with their timeline."""
    return Round.objects.filter(active=True).prefetch_related("milestones").order_by("-opens_at")


def round_get(*, slug: str) -> Round:
    try:
        return Round.objects.get(slug=slug, active=True)
    except Round.DoesNotExist:
        raise Http404 from None


def inventory_with_parts(queryset=None):
    """Inventories with all three parts loaded in a fixed number of queries."""
    queryset = queryset if queryset is not None else Inventory.objects.all()
    return queryset.select_related(
        "round",
        "region",
        "current_state__updated_by",
        "target_state__updated_by",
    ).prefetch_related(
        "budget_lines",
        Prefetch(
            "interventions",
            queryset=Intervention.objects.order_by("position", "id")
            .select_related("updated_by")
            .prefetch_related("years"),
        ),
        Prefetch(
            "goals",
            queryset=Goal.objects.order_by("position", "id")
            .select_related("updated_by")
            .prefetch_related("interventions"),
        ),
    )


def open_items_prefetch() -> Prefetch:
    """An inventory's open completion items as ``inventory.open_completion_items`` (one query
    for any number of inventories)."""
    return Prefetch(
        "completion_items",
        queryset=CompletionItem.objects.filter(status=CompletionItem.Status.OPEN).order_by(
            "request__created_at", "position", "id"
        ),
        to_attr="open_completion_items",
    )


def thread_of(*, inventory) -> tuple[list, list]:
    """``(items, messages)`` of ``inventory``'s dialogue: every completion item (open and
    resolved) with its request, and every thread message, oldest first. Two queries."""
    items = list(
        CompletionItem.objects.filter(inventory=inventory)
        .select_related("request", "resolved_by")
        .order_by("request__created_at", "request_id", "position", "id")
    )
    messages = list(ThreadMessage.objects.filter(inventory=inventory).order_by("created_at", "id"))
    by_item: dict[int, list] = {}
    for message in messages:
        if message.item_id:
            by_item.setdefault(message.item_id, []).append(message)
    for item in items:
        item.replies = by_item.get(item.pk, [])
    return items, messages


def inventory_find(*, user, region_slug: str, round_slug: str):
    """``(region, round, inventory or None)`` if ``user`` may see the region; otherwise 404."""
    region = region_get_for_user(user=user, slug=region_slug)
    round_ = round_get(slug=round_slug)
    inventory = (
        inventory_with_parts(Inventory.objects.filter(region=region, round=round_))
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=InventoryVersion.objects.select_related("document").order_by("number"),
            ),
            open_items_prefetch(),
        )
        .first()
    )
    return region, round_, inventory


def inventory_reload(inventory) -> Inventory:
    """The same inventory with all parts freshly loaded."""
    return inventory_with_parts(Inventory.objects.filter(pk=inventory.pk)).get()


def intervention_get(*, inventory, pk) -> Intervention:
    try:
        return inventory.interventions.prefetch_related("years").get(pk=pk)
    except Intervention.DoesNotExist:
        raise Http404 from None


def goal_get(*, inventory, pk) -> Goal:
    try:
        return inventory.goals.prefetch_related("interventions").get(pk=pk)
    except Goal.DoesNotExist:
        raise Http404 from None


def version_get(*, inventory, number: int) -> InventoryVersion:
    try:
        return inventory.versions.select_related("submitted_by", "document").get(number=number)
    except InventoryVersion.DoesNotExist:
        raise Http404 from None


def inventories_for_region(*, region):
    """The region's inventories keyed by round id, with versions, for its start page."""
    qs = inventory_with_parts(Inventory.objects.filter(region=region)).prefetch_related(
        Prefetch(
            "versions",
            queryset=InventoryVersion.objects.select_related("document").order_by("number"),
        ),
        open_items_prefetch(),
    )
    return {inventory.round_id: inventory for inventory in qs}


def last_change_actor(*, inventory, key: str, pk: int):
    """Who last saved intervention or goal ``pk`` (``key`` "intervention"/"goal"), from the audit
    history; ``None`` when nobody is recorded."""
    event = (
        AuditEvent.objects.filter(
            inventory=inventory, action=AuditEvent.Action.PART_SAVED, **{f"data__{key}": pk}
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    return event.actor if event is not None else None


def attachments_of(*, inventory):
    """The inventory's attachments in upload order, with who uploaded each."""
    return inventory.attachments.select_related("uploaded_by", "frozen_in").order_by(
        "uploaded_at", "id"
    )


def attachment_get(*, inventory, pk) -> Attachment:
    try:
        return inventory.attachments.select_related("uploaded_by").get(pk=pk)
    except Attachment.DoesNotExist:
        raise Http404 from None
