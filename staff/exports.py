"""The exports of a round for staff: one workbook (XLSX), its main sheet as CSV, and a ZIP of the
PDF copies of record.

The content of every export comes from each region's LATEST submitted version (the snapshot that
was stored and hashed when the region submitted), never from the live draft: a region that has
been returned and is editing again still appears with what it last sent. Status and deadline are
the live values when the file is made. Regions that have not submitted appear with blank content.

CSV format: UTF-8 with a byte order mark, ``;`` as the delimiter and CRLF line ends — what Excel
with Swedish regional settings opens directly (comma is the decimal separator there). A text cell
that starts with ``= + - @`` (or a tab or carriage return) is prefixed with ``'`` so a spreadsheet
never runs it as a formula. In the XLSX every text cell is stored as text, so nothing is prefixed.
"""

import csv
import datetime
import hashlib
import zipfile

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font

from inventories.models import (
    CurrentState,
    Dimension,
    Effect,
    FollowUp,
    Intervention,
    Priority,
    TargetState,
)
from inventories.models.inventory import choice_labels
from staff.diff import display_value
from staff.selectors import export_rows, latest_versions

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"


def _label(model, name) -> str:
    return str(model._meta.get_field(name).verbose_name)


def export_note(round_, *, now=None) -> str:
    now = timezone.localtime(now or timezone.now())
    return _(
        "%(round)s. Innehållet kommer från varje regions senast inskickade version (den "
        "version som lämnades in och sparades), inte från pågående utkast. Status och sista dag "
        "gäller när filen skapades %(now)s."
    ) % {"round": round_.name, "now": now.strftime("%Y-%m-%d %H:%M")}


#: The money columns per programme year, in this order, each as "<label> <year> (kr)".
YEAR_AMOUNTS = (
    ("sought", _lazy("Söks från programmet")),
    ("own", _lazy("Egen medfinansiering")),
    ("other", _lazy("Annan medfinansiering")),
)
#: Intervention columns up to the cost; the newer ones follow with their own converters.
INTERVENTION_COLUMNS = Intervention.CONTENT_FIELDS[: Intervention.CONTENT_FIELDS.index("cost") + 1]


def year_headers(years) -> list[str]:
    """One column per programme year and amount (numbers, so they can be summed)."""
    return [
        _("%(label)s %(year)s (kr)") % {"label": label, "year": year}
        for year in years
        for _name, label in YEAR_AMOUNTS
    ]


def year_values(entries, years) -> list:
    """``entries`` (``[{"year", "sought", "own", "other"}]``) as one number per year column;
    ``None`` (a blank cell) when the version predates money per year (schema 1)."""
    if entries is None:
        return [None] * (len(years) * len(YEAR_AMOUNTS))
    by_year = {entry["year"]: entry for entry in entries}
    return [
        by_year.get(year, {}).get(name, 0) or 0 for year in years for name, _title in YEAR_AMOUNTS
    ]


def main_headers(round_=None) -> list[str]:
    years = round_.years if round_ is not None else []
    return [
        _("Länskod"),
        _("Region"),
        _("Status"),
        _("Version"),
        _("Inskickad"),
        _("I tid"),
        _("Gällande sista dag"),
        _("Förlängd sista dag"),
        *[_label(CurrentState, name) for name in CurrentState.TEXT_FIELDS],
        _("Budget totalt (kr)"),
        _("Antal budgetrader"),
        _("Antal insatser"),
        _("Insatsernas totala kostnad (kr)"),
        _("Antal mål"),
        _("SHA-256 (inskickad version)"),
        _("Använt av startkapitalet (kr)"),
        *year_headers(years),
        _("Schemaversion"),
        _("Lagrad kopia"),
        _("Diarienummer"),
    ]


def _local(value):
    """An aware datetime as naive Stockholm time (spreadsheets have no time zones)."""
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None)


def _yes_no(value):
    if value is None:
        return None
    return _("Ja") if value else _("Nej")


