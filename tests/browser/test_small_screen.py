"""Journey (a) on a phone (390×844 CSS pixels): every page passes axe and reflows without
sideways scrolling (WCAG 1.4.10), and the collapsed menu opens with its button."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import journeys
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OVERFLOW_JS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def phone_check(axe_check):
    """axe as usual, and the page must fit the phone's width."""

    def check(page, label):
        assert page.viewport_size == PHONE
        overflow = page.evaluate(OVERFLOW_JS)
        assert overflow <= 0, f"{label} ({page.url}) scrolls sideways by {overflow}px at 390px"
        axe_check(page, f"{label} (390×844)")

    return check


@pytest.mark.viewport(PHONE)
def test_contact_journey_on_a_phone(page, phone_check, screenshot, region, staff_user):
    shots = lambda page_, name: screenshot(page_, f"phone-{name}")  # noqa: E731
    sha256 = journeys.submit_as_new_contact(
        page, region=region, staff=staff_user, axe_check=phone_check, screenshot=shots
    )
    assert sha256

    # The menu is collapsed behind its button; the button opens it and says so.
    menu_button = page.get_by_role("button", name="Visa meny")
    assert menu_button.get_attribute("aria-expanded") == "false"
    assert not page.get_by_role("button", name="Logga ut").is_visible()
    menu_button.click()
    # Bootstrap marks the menu "show" when it has finished opening.
    expect(page.locator("#site-nav")).to_have_class(re.compile(r"\bshow\b"))
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    expect(menu_button).to_have_attribute("aria-expanded", "true")
    phone_check(page, "receipt with the menu open")
    assert page.js_errors == []
