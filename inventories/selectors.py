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
    Milestone,
    Round,
    ThreadMessage,
)
from portal.compiled import CompiledQuery, prefetched
from regions.selectors import (
    compiled_viewer,
    region_get_for_user,
    regions_visible_to,
    second_factor_passed,
)

_ACTIVE_ROUNDS = CompiledQuery(lambda: Round.objects.filter(active=True).order_by("-opens_at"))
_ACTIVE_MILESTONES = CompiledQuery(
    lambda: Milestone.objects.filter(round__active=True).order_by(
        "round_id", "starts_on", "position", "pk"
    )
)


def rounds_for_region_page() -> list[Round]:
    """Active rounds, newest first, with their timeline (two queries, compiled once)."""
    rounds = _ACTIVE_ROUNDS.rows()
    milestones: dict[int, list] = {round_.pk: [] for round_ in rounds}
    by_id = {round_.pk: round_ for round_ in rounds}
    for milestone in _ACTIVE_MILESTONES.rows():
        if milestone.round_id in by_id:
            milestone.round = by_id[milestone.round_id]
            milestones[milestone.round_id].append(milestone)
    for round_ in rounds:
        prefetched(round_, "milestones", milestones[round_.pk])
    return rounds


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
    return Prefetch("completion_items", queryset=_open_items(), to_attr="open_completion_items")


def _open_items():
    return CompletionItem.objects.filter(status=CompletionItem.Status.OPEN).order_by(
        "request__created_at", "position", "id"
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


def _versions():
    return InventoryVersion.objects.select_related("document").order_by("number")


def _versions_prefetch():
    return Prefetch("versions", queryset=_versions())


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


def _head_query(states, *, staff: bool) -> CompiledQuery:
    """The inventory row of ``inventory_find`` (compiled once per shape and process)."""

    def build(region_slug, round_slug, user_id=None):
        # Whom the regions are scoped to: only the id and the role shape the query.
        viewer = compiled_viewer(user_id=user_id, staff=staff)
        queryset = Inventory.objects.filter(
            region__in=regions_visible_to(viewer).filter(slug=region_slug),
            round__slug=round_slug,
            round__active=True,
        )
        return _inventory_head(queryset, states).order_by("pk")[:1]

    if staff:
        return CompiledQuery(build, region_slug=str, round_slug=str)
    return CompiledQuery(build, region_slug=str, round_slug=str, user_id=int)


_HEAD_QUERIES: dict = {}
_OPEN_ITEMS = CompiledQuery(
    lambda inventory_id: _open_items().filter(inventory_id=inventory_id),
    inventory_id=int,
)


def _open_items_load(inventory) -> None:
    """``inventory.open_completion_items``, as ``open_items_prefetch`` gives them."""
    items = _OPEN_ITEMS.rows(inventory_id=inventory.pk)
    for item in items:
        CompletionItem.inventory.field.set_cached_value(item, inventory)
    inventory.open_completion_items = items


def inventory_find(*, user, region_slug: str, round_slug: str, parts: bool = True, states=STATES):
    """``(region, round, inventory or None)`` if ``user`` may see the region; otherwise 404.

    With ``parts=False`` only the inventory row and its records ``states`` (Del 1's, Del 3's)
    are loaded: the pages take the rest from ``inventories.fragments`` or load it with
    ``inventory_parts_load``. The open completion items come with it (they are shown on every
    page and name the cached fragments' keys)."""
    # One query when the inventory exists (the page's usual case): the region scoped to the
    # user and the active round are conditions of the same query, and come with the row. It is
    # compiled once per process (``portal.compiled``): building it cost more than running it.
    if not user.is_authenticated:
        raise Http404
    staff = bool(user.is_handlaggare)
    if staff and not second_factor_passed(user):
        raise Http404
    states = STATES if parts else tuple(states)
    shape = (states, staff)
    query = _HEAD_QUERIES.get(shape)
    if query is None:
        query = _HEAD_QUERIES.setdefault(shape, _head_query(states, staff=staff))
    viewer = {} if staff else {"user_id": user.pk}
    inventory = query.first(region_slug=region_slug, round_slug=round_slug, **viewer)
    if inventory is not None:
        _open_items_load(inventory)
        if parts:
            prefetch_related_objects([inventory], *_parts_prefetches(), _versions_prefetch())
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


_INVENTORY_VERSIONS = CompiledQuery(
    lambda inventory_id: _versions().filter(inventory_id=inventory_id), inventory_id=int
)


def versions_of(*, inventory) -> list[InventoryVersion]:
    """The inventory's submitted versions in order, with their PDF copies (one compiled query,
    only the first time)."""
    if "versions" not in getattr(inventory, "_prefetched_objects_cache", {}):
        versions = _INVENTORY_VERSIONS.rows(inventory_id=inventory.pk)
        for version in versions:
            version.inventory = inventory
        prefetched(inventory, "versions", versions)
    return list(inventory.versions.all())


_REGION_INVENTORIES = CompiledQuery(
    lambda region_id: _inventory_head(Inventory.objects.filter(region_id=region_id), states=()),
    region_id=int,
)
_REGION_VERSIONS = CompiledQuery(
    lambda region_id: (
        _versions().filter(inventory__region_id=region_id).order_by("inventory_id", "number")
    ),
    region_id=int,
)
_REGION_OPEN_ITEMS = CompiledQuery(
    lambda region_id: _open_items().filter(inventory__region_id=region_id),
    region_id=int,
)


def inventories_for_region(*, region):
    """The region's inventories keyed by round id, with versions and open items, for its start
    page (the parts' completeness comes from ``inventories.fragments.completeness_cached``).
    Three queries, compiled once (``portal.compiled``): the start page runs them on every visit."""
    inventories = _REGION_INVENTORIES.rows(region_id=region.pk)
    by_id = {inventory.pk: inventory for inventory in inventories}
    versions: dict[int, list] = {pk: [] for pk in by_id}
    for version in _REGION_VERSIONS.rows(region_id=region.pk):
        version.inventory = by_id[version.inventory_id]
        versions[version.inventory_id].append(version)
    items: dict[int, list] = {pk: [] for pk in by_id}
    for item in _REGION_OPEN_ITEMS.rows(region_id=region.pk):
        item.inventory = by_id[item.inventory_id]
        items[item.inventory_id].append(item)
    for inventory in inventories:
        prefetched(inventory, "versions", versions[inventory.pk])
        inventory.open_completion_items = items[inventory.pk]
    return {inventory.round_id: inventory for inventory in inventories}


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
