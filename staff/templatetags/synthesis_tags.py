"""Links from a number in the synthesis to the interventions or goals behind it."""

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from inventories.models import ActivityArea, Dimension, Effect, FollowUp, Priority
from inventories.models.inventory import choice_labels
from portal import formatting
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


# The two tables with a row per region, built in one pass in Python: at 290 regions they are
# some 4,000 cells, each a link with the page's filter, and Django's template engine spends
# most of the page's time on them.


def _link(url: str, synthesis_filter, text, **overrides) -> str:
    query = synthesis_filter.query(**overrides)
    return format_html('<a href="{}">{}</a>', f"{url}?{query}" if query else url, text)


def _region_head(row) -> str:
    badge = ""
    if row.is_draft:
        badge = format_html(' <span class="badge text-bg-warning">{}</span>', gettext("utkast"))
    return format_html(
        '<th scope="row">{} {}{}</th>', row.region.code, row.region.name, mark_safe(badge)
    )


def _urls(round_slug: str) -> tuple[str, str]:
    prefix, urlconf = get_script_prefix(), get_urlconf()
    return (
        _view_url("synthesis_interventions", round_slug, prefix, urlconf),
        _view_url("synthesis_goals", round_slug, prefix, urlconf),
    )


@register.simple_tag
def area_matrix_rows(synthesis, round_slug) -> str:
    """The region × activity area matrix's body rows: a linked count and the sum per cell."""
    interventions, _goals = _urls(round_slug)
    flt = synthesis.filter
    rows = []
    for row in synthesis.rows:
        slug = row.region.slug
        cells = [
            format_html(
                '<td class="text-end">{}<br><span class="small">{}</span></td>',
                _link(interventions, flt, cell.count, region=slug, area=area)
                if cell.count
                else "0",
                formatting.kronor(cell.sought),
            )
            for area, cell in row.area_cells
        ]
        cells.append(
            format_html(
                '<td class="text-end"><strong>{}</strong><br><span class="small">{}</span></td>',
                _link(interventions, flt, row.total.count, region=slug),
                formatting.kronor(row.total.sought),
            )
        )
        rows.append(
            format_html(
                '<tr data-region="{}">{}{}</tr>',
                row.region.code,
                _region_head(row),
                mark_safe("".join(cells)),  # noqa: S308 - each cell built by format_html
            )
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - each row built by format_html


@register.simple_tag
def perspective_rows(synthesis, round_slug) -> str:
    """The intersectional perspective's body rows: interventions describing each ground and
    goals followed up by it, each count linked to the list behind it."""
    interventions, goals = _urls(round_slug)
    flt = synthesis.filter

    def cell(url, count, **overrides):
        text = _link(url, flt, count, **overrides) if count else "0"
        return format_html('<td class="text-end">{}</td>', text)

    rows = []
    for row in synthesis.rows:
        slug = row.region.slug
        cells = [
            format_html(
                '<td class="text-end">{}</td>',
                _link(interventions, flt, row.total.count, region=slug),
            )
        ]
        cells += [cell(interventions, n, region=slug, ground=g) for g, n in row.perspective_counts]
        cells.append(cell(goals, len(row.goals), region=slug))
        cells += [cell(goals, n, region=slug, ground=g) for g, n in row.follow_up_counts]
        rows.append(
            format_html(
                '<tr data-region="{}">{}{}</tr>',
                row.region.code,
                _region_head(row),
                mark_safe("".join(cells)),  # noqa: S308 - each cell built by format_html
            )
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - each row built by format_html
