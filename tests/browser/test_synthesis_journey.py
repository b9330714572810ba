"""A handläggare reads the synthesis in Chromium: filters it, opens a chart's table, searches,
downloads the XLSX, orders the synthesis report and downloads it once its progress (rendered by
the real Celery worker, polled by the page) is done, and reads one field side by side. Every
state passes axe; the controls are reached with the keyboard."""

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from staff.models import SynthesisReport
from staff.tests.review_helpers import submitted_inventory
from tests.browser.conftest import sign_in
from tests.browser.journeys import pass_second_factor
from tests.browser.test_keyboard import tab_to

pytestmark = [
    pytest.mark.browser,
    pytest.mark.broker,
    pytest.mark.django_db(transaction=True),
]

SYNTHESIS = "/handlaggare/omgang/2019/sammanstallning/"
#: Rendering the report in the worker on this shared machine: generous, but a condition.
REPORT_TIMEOUT_MS = 120_000


def _images_loaded(page):
    for name in ("chart-areas", "chart-years"):
        image = page.get_by_test_id(name).locator("img")
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )


def test_a_handlaggare_filters_reads_searches_and_downloads_the_report(
    celery_worker, page, axe_check, screenshot, staff_user, region, contact, other_region
):
    from regions.tests.factories import ContactPersonFactory

    submitted_inventory(region=region, user=contact, interventions=2, goals=1)
    submitted_inventory(
        region=other_region, user=ContactPersonFactory(region=other_region).user, interventions=3
    )
    sign_in(page, staff_user.email)
    pass_second_factor(page)

    # The synthesis, then a filter chosen from the keyboard-reachable form.
    page.goto(SYNTHESIS)
    _images_loaded(page)
    expect(page.get_by_test_id("interventions-total")).to_have_text("5")
    axe_check(page, "synthesis")
    tab_to(page, "Insatsområde")
    page.get_by_label("Insatsområde", exact=True).select_option("research")
    tab_to(page, "Visa")
    page.keyboard.press("Enter")
    page.wait_for_url("**/sammanstallning/?*area=research*")
    _images_loaded(page)
    expect(page.get_by_label("Insatsområde", exact=True)).to_have_value("research")
    axe_check(page, "synthesis filtered")

    # A chart's data: its caption links to its table, which takes focus.
    tab_to(page, "Diagrammets siffror finns i tabellen nedan.")
    page.keyboard.press("Enter")
    table = page.get_by_test_id("years")
    expect(table).to_be_focused()
    expect(table).to_be_in_viewport()
    expect(table.locator("tfoot")).to_contain_text("Totalt")
    axe_check(page, "synthesis chart table")

    # Search across the inventories.
    page.goto(SYNTHESIS)
    tab_to(page, "Sök i inventeringarna")
    page.keyboard.press("Enter")
    page.wait_for_url("**/sammanstallning/sok/")
    page.get_by_label("Sök i inventeringarna", exact=True).fill("näringsliv")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=n%C3%A4ringsliv**")
    expect(page.locator("mark").first).to_be_visible()
    axe_check(page, "synthesis search")

    # The round's XLSX from the board.
    page.goto("/handlaggare/omgang/2019/")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Excel")).click()
    with open(download.value.path(), "rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()), read_only=True)
    text = " ".join(
        str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row
    )
    assert "Region Skåne" in text and "Region Stockholm" in text

    # The synthesis report for the filter: ordered, progress polled, downloaded.
    page.goto(f"{SYNTHESIS}?area=research")
    tab_to(page, "Sammanställningsrapport (PDF) för det här urvalet")
    page.keyboard.press("Enter")
    page.wait_for_url("**/sammanstallning/rapport/?area=research")
    expect(page.get_by_text("Insatsområde: Sprida forskning")).to_be_visible()
    axe_check(page, "synthesis reports")
    tab_to(page, "Skapa rapport")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/sammanstallning/rapport/\d+/$"))
    progress = page.locator("progress")
    expect(progress).to_be_visible()
    axe_check(page, "synthesis report ordered")
    download_link = page.get_by_test_id("report-download")
    expect(download_link).to_be_visible(timeout=REPORT_TIMEOUT_MS)  # by polling, no reload
    expect(progress).to_have_attribute("value", "100")
    expect(page.get_by_role("status")).to_have_text("Rapporten är klar.")
    expect(page.get_by_role("link", name="Uppdatera sidan")).to_be_hidden()
    axe_check(page, "synthesis report ready")
    screenshot(page, "staff-synthesis-report")
    tab_to(page, "Ladda ner rapporten (PDF)")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    with open(download.value.path(), "rb") as handle:
        content = handle.read()
    report = SynthesisReport.objects.get()
    assert report.filters == "area=research" and report.status == "ready"
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Region Skåne" in text and "Region Stockholm" in text
    assert "Sprida forskning" in text

    # One field side by side, regions ticked with the keyboard.
    page.goto(f"{SYNTHESIS}jamfor/")
    tab_to(page, "12 Region Skåne")
    page.keyboard.press("Space")
    tab_to(page, "01 Region Stockholm", backwards=True)
    page.keyboard.press("Space")
    tab_to(page, "Visa sida vid sida")
    page.keyboard.press("Enter")
    page.wait_for_url("**/jamfor/?field=needs_challenges&region=region-stockholm**")
    columns = page.get_by_test_id("side-by-side").locator("article")
    expect(columns).to_have_count(2)
    expect(columns.first).to_contain_text("Region Stockholm")
    axe_check(page, "synthesis side by side")
    assert page.js_errors == []
