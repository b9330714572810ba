"""The round's workbook (XLSX), analysis-ready: one sheet per data table with its header in
row 1, the header frozen, an autofilter over the data, widths by column kind, typed cells
(numbers, dates, booleans) with kronor and date formats, and a "Sammanfattning" sheet with the
synthesis matrices one under the other.

Written by ``staff.exports.xlsx`` (rows streamed into the file, never held as cells). Every text
cell is stored as text: a text that starts with "=" is never a formula.
"""

from django.utils.translation import gettext as _

from staff.exports.columns import Table
from staff.exports.tables import RoundExport
from staff.exports.xlsx import HEADER, TITLE, Sheet, Workbook


def _rows(sheet: Sheet, table: Table) -> int:
    return sheet.typed_rows([column.kind for column in table.columns], table.rows)


def _data_sheet(workbook: Workbook, table: Table, *, freeze: str = "A2") -> int:
    widths = [column.display_width for column in table.columns]
    sheet = workbook.sheet(table.title, widths, freeze=freeze)
    sheet.styled_row([column.header for column in table.columns], HEADER)
    count = _rows(sheet, table)
    workbook.end_sheet(autofilter=True)
    return count


def _summary_sheet(workbook: Workbook, tables: list[Table]) -> None:
    widths: dict[int, float] = {}
    for table in tables:
        for index, column in enumerate(table.columns):
            widths[index] = max(widths.get(index, 0), column.display_width)
    sheet = workbook.sheet(_("Sammanfattning"), [widths[i] for i in range(len(widths))])
    for number, table in enumerate(tables):
        if number:
            sheet.blank_row()
        sheet.styled_row([table.title], TITLE)
        sheet.styled_row([column.header for column in table.columns], HEADER)
        _rows(sheet, table)
    workbook.end_sheet()


def write_export_workbook(export: RoundExport, target) -> int:
    """Write ``export`` as a workbook to ``target`` (a path or binary file); returns the number
    of region rows. Sheets: Regioner, Insatser, Mål, Effekter, Budget, Sammanfattning."""
    workbook = Workbook(target)
    regions = _data_sheet(workbook, export.main, freeze="C2")
    for table in export.items:
        _data_sheet(workbook, table)
    _summary_sheet(workbook, export.summary)
    workbook.close()
    return regions
