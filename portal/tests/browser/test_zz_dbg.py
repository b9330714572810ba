import time
import pytest
from portal.tests.browser import journeys
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def test_dbg(page, axe_check, screenshot, region, staff_user):
    orig = axe_check.__class__.__call__
    times = []
    def timed(self, page, label):
        t = time.monotonic(); orig(self, page, label); times.append((label, round(time.monotonic() - t, 2)))
    axe_check.__class__.__call__ = timed
    t0 = time.monotonic()
    try:
        journeys.submit_as_new_contact(page, region=region, staff=staff_user, axe_check=axe_check, screenshot=screenshot)
        print(journeys.download_pdf_text(page))
    except Exception:
        print("URL", page.url)
        print(page.locator("main").inner_text())
        screenshot(page, "FAILED")
        raise
    finally:
        axe_check.__class__.__call__ = orig
        print("TOTAL", time.monotonic() - t0, "AXE", sum(t for _, t in times), times)
