"""Full-text search across a round's inventories, for staff.

What is searched is the same as what the synthesis counts: each region's latest submitted
version (the record), plus the live drafts when asked for, marked. The texts come out of the
stored snapshots (JSON), not out of table columns, so on PostgreSQL they are handed to the
database in one statement (``unnest`` of a text array) and matched with the Swedish
configuration (``to_tsvector``/``websearch_to_tsquery``/``ts_headline``: "utmaning" finds
"utmaningar"). On SQLite (local development) a plain case-insensitive substring match stands in.

Hits are highlighted with ``<mark>``; everything else in a text is escaped, whatever the region
wrote.
"""

import re
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from inventories.models import CurrentState, Intervention, TargetState
from staff.synthesis import SynthesisFilter, synthesis_sources

SEARCH_CONFIG = "swedish"
#: Markers around a hit that no text contains; replaced by <mark> after escaping.
START, STOP = "\x02", "\x03"
HEADLINE_OPTIONS = f"StartSel={START}, StopSel={STOP}, MaxWords=35, MinWords=15, MaxFragments=3"
INTERVENTION_TEXTS = Intervention.TEXT_FIELDS


@dataclass
class Text:
    """One searchable text of one region's inventory and where it is."""

    source: object
    part: str
    label: str
    text: str


@dataclass
class Hit:
    text: Text
    headline: SafeString


def _label(model, name) -> str:
    return str(model._meta.get_field(name).verbose_name)


def inventory_texts(source) -> list[Text]:
    """Every non-empty free text of a source's snapshot, labelled with its part and field."""
    snapshot = source.snapshot
    texts = []
    part1, part2, part3 = snapshot["part1"], snapshot["part2"], snapshot["part3"]
    for name in CurrentState.TEXT_FIELDS:
        texts.append(Text(source, _("Del 1"), _label(CurrentState, name), part1.get(name) or ""))
    for item in part2.get("interventions", []):
        for name in INTERVENTION_TEXTS:
            label = f"{_('Insats')} {item['number']}: {_label(Intervention, name)}"
            texts.append(Text(source, _("Del 2"), label, item.get(name) or ""))
    for name in TargetState.TEXT_FIELDS:
        texts.append(Text(source, _("Del 3"), _label(TargetState, name), part3.get(name) or ""))
    for goal in part3.get("goals", []):
        for name, label in (("goal", _("Mål")), ("indicator", _("Indikator"))):
            texts.append(
                Text(source, _("Del 3"), f"{label} {goal['number']}", goal.get(name) or "")
            )
    return [text for text in texts if text.text.strip()]


def _marked(headline: str) -> SafeString:
    return mark_safe(  # noqa: S308 - escaped first, only our own markers become tags
        escape(headline).replace(START, "<mark>").replace(STOP, "</mark>")
    )


def _match_postgresql(texts: list[str], query: str) -> dict[int, str]:
    """``{index: headline}`` of the texts that match ``query`` (one statement)."""
    sql = """
        SELECT item.position - 1, ts_headline(%s::regconfig, item.body, q.query, %s)
        FROM unnest(%s::text[]) WITH ORDINALITY AS item(body, position),
             websearch_to_tsquery(%s::regconfig, %s) AS q(query)
        WHERE to_tsvector(%s::regconfig, item.body) @@ q.query
        ORDER BY item.position
    """
    params: list[Any] = [
        SEARCH_CONFIG,
        HEADLINE_OPTIONS,
        texts,
        SEARCH_CONFIG,
        query,
        SEARCH_CONFIG,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def _match_simple(texts: list[str], query: str) -> dict[int, str]:
    """The fallback without PostgreSQL: every word of ``query`` as a case-insensitive substring;
    the headline is the text around the first hit, all hits marked."""
    words = [word for word in query.split() if word]
    if not words:
        return {}
    pattern = re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)
    hits = {}
    for index, body in enumerate(texts):
        folded = body.casefold()
        if not all(word.casefold() in folded for word in words):
            continue
        first = pattern.search(body)
        start = max(0, first.start() - 120) if first else 0
        excerpt = body[start : start + 300]
        excerpt = pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", excerpt)
        hits[index] = ("…" if start else "") + excerpt + ("…" if start + 300 < len(body) else "")
    return hits


def round_search(round_, query: str, *, synthesis_filter: SynthesisFilter | None = None):
    """The texts of the round's inventories that match ``query``, in region order."""
    query = (query or "").strip()
    if not query:
        return []
    flt = synthesis_filter or SynthesisFilter()
    texts = []
    for source in synthesis_sources(round_, drafts=flt.drafts):
        if source.snapshot is None or (flt.region and source.region.slug != flt.region):
            continue
        texts.extend(inventory_texts(source))
    bodies = [text.text for text in texts]
    if connection.vendor == "postgresql":
        matches = _match_postgresql(bodies, query)
    else:
        matches = _match_simple(bodies, query)
    return [Hit(texts[index], _marked(headline)) for index, headline in sorted(matches.items())]