def main_row(row, years=()) -> list:
    """One region's row of the main sheet (plain Python values); ``years`` are the round's
    programme years. A field a version does not have (an older schema) is a blank cell."""
    snapshot = row.snapshot
    inventory = row.inventory
    deadline = inventory.effective_deadline if inventory else None
    base = [
        row.region.code,
        row.region.name,
        str(row.status_label),
        row.version.number if row.version else None,
        _local(row.version.submitted_at) if row.version else None,
        _yes_no(row.version.on_time) if row.version else None,
        _local(deadline),
        _yes_no(inventory.deadline_override is not None) if inventory else None,
    ]
    registration_number = (inventory.registration_number if inventory else "") or None
    if snapshot is None:
        blanks = [None] * (len(CurrentState.TEXT_FIELDS) + 10 + len(years) * len(YEAR_AMOUNTS))
        return base + blanks + [registration_number]
    part1, part2, part3 = snapshot["part1"], snapshot["part2"], snapshot["part3"]
    return base + [
        *[part1.get(name) for name in CurrentState.TEXT_FIELDS],
        part1.get("budget_total", 0),
        len(part1.get("budget_lines", [])),
        len(part2.get("interventions", [])),
        part2.get("total_cost", 0),
        len(part3.get("goals", [])),
        row.version.sha256,
        part1.get("spent_total"),
        *year_values(part2.get("year_totals"), years),
        snapshot.get("schema", 1),
        _("skadad") if row.damaged else _("kontrollerad"),
        registration_number,
    ]


def _labels(values, choices):
    """Choice labels joined with "; ", or ``None`` (blank) when the version lacks the field."""
    return None if values is None else "; ".join(choice_labels(values, choices))


def _intervention_rows(row, years):
    snapshot = row.snapshot
    for item in snapshot["part2"]["interventions"]:
        priority = item.get("priority")
        yield [
            row.region.code,
            row.region.name,
            row.version.number,
            item["number"],
            item["title"],
            item["description"],
            display_value("activity_areas", item["activity_areas"]),
            display_value("dimensions", item["dimensions"]),
            item["perspective_gender"],
            item["perspective_age"],
            item["perspective_background"],
            item["actors"],
            _date(item["start_date"]),
            _date(item["end_date"]),
            item["cost"],
            str(dict(Priority.choices).get(priority, priority)) if priority else None,
            _labels(item.get("effects"), Effect),
            *year_values(item.get("years"), years),
        ]


def _goal_rows(row, years):
    titles = {item["number"]: item["title"] for item in row.snapshot["part2"]["interventions"]}
    for goal in row.snapshot["part3"]["goals"]:
        yield [
            row.region.code,
            row.region.name,
            row.version.number,
            goal["number"],
            goal["goal"],
            goal["indicator"],
            goal["target_value"],
            _date(goal["target_date"]),
            ", ".join(str(n) for n in goal["interventions"]),
            "; ".join(titles.get(n, str(n)) for n in goal["interventions"]),
            _labels(goal.get("effects"), Effect),
            _labels(goal.get("dimensions"), Dimension),
            _labels(goal.get("follow_up"), FollowUp),
        ]


def _effect_rows(row, years):
    part3 = row.snapshot["part3"]
    yield [
        row.region.code,
        row.region.name,
        row.version.number,
        *[part3.get(name, "") for name in TargetState.TEXT_FIELDS],
    ]


def _budget_rows(row, years):
    for position, line in enumerate(row.snapshot["part1"]["budget_lines"], start=1):
        yield [
            row.region.code,
            row.region.name,
            row.version.number,
            position,
            line["description"],
            line["amount"],
            line.get("spent"),
        ]


def _date(value):
    return datetime.date.fromisoformat(value) if value else None


def _sheets(years):
    key = [_("Länskod"), _("Region"), _("Version")]
    return [
        (
            _("Insatser"),
            [
                *key,
                _("Nr"),
                *[_label(Intervention, name) for name in INTERVENTION_COLUMNS],
                _label(Intervention, "priority"),
                _label(Intervention, "effects"),
                *year_headers(years),
            ],
            _intervention_rows,
        ),
        (
            _("Mål"),
            [
                *key,
                _("Nr"),
                _("Mål"),
                _("Indikator"),
                _("Målvärde"),
                _("Uppnås senast"),
                _("Insatser som leder dit (nr)"),
                _("Insatser som leder dit"),
                _("Effekter på lång sikt"),
                _("Hållbarhetsdimensioner"),
                _("Indikatorn följs upp efter"),
            ],
            _goal_rows,
        ),
        (
            _("Effekter"),
            [*key, *[_label(TargetState, name) for name in TargetState.TEXT_FIELDS]],
            _effect_rows,
        ),
        (
            _("Budget"),
            [*key, _("Rad"), _("Användning"), _("Planerat (kr)"), _("Använt hittills (kr)")],
            _budget_rows,
        ),
    ]


