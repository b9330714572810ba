"""Reading inventories, always scoped to the user's region (staff see every region)."""

from django.db.models import Prefetch, prefetch_related_objects
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
from regions.selectors import region_get_for_user, regions_visible_to


def rounds_for_region_page():
    """Active rounds, newest first, with their timeline."""
    return Round.objects.filter(active=True).prefetch_related("milestones").order_by("-opens_at")


def round_get(*, slug: str) -> Round:
    try:
        return Round.objects.get(slug=slug, active=True)
    except Round.DoesNotExist:
        raise Http404 from None


def _parts_prefetches():
    return (
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


def _versions_prefetch():
    return Prefetch(
        "versions",
        queryset=InventoryVersion.objects.select_related("document").order_by("number"),
    )


#: Del 1's and Del 3's records, each a row of its own beside the inventory.
STATES = ("current_state", "target_state")


def _inventory_head(queryset, states=STATES):
    """The inventory row with its round, region and the one-part records ``states`` (one
    query; a page that shows neither Del 1's nor Del 3's texts joins neither)."""
    return queryset.select_related("round", "region", *(f"{state}__updated_by" for state in states))


def inventory_with_parts(queryset=None):
    """Inventories with all three parts loaded in a fixed number of queries."""
    queryset = queryset if queryset is not None else Inventory.objects.all()
    return _inventory_head(queryset).prefetch_related(*_parts_prefetches())


def inventory_parts_load(inventory) -> Inventory:
    """Load all three parts into ``inventory`` (as ``inventory_with_parts`` would have), once."""
    if not getattr(inventory, "all_parts_loaded", False):
        prefetch_related_objects([inventory], *_parts_prefetches())
        inventory.all_parts_loaded = True
    return inventory


def budget_lines_load(inventory) -> Inventory:
    """Load Del 1's budget lines into ``inventory`` (one query, only the first time)."""
    prefetch_related_objects([inventory], "budget_lines")
    return inventory


def inventory_find(*, user, region_slug: str, round_slug: str, parts: bool = True, states=STATES):
    """``(region, round, inventory or None)`` if ``user`` may see the region; otherwise 404.

    With ``parts=False`` only the inventory row and its records ``states`` (Del 1's, Del 3's)
    are loaded: the pages take the rest from ``inventories.fragments`` or load it with
    ``inventory_parts_load``."""
    # One query when the inventory exists (the page's usual case): the region scoped to the
    # user and the active round are conditions of the same query, and come with the row.
    queryset = Inventory.objects.filter(
        region__in=regions_visible_to(user).filter(slug=region_slug),
        round__slug=round_slug,
        round__active=True,
    )
    if parts:
        queryset = inventory_with_parts(queryset).prefetch_related(_versions_prefetch())
    else:
        queryset = _inventory_head(queryset, states)
    # The open completion items are shown on every page and name the cached fragments' keys.
    queryset = queryset.prefetch_related(open_items_prefetch())
    inventory = queryset.first()
    if inventory is not None:
        inventory.all_parts_loaded = parts
        return inventory.region, inventory.round, inventory
    # No inventory yet (or no access): each of these answers 404 on its own.
    return region_get_for_user(user=user, slug=region_slug), round_get(slug=round_slug), None


def inventory_reload(inventory) -> Inventory:
    """The same inventory with all parts freshly loaded."""
    reloaded = inventory_with_parts(Inventory.objects.filter(pk=inventory.pk)).get()
    reloaded.all_parts_loaded = True
    return reloaded


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


def versions_of(*, inventory) -> list[InventoryVersion]:
    """The inventory's submitted versions in order, with their PDF copies."""
    if "versions" not in getattr(inventory, "_prefetched_objects_cache", {}):
        prefetch_related_objects([inventory], _versions_prefetch())
    return list(inventory.versions.all())


def inventories_for_region(*, region):
    """The region's inventories keyed by round id, with versions and open items, for its start
    page (the parts' completeness comes from ``inventories.fragments.completeness_cached``)."""
    qs = _inventory_head(Inventory.objects.filter(region=region), states=()).prefetch_related(
        _versions_prefetch(), open_items_prefetch()
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
