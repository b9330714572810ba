"""The synthesis of a round: what the regions' inventories say together.

The source of every number is each region's LATEST submitted version (the snapshot stored and
hashed at submission, the same record the exports read), so the synthesis agrees exactly with
the per-region pages and the workbook. Only when the filter asks for drafts does an inventory
that is being edited (utkast, återsänd) contribute its live content instead, marked as a draft.

An intervention counts once in every activity area, dimension and effect it names: the columns
of a breakdown do not add up to the number of interventions, the "Totalt" column does.

Runs a fixed number of queries whatever the number of regions: the three of
``staff.selectors.export_rows`` and, with drafts, the few of ``inventory_with_parts``.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlencode

import orjson
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventories.models import (
    ActivityArea,
    CurrentState,
    Dimension,
    Effect,
    FollowUp,
    Inventory,
    Priority,
    Round,
    TargetState,
)
from inventories.models.inventory import choice_labels
from inventories.selectors import inventory_with_parts
from inventories.snapshot import inventory_snapshot
from portal.collector import cyclic_gc_paused
from regions.models import Region
from staff.selectors import NOT_STARTED, export_rows

SUBMITTED = "submitted"
IN_PROGRESS = "in_progress"

#: How the synthesis groups the inventories' statuses.
STATUS_GROUPS = [
    (SUBMITTED, _("Inskickad")),
    (IN_PROGRESS, _("Pågår")),
    (NOT_STARTED, _("Ej påbörjad")),
]
STATUS_GROUP_OF: dict[str, str] = {
    Inventory.Status.SUBMITTED: SUBMITTED,
    Inventory.Status.ACCEPTED: SUBMITTED,
    Inventory.Status.DRAFT: IN_PROGRESS,
    Inventory.Status.RETURNED: IN_PROGRESS,
}
NO_PRIORITY = "none"
#: How many of the goals leading to an effect the page lists by name.
GOAL_PREVIEW = 10
#: The three grounds of the intersectional perspective and the intervention field for each.
PERSPECTIVE_FIELDS: dict[str, str] = {
    FollowUp.GENDER: "perspective_gender",
    FollowUp.AGE: "perspective_age",
    FollowUp.BACKGROUND: "perspective_background",
}


@dataclass(frozen=True)
class SynthesisFilter:
    """What to count. Empty strings mean "all"; ``drafts`` adds the live drafts."""

    region: str = ""  # region slug
    area: str = ""
    dimension: str = ""
    effect: str = ""
    priority: str = ""  # a Priority value or NO_PRIORITY
    status: str = ""  # a status group
    ground: str = ""  # a FollowUp value: interventions describing it, goals followed up by it
    drafts: bool = False

    @property
    def narrows_items(self) -> bool:
        return bool(self.area or self.dimension or self.effect or self.priority or self.ground)

    def query(self, **overrides) -> str:
        """This filter with ``overrides`` as a URL query string (empty values left out)."""
        # Not dataclasses.asdict: it deep-copies, and the page builds thousands of these links.
        values = {name: getattr(self, name) for name in FILTER_FIELDS}
        values.update(overrides)
        return urlencode(
            {name: ("on" if value is True else value) for name, value in values.items() if value}
        )

    @classmethod
    def from_query(cls, query: str) -> "SynthesisFilter":
        """The filter that ``query()`` wrote (unknown names ignored, as a form would)."""
        values = QueryDict(query)
        text = {name: values.get(name, "") for name in cls.__dataclass_fields__ if name != "drafts"}
        return cls(**text, drafts=values.get("drafts") == "on")

    def item_matches(self, item: dict) -> bool:
        if self.area and self.area not in (item.get("activity_areas") or []):
            return False
        if self.dimension and self.dimension not in (item.get("dimensions") or []):
            return False
        if self.effect and self.effect not in (item.get("effects") or []):
            return False
        if self.priority and (item.get("priority") or NO_PRIORITY) != self.priority:
            return False
        if self.ground and not (item.get(PERSPECTIVE_FIELDS.get(self.ground, "")) or "").strip():
            return False
        return True

    def goal_matches(self, goal: dict, matching_numbers: set[int]) -> bool:
        """A goal counts when its own effect and dimension match and, if the filter narrows the
        interventions by area or priority, when it is reached through a matching intervention."""
        if self.dimension and self.dimension not in (goal.get("dimensions") or []):
            return False
        if self.effect and self.effect not in (goal.get("effects") or []):
            return False
        if self.ground and self.ground not in (goal.get("follow_up") or []):
            return False
        if self.area or self.priority:
            return bool(matching_numbers & set(goal.get("interventions") or []))
        return True


def filter_lines(flt: SynthesisFilter, region_names: dict[str, str]) -> list[str]:
    """The filter in words, one "name: value" per narrowing choice (``region_names``: by slug)."""
    lines = []
    for label, value, choices in (
        (_("Region"), flt.region, None),
        (_("Insatsområde"), flt.area, ActivityArea),
        (_("Hållbarhetsdimension"), flt.dimension, Dimension),
        (_("Effekt på lång sikt"), flt.effect, Effect),
        (_("Prioritet"), flt.priority, Priority),
        (_("Intersektionellt perspektiv"), flt.ground, FollowUp),
    ):
        if value:
            if choices is None:
                shown = region_names.get(value, value)
            elif value == NO_PRIORITY and choices is Priority:
                shown = str(_("Ej angiven"))
            else:
                shown = ", ".join(choice_labels([value], choices))
            lines.append(f"{label}: {shown}")
    if flt.status:
        status = dict(STATUS_GROUPS).get(flt.status, flt.status)
        lines.append(f"{_('Status')}: {status}")
    if flt.drafts:
        lines.append(str(_("Utkast räknas med och är markerade.")))
    return lines


#: The filter's fields in the order of its query strings.
FILTER_FIELDS = tuple(SynthesisFilter.__dataclass_fields__)


def sought_of(item: dict) -> int:
    """What one intervention seeks from the programme over all years (0 for schema 1)."""
    return sum(entry.get("sought", 0) or 0 for entry in item.get("years") or [])


@dataclass
class Source:
    """One region in the synthesis: its inventory and the snapshot its numbers come from."""

    region: Region
    inventory: Inventory | None
    snapshot: dict | None
    version: object | None = None
    is_draft: bool = False

    @property
    def status_group(self) -> str:
        if self.inventory is None:
            return NOT_STARTED
        return STATUS_GROUP_OF[self.inventory.status]

    @property
    def interventions(self) -> list[dict]:
        return self.snapshot["part2"]["interventions"] if self.snapshot else []

    @property
    def goals(self) -> list[dict]:
        return self.snapshot["part3"]["goals"] if self.snapshot else []


def _draft_snapshots(round_, inventory_ids) -> dict[int, dict]:
    """The live content of the inventories being edited, as snapshot data (a fixed number of
    queries). Nothing is stored: a draft has no version number and no submitter."""
    if not inventory_ids:
        return {}
    nobody = SimpleNamespace(full_name="", email="")
    drafts = inventory_with_parts(Inventory.objects.filter(pk__in=inventory_ids)).prefetch_related(
        "attachments"
    )
    return {
        inventory.pk: inventory_snapshot(
            inventory, number=None, submitted_at=timezone.now(), submitted_by=nobody
        )
        for inventory in drafts
    }


def synthesis_sources(round_, *, drafts: bool = False, rows=None, only=None) -> list[Source]:
    """Every active region with the snapshot its numbers come from (``None``: nothing yet).
    ``rows`` are ``export_rows(round_)`` when the caller has them already (the exports);
    ``only``: just the regions with these slugs (the others' snapshots are not read)."""
    if rows is None:
        rows = export_rows(round_)
    if only is not None:
        rows = [row for row in rows if row.region.slug in only]
    live = {}
    if drafts:
        editable = [
            row.inventory.pk
            for row in rows
            if row.inventory is not None and row.inventory.status in Inventory.EDITABLE_STATUSES
        ]
        live = _draft_snapshots(round_, editable)
    sources = []
    with cyclic_gc_paused():
        for row in rows:
            inventory = row.inventory
            if inventory is not None and inventory.pk in live:
                sources.append(Source(row.region, inventory, live[inventory.pk], None, True))
            else:
                sources.append(
                    Source(row.region, inventory, _parse(row.version), row.version, False)
                )
    return sources


def _parse(version) -> dict | None:
    # orjson: parsing the snapshots is most of the page's time at hundreds of regions.
    return None if version is None else orjson.loads(version.snapshot_json)


@dataclass
class Cell:
    """A number of interventions (or goals) and what they seek from the programme."""

    count: int = 0
    sought: int = 0

    def add(self, item: dict, sought: int | None = None) -> None:
        """Count ``item``; ``sought``: its ``sought_of`` when the caller has it already."""
        self.count += 1
        self.sought += sought_of(item) if sought is None else sought


@dataclass
class YearRow:
    year: int
    sought: int = 0
    own: int = 0
    other: int = 0

    @property
    def cofinancing(self) -> int:
        return self.own + self.other

    @property
    def total(self) -> int:
        return self.sought + self.own + self.other


@dataclass
class RegionRow:
    """One region's line in the matrices."""

    source: Source
    interventions: list[dict] = field(default_factory=list)
    goals: list[dict] = field(default_factory=list)
    areas: dict[str, Cell] = field(default_factory=dict)
    total: Cell = field(default_factory=Cell)
    perspective: dict[str, int] = field(default_factory=dict)
    follow_up: dict[str, int] = field(default_factory=dict)
    budget_planned: int = 0
    budget_spent: int = 0

    @property
    def region(self):
        return self.source.region

    @property
    def is_draft(self) -> bool:
        return self.source.is_draft

    @property
    def area_cells(self) -> list[tuple[str, Cell]]:
        return [(value, self.areas[value]) for value in ActivityArea.values]

    @property
    def perspective_counts(self) -> list[tuple[str, int]]:
        return [(value, self.perspective[value]) for value in FollowUp.values]

    @property
    def follow_up_counts(self) -> list[tuple[str, int]]:
        return [(value, self.follow_up[value]) for value in FollowUp.values]


@dataclass
class Breakdown:
    """One value of a choice (an area, a dimension, an effect, a priority) and what names it."""

    value: str
    label: str
    interventions: Cell = field(default_factory=Cell)
    goals: int = 0
    regions: list = field(default_factory=list)
    goal_list: list[tuple] = field(default_factory=list)  # (region, goal dict)
    _region_ids: set = field(default_factory=set, repr=False)

    @property
    def goal_preview(self) -> list[tuple]:
        """The first goals that lead here (the page lists these; the list view has them all)."""
        return self.goal_list[:GOAL_PREVIEW]

    @property
    def goals_not_previewed(self) -> int:
        return max(0, len(self.goal_list) - GOAL_PREVIEW)

    def add_region(self, region) -> None:
        # A set beside the list: comparing model instances one by one grows with the square of
        # the regions (seconds at 290 regions).
        if region.pk not in self._region_ids:
            self._region_ids.add(region.pk)
            self.regions.append(region)


@dataclass
class Synthesis:
    round: Round
    filter: SynthesisFilter
    status_counts: list[tuple[str, str, int]]
    rows: list[RegionRow]
    years: list[YearRow]
    areas: list[Breakdown]
    dimensions: list[Breakdown]
    effects: list[Breakdown]
    priorities: list[Breakdown]
    perspective_total: dict[str, int]
    follow_up_total: dict[str, int]
    #: The regions left by the region and status filters, counted or not (the exports' list).
    sources: list[Source] = field(default_factory=list)

    @property
    def regions_counted(self) -> int:
        return len(self.rows)

    @property
    def drafts_counted(self) -> int:
        return sum(1 for row in self.rows if row.is_draft)

    @property
    def interventions(self) -> int:
        return sum(row.total.count for row in self.rows)

    @property
    def goals(self) -> int:
        return sum(len(row.goals) for row in self.rows)

    @property
    def sought(self) -> int:
        return sum(year.sought for year in self.years)

    @property
    def own(self) -> int:
        return sum(year.own for year in self.years)

    @property
    def other(self) -> int:
        return sum(year.other for year in self.years)

    @property
    def cofinancing(self) -> int:
        return self.own + self.other

    @property
    def frame(self) -> int | None:
        return self.round.programme_funds

    @property
    def frame_percent(self) -> float | None:
        if not self.frame:
            return None
        return round(100 * self.sought / self.frame, 1)

    @property
    def frame_exceeded(self) -> bool:
        return self.frame is not None and self.sought > self.frame

    @property
    def frame_difference(self) -> int | None:
        """What is left of the frame, or by how much the sought amount exceeds it."""
        return None if self.frame is None else abs(self.frame - self.sought)

    @property
    def start_capital_granted(self) -> int:
        return self.round.start_capital * len(self.rows)

    @property
    def budget_planned(self) -> int:
        return sum(row.budget_planned for row in self.rows)

    @property
    def budget_spent(self) -> int:
        return sum(row.budget_spent for row in self.rows)

    @property
    def area_totals(self) -> list[tuple[str, Cell]]:
        return [(area.value, area.interventions) for area in self.areas]

    @property
    def perspective_totals(self) -> list[tuple[str, int]]:
        return [(value, self.perspective_total[value]) for value in FollowUp.values]

    @property
    def follow_up_totals(self) -> list[tuple[str, int]]:
        return [(value, self.follow_up_total[value]) for value in FollowUp.values]

    def intervention_list(self) -> list[tuple[RegionRow, dict]]:
        """Every intervention counted, with its region's row (for the list behind a number)."""
        return [(row, item) for row in self.rows for item in row.interventions]

    def goal_list(self) -> list[tuple[RegionRow, dict]]:
        return [(row, goal) for row in self.rows for goal in row.goals]


def _breakdowns(choices) -> dict[str, Breakdown]:
    return {value: Breakdown(value, str(label)) for value, label in choices.choices}


def round_synthesis(
    round_, synthesis_filter: SynthesisFilter | None = None, *, rows=None
) -> Synthesis:
    """Count what the round's inventories say, narrowed by ``synthesis_filter``; ``rows`` are
    ``export_rows(round_)`` when the caller has loaded them already."""
    flt = synthesis_filter or SynthesisFilter()
    sources = synthesis_sources(round_, drafts=flt.drafts, rows=rows)
    if flt.region:
        sources = [source for source in sources if source.region.slug == flt.region]

    status_count = {group: 0 for group, _label in STATUS_GROUPS}
    for source in sources:
        status_count[source.status_group] += 1
    if flt.status:
        sources = [source for source in sources if source.status_group == flt.status]

    years = {year: YearRow(year) for year in round_.years}
    areas = _breakdowns(ActivityArea)
    dimensions = _breakdowns(Dimension)
    effects = _breakdowns(Effect)
    priorities = _breakdowns(Priority)
    priorities[NO_PRIORITY] = Breakdown(NO_PRIORITY, str(_("Ej angiven")))
    perspective_total: dict[str, int] = defaultdict(int)
    follow_up_total: dict[str, int] = defaultdict(int)

    rows = []
    for source in sources:
        if source.snapshot is None:
            continue
        row = RegionRow(source)
        row.areas = {value: Cell() for value in ActivityArea.values}
        row.perspective = {value: 0 for value in FollowUp.values}
        row.follow_up = {value: 0 for value in FollowUp.values}
        part1 = source.snapshot["part1"]
        row.budget_planned = part1.get("budget_total", 0) or 0
        row.budget_spent = part1.get("spent_total", 0) or 0
        matching_numbers = set()
        for item in source.interventions:
            if not flt.item_matches(item):
                continue
            matching_numbers.add(item["number"])
            sought = sought_of(item)
            row.interventions.append(item)
            row.total.add(item, sought)
            for entry in item.get("years") or []:
                year = years.setdefault(entry["year"], YearRow(entry["year"]))
                year.sought += entry.get("sought", 0) or 0
                year.own += entry.get("own", 0) or 0
                year.other += entry.get("other", 0) or 0
            for value in item.get("activity_areas") or []:
                if value in row.areas:
                    row.areas[value].add(item, sought)
                    areas[value].interventions.add(item, sought)
                    areas[value].add_region(source.region)
            for value in item.get("dimensions") or []:
                if value in dimensions:
                    dimensions[value].interventions.add(item, sought)
                    dimensions[value].add_region(source.region)
            for value in item.get("effects") or []:
                if value in effects:
                    effects[value].interventions.add(item, sought)
                    effects[value].add_region(source.region)
            priority = priorities.get(item.get("priority") or NO_PRIORITY)
            if priority is not None:
                priority.interventions.add(item, sought)
                priority.add_region(source.region)
            for ground, name in PERSPECTIVE_FIELDS.items():
                if (item.get(name) or "").strip():
                    row.perspective[ground] += 1
                    perspective_total[ground] += 1
        for goal in source.goals:
            if not flt.goal_matches(goal, matching_numbers):
                continue
            row.goals.append(goal)
            for value in goal.get("dimensions") or []:
                if value in dimensions:
                    dimensions[value].goals += 1
                    dimensions[value].add_region(source.region)
            for value in goal.get("effects") or []:
                if value in effects:
                    effects[value].goals += 1
                    effects[value].goal_list.append((source.region, goal))
                    effects[value].add_region(source.region)
            for ground in goal.get("follow_up") or []:
                if ground in row.follow_up:
                    row.follow_up[ground] += 1
                    follow_up_total[ground] += 1
        if flt.narrows_items and not row.interventions and not row.goals:
            continue
        rows.append(row)

    return Synthesis(
        round=round_,
        filter=flt,
        status_counts=[(group, str(label), status_count[group]) for group, label in STATUS_GROUPS],
        rows=rows,
        years=[years[year] for year in sorted(years)],
        areas=list(areas.values()),
        dimensions=list(dimensions.values()),
        effects=list(effects.values()),
        priorities=list(priorities.values()),
        perspective_total={value: perspective_total[value] for value in FollowUp.values},
        follow_up_total={value: follow_up_total[value] for value in FollowUp.values},
        sources=sources,
    )


# Side by side: one field of chosen regions' inventories ---------------------------------------

#: The free-text fields that can be read side by side: (part, field name), Del 1 then Del 3.
COMPARABLE_FIELDS: tuple[tuple[str, str], ...] = tuple(
    [("part1", name) for name in CurrentState.TEXT_FIELDS]
    + [("part3", name) for name in TargetState.TEXT_FIELDS]
)
DEFAULT_COMPARE_FIELD = "needs_challenges"


def comparable_field_choices() -> list[tuple[str, str]]:
    """``(field name, "Del 1 – label")`` for the form's choices."""
    parts = {"part1": (CurrentState, _("Del 1")), "part3": (TargetState, _("Del 3"))}
    choices = []
    for part, name in COMPARABLE_FIELDS:
        model, prefix = parts[part]
        label = getattr(model._meta.get_field(name), "verbose_name", name)
        choices.append((name, f"{prefix}: {label}"))
    return choices


@dataclass
class SideBySide:
    """One region's column: its text for the field, or None when it has nothing to show."""

    region: Region
    text: str | None
    is_draft: bool
    version: object | None


def side_by_side(round_, *, field_name: str, region_slugs, drafts: bool) -> list[SideBySide]:
    """The field ``field_name`` of each chosen region's latest submitted version (its live draft
    instead when ``drafts`` and it is being edited), in region order. A fixed number of queries."""
    part = dict((name, part) for part, name in COMPARABLE_FIELDS)[field_name]
    columns = []
    for source in synthesis_sources(round_, drafts=drafts, only=set(region_slugs)):
        text = None
        if source.snapshot is not None:
            text = source.snapshot[part].get(field_name) or ""
        columns.append(SideBySide(source.region, text, source.is_draft, source.version))
    return columns
