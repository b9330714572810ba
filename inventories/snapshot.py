"""The canonical JSON of an inventory: what a submitted version stores and hashes.

``inventory_snapshot`` reads the live inventory into plain data; ``canonical_json`` turns it into
the exact text that is stored and hashed (sorted keys, no insignificant whitespace, UTF-8).
The same data always gives the same bytes, so a version's SHA-256 can be recomputed at any time.
"""

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

#: 1: the first versions (2019). 2: money per year, priority and effects per intervention,
#: effects, dimensions and follow-up per goal, the current state through the intersectional
#: perspective, spent start capital. 3: the registration number (diarienummer), empty when the
#: inventory had none. 4: the attachments (name, kind, description, type, size, SHA-256 of
#: each clean file). Readers use ``.get`` for every key added after schema 1,
#: so a stored version of any schema still renders; nothing stored is ever rewritten.
SCHEMA_VERSION = 4


def schema_of(snapshot: dict) -> int:
    return int(snapshot.get("schema") or 1)


def canonical_json(data: dict) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _iso(value):
    return value.isoformat() if value is not None else None


def _year_totals(round_, interventions) -> list[dict]:
    totals = {year: {"year": year, "sought": 0, "own": 0, "other": 0} for year in round_.years}
    for item in interventions:
        for row in item.years.all():
            entry = totals.setdefault(
                row.year, {"year": row.year, "sought": 0, "own": 0, "other": 0}
            )
            for name in ("sought", "own", "other"):
                entry[name] += getattr(row, name)
    return [totals[year] for year in sorted(totals)]


def attachments_snapshot(inventory) -> list[dict]:
    """Each clean attachment as the version records it (being checked or quarantined: none)."""
    from inventories.models import Attachment

    rows: Iterable[Any]
    if "attachments" in getattr(inventory, "_prefetched_objects_cache", {}):
        # Loaded with the inventory (e.g. the synthesis over many drafts): no query per inventory.
        rows = sorted(
            (row for row in inventory.attachments.all() if row.status == Attachment.Status.CLEAN),
            key=lambda row: (row.uploaded_at, row.pk),
        )
    else:
        rows = Attachment.objects.filter(
            inventory=inventory, status=Attachment.Status.CLEAN
        ).order_by("uploaded_at", "id")
    return [
        {
            "id": row.pk,
            "name": row.original_name,
            "kind": row.kind,
            "description": row.description,
            "content_type": row.content_type,
            "size": row.size,
            "sha256": row.sha256,
        }
        for row in rows
    ]


def inventory_snapshot(inventory, *, number, submitted_at, submitted_by) -> dict:
    """All three parts of ``inventory`` as plain data, with the submission's own facts.

    Expects ``inventory`` loaded with ``inventories.selectors.inventory_with_parts`` (or it will
    run a few extra queries, never one per intervention).
    """
    round_ = inventory.round
    region = inventory.region
    current = inventory.current_state
    target = inventory.target_state
    budget_lines = list(inventory.budget_lines.all())
    interventions = list(inventory.interventions.all())
    goals = list(inventory.goals.all())
    number_of = {item.pk: index for index, item in enumerate(interventions, start=1)}

    return {
        "schema": SCHEMA_VERSION,
        "round": {
            "slug": round_.slug,
            "name": round_.name,
            "programme": round_.programme,
            "deadline": _iso(round_.deadline),
            "start_capital": round_.start_capital,
            "period_start": _iso(round_.period_start),
            "period_end": _iso(round_.period_end),
            "years": list(round_.years),
            "desired_end_state": round_.desired_end_state,
        },
        "region": {"code": region.code, "name": region.name, "county": region.county_name},
        "registration_number": inventory.registration_number,
        "version": number,
        "submitted_at": _iso(timezone.localtime(submitted_at)),
        "submitted_by": {"name": submitted_by.full_name, "email": submitted_by.email},
        "effective_deadline": _iso(timezone.localtime(inventory.effective_deadline)),
        "part1": {
            **{field: getattr(current, field) for field in current.TEXT_FIELDS},
            "budget_lines": [
                {"description": line.description, "amount": line.amount, "spent": line.spent}
                for line in budget_lines
            ],
            "budget_total": sum(line.amount for line in budget_lines),
            "spent_total": sum(line.spent or 0 for line in budget_lines),
        },
        "part2": {
            "interventions": [
                {
                    "id": item.pk,
                    "number": number_of[item.pk],
                    "title": item.title,
                    "description": item.description,
                    "activity_areas": list(item.activity_areas),
                    "dimensions": list(item.dimensions),
                    "perspective_gender": item.perspective_gender,
                    "perspective_age": item.perspective_age,
                    "perspective_background": item.perspective_background,
                    "actors": item.actors,
                    "start_date": _iso(item.start_date),
                    "end_date": _iso(item.end_date),
                    "cost": item.cost,
                    "priority": item.priority,
                    "effects": list(item.effects),
                    "years": [
                        {"year": row.year, "sought": row.sought, "own": row.own, "other": row.other}
                        for row in sorted(item.years.all(), key=lambda row: row.year)
                    ],
                }
                for item in interventions
            ],
            "total_cost": sum(item.cost or 0 for item in interventions),
            "year_totals": _year_totals(round_, interventions),
        },
        "part3": {
            **{field: getattr(target, field) for field in target.TEXT_FIELDS},
            "goals": [
                {
                    "id": goal.pk,
                    "number": index,
                    "goal": goal.goal,
                    "indicator": goal.indicator,
                    "target_value": goal.target_value,
                    "target_date": _iso(goal.target_date),
                    "effects": list(goal.effects),
                    "dimensions": list(goal.dimensions),
                    "follow_up": list(goal.follow_up),
                    "interventions": sorted(
                        number_of[i.pk] for i in goal.interventions.all() if i.pk in number_of
                    ),
                }
                for index, goal in enumerate(goals, start=1)
            ],
        },
        "attachments": attachments_snapshot(inventory),
    }
