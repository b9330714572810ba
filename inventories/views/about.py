"""Om uppdraget: the programme page of a round, linked from every part."""

from django.utils import timezone
from django.utils.translation import gettext as _

from inventories.guidance import DEFAULT_ABOUT, paragraphs, state_label, timeline
from inventories.models import ActivityArea, Dimension, Effect, FollowUp
from inventories.views.common import load_page, render_page
from portal.permissions import second_factor_required


@second_factor_required
def about(request, region_slug, round_slug):
    """The programme in the round's own words (or the portal's default), read-only; looking at
    it opens nothing."""
    page = load_page(request, region_slug, round_slug, open_inventory=False)
    round_ = page.round
    entries = timeline(round_, timezone.localdate())
    for entry in entries:
        entry["label"] = state_label(entry["state"])
    return render_page(
        page,
        "inventories/about.html",
        {
            "intro": paragraphs(round_.about) or [str(p) for p in DEFAULT_ABOUT],
            "areas": [label for _value, label in ActivityArea.choices],
            "dimensions": [label for _value, label in Dimension.choices],
            "effects": [label for _value, label in Effect.choices],
            "grounds": [label for _value, label in FollowUp.choices],
            "timeline": entries,
            "hide_steps": page.inventory is None,
            "on_about": True,
        },
        step="about",
        title=_("Om uppdraget"),
    )
