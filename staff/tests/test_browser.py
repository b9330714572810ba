"""The staff area in Chromium: the board, a version with its diff and the forms pass axe.

The browser fixtures of ``tests/browser`` apply only to that folder, and a second
Playwright sync instance cannot run in the thread that already holds theirs. So this test drives
its own Chromium in a worker thread with the same settings (path, arguments, axe tags).
"""

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import time_machine

from conftest import need_service
from inventories.services import inventory_return_for_completion, inventory_submit
from staff.tests.review_helpers import RESUBMIT_DAY, REVIEW_DAY, submitted_inventory
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


@pytest.fixture
def reviewed(region, contact, staff_user):
    inventory, _v1 = submitted_inventory(region=region, user=contact)
    with time_machine.travel(REVIEW_DAY, tick=False):
        inventory_return_for_completion(
            inventory=inventory, actor=staff_user, message="Beskriv samverkan närmare."
        )
    with time_machine.travel(RESUBMIT_DAY, tick=False):
        state = inventory.current_state
        state.refresh_from_db()
        state.collaboration = "Samverkan med kommuner, universitet och näringsliv i Skåne."
        state.save()
        inventory_submit(inventory=inventory, user=contact)
    return inventory


def _walk_the_staff_area(base_url, email):
    """Runs in a worker thread: sign in as staff and check each staff page with axe."""
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
            page.goto("/handlaggare/")
            page.wait_for_url("**/handlaggare/omgang/2019/")
            assert page.locator("h1").all_inner_texts() == [
                "Lägesbild – Behovsinventering hösten 2019"
            ]
            assert page.locator(".region-tile").count() == 21
            assert page.get_by_role("img", name="Fördelning per status", exact=False).is_visible()
            axe_check(page, "staff board")
            page.screenshot(path=str(shots / "staff-board.png"), full_page=True)

            page.get_by_role("link", name="12 Region Skåne", exact=True).click()
            assert page.locator("h1").inner_text().startswith("Region Skåne")
            axe_check(page, "staff inventory")
            page.get_by_role("link", name="Version 2").first.click()
            assert "Ändringar sedan version 1" in page.content()
            page.get_by_text("Visa ändringarna ord för ord").click()
            assert page.locator(".diff-words ins").count() >= 1
            axe_check(page, "staff version diff")
            page.screenshot(path=str(shots / "staff-version-diff.png"), full_page=True)

            page.goto("/handlaggare/omgang/2019/region-skane/atersand/")
            page.get_by_role("button", name="Återsänd för komplettering").click()
            assert page.locator("[data-error-summary]").is_visible()
            assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
            axe_check(page, "staff return form with errors")

            page.goto("/handlaggare/omgang/2019/region-skane/historik/")
            axe_check(page, "staff audit history")
            page.goto("/handlaggare/omgang/2019/region-skane/kontaktpersoner/")
            axe_check(page, "staff contact persons")
            assert errors == []
        finally:
            context.close()
            browser.close()
    return axe_check.scanned


def test_board_and_review_pages_pass_axe(live_server, staff_user, reviewed):
    need_service(
        Path(CHROMIUM).exists() or bool(shutil.which("chromium")),
        f"needs Chromium at {CHROMIUM}: apt-get install chromium",
    )
    try:
        import playwright  # noqa: F401
    except ImportError:  # pragma: no cover - requirements install it
        need_service(False, "needs Playwright: pip install -r requirements.txt")
    with ThreadPoolExecutor(max_workers=1) as pool:
        scanned = pool.submit(_walk_the_staff_area, live_server.url, staff_user.email).result()
    assert len(scanned) == 6
