"""The registration number (diarienummer): given at the first submission from the round's pattern
and sequence, or entered by staff before that; kept by every later version."""

import json

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from inventories.models import AuditEvent, Inventory, Round
from inventories.pdf import inventory_version_pdf
from inventories.services import inventory as inventory_services
from inventories.services import (
    inventory_registration_number_set,
    inventory_return_for_completion,
    inventory_submit,
)
from inventories.snapshot import canonical_json, sha256_hex
from inventories.tests.factories import open_inventory, round_2019
from inventories.tests.records_helpers import IN_ROUND, pdf_text, submit_inventory
from portal.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_round_2019_numbers_its_inventories_with_a_prefix_and_four_digits():
    round_ = round_2019()
    assert round_.registration_number_format(1) == "2019-0001"
    assert round_.registration_number_format(12345) == "2019-12345"
    round_.registration_prefix, round_.registration_digits = "Ä 2019-", 6
    assert round_.registration_number_format(7) == "Ä 2019-000007"


def test_the_first_submission_takes_the_next_number_and_later_ones_keep_it(
    region, contact, other_region, other_contact, staff_user
):
    first = submit_inventory(region=region, user=contact)
    second = submit_inventory(region=other_region, user=other_contact)
    assert first.inventory.registration_number == "2019-0001"
    assert second.inventory.registration_number == "2019-0002"
    assert Round.objects.get(slug="2019").registration_next == 3
    assert first.registration_number == "2019-0001"
    assert first.snapshot["registration_number"] == "2019-0001"

    with time_machine.travel(IN_ROUND, tick=False):
        inventory_return_for_completion(
            inventory=first.inventory, actor=staff_user, message="Komplettera del 2."
        )
        again = inventory_submit(inventory=first.inventory, user=contact)
    assert again.number == 2 and again.registration_number == "2019-0001"
    assert Inventory.objects.get(pk=first.inventory_id).registration_number == "2019-0001"
    assert Round.objects.get(slug="2019").registration_next == 3


def test_a_failed_submission_gives_its_number_back(region, contact, monkeypatch):
    def broken(*, version):
        raise RuntimeError("disk full")

    monkeypatch.setattr(inventory_services, "version_document_create", broken)
    with pytest.raises(RuntimeError):
        submit_inventory(region=region, user=contact)
    assert Inventory.objects.get(region=region).registration_number == ""
    assert Round.objects.get(slug="2019").registration_next == 1

    monkeypatch.undo()
    with time_machine.travel(IN_ROUND, tick=False):
        version = inventory_submit(inventory=Inventory.objects.get(region=region), user=contact)
    assert version.registration_number == "2019-0001"


def test_staff_enter_the_number_before_the_first_submission_and_it_is_audited(
    region, contact, staff_user
):
    with time_machine.travel(IN_ROUND, tick=False):
        inventory = open_inventory(round=round_2019(), region=region, user=contact)
        inventory_registration_number_set(inventory=inventory, actor=staff_user, number=" Ä  123 ")
        version = inventory_submit(inventory=inventory, user=contact)
    assert version.registration_number == "Ä 123"
    # The round's sequence was not used.
    assert Round.objects.get(slug="2019").registration_next == 1
    event = AuditEvent.objects.get(action=AuditEvent.Action.REGISTRATION_NUMBER_SET)
    assert event.actor == staff_user and event.inventory == inventory
    assert event.data == {"registration_number": "Ä 123"}


def test_a_number_once_given_never_changes(region, contact, staff_user):
    version = submit_inventory(region=region, user=contact)
    with pytest.raises(ValidationError) as caught:
        inventory_registration_number_set(
            inventory=version.inventory, actor=staff_user, number="X-1"
        )
    assert "2019-0001" in str(caught.value)
    assert Inventory.objects.get(pk=version.inventory_id).registration_number == "2019-0001"


def test_staff_entry_is_refused_when_empty_taken_or_not_staff(
    region, contact, other_region, other_contact, staff_user
):
    with time_machine.travel(IN_ROUND, tick=False):
        mine = open_inventory(round=round_2019(), region=region, user=contact, filled=False)
        theirs = open_inventory(
            round=round_2019(), region=other_region, user=other_contact, filled=False
        )
    inventory_registration_number_set(inventory=theirs, actor=staff_user, number="Dnr 5")
    with pytest.raises(ValidationError):
        inventory_registration_number_set(inventory=mine, actor=staff_user, number="  ")
    with pytest.raises(ValidationError):
        inventory_registration_number_set(inventory=mine, actor=staff_user, number="Dnr 5")
    with pytest.raises(ValidationError):
        inventory_registration_number_set(inventory=mine, actor=staff_user, number="x" * 61)
    with pytest.raises(PermissionDenied):
        inventory_registration_number_set(inventory=mine, actor=contact, number="Dnr 6")
    assert Inventory.objects.get(pk=mine.pk).registration_number == ""


def test_the_sequence_skips_a_number_staff_entered_by_hand(
    region, contact, other_region, other_contact, staff_user
):
    with time_machine.travel(IN_ROUND, tick=False):
        theirs = open_inventory(round=round_2019(), region=other_region, user=other_contact)
        inventory_registration_number_set(inventory=theirs, actor=staff_user, number="2019-0001")
    version = submit_inventory(region=region, user=contact)
    assert version.registration_number == "2019-0002"
    assert Round.objects.get(slug="2019").registration_next == 3


def test_the_number_is_in_the_pdf_and_the_e_mail_subjects(
    region, contact, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        version = submit_inventory(region=region, user=contact)
    text = pdf_text(inventory_version_pdf(version))
    assert "Diarienummer 2019-0001" in text
    assert mail.outbox and all(m.subject.startswith("Dnr 2019-0001: ") for m in mail.outbox)
    assert all("2019-0001" in m.body for m in mail.outbox if "Kvitto" in m.subject)


def test_the_return_notice_names_the_number(region, contact, staff_user):
    version = submit_inventory(region=region, user=contact)
    mail.outbox.clear()
    inventory_return_for_completion(
        inventory=version.inventory, actor=staff_user, message="Komplettera del 2."
    )
    row = OutboxMessage.objects.get(kind="inventory_returned")
    assert row.subject.startswith("Dnr 2019-0001: ")


def test_a_version_submitted_before_the_number_existed_shows_none(region, contact):
    version = submit_inventory(region=region, user=contact)
    # A version stored before schema 3 has no registration number key at all.
    old = json.loads(version.snapshot_json)
    del old["registration_number"]
    old["schema"] = 2
    text = canonical_json(old)
    version.snapshot_json, version.sha256 = text, sha256_hex(text)
    assert version.registration_number == ""
    assert "Diarienummer" not in pdf_text(inventory_version_pdf(version))
