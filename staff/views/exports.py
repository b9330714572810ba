"""The exports of a round: XLSX, CSV (one table, or all in a ZIP) and a ZIP of the PDF copies of
record with their attachments. The workbook and the CSV take the synthesis page's filters from
the URL (region, area, dimension, effect, priority, status, ground, drafts)."""

import tempfile

from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils import timezone

from portal.permissions import staff_required
from regions.models import Region
from staff import exports, selectors
from staff.forms import SynthesisFilterForm

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export_name(round_, suffix, made_at=None):
    stamp = timezone.localtime(made_at).strftime("%Y%m%d-%H%M")
    return f"behovsinventering-{round_.slug}-{stamp}.{suffix}"


def _filter(request):
    """The synthesis filter the URL asks for (everything, submitted versions only, if none)."""
    if not request.GET:
        return None
    regions = Region.objects.filter(active=True).order_by("code")
    return SynthesisFilterForm(request.GET, regions=regions).synthesis_filter()


@staff_required
def export_xlsx(request, round_slug):
    """The round's workbook, built in a temporary file and streamed from it."""
    round_ = selectors.round_get_for_staff(slug=round_slug)
    target = tempfile.TemporaryFile()
    exports.write_round_workbook(round_, target, synthesis_filter=_filter(request))
    target.seek(0)
    return FileResponse(
        target, as_attachment=True, filename=_export_name(round_, "xlsx"), content_type=XLSX_TYPE
    )


@staff_required
def export_csv(request, round_slug):
    """One table as CSV (UTF-8 with BOM, ``;``), streamed row by row: ``?tabell=<slug>``
    (default: the regions)."""
    round_ = selectors.round_get_for_staff(slug=round_slug)
    table = request.GET.get("tabell") or "regioner"
    if table not in exports.TABLE_SLUGS:
        raise Http404
    lines = exports.round_csv_lines(round_, synthesis_filter=_filter(request), table=table)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    name = _export_name(round_, "csv")
    if table != "regioner":
        name = name.replace(".csv", f"-{table}.csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_required
def export_csv_zip(request, round_slug):
    """Every table as its own CSV file in one ZIP, built in a temporary file."""
    round_ = selectors.round_get_for_staff(slug=round_slug)
    made_at = timezone.now()
    target = tempfile.TemporaryFile()
    exports.write_round_csv_zip(round_, target, synthesis_filter=_filter(request), made_at=made_at)
    target.seek(0)
    return FileResponse(
        target,
        as_attachment=True,
        filename=_export_name(round_, "csv.zip", made_at),
        content_type="application/zip",
    )


@staff_required
def export_pdf_zip(request, round_slug):
    """Every region's latest PDF copy of record and its attachments in one ZIP."""
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
