"""What changed between two submitted versions of an inventory, read from their snapshots.

``version_diff(old, new)`` compares two snapshots (``InventoryVersion.snapshot``): the texts of
Del 1 and Del 3 field by field, the budget lines, and the interventions and goals matched by their
``id`` in the snapshot (added, removed, or changed with each field's old and new value).
Snapshots of any schema compare: a field that the older version's schema did not have (e.g.
money per year, added in schema 2) shows as added (``FieldChange.added``), never as removed.
Renumbering alone (an item moved or an earlier one removed) is not a change of the item; its old
number is kept so the page can say "tidigare nr 3".
"""

import datetime
import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from inventories.models import (
    ActivityArea,
    CurrentState,
    Dimension,
    Effect,
    FollowUp,
    Goal,
    Intervention,
    Priority,
    TargetState,
)
from portal.formatting import kronor

INTERVENTION_DIFF_FIELDS = (*Intervention.CONTENT_FIELDS, "years")
GOAL_DIFF_FIELDS = (
    "goal",
    "indicator",
    "target_value",
    "target_date",
    "effects",
    "dimensions",
    "follow_up",
    "interventions",
)
DATE_FIELDS = {"start_date", "end_date", "target_date"}
MONEY_FIELDS = {"cost", "amount", "budget_total", "total_cost"}
CHOICE_LABELS = {
    "activity_areas": ActivityArea,
    "dimensions": Dimension,
    "effects": Effect,
    "follow_up": FollowUp,
}


def _years_display(entries) -> str:
    lines = []
    for entry in entries:
        lines.append(
            _("%(year)s: söks %(sought)s, egen medfinansiering %(own)s, annan %(other)s")
            % {
                "year": entry.get("year"),
                "sought": kronor(entry.get("sought") or 0),
                "own": kronor(entry.get("own") or 0),
                "other": kronor(entry.get("other") or 0),
            }
        )
    return "\n".join(lines)


