"""Session expiry on a long form (WCAG 2.2.1 Timing Adjustable): text typed before the session
ends is never lost. The browser keeps a copy until the server has saved it, and offers it back
after signing in again."""

import pytest
from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from inventories.demo import practice_round
from inventories.models import Inventory
from tests.browser.conftest import sign_in
from tests.browser.journeys import submit, wait_for_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_TEXT = (
    "Vi behöver gemensam kunskap om hållbarhetsanalys i hela Skåne.\n"
    "Kommunerna efterfrågar stöd att mäta social hållbarhet, särskilt för unga och för "
    "personer med utländsk bakgrund. " * 8
).strip()


def end_all_sessions():
    """Every session ends on the server, as an expiry or a sign-out elsewhere ends it: gone from
    the database and from the cache that sessions are read from (``cached_db``)."""
    for key in Session.objects.values_list("session_key", flat=True):
        SessionStore(key).delete()


def part1_url(round_):
    return f"/region/region-skane/{round_.slug}/del-1/"


def saved_needs(round_):
    inventory = Inventory.objects.get(round=round_, region__code="12")
    inventory.current_state.refresh_from_db()
    # A browser submits line breaks as CRLF; compare the text, not the line-break bytes.
    return inventory.current_state.needs_challenges.replace("\r\n", "\n")


def sign_in_again(page, email):
    """The sign-in form, as the redirect shows it, without leaving the page."""
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill("Behovsinventering-2019")
    submit(page, page.get_by_role("button", name="Logga in"))


def restore_and_save(page, round_, axe_check, label):
    banner = page.locator(".draft-banner")
    expect(banner).to_be_visible()
    assert "text som du skrev men inte sparade" in banner.inner_text()
    assert page.get_by_label("Behov och utmaningar").input_value() == ""
    axe_check(page, label)
    page.get_by_role("button", name="Återställ min text").click()
    assert page.get_by_label("Behov och utmaningar").input_value() == LONG_TEXT
    assert page.evaluate("document.activeElement.id") == "id_context"
    submit(page, page.get_by_role("button", name="Spara", exact=True))
    expect(page.locator(".messages")).to_contain_text("Del 1 är sparad.")
    assert saved_needs(round_) == LONG_TEXT
    # Saved: the copy in the browser is gone, so the next visit offers nothing.
    page.goto(part1_url(round_))
    expect(page.get_by_label("Behov och utmaningar")).to_have_value(LONG_TEXT)
    assert page.locator(".draft-banner").count() == 0


def test_text_typed_before_the_session_expired_is_restored_and_saved(page, contact, axe_check):
    round_ = practice_round()
    sign_in(page, contact.email)
    wait_for_path(page, "/region/region-skane/")
    page.goto(part1_url(round_))
    page.get_by_label("Behov och utmaningar").fill(LONG_TEXT)

    # The session ends on the server (timeout, restart, sign-out elsewhere) before "Spara".
    end_all_sessions()
    submit(page, page.get_by_role("button", name="Spara", exact=True))
    wait_for_path(page, "/konto/logga-in/")
    assert saved_needs(round_) == ""

    sign_in_again(page, contact.email)
    wait_for_path(page, part1_url(round_))
    restore_and_save(page, round_, axe_check, "Del 1 – draft banner after the session expired")
    assert page.js_errors == []


def test_expired_dialog_leads_back_to_the_page_and_the_text(page, contact, settings, axe_check):
    """Left alone past the session's end: the dialog says so, its link signs in and returns."""
    settings.SESSION_COOKIE_AGE = 600
    round_ = practice_round()
    page.clock.install()
    sign_in(page, contact.email)
    wait_for_path(page, "/region/region-skane/")
    page.goto(part1_url(round_))
    page.get_by_label("Behov och utmaningar").fill(LONG_TEXT)
    # The page knows the session's true time left (the inactivity age plus the refresh margin,
    # portal.middleware); the warning shows min(5 min, a third of it) before the end.
    total = int(page.get_attribute("body", "data-session-seconds") or 0)
    lead = min(300, total // 3)
    page.clock.run_for((total - lead + 10) * 1000)  # the warning shows; nobody answers
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_be_visible()
    end_all_sessions()
    page.clock.run_for((lead + 1) * 1000)
    expect(dialog).to_contain_text("Du har loggats ut")
    expect(dialog).to_contain_text("Texten du skrev finns kvar")
    login_link = dialog.get_by_role("link", name="Logga in igen")
    expect(login_link).to_be_visible()
    expect(login_link).to_be_focused()
    axe_check(page, "session expired dialog")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    wait_for_path(page, "/konto/logga-in/")

    sign_in_again(page, contact.email)
    wait_for_path(page, part1_url(round_))
    restore_and_save(page, round_, axe_check, "Del 1 – draft banner after the dialog's sign-in")
    assert page.js_errors == []
