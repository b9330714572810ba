"""The inventory as the pages show it read-only: labelled rows per part, built from the data the
selectors already loaded (no queries of their own beyond the prefetched relations)."""

from django.utils.translation import gettext as _

from inventories.models import CurrentState, Goal, Intervention, TargetState


def _row(obj, name, kind="text", value=None):
    return {
        "field": name,
        "label": obj._meta.get_field(name).verbose_name,
        "kind": kind,
        "value": getattr(obj, name) if value is None else value,
    }


def part1(inventory) -> dict:
    state = inventory.current_state
    lines = list(inventory.budget_lines.all())
    total = sum(line.amount for line in lines)
    spent = sum(line.spent or 0 for line in lines)
    capital = inventory.round.start_capital
    return {
        "rows": [_row(state, name) for name in CurrentState.TEXT_FIELDS],
        "budget_lines": lines,
        "budget_total": total,
        "spent_total": spent,
        "start_capital": capital,
        "remaining": capital - total,
        "unspent": capital - spent,
        "over_by": max(total - capital, 0),
        "state": state,
    }


def part3(inventory) -> dict:
    state = inventory.target_state
    return {
        "rows": [_row(state, "target_state")],
        "effects": [_row(state, name) for name in TargetState.EFFECT_FIELDS],
        "short_term": [_row(state, "short_term_effects")],
        "state": state,
    }


def items_of(inventory, key):
    return list(inventory.interventions.all() if key == "intervention" else inventory.goals.all())


def _intervention(item: Intervention, number: int) -> dict:
    years = _years_of(item)
    return {
        "obj": item,
        "pk": item.pk,
        "number": number,
        "title": item.title,
        "rows": [
            _row(item, "description"),
            _row(item, "activity_areas", "list", item.get_activity_areas_display()),
            _row(item, "dimensions", "list", item.get_dimensions_display()),
            _row(item, "perspective_gender"),
            _row(item, "perspective_age"),
            _row(item, "perspective_background"),
            _row(item, "actors"),
            _row(item, "start_date", "date"),
            _row(item, "end_date", "date"),
            _row(item, "cost", "money"),
            _row(item, "priority", "text", item.get_priority_display()),
            _row(item, "effects", "list", item.get_effects_display()),
        ],
        "years": years,
        "year_table": {"rows": years},
    }


def _years_of(item) -> list[dict]:
    by_year = item.money_by_year()
    years = item.inventory.round.years if by_year else []
    return [
        {
            "year": year,
            "sought": by_year[year].sought if year in by_year else 0,
            "own": by_year[year].own if year in by_year else 0,
            "other": by_year[year].other if year in by_year else 0,
            "total": by_year[year].total if year in by_year else 0,
        }
        for year in years
    ]


def year_totals(inventory) -> dict:
    """Per programme year: what all interventions seek from the programme and co-finance."""
    totals = {
        year: {"year": year, "sought": 0, "own": 0, "other": 0, "total": 0}
        for year in inventory.round.years
    }
    for item in inventory.interventions.all():
        for row in item.years.all():
            entry = totals.setdefault(
                row.year, {"year": row.year, "sought": 0, "own": 0, "other": 0, "total": 0}
            )
            for name in ("sought", "own", "other"):
                entry[name] += getattr(row, name)
            entry["total"] += row.total
    rows = [totals[year] for year in sorted(totals)]
    summary = {"year": None, "sought": 0, "own": 0, "other": 0, "total": 0}
    for entry in rows:
        for name in ("sought", "own", "other", "total"):
            summary[name] += entry[name]
    return {"rows": rows, "sum": summary}


def _goal(goal: Goal, number: int, numbers: dict) -> dict:
    linked = [
        _("Insats %(n)s: %(title)s") % {"n": numbers[item.pk], "title": item.title}
        for item in sorted(goal.interventions.all(), key=lambda i: numbers.get(i.pk, 0))
        if item.pk in numbers
    ]
    return {
        "obj": goal,
        "pk": goal.pk,
        "number": number,
        "title": goal.goal if len(goal.goal) <= 80 else goal.goal[:79] + "…",
        "rows": [
            _row(goal, "goal"),
            _row(goal, "indicator"),
            _row(goal, "target_value"),
            _row(goal, "target_date", "date"),
            _row(goal, "effects", "list", goal.get_effects_display()),
            _row(goal, "dimensions", "list", goal.get_dimensions_display()),
            _row(goal, "follow_up", "list", goal.get_follow_up_display()),
            _row(goal, "interventions", "list", linked),
        ],
    }


def _numbers(inventory) -> dict:
    return {item.pk: n for n, item in enumerate(inventory.interventions.all(), start=1)}


def interventions(inventory) -> list[dict]:
    return [
        _intervention(item, number)
        for number, item in enumerate(inventory.interventions.all(), start=1)
    ]


def total_cost(inventory) -> int:
    return sum(item.cost or 0 for item in inventory.interventions.all())


def goals(inventory) -> list[dict]:
    numbers = _numbers(inventory)
    return [_goal(goal, number, numbers) for number, goal in enumerate(inventory.goals.all(), 1)]


def item(inventory, key, obj) -> dict:
    """One intervention or goal, numbered as in its list."""
    items = items_of(inventory, key)
    number = next((n for n, other in enumerate(items, start=1) if other.pk == obj.pk), 0)
    if key == "intervention":
        return _intervention(obj, number)
    return _goal(obj, number, _numbers(inventory))


def goals_linked_to(inventory, intervention) -> list[dict]:
    """The goals that name ``intervention`` (shown before it is removed)."""
    return [
        entry
        for entry in goals(inventory)
        if any(linked.pk == intervention.pk for linked in entry["obj"].interventions.all())
    ]
