"""The synthesis of a round: what the regions' inventories say together, in tables, and the
interventions and goals behind each number (the same filter in the URL)."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from portal.permissions import staff_required
from regions.models import Region
from staff import selectors
from staff.charts import CHARTS
from staff.forms import SynthesisFilterForm, SynthesisSearchForm
from staff.search import round_search
from staff.synthesis import round_synthesis


def _synthesis_context(request, round_slug) -> dict:
    round_ = selectors.round_get_for_staff(slug=round_slug)
    regions = Region.objects.filter(active=True).order_by("code")
    form = SynthesisFilterForm(request.GET or None, regions=regions)
    synthesis_filter = form.synthesis_filter() if form.is_bound else None
    return {"round": round_, "form": form, "synthesis": round_synthesis(round_, synthesis_filter)}


@staff_required
def synthesis(request, round_slug):
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
    svg = draw(_synthesis_context(request, round_slug)["synthesis"])
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
def synthesis_interventions(request, round_slug):
    return render(
        request, "staff/synthesis_interventions.html", _synthesis_context(request, round_slug)
    )


@staff_required
def synthesis_goals(request, round_slug):
    return render(request, "staff/synthesis_goals.html", _synthesis_context(request, round_slug))


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
