"""The audit history people can read: filtered by kind, runs of draft saves collapsed."""

import re

import pytest
from django.urls import reverse

from inventories.models import AuditEvent
from inventories.services import inventory_accept
from staff.history import DraftRun, history_entries
from staff.tests.review_helpers import submitted_inventory

pytestmark = pytest.mark.django_db
A = AuditEvent.Action


def events(*actions):
    return [AuditEvent(action=action, message=str(i)) for i, action in enumerate(actions)]


def shape(entries):
    return [
        ("run", len(entry.events)) if isinstance(entry, DraftRun) else entry.action
        for entry in entries
    ]


def test_runs_of_two_or_more_draft_saves_become_one_entry():
    history = events(
        A.OPENED, A.PART_SAVED, A.PART_SAVED, A.PART_SAVED, A.SUBMITTED, A.PART_SAVED, A.ACCEPTED
    )
    assert shape(history_entries(history)) == [
        A.OPENED,
        ("run", 3),
        A.SUBMITTED,
        A.PART_SAVED,
        A.ACCEPTED,
    ]


def test_a_kind_keeps_only_its_actions_and_an_unknown_kind_keeps_all():
    history = events(
        A.OPENED,
        A.PART_SAVED,
        A.SUBMITTED,
        A.RECEIPT_SENT,
        A.RETURNED,
        A.CONTACT_CHANGED,
        A.REMINDER_SENT,
        A.PART_SAVED,
        A.REGISTRATION_NUMBER_SET,
        A.ASSIGNED,
        A.ACCEPTED,
    )
    assert shape(history_entries(history, kind="beslut")) == [
        A.RETURNED,
        A.REGISTRATION_NUMBER_SET,
        A.ASSIGNED,
        A.ACCEPTED,
    ]
    assert shape(history_entries(history, kind="inskickat")) == [A.SUBMITTED, A.RECEIPT_SENT]
    assert shape(history_entries(history, kind="kontaktpersoner")) == [A.CONTACT_CHANGED]
    assert shape(history_entries(history, kind="paminnelser")) == [A.REMINDER_SENT]
    # Other kinds left out, the two saves are next to each other: one run.
    assert shape(history_entries(history, kind="utkast")) == [A.OPENED, ("run", 2)]
    assert len(history_entries(history, kind="okänt")) == len(history)


def test_the_history_page_filters_and_collapses(client, staff_user, region, contact):
    inventory, _version = submitted_inventory(region=region, user=contact)
    # Three more draft saves in a row are written straight as events (the inventory is
    # submitted); then a decision.
    for minute in range(3):
        AuditEvent.objects.create(
            inventory=inventory,
            round=inventory.round,
            region=region,
            actor=contact,
            action=A.PART_SAVED,
            message=f"Del 1 sparad {minute}",
        )
    inventory_accept(inventory=inventory, actor=staff_user)
    client.force_login(staff_user)
    url = reverse("staff:audit", kwargs={"round_slug": "2019", "region_slug": region.slug})

    page = client.get(url).content.decode()
    assert '<tr data-action="part_saved" data-count="' in page
    assert "Visa varje sparning" in page and "Del 1 sparad 2" in page

    decisions = client.get(url + "?typ=beslut").content.decode()
    assert re.findall(r'<tr data-action="(\w+)"', decisions) == ["accepted"]
    assert '<option value="beslut" selected>' in decisions

    nothing = client.get(url + "?typ=kontaktpersoner").content.decode()
    assert "Inget av det slaget har hänt ännu." in nothing
