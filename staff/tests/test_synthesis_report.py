"""The synthesis report: a real tagged PDF rendered by a task into storage, its progress, its
download, and that a failed or interrupted render never serves half a file."""

import io
import time

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from pypdf import PdfReader

from staff import services
from staff.models import SynthesisReport
from staff.synthesis import SynthesisFilter, round_synthesis

pytestmark = pytest.mark.django_db


def _text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def _urls(report):
    kwargs = {"round_slug": report.round.slug, "report_id": report.pk}
    return {
        name: reverse(f"staff:{name}", kwargs=kwargs)
        for name in ("synthesis_report", "synthesis_report_status", "synthesis_report_download")
    }


def test_ordering_a_report_renders_a_tagged_pdf_with_the_regions_and_totals(
    client, staff_user, seeded_round, django_capture_on_commit_callbacks
):
    client.force_login(staff_user)
    reports = reverse("staff:synthesis_reports", kwargs={"round_slug": "2019"})
    page = client.get(reports).content.decode()
    assert "Skapa rapport" in page and "Inga rapporter ännu." in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reports)  # tasks run inline in the tests
    report = SynthesisReport.objects.get()
    urls = _urls(report)
    assert response.status_code == 302 and response["Location"] == urls["synthesis_report"]
    assert report.status == SynthesisReport.Status.READY and report.progress == 100
    assert report.requested_by == staff_user and report.filters == ""

    download = client.get(urls["synthesis_report_download"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    content = b"".join(download.streaming_content)
    import hashlib

    assert hashlib.sha256(content).hexdigest() == report.sha256 and len(content) == report.size
    reader = PdfReader(io.BytesIO(content))
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in catalog  # tagged
    meta = catalog["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="2"' in meta and 'pdfaid:conformance="A"' in meta  # PDF/A-2a
    text = _text(content)
    # The summary: 5 interventions seeking 1 350 000 kr, then one page per region.
    assert "Sammanställning – " in text
    assert "1 350 000 kr" in text.replace("\u00a0", " ")
    assert "Region Skåne" in text and "Region Stockholm" in text
    assert "Region Uppsala" not in text  # a draft, not asked for
    assert "miljoner kronor" in text  # the charts are drawn, their text stays text
    assert len(reader.pages) >= 4  # summary, matrices, a page per region
    # Each region's page: its interventions, money per year, goals and effects.
    for name in ("Region Skåne", "Region Stockholm"):
        assert f"Insatser i {name}" in text and f"Pengar per år i {name}" in text
        assert f"Mål i {name}" in text
    words = " ".join(text.split())  # table cells wrap their text over lines
    assert "Mål 1: fler hållbara företag" in words and "Ökad tillit mellan aktörer." in words

    detail = client.get(urls["synthesis_report"]).content.decode()
    assert "Rapporten är klar." in detail and urls["synthesis_report_download"] in detail
    assert 'value="100"' in detail


def test_a_filtered_report_counts_what_the_filter_counts_and_marks_drafts(
    client, staff_user, seeded_round, django_capture_on_commit_callbacks
):
    client.force_login(staff_user)
    reports = reverse("staff:synthesis_reports", kwargs={"round_slug": "2019"})
    listing = client.get(reports, {"drafts": "on", "area": "funds"}).content.decode()
    assert "Insatsområde: Utlysning av medel" in listing
    assert '<input type="hidden" name="area" value="funds">' in listing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reports, {"drafts": "on", "area": "funds", "region": ""})
    report = SynthesisReport.objects.get()
    assert report.filters == "area=funds&drafts=on"
    listed = client.get(reports).content.decode()
    assert (
        "<td>Insatsområde: Utlysning av medel; Utkast räknas med och är markerade.</td>" in listed
    )
    expected = round_synthesis(seeded_round, SynthesisFilter(area="funds", drafts=True))
    content = default_storage.open(report.file.name).read()
    text = _text(content).replace("\u00a0", " ")
    assert "Urval" in text and "Utlysning av medel" in text
    assert "Region Stockholm" in text
    assert [row.region.name for row in expected.rows] == ["Region Stockholm"]
    assert "Region Skåne" not in text.split("Region och insatsområde")[-1]


def test_progress_states_and_the_status_poll(client, staff_user, seeded_round):
    report = SynthesisReport.objects.create(round=seeded_round, requested_by=staff_user)
    urls = _urls(report)
    client.force_login(staff_user)
    state = client.get(urls["synthesis_report_status"]).json()
    assert state == {
        "status": "queued",
        "progress": 0,
        "text": "Rapporten väntar på att skapas (0 procent).",
        "download": "",
    }
    page = client.get(urls["synthesis_report"]).content.decode()
    assert "<progress" in page and "Uppdatera sidan" in page  # the no-JS fallback
    assert "js/report.js" in page
    assert client.get(urls["synthesis_report_download"]).status_code == 404

    seen = []
    original = services._report_progress

    def spy(report_id, percent, **fields):
        original(report_id, percent, **fields)
        seen.append(SynthesisReport.objects.get(pk=report_id).progress)

    services._report_progress = spy
    try:
        services.synthesis_report_render(report_id=report.pk)
    finally:
        services._report_progress = original
    assert seen == sorted(seen) and seen[0] == 5 and 50 in seen and seen[-1] == 90
    state = client.get(urls["synthesis_report_status"]).json()
    assert state["status"] == "ready" and state["progress"] == 100
    assert state["download"] == urls["synthesis_report_download"]
    assert "data-report-refresh hidden" in client.get(urls["synthesis_report"]).content.decode()


def test_a_failed_render_keeps_the_report_retryable_and_serves_no_file(
    client, staff_user, seeded_round, monkeypatch
):
    from staff import report as report_module

    report = SynthesisReport.objects.create(round=seeded_round, requested_by=staff_user)

    def crash(html, **kwargs):
        raise OSError("the disk went away mid-render")

    monkeypatch.setattr(report_module, "render_pdf", crash)
    with pytest.raises(OSError):
        services.synthesis_report_render(report_id=report.pk)
    services.synthesis_report_record_failure(
        report_id=report.pk, error=OSError("the disk went away mid-render"), final=False
    )
    report.refresh_from_db()
    assert report.status == SynthesisReport.Status.RENDERING and not report.file
    assert "disk went away" in report.error and report.attempts == 1
    client.force_login(staff_user)
    urls = _urls(report)
    assert client.get(urls["synthesis_report_download"]).status_code == 404

    monkeypatch.undo()
    again = services.synthesis_report_render(report_id=report.pk)  # the retry
    assert again.status == SynthesisReport.Status.READY and again.error == ""
    assert again.attempts == 2
    name = again.file.name
    assert services.synthesis_report_render(report_id=report.pk).file.name == name  # no-op
    assert client.get(urls["synthesis_report_download"]).status_code == 200


def test_the_last_failure_marks_the_report_failed(client, staff_user, seeded_round):
    report = SynthesisReport.objects.create(
        round=seeded_round, requested_by=staff_user, attempts=services.REPORT_MAX_ATTEMPTS
    )
    assert services.synthesis_report_render(report_id=report.pk).status == "failed"
    client.force_login(staff_user)
    state = client.get(_urls(report)["synthesis_report_status"]).json()
    assert state["text"].startswith("Rapporten kunde inte skapas")


def test_ordering_the_same_report_twice_while_it_renders_gives_the_same_report(
    staff_user, seeded_round, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = services.synthesis_report_request(
            round_=seeded_round, synthesis_filter=SynthesisFilter(area="funds"), actor=staff_user
        )
        second = services.synthesis_report_request(
            round_=seeded_round, synthesis_filter=SynthesisFilter(area="funds"), actor=staff_user
        )
        other = services.synthesis_report_request(
            round_=seeded_round, synthesis_filter=SynthesisFilter(), actor=staff_user
        )
    assert first.pk == second.pk != other.pk
    assert len(queued) == 2


def test_only_staff_order_reports(contact, seeded_round):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.synthesis_report_request(
            round_=seeded_round, synthesis_filter=SynthesisFilter(), actor=contact
        )
    assert not SynthesisReport.objects.exists()


def test_a_report_of_another_round_is_not_found(client, staff_user, seeded_round):
    from inventories.models import Round

    report = SynthesisReport.objects.create(round=seeded_round, requested_by=staff_user)
    other = Round.objects.create(
        slug="2020",
        name="Omgång 2020",
        opens_at=seeded_round.opens_at,
        deadline=seeded_round.deadline,
        period_start=seeded_round.period_start,
        period_end=seeded_round.period_end,
        start_capital=100_000,
    )
    client.force_login(staff_user)
    url = reverse(
        "staff:synthesis_report", kwargs={"round_slug": other.slug, "report_id": report.pk}
    )
    assert client.get(url).status_code == 404


def test_the_sweeper_renders_a_report_whose_task_was_lost(staff_user, seeded_round):
    from datetime import timedelta

    from django.utils import timezone

    from staff.tasks import synthesis_reports_sweep

    lost = SynthesisReport.objects.create(round=seeded_round, requested_by=staff_user)
    fresh = SynthesisReport.objects.create(round=seeded_round, requested_by=staff_user)
    given_up = SynthesisReport.objects.create(
        round=seeded_round, requested_by=staff_user, attempts=services.REPORT_MAX_ATTEMPTS
    )
    long_ago = timezone.now() - services.REPORT_SWEEP_GRACE - timedelta(minutes=1)
    SynthesisReport.objects.filter(pk__in=[lost.pk, given_up.pk]).update(created_at=long_ago)
    assert synthesis_reports_sweep() == {"renders": 1}  # tasks run inline in the tests
    states = dict(SynthesisReport.objects.values_list("pk", "status"))
    assert states == {lost.pk: "ready", fresh.pk: "queued", given_up.pk: "queued"}
    assert synthesis_reports_sweep() == {"renders": 0}


def test_the_sweeper_runs_on_beat(settings):
    from portal.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["staff-sweep-synthesis-reports"]
    assert entry["task"] == "staff.tasks.synthesis_reports_sweep" and entry["task"] in app.tasks


@pytest.mark.broker
def test_the_real_worker_renders_the_report(celery_worker, client, staff_user, seeded_round):
    client.force_login(staff_user)
    reports = reverse("staff:synthesis_reports", kwargs={"round_slug": "2019"})
    response = client.post(reports)
    report = SynthesisReport.objects.get()
    assert response["Location"] == _urls(report)["synthesis_report"]
    status_url = _urls(report)["synthesis_report_status"]
    deadline = time.monotonic() + 120
    state = client.get(status_url).json()
    while state["status"] != "ready" and time.monotonic() < deadline:
        assert state["status"] in ("queued", "rendering")
        time.sleep(0.2)
        state = client.get(status_url).json()
    assert state["status"] == "ready" and state["progress"] == 100
    content = b"".join(client.get(state["download"]).streaming_content)
    assert "Region Stockholm" in _text(content)
