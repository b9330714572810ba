"""The admin for staff: actions call the services; versions and the history are read-only."""

import datetime

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from inventories.models import AuditEvent, Inventory, InventoryVersion
from inventories.tests.factories import open_inventory, round_2019
from staff.tests.review_helpers import IN_ROUND, STOCKHOLM, submitted_inventory

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:inventories_inventory_changelist"


def results(page: str) -> str:
    """The result table of a changelist (the filter sidebar also names every region)."""
    return page.split('id="result_list"')[1].split("</table>")[0]


@pytest.fixture
def inventories(region, contact, other_region, other_contact):
    skane, _v = submitted_inventory(region=region, user=contact)
    with time_machine.travel(IN_ROUND, tick=False):
        stockholm = open_inventory(round=round_2019(), region=other_region, user=other_contact)
    return skane, stockholm


def test_accept_action_calls_the_service_and_reports_refusals(client, staff_user, inventories):
    skane, stockholm = inventories
    client.force_login(staff_user)
    response = client.post(
        reverse(CHANGELIST),
        {"action": "accept_selected", ACTION_CHECKBOX_NAME: [skane.pk, stockholm.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "1 behovsinventering godkänd." in page
    assert "Region Stockholm: Det går bara att godkänna en inskickad" in page
    skane.refresh_from_db()
    stockholm.refresh_from_db()
    assert (skane.status, stockholm.status) == ("accepted", "draft")
    assert AuditEvent.objects.get(action="accepted").actor == staff_user


def test_return_action_leads_to_the_staff_screen_for_the_message(client, staff_user, inventories):
    skane, stockholm = inventories
    client.force_login(staff_user)
    response = client.post(
        reverse(CHANGELIST), {"action": "return_selected", ACTION_CHECKBOX_NAME: [skane.pk]}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "staff:return", kwargs={"round_slug": "2019", "region_slug": "region-skane"}
    )
    response = client.post(
        reverse(CHANGELIST),
        {"action": "return_selected", ACTION_CHECKBOX_NAME: [skane.pk, stockholm.pk]},
        follow=True,
    )
    assert "Välj en behovsinventering i taget" in response.content.decode()
    skane.refresh_from_db()
    assert skane.status == Inventory.Status.SUBMITTED


def test_list_shows_deadline_and_timeliness_and_filters_late_ones(client, staff_user, inventories):
    with time_machine.travel(datetime.datetime(2020, 1, 25, tzinfo=STOCKHOLM), tick=False):
        client.force_login(staff_user)
        page = results(client.get(reverse(CHANGELIST)).content.decode())
        assert "I tid" in page and "Ej inskickad, sista dag passerad" in page
        overdue = results(client.get(reverse(CHANGELIST) + "?i_tid=overdue").content.decode())
        on_time = results(client.get(reverse(CHANGELIST) + "?i_tid=on_time").content.decode())
    assert "Region Stockholm" in overdue and "Region Skåne" not in overdue
    assert "Region Skåne" in on_time and "Region Stockholm" not in on_time
    client.force_login(staff_user)  # the session ended two hours after 25 January 2020
    searched = results(client.get(reverse(CHANGELIST) + "?q=Sk%C3%A5ne").content.decode())
    assert "Region Skåne" in searched and "Region Stockholm" not in searched


def test_inventory_versions_and_history_cannot_be_changed_in_the_admin(
    client, staff_user, inventories
):
    skane, _stockholm = inventories
    version = InventoryVersion.objects.get(inventory=skane)
    client.force_login(staff_user)
    change = client.get(reverse("admin:inventories_inventory_change", args=[skane.pk]))
    page = change.content.decode()
    assert 'name="status"' not in page  # status changes only through the actions
    assert version.sha256 in page
    assert client.get(reverse("admin:inventories_inventory_add")).status_code == 403
    response = client.post(
        reverse("admin:inventories_inventoryversion_change", args=[version.pk]),
        {"number": 5},
    )
    assert response.status_code == 403
    assert (
        client.post(
            reverse("admin:inventories_inventoryversion_delete", args=[version.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    event = AuditEvent.objects.first()
    assert (
        client.post(
            reverse("admin:inventories_auditevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert InventoryVersion.objects.filter(pk=version.pk, number=1).exists()


def test_round_admin_edits_the_reminder_schedule(client, staff_user):
    client.force_login(staff_user)
    page = client.get(
        reverse("admin:inventories_round_change", args=[round_2019().pk])
    ).content.decode()
    assert 'name="reminder_days"' in page and 'name="reminder_time"' in page
    assert 'name="milestones-0-what"' in page
