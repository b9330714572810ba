"""What Tillväxtverket asks the region to complete, arranged for the region's pages.

The open items of an inventory are loaded once per page (prefetched with the inventory by
``inventories.selectors``); ``OpenItems`` sorts them by where they are shown: at a part, at a
field, at an intervention or a goal. An item whose intervention or goal is deleted is shown with
its part, under the title it had.
"""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _

from inventories.models import CompletionItem

Kind = CompletionItem.Kind


def item_url(item, inventory) -> str:
    """Where the region sees ``item``: on its part page, at the item."""
    name = f"inventories:part{item.part}"
    url = reverse(
        name, kwargs={"region_slug": inventory.region.slug, "round_slug": inventory.round.slug}
    )
    return f"{url}#{item.anchor_id}"


def dialogue_url(inventory, item=None) -> str:
    """The region's dialogue page (with the reply form set to ``item``)."""
    url = reverse(
        "inventories:dialogue",
        kwargs={"region_slug": inventory.region.slug, "round_slug": inventory.round.slug},
    )
    return f"{url}?punkt={item.pk}#svar" if item is not None else url


def notice(item, inventory) -> dict:
    """An open item as a notice beside what it concerns (``includes/notices.html``)."""
    return {
        "id": item.anchor_id,
        "title": _("Tillväxtverket ber er komplettera"),
        "label": item.label,
        "text": item.text,
        "url": dialogue_url(inventory, item),
        "link_text": _("Svara handläggaren"),
    }


@dataclass
class OpenItems:
    items: list = field(default_factory=list)
    intervention_ids: set = field(default_factory=set)
    goal_ids: set = field(default_factory=set)

    @classmethod
    def of(cls, inventory) -> "OpenItems":
        """The open items prefetched with ``inventory`` (none when not prefetched)."""
        if inventory is None:
            return cls()
        items = getattr(inventory, "open_completion_items", [])
        return cls(
            items=list(items),
            intervention_ids={i.pk for i in inventory.interventions.all()} if items else set(),
            goal_ids={g.pk for g in inventory.goals.all()} if items else set(),
        )

    def __bool__(self):
        return bool(self.items)

    def __len__(self):
        return len(self.items)

    def for_part(self, part: int) -> list:
        return [item for item in self.items if item.part == part]

    def count(self, part: int) -> int:
        return len(self.for_part(part))

    def at_part(self, part: int) -> list:
        """Shown at the top of the part: items about the whole part, and items whose
        intervention or goal no longer exists."""
        return [
            item
            for item in self.for_part(part)
            if item.kind == Kind.PART
            or (item.kind == Kind.INTERVENTION and item.object_id not in self.intervention_ids)
            or (item.kind == Kind.GOAL and item.object_id not in self.goal_ids)
        ]

    def by_field(self, part: int) -> dict:
        found: dict[str, list] = {}
        for item in self.for_part(part):
            if item.kind == Kind.FIELD:
                found.setdefault(item.field, []).append(item)
        return found

    def for_object(self, kind: str, pk) -> list:
        return [item for item in self.items if item.kind == kind and item.object_id == pk]

    def links(self, inventory) -> list[dict]:
        return [
            {"item": item, "url": item_url(item, inventory), "part": item.part}
            for item in self.items
        ]

    def notices(self, items, inventory) -> list[dict]:
        return [notice(item, inventory) for item in items]

    def field_notices(self, part: int, inventory) -> dict:
        """``{field: [notice]}`` for a part's form."""
        return {name: self.notices(items, inventory) for name, items in self.by_field(part).items()}
