"""Journey (a) in Chromium at desktop size: a new contact person follows the invitation link,
chooses a password, fills in all three parts (with a validation error on the way that keeps
everything typed), reviews, confirms, submits and downloads the PDF copy from the receipt."""

import re

import pytest

from inventories.models import Inventory
from tests.browser import journeys

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_contact_person_fills_in_and_submits_the_inventory(
    page, axe_check, screenshot, region, staff_user
):
    sha256 = journeys.submit_as_new_contact(
        page, region=region, staff=staff_user, axe_check=axe_check, screenshot=screenshot
    )
    inventory = Inventory.objects.get(region=region, round__slug="ovning")
    version = inventory.versions.get()
    assert (inventory.status, version.number, version.sha256) == ("submitted", 1, sha256)
    assert version.submitted_by_name == "Karin Lund"
    assert version.submitted_by.check_password(journeys.NEW_PASSWORD)

    text = journeys.download_pdf_text(page, number=1)
    flat = re.sub(r"\s+", "", text)
    assert "Region Skåne" in text
    assert "Version 1" in text
    assert sha256 in flat, "the receipt's SHA-256 is not in the PDF"
    assert re.sub(r"\s+", "", journeys.BUDGET[0][0]) in flat
    assert re.sub(r"\s+", "", journeys.interventions_for(inventory.round)[1].title) in flat
    assert page.js_errors == []
