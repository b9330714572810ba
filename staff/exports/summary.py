"""The synthesis matrices and breakdowns as tables (the "Sammanfattning" sheet, and one CSV
file each): the same numbers as the synthesis page, read from its ``Synthesis``."""

from django.utils.translation import gettext as _

from inventories.models import ActivityArea, FollowUp
from staff.exports.columns import BOOL, INT, KRONOR, LONG_TEXT, TEXT, Column, Table
from staff.synthesis import Synthesis


def _overview_table(s: Synthesis) -> Table:
    columns = [Column(_("Mått"), TEXT, 44), Column(_("Antal"), INT), Column(_("Belopp"), KRONOR)]
    rows: list[list] = [
        [_("Regioner: %(label)s") % {"label": label}, count, None]
        for _group, label, count in s.status_counts
    ]
    rows += [
        [_("Regioner som räknas"), s.regions_counted, None],
        [_("varav utkast"), s.drafts_counted, None],
        [_("Insatser"), s.interventions, None],
        [_("Mål"), s.goals, None],
        [_("Söks från programmet"), None, s.sought],
        [_("Programmets ram"), None, s.frame],
        [_("Egen medfinansiering"), None, s.own],
        [_("Annan medfinansiering"), None, s.other],
        [_("Medfinansiering totalt"), None, s.cofinancing],
        [_("Startkapital beviljat"), None, s.start_capital_granted],
        [_("Startkapital planerat"), None, s.budget_planned],
        [_("Startkapital använt"), None, s.budget_spent],
    ]
    return Table("oversikt", _("Översikt"), columns, rows)


def _area_matrix(s: Synthesis, *, sums: bool) -> Table:
    attribute = "sought" if sums else "count"
    kind = KRONOR if sums else INT
    columns = [
        Column(_("Länskod"), TEXT, 8),
        Column(_("Region"), TEXT, 24),
        Column(_("Utkast"), BOOL, 9),
        *[Column(str(label), kind, 18) for _value, label in ActivityArea.choices],
        Column(_("Totalt"), kind),
    ]
    rows = [
        [
            row.region.code,
            row.region.name,
            row.is_draft,
            *[getattr(cell, attribute) for _value, cell in row.area_cells],
            getattr(row.total, attribute),
        ]
        for row in s.rows
    ]
    total = sum(getattr(row.total, attribute) for row in s.rows)
    rows.append(
        [
            None,
            _("Totalt"),
            None,
            *[getattr(cell, attribute) for _value, cell in s.area_totals],
            total,
        ]
    )
    if sums:
        return Table("omraden-belopp", _("Söks per region och insatsområde (kr)"), columns, rows)
    return Table("omraden-antal", _("Insatser per region och insatsområde"), columns, rows)


def _breakdown_table(slug, title, label, breakdowns, *, goals=True) -> Table:
    columns = [
        Column(label, TEXT, 44),
        Column(_("Insatser"), INT),
        Column(_("Söks (kr)"), KRONOR),
        *([Column(_("Mål"), INT)] if goals else []),
        Column(_("Antal regioner"), INT),
        Column(_("Regioner"), LONG_TEXT),
    ]
    rows = [
        [
            item.label,
            item.interventions.count,
            item.interventions.sought,
            *([item.goals] if goals else []),
            len(item.regions),
            ", ".join(region.name for region in item.regions),
        ]
        for item in breakdowns
    ]
    return Table(slug, title, columns, rows)


def _perspective_table(s: Synthesis) -> Table:
    grounds = [str(label) for _value, label in FollowUp.choices]
    columns = [
        Column(_("Länskod"), TEXT, 8),
        Column(_("Region"), TEXT, 24),
        Column(_("Utkast"), BOOL, 9),
        Column(_("Insatser"), INT),
        *[Column(_("Insatser: %(ground)s") % {"ground": g}, INT, 14) for g in grounds],
        Column(_("Mål"), INT),
        *[Column(_("Mål följs upp efter: %(ground)s") % {"ground": g}, INT, 14) for g in grounds],
    ]
    rows = [
        [
            row.region.code,
            row.region.name,
            row.is_draft,
            row.total.count,
            *[count for _value, count in row.perspective_counts],
            len(row.goals),
            *[count for _value, count in row.follow_up_counts],
        ]
        for row in s.rows
    ]
    rows.append(
        [
            None,
            _("Totalt"),
            None,
            s.interventions,
            *[count for _value, count in s.perspective_totals],
            s.goals,
            *[count for _value, count in s.follow_up_totals],
        ]
    )
    return Table("perspektiv", _("Intersektionellt perspektiv per region"), columns, rows)


def _year_table(s: Synthesis) -> Table:
    columns = [
        Column(_("År"), INT, 8),
        Column(_("Söks från programmet (kr)"), KRONOR),
        Column(_("Egen medfinansiering (kr)"), KRONOR),
        Column(_("Annan medfinansiering (kr)"), KRONOR),
        Column(_("Medfinansiering totalt (kr)"), KRONOR),
        Column(_("Totalt (kr)"), KRONOR),
    ]
    rows = [
        [year.year, year.sought, year.own, year.other, year.cofinancing, year.total]
        for year in s.years
    ]
    return Table("kostnad-per-ar", _("Kostnad per år"), columns, rows)


def summary_tables(s: Synthesis) -> list[Table]:
    """The matrices and breakdowns of the synthesis page, as tables (same numbers)."""
    return [
        _overview_table(s),
        _area_matrix(s, sums=False),
        _area_matrix(s, sums=True),
        _breakdown_table(
            "dimensioner", _("Per hållbarhetsdimension"), _("Hållbarhetsdimension"), s.dimensions
        ),
        _breakdown_table(
            "effekter-lang-sikt", _("Per effekt på lång sikt"), _("Effekt"), s.effects
        ),
        _breakdown_table("prioritet", _("Prioritet"), _("Prioritet"), s.priorities, goals=False),
        _perspective_table(s),
        _year_table(s),
    ]
