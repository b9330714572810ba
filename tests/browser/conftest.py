"""Real-browser fixtures: Debian's Chromium driven by Playwright against the live server.

Browser tests skip with a reason when Chromium or Playwright is missing, and fail instead under
REQUIRE_SERVICES=1 (CI). Screenshots go to test-artifacts/screenshots/ (git-ignored).

Every browser context asks for reduced motion, so the portal's CSS turns transitions off: a
focused or hovered button has its final colours at once, a dialog or the menu is complete when it
shows, and axe never measures a colour half-way through a change. axe also waits until nothing
on the page is still moving, in case a transition slips past the reduced-motion rules.
"""

import os
import shutil
from pathlib import Path

import pytest

from conftest import need_service

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# Playwright's sync API runs an event loop in this thread; the ORM must still be usable.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium():
    available = os.path.exists(CHROMIUM) or bool(shutil.which("chromium"))
    need_service(available, f"needs Chromium at {CHROMIUM}: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - requirements install it
        need_service(False, "needs Playwright: pip install -r requirements.txt")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_context(chromium, base_url, viewport=DESKTOP):
    """A fresh browser (its own cookies and storage) as the tests' users have it.

    Every test's browser asks for reduced motion, so no check runs half-way through a transition.
    """
    context = chromium.new_context(
        base_url=base_url,
        viewport=viewport,
        locale="sv-SE",
        timezone_id="Europe/Stockholm",
        reduced_motion="reduce",
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def browser_context(chromium, live_server, request):
    marker = request.node.get_closest_marker("viewport")
    context = new_context(chromium, live_server.url, marker.args[0] if marker else DESKTOP)
    yield context
    context.close()


def _watched(page):
    """``page`` with the script errors it raises collected in ``page.js_errors``."""
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return page


@pytest.fixture
def page(browser_context):
    page = _watched(browser_context.new_page())
    yield page
    page.close()


@pytest.fixture
def contact_page(chromium, live_server):
    """A second person's own browser (e.g. the contact person's), beside the handläggare's
    ``page``: its own context, so its own cookies and session."""
    context = new_context(chromium, live_server.url)
    yield _watched(context.new_page())
    context.close()


# True when no transition or animation with an end is running (infinite ones never settle).
STILL_JS = """() => !document.getAnimations().some((animation) =>
  animation.playState === 'running' && animation.effect
  && animation.effect.getComputedTiming().endTime !== Infinity)"""


class AxeChecker:
    """Runs axe-core on a page and remembers which pages were scanned.

    axe reads the colours as they are at that moment, so it waits until nothing on the page is
    moving: a colour half-way through a transition is not what the user sees for long.
    """

    def __init__(self):
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.scanned = []

    def __call__(self, page, label):
        page.wait_for_function(STILL_JS)
        results = self.axe.run(
            page,
            options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
        )
        self.scanned.append((label, page.url))
        violations = results.response["violations"]
        report = "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"][:5])
            for v in violations
        )
        assert not violations, (
            f"axe found {len(violations)} violation(s) on {label} ({page.url}):\n{report}"
        )


@pytest.fixture
def axe_check():
    checker = AxeChecker()
    yield checker
    if checker.scanned:
        ARTIFACTS.mkdir(exist_ok=True)
        with open(ARTIFACTS / "axe-scanned-pages.txt", "a", encoding="utf-8") as handle:
            for label, url in checker.scanned:
                handle.write(f"{label}\t{url}\n")


@pytest.fixture
def screenshot():
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    return take


def sign_in(page, email, password="Behovsinventering-2019"):
    page.goto("/konto/logga-in/")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
