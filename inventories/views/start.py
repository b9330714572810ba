"""The region's start page: every active round with its deadline, status and parts."""

from django.shortcuts import render
from django.utils import timezone

from inventories.completeness import PART_TITLES
from inventories.completion import OpenItems, dialogue_url
from inventories.fragments import completeness_cached
from inventories.guidance import state_label, timeline
from inventories.selectors import inventories_for_region, rounds_for_region_page
from portal.permissions import second_factor_required
from regions.selectors import contact_persons_listed, region_get_for_user


def _round_overview(round_, inventory):
    """One active round on the start page: its inventory (or none yet) and each part's state."""
    completeness = completeness_cached(inventory) if inventory is not None else None
    open_items = OpenItems.of(inventory)
    parts = []
    for part, title in PART_TITLES.items():
        parts.append(
            {
                "title": title,
                "url_name": f"inventories:part{part}",
                "missing": len(completeness.for_part(part)) if completeness else None,
                "to_complete": open_items.count(part),
            }
        )
    entries = timeline(round_, timezone.localdate())
    for entry in entries:
        entry["label"] = state_label(entry["state"])
    return {
        "round": round_,
        "timeline": entries,
        "inventory": inventory,
        "parts": parts,
        "missing": len(completeness.items) if completeness else None,
        "versions": list(inventory.versions.all()) if inventory is not None else [],
        "open_items": open_items.links(inventory) if inventory is not None else [],
        "dialogue_url": dialogue_url(inventory) if inventory is not None else "",
    }


@second_factor_required
def region_start(request, slug):
    """The region's start page: every active round with its deadline, status, the parts'
    completeness, the timeline, submitted versions, and who speaks for the region.

    Runs a fixed number of queries whatever the number of interventions and goals; the
    parts are read only when their checklist is not cached for the inventory's revision.
    """
    region = region_get_for_user(user=request.user, slug=slug)
    by_round = inventories_for_region(region=region)
    rounds = [
        _round_overview(round_, by_round.get(round_.pk)) for round_ in rounds_for_region_page()
    ]
    return render(
        request,
        "inventories/start.html",
        {
            "region": region,
            "rounds": rounds,
            "contact_persons": contact_persons_listed(region=region),
            "now": timezone.now(),
            "submitted_statuses": ("submitted", "accepted"),
        },
    )
