"""The exports of a round: XLSX, CSV and a ZIP of the PDF copies of record."""

import tempfile

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from portal.permissions import staff_required
from staff import exports, selectors

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export_name(round_, suffix):
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"behovsinventering-{round_.slug}-{stamp}.{suffix}"


@staff_required
def export_xlsx(request, round_slug):
    """The round's workbook, built in a temporary file and streamed from it."""
    round_ = selectors.round_get_for_staff(slug=round_slug)
    target = tempfile.TemporaryFile()
    exports.write_round_workbook(round_, target)
    target.seek(0)
    return FileResponse(
        target, as_attachment=True, filename=_export_name(round_, "xlsx"), content_type=XLSX_TYPE
    )


@staff_required
def export_csv(request, round_slug):
    """The main sheet as CSV (UTF-8 with BOM, ``;``), streamed row by row."""
    round_ = selectors.round_get_for_staff(slug=round_slug)
    response = StreamingHttpResponse(
        exports.round_csv_lines(round_), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(round_, "csv")}"'
    return response


@staff_required
def export_pdf_zip(request, round_slug):
    """Every region's latest PDF copy of record in one ZIP, built in a temporary file."""
    round_ = selectors.round_get_for_staff(slug=round_slug)
    target = tempfile.TemporaryFile()
    exports.write_round_pdf_zip(round_, target)
    target.seek(0)
    return FileResponse(
        target,
        as_attachment=True,
        filename=f"behovsinventering-{round_.slug}-pdf.zip",
        content_type="application/zip",
    )
