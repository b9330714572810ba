"""The round's workbook (XLSX), analysis-ready: one sheet per data table with its header in
row 1, the header frozen, an autofilter over the data, widths by column kind, typed cells
(numbers, dates, booleans) with kronor and date formats, and a "Sammanfattning" sheet with the
synthesis matrices one under the other.

Written with openpyxl in write-only mode (rows streamed to the file, never held as cells). Each
style is a ``NamedStyle`` registered once per workbook; a typed column reuses one prototype cell
carrying its style, so a row costs one value assignment per cell. Every text cell is stored as
text: a text that starts with "=" is never a formula.
"""

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, NamedStyle
from openpyxl.utils import get_column_letter

from staff.exports.columns import DATE, DATETIME, KRONOR, LONG_TEXT, TEXT, Table
from staff.exports.tables import RoundExport

KRONOR_FORMAT = '#,##0 "kr"'
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def _styles(workbook) -> dict[str, str]:
    """Register the workbook's named styles once; return the style name per column kind."""
    styles = {
        "header": NamedStyle(
            "portal_header",
            font=Font(bold=True),
            alignment=Alignment(wrap_text=True, vertical="top"),
        ),
        "title": NamedStyle("portal_title", font=Font(bold=True, size=12)),
        KRONOR: NamedStyle("portal_kronor", number_format=KRONOR_FORMAT),
        DATE: NamedStyle("portal_date", number_format=DATE_FORMAT),
        DATETIME: NamedStyle("portal_datetime", number_format=DATETIME_FORMAT),
    }
    for style in styles.values():
        workbook.add_named_style(style)
    return {kind: style.name for kind, style in styles.items()}


def _text(ws, value: str):
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith("="):
        cell = WriteOnlyCell(ws, value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        return cell
    return value


def _converters(ws, table: Table, styles):
    """Per column: ``None`` (the value as it is) or a function from a value to what to append."""
    converters: list[Callable[[Any], Any] | None] = []
    for column in table.columns:
        if column.kind in (TEXT, LONG_TEXT):
            converters.append(lambda value: _text(ws, value) if isinstance(value, str) else value)
        elif column.kind in styles:
            prototype = WriteOnlyCell(ws)
            prototype.style = styles[column.kind]

            def fill(value, prototype=prototype):
                prototype.value = value
                return prototype

            converters.append(fill)
        else:
            converters.append(None)
    return converters


def _header(ws, table: Table, styles):
    cells = []
    for column in table.columns:
        cell = WriteOnlyCell(ws, column.header)
        cell.style = styles["header"]
        cells.append(cell)
    ws.append(cells)


def _append_rows(ws, table: Table, styles) -> int:
    converters = _converters(ws, table, styles)
    count = 0
    append = ws.append
    for values in table.rows:
        append(
            [
                value if convert is None or value is None else convert(value)
                for convert, value in zip(converters, values, strict=True)
            ]
        )
        count += 1
    return count


def _data_sheet(workbook, table: Table, styles, *, freeze: str = "A2") -> int:
    ws = workbook.create_sheet(table.title)
    for index, column in enumerate(table.columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.display_width
    ws.freeze_panes = freeze
    _header(ws, table, styles)
    count = _append_rows(ws, table, styles)
    last = get_column_letter(len(table.columns))
    ws.auto_filter.ref = f"A1:{last}{count + 1}"
    return count


def _summary_sheet(workbook, tables: list[Table], styles) -> None:
    ws = workbook.create_sheet(_("Sammanfattning"))
    widths: dict[int, float] = {}
    for table in tables:
        for index, column in enumerate(table.columns, start=1):
            widths[index] = max(widths.get(index, 0), column.display_width)
    for index, width in widths.items():
        ws.column_dimensions[get_column_letter(index)].width = width
    for number, table in enumerate(tables):
        if number:
            ws.append([])
        title = WriteOnlyCell(ws, table.title)
        title.style = styles["title"]
        ws.append([title])
        _header(ws, table, styles)
        _append_rows(ws, table, styles)


def write_export_workbook(export: RoundExport, target) -> int:
    """Write ``export`` as a workbook to ``target`` (a path or binary file); returns the number
    of region rows. Sheets: Regioner, Insatser, Mål, Effekter, Budget, Sammanfattning."""
    workbook = Workbook(write_only=True)
    styles = _styles(workbook)
    regions = _data_sheet(workbook, export.main, styles, freeze="C2")
    for table in export.items:
        _data_sheet(workbook, table, styles)
    _summary_sheet(workbook, export.summary, styles)
    workbook.save(target)
    return regions
