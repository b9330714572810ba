"""The registration number on the staff screens: entering it, and where it shows."""

import re

import pytest
import time_machine
from django.urls import reverse

from inventories.models import AuditEvent, Inventory
from inventories.tests.factories import open_inventory, round_2019
from staff.tests.review_helpers import IN_ROUND, submitted_inventory

pytestmark = pytest.mark.django_db


def url(name, region, **kwargs):
    return reverse(
        f"staff:{name}", kwargs={"round_slug": "2019", "region_slug": region.slug, **kwargs}
    )


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def draft(region, contact):
    with time_machine.travel(IN_ROUND, tick=False):
        return open_inventory(round=round_2019(), region=region, user=contact)


def test_staff_enter_the_number_of_a_draft_and_it_is_in_the_history(
    staff_client, staff_user, region, draft
):
    page = text(staff_client.get(url("inventory", region)))
    assert "Inget än; ges vid första inlämningen." in page
    assert url("registration_number", region) in page

    response = staff_client.post(url("registration_number", region), {"number": "Ä 2019-0815"})
    assert response.status_code == 302 and response["Location"] == url("inventory", region)
    assert Inventory.objects.get(pk=draft.pk).registration_number == "Ä 2019-0815"

    page = text(staff_client.get(url("inventory", region)))
    assert "Ä 2019-0815" in page
    assert url("registration_number", region) not in page
    history = text(staff_client.get(url("audit", region)))
    assert "Diarienummer angivet" in history and "Ä 2019-0815" in history
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.REGISTRATION_NUMBER_SET, actor=staff_user
    ).exists()


def test_a_given_number_cannot_be_entered_again(staff_client, region, contact):
    inventory, _version = submitted_inventory(region=region, user=contact)
    response = staff_client.post(url("registration_number", region), {"number": "X-1"})
    assert response.status_code == 400
    assert "Behovsinventeringen har redan diarienummer 2019-0001." in text(response)
    assert Inventory.objects.get(pk=inventory.pk).registration_number == "2019-0001"


def test_an_empty_number_is_an_error_at_the_field(staff_client, region, draft):
    response = staff_client.post(url("registration_number", region), {"number": ""})
    assert response.status_code == 400
    page = text(response)
    assert 'href="#id_number"' in page and "Ange diarienumret." in page


def test_a_region_that_never_opened_the_form_has_no_number_page(
    staff_client, other_region, region, draft
):
    assert staff_client.get(url("registration_number", other_region)).status_code == 404


def test_the_board_the_version_and_the_exports_show_the_number(staff_client, region, contact):
    submitted_inventory(region=region, user=contact)
    board = text(staff_client.get(reverse("staff:board", kwargs={"round_slug": "2019"})))
    assert "Dnr 2019-0001" in board
    version = text(staff_client.get(url("version", region, number=1)))
    assert "Diarienummer" in version and "2019-0001" in version
    response = staff_client.get(reverse("staff:export_csv", kwargs={"round_slug": "2019"}))
    csv_text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Diarienummer" in csv_text and "2019-0001" in csv_text
