"""Journey (a) in Chromium: a new contact person from the invitation e-mail to the PDF receipt."""

import pytest

from portal.tests.browser import journeys

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_contact_person_fills_in_and_submits_the_inventory(
    page, axe_check, screenshot, region, staff_user
):
    sha256 = journeys.submit_as_new_contact(
        page, region=region, staff=staff_user, axe_check=axe_check, screenshot=screenshot
    )
    text = journeys.download_pdf_text(page)
    assert "Region Skåne" in text
    assert sha256 in text.replace("\n", "").replace(" ", "")
    assert page.js_errors == []
