"""The public pages and the session warning, in Chromium, with axe."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/konto/logga-in/", "Logga in"),
        ("/tillganglighet/", "Tillgänglighetsredogörelse"),
        ("/personuppgifter/", "Behandling av personuppgifter"),
    ],
)
def test_public_pages_are_swedish_and_pass_axe(page, axe_check, path, heading):
    page.goto(path)
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.locator("h1").all_inner_texts() == [heading]
    footer = page.locator("footer")
    assert footer.get_by_role("link", name="Tillgänglighetsredogörelse").is_visible()
    assert footer.get_by_role("link", name="Behandling av personuppgifter").is_visible()
    axe_check(page, path)
    assert page.js_errors == []


def test_skip_link_is_first_and_moves_focus_to_main(page):
    page.goto("/tillganglighet/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Hoppa till huvudinnehållet"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_session_warning_lets_the_user_stay_signed_in(page, contact, settings, axe_check):
    settings.SESSION_COOKIE_AGE = 600
    page.clock.install()
    sign_in(page, contact.email)
    page.wait_for_url("**/region/region-skane/")
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_be_hidden()
    # The page knows the session's true time left (the inactivity age plus the refresh margin,
    # portal.middleware); the warning comes min(5 min, a third of it) before the end.
    total = int(page.get_attribute("body", "data-session-seconds") or 0)
    assert 600 <= total <= 600 + settings.SESSION_REFRESH_MARGIN
    page.clock.run_for((total - min(300, total // 3) + 10) * 1000)
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Du loggas snart ut")
    expect(dialog.get_by_role("button", name="Fortsätt vara inloggad")).to_be_focused()
    axe_check(page, "session warning dialog")
    with page.expect_response("**/session/forlang/") as response_info:
        page.keyboard.press("Enter")
    assert response_info.value.status == 200
    # The dialog closes once the page has read the answer, a moment after it arrives.
    expect(dialog).to_be_hidden()
    page.clock.run_for("04:00")
    expect(dialog).to_be_hidden()


TRANSITIONS_JS = """() => ['.btn', '.form-control', '.navbar-toggler'].map((selector) =>
  getComputedStyle(document.querySelector(selector)).transitionDuration)"""


def test_reduced_motion_turns_every_transition_off(page):
    """The tests' browsers ask for reduced motion, as a user can in the operating system, and
    the portal honours it: a focused button, field or menu changes at once. This is what keeps
    axe from measuring a colour half-way through a transition."""
    page.goto("/konto/logga-in/")
    assert page.evaluate("matchMedia('(prefers-reduced-motion: reduce)').matches")
    durations = page.evaluate(TRANSITIONS_JS)
    assert durations == ["0s", "0s", "0s"], durations
    assert page.evaluate("getComputedStyle(document.documentElement).scrollBehavior") == "auto"
    # Without the setting the same elements do move, so the check above is not vacuous.
    page.emulate_media(reduced_motion="no-preference")
    assert all(duration != "0s" for duration in page.evaluate(TRANSITIONS_JS))
    assert page.evaluate("getComputedStyle(document.documentElement).scrollBehavior") == "smooth"
