import time
import pytest
from portal.tests.browser.conftest import sign_in
from inventories.demo import practice_round
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def test_perf(page, contact):
    practice_round()
    sign_in(page, contact.email); page.wait_for_url("**/region-skane/")
    page.goto("/region/region-skane/ovning/del-2/ny/")
    page.get_by_label("Start", exact=True).focus()
    page.keyboard.type("2027-03-01")
    print("value", page.get_by_label("Start", exact=True).input_value())
    page.get_by_label("Slut", exact=True).focus()
    page.keyboard.type("20280401")
    print("value", page.get_by_label("Slut", exact=True).input_value())
    print(page.evaluate("navigator.language"), page.evaluate("new Intl.DateTimeFormat().resolvedOptions().locale"))
    page.get_by_label("Start", exact=True).focus()
    for i in range(4):
        page.keyboard.press("Tab"); print(page.evaluate("document.activeElement.id"))
    t = time.monotonic(); page.keyboard.type("abcdefghij" * 10); print("type100", time.monotonic() - t)
