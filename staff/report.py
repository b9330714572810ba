"""The synthesis report: a round's synthesis as a tagged PDF/A-2a, the basis for the report to the
ministry.

``synthesis_report_pdf(synthesis) -> bytes`` is a plain function of a ``Synthesis`` (testable
without a request): the programme summary (overview figures, the charts, the matrices) and then
one page per region (its interventions, amounts per year, goals and effects). It goes through
the same WeasyPrint path and fonts as the copy of record (``inventories.pdf.render_pdf`` with
its static-only fetcher); the charts are the page's own matplotlib SVG, inlined, so nothing is
fetched.
"""

import re
from collections.abc import Callable

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from inventories.models import ActivityArea, Dimension, Effect, FollowUp, Priority, TargetState
from inventories.models.inventory import choice_labels
from inventories.pdf import PDF_LANGUAGE, render_pdf
from portal.formatting import STOCKHOLM
from staff.charts import CHARTS
from staff.synthesis import PERSPECTIVE_FIELDS, Synthesis, filter_lines, sought_of

TEMPLATE = "staff/report/synthesis.html"
#: An XML declaration, a DOCTYPE and comments cannot stand inside HTML: cut them from the SVG.
_SVG_PROLOGUE = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->", re.S)

Progress = Callable[[int], None]


def _inline_svg(svg: str) -> str:
    return mark_safe(_SVG_PROLOGUE.sub("", svg).strip())  # noqa: S308 - our own matplotlib SVG


def _labels(values, choices) -> str:
    return ", ".join(choice_labels(values or [], choices)) or "–"


def _region_page(row, years) -> dict:
    """What one region's page shows (only the interventions and goals the filter counts)."""
    snapshot = row.source.snapshot
    titles = {item["number"]: item.get("title") or "" for item in row.source.interventions}
    by_year = {year: {"sought": 0, "own": 0, "other": 0} for year in years}
    interventions = []
    for item in row.interventions:
        for entry in item.get("years") or []:
            totals = by_year.setdefault(entry["year"], {"sought": 0, "own": 0, "other": 0})
            for name in totals:
                totals[name] += entry.get(name, 0) or 0
        interventions.append(
            {
                "number": item["number"],
                "title": item.get("title") or "",
                "areas": _labels(item.get("activity_areas"), ActivityArea),
                "dimensions": _labels(item.get("dimensions"), Dimension),
                "effects": _labels(item.get("effects"), Effect),
                "priority": _labels([item["priority"]] if item.get("priority") else [], Priority),
                "perspective": _labels(
                    [g for g, name in PERSPECTIVE_FIELDS.items() if (item.get(name) or "").strip()],
                    FollowUp,
                ),
                "sought": sought_of(item),
            }
        )
    goals = [
        {
            "number": goal.get("number"),
            "goal": goal.get("goal") or "",
            "indicator": goal.get("indicator") or "",
            "target_value": goal.get("target_value") or "",
            "effects": _labels(goal.get("effects"), Effect),
            "follow_up": _labels(goal.get("follow_up"), FollowUp),
            "interventions": "; ".join(
                f"{n} {titles.get(n, '')}".strip() for n in goal.get("interventions") or []
            ),
        }
        for goal in row.goals
    ]
    part3 = snapshot["part3"]
    effect_texts = [
        {
            "label": str(getattr(TargetState._meta.get_field(name), "verbose_name", name)),
            "value": part3[name],
        }
        for name in TargetState.EFFECT_FIELDS
        if (part3.get(name) or "").strip()
    ]
    return {
        "region": row.region,
        "is_draft": row.is_draft,
        "version": getattr(row.source.version, "number", None),
        "interventions": interventions,
        "total": row.total,
        "years": [
            {"year": year, **amounts, "cofinancing": amounts["own"] + amounts["other"]}
            for year, amounts in sorted(by_year.items())
        ],
        "target_state": part3.get("target_state") or "",
        "effect_texts": effect_texts,
        "goals": goals,
        "budget_planned": row.budget_planned,
        "budget_spent": row.budget_spent,
    }


def synthesis_report_context(synthesis: Synthesis, *, progress: Progress | None = None) -> dict:
    """Everything the report shows, in the active language."""
    report = progress or (lambda _percent: None)
    charts = []
    for _name, (draw, describe) in CHARTS.items():
        charts.append({"svg": _inline_svg(draw(synthesis)), "description": describe(synthesis)})
    report(40)
    years = [row.year for row in synthesis.years]
    title = _("Sammanställning – %(round)s") % {"round": synthesis.round.name}
    return {
        "title": title,
        "s": synthesis,
        "round": synthesis.round,
        "created": timezone.localtime(timezone.now(), STOCKHOLM),
        "filter_lines": filter_lines(
            synthesis.filter, {row.region.slug: row.region.name for row in synthesis.rows}
        ),
        "charts": charts,
        "regions": [_region_page(row, years) for row in synthesis.rows],
    }


def synthesis_report_html(synthesis: Synthesis, *, progress: Progress | None = None) -> str:
    with translation.override(PDF_LANGUAGE):
        return render_to_string(TEMPLATE, synthesis_report_context(synthesis, progress=progress))


def synthesis_report_pdf(synthesis: Synthesis, *, progress: Progress | None = None) -> bytes:
    """The tagged PDF/A-2a synthesis report of ``synthesis``. ``progress(percent)`` is told how
    far it has come (charts drawn: 40, HTML ready: 50; the PDF itself is one step)."""
    html = synthesis_report_html(synthesis, progress=progress)
    if progress:
        progress(50)
    return render_pdf(html)