def display_value(name: str, value) -> str:
    """A field's value as staff read it (labels for choices, dates and amounts in Swedish)."""
    if value is None or value == "" or value == []:
        return ""
    if name in CHOICE_LABELS:
        labels = dict(CHOICE_LABELS[name].choices)
        return "; ".join(str(labels.get(v, v)) for v in value)
    if name == "priority":
        return str(dict(Priority.choices).get(value, value))
    if name == "years":
        return _years_display(value)
    if name in DATE_FIELDS:
        try:
            return formats.date_format(datetime.date.fromisoformat(value), "j F Y")
        except (TypeError, ValueError):
            return str(value)
    if name in MONEY_FIELDS:
        return kronor(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def word_segments(old: str, new: str) -> list[tuple[str, str]]:
    """``[(op, text)]`` with op ``equal``/``delete``/``insert``: a word-level diff of two texts."""
    a = re.split(r"(\s+)", old or "")
    b = re.split(r"(\s+)", new or "")
    segments = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(("equal", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            segments.append(("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            segments.append(("insert", "".join(b[j1:j2])))
    return [(op, text) for op, text in segments if text]


@dataclass
class FieldChange:
    field: str
    label: str
    old: Any
    new: Any
    #: The older version's schema had no such field: the value is new, not changed.
    added: bool = False

    @property
    def old_display(self) -> str:
        return display_value(self.field, self.old)

    @property
    def new_display(self) -> str:
        return display_value(self.field, self.new)

    @property
    def is_text(self) -> bool:
        texts = isinstance(self.old, str) and isinstance(self.new, str)
        return texts and self.field not in DATE_FIELDS

    @property
    def segments(self) -> list[tuple[str, str]]:
        return word_segments(self.old, self.new) if self.is_text else []


@dataclass
class ItemChange:
    """One intervention or goal: ``added``, ``removed`` or ``changed`` (with its fields)."""

    kind: str
    id: int
    number: int
    title: str
    old_number: int | None = None
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def renumbered(self) -> bool:
        return self.kind == "changed" and self.old_number not in (None, self.number)


@dataclass
class BudgetChange:
    kind: str  # added, removed, changed
    description: str
    old_amount: int | None = None
    new_amount: int | None = None
    old_spent: int | None = None
    new_spent: int | None = None

    @staticmethod
    def _display(amount, spent) -> str:
        text = kronor(amount)
        if amount is not None and spent is not None:
            text += " " + _("(använt %(spent)s)") % {"spent": kronor(spent)}
        return text

    @property
    def old_display(self) -> str:
        return self._display(self.old_amount, self.old_spent)

    @property
    def new_display(self) -> str:
        return self._display(self.new_amount, self.new_spent)


@dataclass
class TotalChange:
    label: str
    old: int
    new: int

    @property
    def old_display(self) -> str:
        return kronor(self.old)

    @property
    def new_display(self) -> str:
        return kronor(self.new)


@dataclass
class VersionDiff:
    old_number: int | None
    new_number: int | None
    part1: list[FieldChange] = field(default_factory=list)
    budget: list[BudgetChange] = field(default_factory=list)
    interventions: list[ItemChange] = field(default_factory=list)
    part3: list[FieldChange] = field(default_factory=list)
    goals: list[ItemChange] = field(default_factory=list)
    totals: list[TotalChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.part1 or self.budget or self.interventions or self.part3 or self.goals)

    @property
    def change_count(self) -> int:
        return (
            len(self.part1)
            + len(self.budget)
            + len(self.interventions)
            + len(self.part3)
            + len(self.goals)
        )


def _label(model, name) -> str:
    if model is Goal and name == "interventions":
        return str(Goal._meta.get_field("interventions").verbose_name)
    if model is Intervention and name == "years":
        return str(_("Pengar per år"))
    return str(model._meta.get_field(name).verbose_name)


def _field_change(model, name, before: dict, after: dict, empty=None) -> FieldChange | None:
    """The change of one field, or None; a field the older snapshot lacks counts as added."""
    old, new = before.get(name, empty), after.get(name, empty)
    if old == new or (name not in before and new in (None, "", [])):
        return None
    return FieldChange(name, _label(model, name), old, new, added=name not in before)


def _text_changes(model, names, old: dict, new: dict) -> list[FieldChange]:
    changes = (_field_change(model, name, old, new, "") for name in names)
    return [change for change in changes if change is not None]


def _budget_changes(old_lines, new_lines) -> list[BudgetChange]:
    """Budget lines have no id: match them by description (in order), then compare amounts."""
    remaining = list(old_lines)
    changes = []
    for line in new_lines:
        match = next(
            (i for i, o in enumerate(remaining) if o["description"] == line["description"]), None
        )
        if match is None:
            changes.append(
                BudgetChange(
                    "added", line["description"], None, line["amount"], None, line.get("spent")
                )
            )
            continue
        old = remaining.pop(match)
        if (old["amount"], old.get("spent")) != (line["amount"], line.get("spent")):
            changes.append(
                BudgetChange(
                    "changed",
                    line["description"],
                    old["amount"],
                    line["amount"],
                    old.get("spent"),
                    line.get("spent"),
                )
            )
    for old in remaining:
        changes.append(
            BudgetChange("removed", old["description"], old["amount"], None, old.get("spent"))
        )
    return changes


def _intervention_names(snapshot) -> dict[int, tuple[int, str]]:
    """Number in that version → (id, title), to compare goals' links across renumbering."""
    return {
        item["number"]: (item["id"], item["title"])
        for item in snapshot.get("part2", {}).get("interventions", [])
    }


def _goal_links(goal, names) -> list[int]:
    return sorted(names[n][0] for n in goal.get("interventions", []) if n in names)


def _goal_links_display(goal, names) -> str:
    return "; ".join(
        _("Insats %(number)s (%(title)s)") % {"number": n, "title": names[n][1]}
        for n in sorted(goal.get("interventions", []))
        if n in names
    )


def _item_changes(old_items, new_items, title_key, compare) -> list[ItemChange]:
    old_by_id = {item["id"]: item for item in old_items}
    new_ids = {item["id"] for item in new_items}
    changes = []
    for item in new_items:
        title = item.get(title_key, "")
        before = old_by_id.get(item["id"])
        if before is None:
            changes.append(ItemChange("added", item["id"], item["number"], title))
            continue
        fields = compare(before, item)
        if fields:
            changes.append(
                ItemChange("changed", item["id"], item["number"], title, before["number"], fields)
            )
    for item in old_items:
        if item["id"] not in new_ids:
            changes.append(
                ItemChange("removed", item["id"], item["number"], item.get(title_key, ""))
            )
    return changes


def version_diff(old: dict, new: dict) -> VersionDiff:
    """The changes from snapshot ``old`` to snapshot ``new`` (two versions of one inventory)."""
    diff = VersionDiff(old_number=old.get("version"), new_number=new.get("version"))
    p1_old, p1_new = old.get("part1", {}), new.get("part1", {})
    diff.part1 = _text_changes(CurrentState, CurrentState.TEXT_FIELDS, p1_old, p1_new)
    diff.budget = _budget_changes(p1_old.get("budget_lines", []), p1_new.get("budget_lines", []))

    def compare_interventions(before, after):
        changes = (
            _field_change(Intervention, name, before, after) for name in INTERVENTION_DIFF_FIELDS
        )
        return [change for change in changes if change is not None]

    p2_old, p2_new = old.get("part2", {}), new.get("part2", {})
    diff.interventions = _item_changes(
        p2_old.get("interventions", []),
        p2_new.get("interventions", []),
        "title",
        compare_interventions,
    )

    names_old, names_new = _intervention_names(old), _intervention_names(new)

    def compare_goals(before, after):
        changes = []
        for name in GOAL_DIFF_FIELDS:
            if name == "interventions":
                if _goal_links(before, names_old) != _goal_links(after, names_new):
                    changes.append(
                        FieldChange(
                            name,
                            _label(Goal, name),
                            _goal_links_display(before, names_old),
                            _goal_links_display(after, names_new),
                        )
                    )
            elif (change := _field_change(Goal, name, before, after)) is not None:
                changes.append(change)
        return changes

    p3_old, p3_new = old.get("part3", {}), new.get("part3", {})
    diff.part3 = _text_changes(TargetState, TargetState.TEXT_FIELDS, p3_old, p3_new)
    diff.goals = _item_changes(
        p3_old.get("goals", []), p3_new.get("goals", []), "goal", compare_goals
    )

    totals = [
        (_("Budget totalt"), p1_old.get("budget_total", 0), p1_new.get("budget_total", 0)),
        (_("Insatsernas totala kostnad"), p2_old.get("total_cost", 0), p2_new.get("total_cost", 0)),
    ]
    if "spent_total" in p1_new:
        totals.append(
            (_("Använt av startkapitalet"), p1_old.get("spent_total"), p1_new["spent_total"])
        )
    years_old = {e["year"]: e for e in p2_old.get("year_totals", [])}
    for entry in p2_new.get("year_totals", []):
        before = years_old.get(entry["year"], {}).get("sought")
        if before is None and not entry["sought"]:
            continue
        label = _("Söks från programmet %(year)s") % {"year": entry["year"]}
        totals.append((label, before, entry["sought"]))
    for label, before, after in totals:
        if before != after:
            diff.totals.append(TotalChange(label, before, after))
    return diff
