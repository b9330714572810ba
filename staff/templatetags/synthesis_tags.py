"""Links from a number in the synthesis to the interventions or goals behind it."""

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse

from inventories.models import ActivityArea, Dimension, Effect, FollowUp, Priority
from inventories.models.inventory import choice_labels
from staff.synthesis import sought_of

register = template.Library()


@lru_cache(maxsize=256)
def _view_url(view: str, round_slug: str, _prefix: str, _urlconf) -> str:
    return reverse(f"staff:{view}", kwargs={"round_slug": round_slug})


@register.simple_tag
def synthesis_url(synthesis_filter, view, round_slug, **overrides) -> str:
    """The URL of the synthesis view ``view`` with the current filter narrowed by ``overrides``
    (e.g. ``region=<slug> area=<value>``), so the list shows exactly what a number counts.

    The page has thousands of these links: the view's URL is reversed once per script prefix
    and URLconf, not once per link."""
    url = _view_url(view, round_slug, get_script_prefix(), get_urlconf())
    query = synthesis_filter.query(**overrides)
    return f"{url}?{query}" if query else url


_CHOICES = {
    "areas": ActivityArea,
    "dimensions": Dimension,
    "effects": Effect,
    "priority": Priority,
    "follow_up": FollowUp,
}


@register.filter
def labels(values, kind: str) -> str:
    """Stored choice values of a snapshot (a list, or one value) as the programme's words."""
    if not values:
        return "–"
    if isinstance(values, str):
        values = [values]
    return "; ".join(choice_labels(values, _CHOICES[kind]))


@register.filter
def sought(item: dict) -> int:
    return sought_of(item)