def _cell(ws, value, *, bold=False):
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(ws, value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    elif isinstance(value, datetime.datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, datetime.date):
        cell.number_format = DATE_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


def _header(ws, headers):
    ws.append([_cell(ws, h, bold=True) for h in headers])


def write_round_workbook(round_, target, *, now=None) -> int:
    """Write the round's workbook to ``target`` (a path or binary file); returns the row count.

    Main sheet "Regioner": a note, then a header row and one row per active region. Then the
    sheets Insatser, Mål, Effekter and Budget with one row per item of the submitted versions.
    """
    rows = export_rows(round_)
    wb = Workbook(write_only=True)
    main = wb.create_sheet(_("Regioner"))
    main.freeze_panes = "C3"
    note = _cell(main, export_note(round_, now=now))
    note.alignment = Alignment(wrap_text=False)
    main.append([note])
    _header(main, main_headers(round_))
    years = round_.years
    for row in rows:
        main.append([_cell(main, value) for value in main_row(row, years)])
    submitted = [row for row in rows if row.snapshot is not None]
    for title, headers, produce in _sheets(years):
        ws = wb.create_sheet(title)
        ws.freeze_panes = "A2"
        _header(ws, headers)
        for row in submitted:
            for values in produce(row, years):
                ws.append([_cell(ws, value) for value in values])
    wb.save(target)
    return len(rows)


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Echo:
    def write(self, value):
        return value


def round_csv_lines(round_):
    """The main sheet as CSV text chunks (BOM first), for a streaming response."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff"
    yield writer.writerow(main_headers(round_))
    for row in export_rows(round_):
        yield writer.writerow([_csv_value(value) for value in main_row(row, round_.years)])


def pdf_filename(version) -> str:
    region = version.inventory.region
    return f"{region.code}-{region.slug}-v{version.number}.pdf"


def write_round_pdf_zip(round_, target) -> dict:
    """Write a ZIP of the PDF copy of record of each region's latest version to ``target``.

    The files are copied byte for byte from storage (stored, not recompressed) and named
    ``<county code>-<region slug>-v<n>.pdf``. The manifest ``innehall.txt`` lists each file with
    its SHA-256, every file that is damaged (included, marked) or missing (left out), and every
    region whose PDF is not ready yet; a missing or unreadable file never stops the export, and
    flags the record. Returns ``{"files": [...], "missing": [...], "damaged": [...]}``.
    """
    from inventories.services.integrity import version_verify

    files, missing, damaged = [], [], []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
        for version in latest_versions(round_, with_snapshot=False):
            region = version.inventory.region
            label = f"{region.code} {region.name} v{version.number}"
            document = getattr(version, "document", None)
            if document is None or not document.is_ready:
                missing.append(label)
                continue
            name = pdf_filename(version)
            digest = hashlib.sha256()
            try:
                source = document.file.open("rb")
            except OSError as exc:
                damaged.append(f"{label}: " + _("filen saknas (%(error)s)") % {"error": exc})
                version_verify(version=version)
                continue
            with source, archive.open(name, "w") as out:
                while chunk := source.read(1024 * 1024):
                    digest.update(chunk)
                    out.write(chunk)
            checked = digest.hexdigest() == document.sha256
            if not checked:
                damaged.append(f"{label}: " + _("avviker från lagrad SHA-256"))
                version_verify(version=version)
            files.append((name, digest.hexdigest(), checked))
        lines = [
            _("PDF-kopior av senast inskickade version per region – %(round)s")
            % {"round": round_.name},
            "",
        ]
        for name, sha, checked in files:
            flag = "" if checked else "  " + _("VARNING: avviker från lagrad SHA-256")
            lines.append(f"{name}  SHA-256 {sha}{flag}")
        if damaged:
            lines += ["", _("Skadade eller saknade filer (markerade som skadade):"), *damaged]
        if missing:
            lines += ["", _("PDF saknas ännu för:"), *missing]
        archive.writestr("innehall.txt", "\r\n".join(lines) + "\r\n")
    return {"files": [name for name, _sha, _ok in files], "missing": missing, "damaged": damaged}
