"""The synthesis in Chromium: filter, charts, the list behind a number and search pass axe.

Like ``test_browser.py`` this drives its own Chromium in a worker thread (the browser fixtures
of ``tests/browser`` apply only to that folder).
"""

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import need_service
from staff.tests.review_helpers import submitted_inventory
from tests.browser.conftest import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    AxeChecker,
    new_context,
    sign_in,
)
from tests.browser.journeys import pass_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _walk_the_synthesis(base_url, email):
    from playwright.sync_api import sync_playwright

    axe_check = AxeChecker()
    shots = Path(ARTIFACTS) / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = new_context(browser, base_url)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            sign_in(page, email)
            pass_second_factor(page)
            page.goto("/handlaggare/omgang/2019/")
            page.get_by_role("link", name="Sammanställning", exact=True).click()
            page.wait_for_url("**/sammanstallning/")
            assert page.locator("table caption").count() == 8
            for name in ("chart-areas", "chart-years"):
                image = page.get_by_test_id(name).locator("img")
                image.scroll_into_view_if_needed()
                page.wait_for_function(
                    "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
                )
            axe_check(page, "synthesis")
            page.screenshot(path=str(shots / "staff-synthesis.png"), full_page=True)

            page.get_by_label("Insatsområde", exact=True).select_option("research")
            page.get_by_role("button", name="Visa").click()
            page.wait_for_url("**area=research**")
            assert "research" in page.get_by_label("Insatsområde", exact=True).input_value()
            page.get_by_test_id("interventions-total").get_by_role("link").click()
            page.wait_for_url("**/sammanstallning/insatser/?area=research**")
            assert page.locator('[data-testid="intervention-list"] tbody tr').count() == 2
            axe_check(page, "synthesis interventions")

            page.goto("/handlaggare/omgang/2019/sammanstallning/sok/")
            page.get_by_label("Sök i inventeringarna", exact=True).fill("näringsliv")
            page.keyboard.press("Enter")
            page.wait_for_url("**q=n%C3%A4ringsliv**")
            assert page.locator("mark").count() >= 1
            axe_check(page, "synthesis search")
            assert errors == []
        finally:
            context.close()
            browser.close()
    return axe_check.scanned


def test_synthesis_filter_list_and_search_pass_axe(live_server, staff_user, region, contact):
    need_service(
        Path(CHROMIUM).exists() or bool(shutil.which("chromium")),
        f"needs Chromium at {CHROMIUM}: apt-get install chromium",
    )
    submitted_inventory(region=region, user=contact)
    with ThreadPoolExecutor(max_workers=1) as pool:
        scanned = pool.submit(_walk_the_synthesis, live_server.url, staff_user.email).result()
    assert len(scanned) == 3
