"""The exports of a round for staff: the analysis-ready workbook (XLSX), the same tables as CSV,
and a ZIP of the PDF copies of record with their frozen attachments.

The content of every export comes from each region's LATEST submitted version (the snapshot that
was stored and hashed when the region submitted), never from the live draft unless the synthesis
filter asks for drafts: a region that has been returned and is editing again still appears with
what it last sent. Status and deadline are the live values when the file is made. Regions that
have not submitted appear with blank content.

- ``columns``: what a table is; ``tables``: the tidy data tables and ``round_export``;
  ``summary``: the synthesis matrices (both from ``staff.synthesis``, so the numbers agree with
  its page);
- ``workbook``: the XLSX rendering; ``csv_files``: the CSV rendering;
- ``archive``: the ZIP of PDFs and attachments.
"""

from portal.collector import cyclic_gc_paused
from staff.exports.archive import pdf_filename, write_round_pdf_zip
from staff.exports.columns import Table
from staff.exports.csv_files import table_csv_lines, write_export_csv_zip
from staff.exports.tables import TABLE_SLUGS, RoundExport, main_headers, round_export
from staff.exports.workbook import write_export_workbook


def write_round_workbook(round_, target, *, synthesis_filter=None) -> int:
    """Write the round's workbook (for ``synthesis_filter``) to ``target``; returns the number
    of region rows. The collector stays off while the parsed snapshots live (a sixth of the
    time at 311 regions: each collection would walk them all again)."""
    with cyclic_gc_paused():
        return write_export_workbook(round_export(round_, synthesis_filter), target)


def write_round_csv_zip(round_, target, *, synthesis_filter=None, made_at=None) -> list[str]:
    """Write every table of the round (for ``synthesis_filter``) as a CSV file in a ZIP to
    ``target``, each file dated ``made_at``; returns the file names. The collector stays off
    while the parsed snapshots live, as for the workbook."""
    with cyclic_gc_paused():
        return write_export_csv_zip(round_export(round_, synthesis_filter), target, made_at=made_at)


def round_csv_lines(round_, *, synthesis_filter=None, table: str = "regioner"):
    """One table of the round (by slug) as CSV text chunks, for a streaming response."""
    found = round_export(round_, synthesis_filter).table(table)
    if found is None:
        raise LookupError(table)
    return table_csv_lines(found)


__all__ = [
    "TABLE_SLUGS",
    "RoundExport",
    "Table",
    "main_headers",
    "pdf_filename",
    "round_csv_lines",
    "round_export",
    "table_csv_lines",
    "write_export_csv_zip",
    "write_export_workbook",
    "write_round_csv_zip",
    "write_round_pdf_zip",
    "write_round_workbook",
]
