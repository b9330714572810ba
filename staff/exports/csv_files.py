"""The round's tables as CSV: one table streamed as a file, or every table in a ZIP.

Format: UTF-8 with a byte order mark, ``;`` as the delimiter and CRLF line ends — what Excel
with Swedish regional settings opens directly (comma is the decimal separator there). Booleans
are "Ja"/"Nej", dates ISO 8601, amounts whole kronor without a unit. A text cell that starts with
``= + - @`` (or a tab or carriage return) is prefixed with ``'`` so a spreadsheet never runs it as
a formula.
"""

import csv
import datetime
import io
import zipfile
from collections.abc import Iterator

from django.utils.translation import gettext as _

from staff.exports.columns import Table
from staff.exports.tables import RoundExport

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def csv_value(value, yes="Ja", no="Nej"):
    """``value`` as CSV text; ``yes`` and ``no`` are the words for booleans (translated once per
    file by the caller)."""
    if value is None:
        return ""
    if value is True:
        return yes
    if value is False:
        return no
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


def table_csv_lines(table: Table) -> Iterator[str]:
    """``table`` as CSV text chunks (BOM first), for a streaming response."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield BOM
    yield writer.writerow([column.header for column in table.columns])
    yes, no = _("Ja"), _("Nej")
    for values in table.rows:
        yield writer.writerow([csv_value(value, yes, no) for value in values])


def csv_filename(table: Table) -> str:
    return f"{table.slug}.csv"


def write_export_csv_zip(export: RoundExport, target) -> list[str]:
    """Every table of ``export`` as its own CSV file in a ZIP written to ``target``; returns the
    file names in order."""
    names = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in export.tables:
            name = csv_filename(table)
            with (
                archive.open(name, "w") as raw,
                io.TextIOWrapper(raw, encoding="utf-8", newline="") as out,
            ):
                for chunk in table_csv_lines(table):
                    out.write(chunk)
            names.append(name)
    return names
