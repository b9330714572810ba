"""The round's data as tidy tables: one row per region, intervention, goal, effect text and budget
line, and the synthesis matrices. The workbook and the CSV files are two renderings of these.

The content comes from ``staff.synthesis.round_synthesis`` (the same code and filter as the
synthesis page), so the exports and the page agree to the krona: each region's latest submitted
version, plus the live drafts when the filter asks for them (marked in the "Utkast" column). The
item tables hold the interventions and goals the filter counts; the region table every region
the region and status filters leave (only the regions with a counted item when the filter
narrows the items). Status and deadline are the live values when the file is made.

Values are plain Python: ``str``, ``int``, ``bool``, ``datetime.date``, naive ``datetime`` in
Stockholm time, or ``None`` (a blank cell: a field the version does not have).
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from inventories.models import (
    ActivityArea,
    CurrentState,
    Dimension,
    Effect,
    FollowUp,
    Intervention,
    Priority,
    TargetState,
)
from staff.exports.columns import (
    BOOL,
    DATE,
    DATETIME,
    INT,
    KRONOR,
    LONG_TEXT,
    TEXT,
    Column,
    Table,
)
from staff.exports.summary import summary_tables
from staff.selectors import ExportRow, export_rows
from staff.synthesis import (
    Source,
    Synthesis,
    SynthesisFilter,
    round_synthesis,
)

#: The money columns per programme year, in this order, each as "<label> <year> (kr)".
YEAR_AMOUNTS = (
    ("sought", _lazy("Söks från programmet")),
    ("own", _lazy("Egen medfinansiering")),
    ("other", _lazy("Annan medfinansiering")),
)
_AMOUNT_NAMES = tuple(name for name, _label in YEAR_AMOUNTS)
_NO_AMOUNTS: dict = {}
#: The free-text intervention columns, in the order of the form.
INTERVENTION_TEXTS = Intervention.TEXT_FIELDS


def _label(model, name) -> str:
    return str(model._meta.get_field(name).verbose_name)


def year_headers(years) -> list[str]:
    """One column per programme year and amount (numbers, so they can be summed)."""
    return [
        _("%(label)s %(year)s (kr)") % {"label": label, "year": year}
        for year in years
        for _name, label in YEAR_AMOUNTS
    ]


def _year_columns(years) -> list[Column]:
    return [Column(header, KRONOR) for header in year_headers(years)]


def year_values(entries, years) -> list:
    """``entries`` (``[{"year", "sought", "own", "other"}]``) as one number per year column;
    ``None`` (a blank cell) when the version predates money per year (schema 1)."""
    if entries is None:
        return [None] * (len(years) * len(YEAR_AMOUNTS))
    by_year = {entry["year"]: entry for entry in entries}
    values: list = []
    for year in years:
        entry = by_year.get(year, _NO_AMOUNTS)
        values += [entry.get(name) or 0 for name in _AMOUNT_NAMES]
    return values


def _flags(choices, prefix) -> tuple[list[str], list[Column]]:
    """The values of ``choices`` and one boolean column per value, headed "<prefix>: <label>"."""
    values = list(choices.values)
    columns = [
        Column(_("%(what)s: %(label)s") % {"what": prefix, "label": label}, BOOL)
        for _value, label in choices.choices
    ]
    return values, columns


def flag_values(selected, values) -> list:
    """One boolean per value: is it among ``selected``? Blank when the version lacks the field."""
    if selected is None:
        return [None] * len(values)
    return [value in selected for value in values]  # a handful of choices: no set needed


def _local(value):
    """An aware datetime as naive Stockholm time (spreadsheets have no time zones)."""
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None)


def _date(value):
    return datetime.date.fromisoformat(value) if value else None


# The region table --------------------------------------------------------------------------


def main_columns(years) -> list[Column]:
    return [
        Column(_("Länskod"), TEXT, 8),
        Column(_("Region"), TEXT, 24),
        Column(_("Status"), TEXT, 16),
        Column(_("Version"), INT),
        Column(_("Inskickad"), DATETIME),
        Column(_("I tid"), BOOL, 8),
        Column(_("Gällande sista dag"), DATETIME),
        Column(_("Förlängd sista dag"), BOOL),
        *[Column(_label(CurrentState, name), LONG_TEXT) for name in CurrentState.TEXT_FIELDS],
        Column(_("Budget totalt (kr)"), KRONOR),
        Column(_("Antal budgetrader"), INT),
        Column(_("Antal insatser"), INT),
        Column(_("Insatsernas totala kostnad (kr)"), KRONOR),
        Column(_("Antal mål"), INT),
        Column(_("SHA-256 (inskickad version)"), TEXT, 20),
        Column(_("Använt av startkapitalet (kr)"), KRONOR),
        *_year_columns(years),
        Column(_("Schemaversion"), INT),
        Column(_("Lagrad kopia"), TEXT, 14),
        Column(_("Diarienummer"), TEXT, 14),
        Column(_("Utkast"), BOOL, 9),
    ]


def main_headers(round_=None) -> list[str]:
    return [column.header for column in main_columns(round_.years if round_ else [])]


def main_row(source: Source, export_row: ExportRow, years=()) -> list:
    """One region's row (plain Python values). A field a version does not have (an older
    schema) is a blank cell; a region with nothing submitted (and no draft asked for) is blank
    after its status."""
    inventory = source.inventory
    version = None if source.is_draft else export_row.version
    base = [
        source.region.code,
        source.region.name,
        str(export_row.status_label),
        version.number if version else None,
        _local(version.submitted_at) if version else None,
        version.on_time if version else None,
        _local(inventory.effective_deadline) if inventory else None,
        (inventory.deadline_override is not None) if inventory else None,
    ]
    registration_number = (inventory.registration_number if inventory else "") or None
    snapshot = source.snapshot
    if snapshot is None:
        blanks = [None] * (len(CurrentState.TEXT_FIELDS) + 9 + len(years) * len(YEAR_AMOUNTS))
        return [*base, *blanks, registration_number, False]
    part1, part2, part3 = snapshot["part1"], snapshot["part2"], snapshot["part3"]
    stored = None
    if version is not None:
        stored = _("skadad") if export_row.damaged else _("kontrollerad")
    return [
        *base,
        *[part1.get(name) for name in CurrentState.TEXT_FIELDS],
        part1.get("budget_total", 0),
        len(part1.get("budget_lines", [])),
        len(part2.get("interventions", [])),
        part2.get("total_cost", 0),
        len(part3.get("goals", [])),
        version.sha256 if version else None,
        part1.get("spent_total"),
        *year_values(part2.get("year_totals"), years),
        snapshot.get("schema", 1),
        stored,
        registration_number,
        source.is_draft,
    ]


# The item tables -----------------------------------------------------------------------------


def _key_columns() -> list[Column]:
    return [
        Column(_("Länskod"), TEXT, 8),
        Column(_("Region"), TEXT, 24),
        Column(_("Version"), INT),
        Column(_("Utkast"), BOOL, 9),
    ]


def _key(row) -> list:
    source = row.source
    return [
        source.region.code,
        source.region.name,
        None if source.is_draft or source.version is None else source.version.number,
        source.is_draft,
    ]


def _intervention_table(synthesis: Synthesis, years) -> Table:
    areas, area_columns = _flags(ActivityArea, _("Insatsområde"))
    dimensions, dimension_columns = _flags(Dimension, _("Dimension"))
    effects, effect_columns = _flags(Effect, _("Effekt"))
    priorities = {value: str(label) for value, label in Priority.choices}
    columns = [
        *_key_columns(),
        Column(_("Nr"), INT, 6),
        *[
            Column(_label(Intervention, name), TEXT if name == "title" else LONG_TEXT)
            for name in INTERVENTION_TEXTS
        ],
        Column(_label(Intervention, "start_date"), DATE),
        Column(_label(Intervention, "end_date"), DATE),
        Column(_label(Intervention, "cost"), KRONOR),
        Column(_label(Intervention, "priority"), TEXT, 10),
        *_year_columns(years),
        *area_columns,
        *dimension_columns,
        *effect_columns,
    ]

    def rows():
        for row in synthesis.rows:
            key = _key(row)
            for item in row.interventions:
                priority = item.get("priority")
                yield [
                    *key,
                    item["number"],
                    *[item.get(name) for name in INTERVENTION_TEXTS],
                    _date(item.get("start_date")),
                    _date(item.get("end_date")),
                    item.get("cost"),
                    priorities.get(priority, priority) if priority else None,
                    *year_values(item.get("years"), years),
                    *flag_values(item.get("activity_areas"), areas),
                    *flag_values(item.get("dimensions"), dimensions),
                    *flag_values(item.get("effects"), effects),
                ]

    return Table("insatser", _("Insatser"), columns, rows())


def _goal_table(synthesis: Synthesis) -> Table:
    effects, effect_columns = _flags(Effect, _("Effekt"))
    dimensions, dimension_columns = _flags(Dimension, _("Dimension"))
    grounds, ground_columns = _flags(FollowUp, _("Följs upp efter"))
    columns = [
        *_key_columns(),
        Column(_("Nr"), INT, 6),
        Column(_("Mål"), LONG_TEXT),
        Column(_("Indikator"), LONG_TEXT),
        Column(_("Målvärde"), TEXT),
        Column(_("Uppnås senast"), DATE),
        Column(_("Insatser som leder dit (nr)"), TEXT, 12),
        Column(_("Insatser som leder dit"), LONG_TEXT),
        *effect_columns,
        *dimension_columns,
        *ground_columns,
    ]

    def rows():
        for row in synthesis.rows:
            key = _key(row)
            titles = {item["number"]: item["title"] for item in row.source.interventions}
            for goal in row.goals:
                numbers = goal.get("interventions") or []
                yield [
                    *key,
                    goal["number"],
                    goal["goal"],
                    goal["indicator"],
                    goal["target_value"],
                    _date(goal.get("target_date")),
                    ", ".join(str(n) for n in numbers),
                    "; ".join(titles.get(n, str(n)) for n in numbers),
                    *flag_values(goal.get("effects"), effects),
                    *flag_values(goal.get("dimensions"), dimensions),
                    *flag_values(goal.get("follow_up"), grounds),
                ]

    return Table("mal", _("Mål"), columns, rows())


def _effect_text_table(synthesis: Synthesis) -> Table:
    columns = [
        *_key_columns(),
        *[Column(_label(TargetState, name), LONG_TEXT) for name in TargetState.TEXT_FIELDS],
    ]

    def rows():
        for row in synthesis.rows:
            part3 = row.source.snapshot["part3"]
            yield [*_key(row), *[part3.get(name, "") for name in TargetState.TEXT_FIELDS]]

    return Table("effekter", _("Effekter"), columns, rows())


def _budget_table(synthesis: Synthesis) -> Table:
    columns = [
        *_key_columns(),
        Column(_("Rad"), INT, 6),
        Column(_("Användning"), LONG_TEXT),
        Column(_("Planerat (kr)"), KRONOR),
        Column(_("Använt hittills (kr)"), KRONOR),
    ]

    def rows():
        for row in synthesis.rows:
            key = _key(row)
            lines = row.source.snapshot["part1"].get("budget_lines", [])
            for position, line in enumerate(lines, start=1):
                yield [*key, position, line["description"], line["amount"], line.get("spent")]

    return Table("budget", _("Budget"), columns, rows())


# The whole export ------------------------------------------------------------------------------


@dataclass
class RoundExport:
    """Everything one export of a round holds: the data tables (one sheet or CSV file each)
    and the summary tables (together on the "Sammanfattning" sheet)."""

    synthesis: Synthesis
    main: Table
    items: list[Table]
    summary: list[Table]

    @property
    def tables(self) -> list[Table]:
        return [self.main, *self.items, *self.summary]

    def table(self, slug: str) -> Table | None:
        return next((table for table in self.tables if table.slug == slug), None)


#: The slugs of every table, in order (``?tabell=`` and the CSV file names).
TABLE_SLUGS = (
    "regioner",
    "insatser",
    "mal",
    "effekter",
    "budget",
    "oversikt",
    "omraden-antal",
    "omraden-belopp",
    "dimensioner",
    "effekter-lang-sikt",
    "prioritet",
    "perspektiv",
    "kostnad-per-ar",
)


def round_export(round_, synthesis_filter: SynthesisFilter | None = None) -> RoundExport:
    """The round's tables for ``synthesis_filter`` (all regions, submitted versions only, when
    ``None``). A fixed number of queries, whatever the number of regions."""
    rows = export_rows(round_)
    by_region = {row.region.pk: row for row in rows}
    synthesis = round_synthesis(round_, synthesis_filter, rows=rows)
    years = round_.years
    sources: list[Source] = synthesis.sources
    if synthesis.filter.narrows_items:
        counted = {row.region.pk for row in synthesis.rows}
        sources = [source for source in sources if source.region.pk in counted]

    def main_rows() -> Iterator[list]:
        for source in sources:
            yield main_row(source, by_region[source.region.pk], years)

    main = Table("regioner", _("Regioner"), main_columns(years), main_rows())
    items = [
        _intervention_table(synthesis, years),
        _goal_table(synthesis),
        _effect_text_table(synthesis),
        _budget_table(synthesis),
    ]
    return RoundExport(synthesis, main, items, summary_tables(synthesis))
