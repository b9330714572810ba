"""The synthesis of a round: what the regions' inventories say together, in tables, and the
interventions and goals behind each number (the same filter in the URL)."""

from django.http import FileResponse, Http404, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.collector import cyclic_gc_paused
from portal.permissions import staff_required
from regions.models import Region
from staff import selectors
from staff.charts import CHARTS
from staff.forms import SynthesisCompareForm, SynthesisFilterForm, SynthesisSearchForm
from staff.search import round_search
from staff.services import synthesis_report_request
from staff.synthesis import (
    SynthesisFilter,
    filter_lines,
    round_synthesis,
    side_by_side,
)


def _synthesis_context(request, round_slug) -> dict:
    round_ = selectors.round_get_for_staff(slug=round_slug)
    regions = Region.objects.filter(active=True).order_by("code")
    form = SynthesisFilterForm(request.GET or None, regions=regions)
    synthesis_filter = form.synthesis_filter() if form.is_bound else None
    return {"round": round_, "form": form, "synthesis": round_synthesis(round_, synthesis_filter)}


@staff_required
def synthesis(request, round_slug):
    # The snapshots of every region are freed when _synthesis_page returns, before the garbage
    # collector runs again (at 290 regions its passes over them cost more than the page).
    with cyclic_gc_paused():
        return _synthesis_page(request, round_slug)


def _synthesis_page(request, round_slug):
    context = _synthesis_context(request, round_slug)
    query = context["synthesis"].filter.query()
    charts = {}
    for name, (_draw, describe) in CHARTS.items():
        url = reverse("staff:synthesis_chart", kwargs={"round_slug": round_slug, "chart": name})
        charts[name] = {
            "url": f"{url}?{query}" if query else url,
            "description": describe(context["synthesis"]),
        }
    return render(request, "staff/synthesis.html", {**context, "charts": charts})


@staff_required
def synthesis_chart(request, round_slug, chart):
    """One chart of the synthesis as SVG, for the same filter as the page."""
    if chart not in CHARTS:
        raise Http404
    draw, _describe = CHARTS[chart]
    with cyclic_gc_paused():
        svg = draw(_synthesis_context(request, round_slug)["synthesis"])
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
def synthesis_interventions(request, round_slug):
    with cyclic_gc_paused():
        return render(
            request, "staff/synthesis_interventions.html", _synthesis_context(request, round_slug)
        )


@staff_required
def synthesis_goals(request, round_slug):
    with cyclic_gc_paused():
        return render(
            request, "staff/synthesis_goals.html", _synthesis_context(request, round_slug)
        )


@staff_required
def synthesis_compare(request, round_slug):
    """One field of chosen regions side by side; drafts marked when the filter takes them."""
    round_ = selectors.round_get_for_staff(slug=round_slug)
    regions = Region.objects.filter(active=True).order_by("code")
    form = SynthesisCompareForm(request.GET or None, regions=regions)
    columns, field_label = [], ""
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        field_label = dict(form.fields["field"].choices)[data["field"]]
        columns = side_by_side(
            round_, field_name=data["field"], region_slugs=data["region"], drafts=data["drafts"]
        )
    return render(
        request,
        "staff/synthesis_compare.html",
        {"round": round_, "form": form, "columns": columns, "field_label": field_label},
    )


@staff_required
def synthesis_search(request, round_slug):
    round_ = selectors.round_get_for_staff(slug=round_slug)
    regions = Region.objects.filter(active=True).order_by("code")
    form = SynthesisSearchForm(request.GET or None, regions=regions)
    query, synthesis_filter = form.search() if form.is_bound else ("", None)
    return render(
        request,
        "staff/synthesis_search.html",
        {
            "round": round_,
            "form": form,
            "query": query,
            "hits": round_search(round_, query, synthesis_filter=synthesis_filter),
        },
    )


# The synthesis report (PDF): ordered here, rendered by a task, downloaded when ready.


def _report_filter(request, regions):
    data = request.POST if request.method == "POST" else request.GET
    form = SynthesisFilterForm(data or None, regions=regions)
    return form.synthesis_filter() if form.is_bound else SynthesisFilter()


def report_status_text(report) -> str:
    """The report's state in words, for the page and the poll (the same sentence)."""
    if report.is_ready:
        return _("Rapporten är klar.")
    if report.status == report.Status.FAILED:
        return _("Rapporten kunde inte skapas. Försök igen med Skapa rapport.")
    if report.status == report.Status.QUEUED:
        return _("Rapporten väntar på att skapas (%(percent)s procent).") % {
            "percent": report.progress
        }
    return _("Rapporten skapas: %(percent)s procent klart.") % {"percent": report.progress}


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def synthesis_reports(request, round_slug):
    """The round's synthesis reports; POST orders one for the filter in the form."""
    round_ = selectors.round_get_for_staff(slug=round_slug)
    regions = Region.objects.filter(active=True).order_by("code")
    synthesis_filter = _report_filter(request, regions)
    if request.method == "POST":
        report = synthesis_report_request(
            round_=round_, synthesis_filter=synthesis_filter, actor=request.user
        )
        return redirect("staff:synthesis_report", round_slug=round_.slug, report_id=report.pk)
    names = dict(regions.values_list("slug", "name"))
    return render(
        request,
        "staff/synthesis_reports.html",
        {
            "round": round_,
            "filter": synthesis_filter,
            "filter_query": synthesis_filter.query(),
            "filter_fields": list(QueryDict(synthesis_filter.query()).items()),
            "filter_lines": filter_lines(synthesis_filter, names),
            "reports": [
                (
                    report,
                    "; ".join(filter_lines(SynthesisFilter.from_query(report.filters), names)),
                )
                for report in selectors.synthesis_reports_for_staff(
                    round_=round_, actor=request.user
                )
            ],
        },
    )


def _report_status(report) -> dict:
    url = reverse(
        "staff:synthesis_report_download",
        kwargs={"round_slug": report.round.slug, "report_id": report.pk},
    )
    return {
        "status": report.status,
        "progress": report.progress,
        "text": report_status_text(report),
        "download": url if report.is_ready else "",
    }


@staff_required
def synthesis_report(request, round_slug, report_id):
    """One report: its progress (polled by js/report.js; a refresh link without it) and the
    download once ready."""
    round_ = selectors.round_get_for_staff(slug=round_slug)
    report = selectors.synthesis_report_get_for_staff(
        round_=round_, report_id=report_id, actor=request.user
    )
    return render(
        request,
        "staff/synthesis_report.html",
        {"round": round_, "report": report, "state": _report_status(report)},
    )


@staff_required
def synthesis_report_status(request, round_slug, report_id):
    round_ = selectors.round_get_for_staff(slug=round_slug)
    report = selectors.synthesis_report_get_for_staff(
        round_=round_, report_id=report_id, actor=request.user
    )
    response = JsonResponse(_report_status(report))
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
def synthesis_report_download(request, round_slug, report_id):
    """The stored PDF, only once the whole file is recorded."""
    round_ = selectors.round_get_for_staff(slug=round_slug)
    report = selectors.synthesis_report_get_for_staff(
        round_=round_, report_id=report_id, actor=request.user
    )
    if not report.is_ready:
        raise Http404
    response = FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=f"sammanstallning-{round_.slug}-{report.pk}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response
