"""Staff review services: accept, return for completion (and its e-mail), contact person changes."""

from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from inventories.errors import InventoryLocked
from inventories.models import AuditEvent, Inventory, InventoryVersion
from inventories.services import (
    current_state_save,
    intervention_update,
    inventory_accept,
    inventory_open,
    inventory_return_for_completion,
    inventory_submit,
)
from inventories.services.review import inventory_accepted_group, inventory_returned_group
from inventories.tests.factories import open_inventory, round_2019
from portal.models import OutboxMessage
from portal.outbox import outbox_group_deliver, outbox_send_due
from regions.models import ContactPerson
from regions.tests.factories import ContactPersonFactory, UserFactory
from staff.services import (
    region_contact_deactivate,
    region_contact_register,
    region_contact_replace,
)
from staff.tests.review_helpers import (
    IN_ROUND,
    RESUBMIT_DAY,
    REVIEW_DAY,
    submitted_inventory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(region, contact):
    inventory, _version = submitted_inventory(region=region, user=contact)
    return inventory


def test_accept_only_a_submitted_inventory_and_audit_it(region, contact, staff_user, submitted):
    with time_machine.travel(REVIEW_DAY, tick=False):
        accepted = inventory_accept(inventory=submitted, actor=staff_user)
    assert accepted.status == Inventory.Status.ACCEPTED
    assert accepted.accepted_at == REVIEW_DAY
    event = AuditEvent.objects.get(inventory=submitted, action=AuditEvent.Action.ACCEPTED)
    assert event.actor == staff_user
    assert event.data == {"version": 1, "has_message": False}
    assert event.message == "Version 1 godkänd"
    with pytest.raises(InventoryLocked) as excinfo:
        inventory_accept(inventory=submitted, actor=staff_user)
    assert "inskickad" in excinfo.value.messages[0]


def test_a_draft_cannot_be_accepted_or_returned(region, contact, staff_user):
    with time_machine.travel(IN_ROUND, tick=False):
        draft = open_inventory(round=round_2019(), region=region, user=contact)
        with pytest.raises(InventoryLocked):
            inventory_accept(inventory=draft, actor=staff_user)
        with pytest.raises(InventoryLocked):
            inventory_return_for_completion(inventory=draft, actor=staff_user, message="Mer text")
    draft.refresh_from_db()
    assert draft.status == Inventory.Status.DRAFT
    assert not AuditEvent.objects.filter(
        action__in=[AuditEvent.Action.ACCEPTED, AuditEvent.Action.RETURNED]
    ).exists()


@pytest.mark.parametrize("who", ["contact", "outsider", "staff_flag_only"])
def test_only_handlaggare_review(submitted, contact, outsider, who):
    actor = {
        "contact": contact,
        "outsider": outsider,
        "staff_flag_only": UserFactory(is_staff=True),
    }[who]
    with pytest.raises(PermissionDenied):
        inventory_accept(inventory=submitted, actor=actor)
    with pytest.raises(PermissionDenied):
        inventory_return_for_completion(inventory=submitted, actor=actor, message="Komplettera")
    submitted.refresh_from_db()
    assert submitted.status == Inventory.Status.SUBMITTED


def test_acceptance_with_a_message_reaches_the_regions_active_contact_persons(
    region, contact, staff_user, submitted, other_contact, django_capture_on_commit_callbacks
):
    deputy = ContactPersonFactory(
        region=region, role=ContactPerson.Role.DEPUTY, user__language="en"
    ).user
    gone = ContactPersonFactory(region=region, active=False).user
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        inventory_accept(
            inventory=submitted, actor=staff_user, message="  Tack! Insats 2 är <b>bra</b>.  "
        )
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([contact.email, deputy.email])
    assert gone.email not in recipients and other_contact.email not in recipients
    by_to = {message.to[0]: message for message in mail.outbox}
    swedish, english = by_to[contact.email], by_to[deputy.email]
    assert swedish.subject == "Dnr 2019-0001: Behovsinventeringen för Region Skåne är godkänd"
    assert english.subject == "Reg. no. 2019-0001: The needs inventory for Region Skåne is accepted"
    assert "Tack! Insats 2 är <b>bra</b>." in swedish.body
    assert "Tack! Insats 2 är &lt;b&gt;bra&lt;/b&gt;." in swedish.alternatives[0][0]
    assert "Meddelande från handläggaren:" in swedish.body
    assert "/region/region-skane/" in swedish.body
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCEPTED)
    assert event.message == "Tack! Insats 2 är <b>bra</b>."
    assert event.data == {"version": 1, "has_message": True}
    rows = OutboxMessage.objects.filter(group=inventory_accepted_group(event.pk))
    assert sorted(rows.values_list("to", flat=True)) == sorted([contact.email, deputy.email])
    assert {row.status for row in rows} == {"sent"}


def test_acceptance_without_a_message_still_tells_the_region(
    contact, staff_user, submitted, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        inventory_accept(inventory=submitted, actor=staff_user)
    [message] = mail.outbox
    assert message.to == [contact.email] and "är godkänd" in message.subject
    assert "Meddelande från handläggaren:" not in message.body
    assert "Version 1 godkänd" not in message.body


def test_an_acceptance_message_has_a_limit(submitted, staff_user):
    with pytest.raises(ValidationError) as excinfo:
        inventory_accept(inventory=submitted, actor=staff_user, message="x" * 5_001)
    assert list(excinfo.value.message_dict) == ["message"]
    submitted.refresh_from_db()
    assert submitted.status == Inventory.Status.SUBMITTED
    assert not OutboxMessage.objects.filter(kind="inventory_accepted").exists()


@pytest.mark.parametrize("message", ["", "   \n "])
def test_return_needs_a_message(submitted, staff_user, message):
    with pytest.raises(ValidationError) as excinfo:
        inventory_return_for_completion(inventory=submitted, actor=staff_user, message=message)
    assert excinfo.value.message_dict == {"message": ["Skriv vad regionen behöver komplettera."]}
    submitted.refresh_from_db()
    assert submitted.status == Inventory.Status.SUBMITTED


def test_return_edit_resubmit_makes_version_2(
    region, contact, staff_user, submitted, django_capture_on_commit_callbacks
):
    with time_machine.travel(REVIEW_DAY, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            returned = inventory_return_for_completion(
                inventory=submitted, actor=staff_user, message="Beskriv budgeten närmare."
            )
    assert returned.status == Inventory.Status.RETURNED
    assert returned.return_message == "Beskriv budgeten närmare."
    assert returned.returned_at == REVIEW_DAY

    with time_machine.travel(RESUBMIT_DAY, tick=False):
        assert Inventory.objects.get(pk=submitted.pk).is_editable
        state = submitted.current_state
        state.refresh_from_db()
        data = {name: getattr(state, name) for name in state.TEXT_FIELDS}
        data["needs_challenges"] = "Nya behov efter återsändningen."
        current_state_save(
            inventory=submitted,
            user=contact,
            data=data,
            budget_lines=[{"description": "Budgetrad 1", "amount": 70_000}],
            revision=state.revision,
        )
        version = inventory_submit(inventory=submitted, user=contact)
    assert version.number == 2
    assert list(
        InventoryVersion.objects.filter(inventory=submitted).values_list("number", flat=True)
    ) == [1, 2]
    v1 = InventoryVersion.objects.get(inventory=submitted, number=1)
    assert v1.snapshot["part1"]["budget_total"] == 100_000  # version 1 is untouched
    assert version.snapshot["part1"]["budget_total"] == 70_000
    submitted.refresh_from_db()
    assert submitted.status == Inventory.Status.SUBMITTED
    assert list(submitted.audit_events.values_list("action", flat=True)) == [
        "opened",
        "submitted",
        "returned",
        "part_saved",
        "submitted",
    ]


def test_return_message_reaches_the_regions_active_contact_persons(
    region, contact, staff_user, submitted, other_contact, django_capture_on_commit_callbacks
):
    deputy = ContactPersonFactory(region=region, role=ContactPerson.Role.DEPUTY).user
    gone = ContactPersonFactory(region=region, active=False).user
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        inventory_return_for_completion(
            inventory=submitted, actor=staff_user, message="Mål 2 saknar indikator <b>nu</b>."
        )
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([contact.email, deputy.email])
    assert gone.email not in recipients and other_contact.email not in recipients
    message = mail.outbox[0]
    assert "Region Skåne" in message.subject and "komplettering" in message.subject
    assert "Mål 2 saknar indikator <b>nu</b>." in message.body
    html = message.alternatives[0][0]
    assert "Mål 2 saknar indikator &lt;b&gt;nu&lt;/b&gt;." in html
    assert "/region/region-skane/" in message.body
    event = AuditEvent.objects.get(action=AuditEvent.Action.RETURNED)
    rows = OutboxMessage.objects.filter(group=inventory_returned_group(event.pk))
    assert sorted(rows.values_list("to", flat=True)) == sorted([contact.email, deputy.email])
    assert {row.status for row in rows} == {"sent"}
    assert {m.extra_headers["Message-ID"] for m in mail.outbox} == {r.message_id for r in rows}


def test_return_notice_goes_once_even_after_a_failure_and_a_retry(
    region, contact, staff_user, submitted, settings
):
    deputy = ContactPersonFactory(region=region, role=ContactPerson.Role.DEPUTY).user
    inventory_return_for_completion(inventory=submitted, actor=staff_user, message="Komplettera.")
    event = AuditEvent.objects.get(action=AuditEvent.Action.RETURNED)
    group = inventory_returned_group(event.pk)
    mail.outbox.clear()
    settings.EMAIL_BACKEND = "staff.tests.test_review.RefusingBackend"
    RefusingBackend.refused = {deputy.email}

    assert outbox_group_deliver(group=group) == {"sent": 1, "retry": 1}
    assert [m.to for m in mail.outbox] == [[contact.email]]
    refused = OutboxMessage.objects.get(group=group, to=deputy.email)
    assert refused.status == "pending" and "SMTP server went away" in refused.last_error

    # The retry (after its backoff) mails only the one who did not get it; later runs nobody.
    RefusingBackend.refused = set()
    assert outbox_group_deliver(group=group) == {}  # not due yet
    with time_machine.travel(refused.next_attempt_at, tick=False):
        assert outbox_send_due() == {"sent": 1}
        assert outbox_send_due() == {}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([contact.email, deputy.email])
    # The audit entry is append-only: it holds the decision, the outbox holds the delivery.
    event.refresh_from_db()
    assert event.data["version"] == 1 and event.data["items"] == 0


class RefusingBackend(LocmemBackend):
    refused: set = set()

    def send_messages(self, messages):
        for message in messages:
            if set(message.to) & self.refused:
                raise OSError("SMTP server went away")
        return super().send_messages(messages)


def test_replacing_the_contact_person_keeps_the_draft_with_the_region(
    region, contact, staff_user, django_capture_on_commit_callbacks
):
    with time_machine.travel(IN_ROUND, tick=False):
        draft = open_inventory(round=round_2019(), region=region, user=contact)
        old = ContactPerson.objects.get(user=contact)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            new = region_contact_replace(
                contact_person=old,
                full_name="Ny Kontaktperson",
                email="ny.kontakt@skane.example.se",
                role=ContactPerson.Role.MAIN,
                actor=staff_user,
            )
        assert [m.to for m in mail.outbox] == [["ny.kontakt@skane.example.se"]]
        old.refresh_from_db()
        assert old.active is False
        # The new contact person continues the same draft; the old one is out.
        assert inventory_open(round=round_2019(), region=region, user=new.user).pk == draft.pk
        item = draft.interventions.first()
        intervention_update(
            intervention=item,
            user=new.user,
            data={"title": "Insats 1: Ny rubrik"},
            revision=item.revision,
        )
        with pytest.raises(PermissionDenied):
            intervention_update(
                intervention=item, user=contact, data={"title": "x"}, revision=item.revision + 1
            )
    item.refresh_from_db()
    assert item.title == "Insats 1: Ny rubrik"
    event = AuditEvent.objects.get(action=AuditEvent.Action.CONTACT_CHANGED)
    assert event.region == region and event.actor == staff_user
    assert "ersatt av Ny Kontaktperson" in event.message


def test_register_and_deactivate_are_audited(
    region, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        person = region_contact_register(
            region=region,
            full_name="Anna Åkesson",
            email="anna@skane.example.se",
            role=ContactPerson.Role.DEPUTY,
            actor=staff_user,
        )
    region_contact_deactivate(contact_person=person, actor=staff_user)
    events = list(
        AuditEvent.objects.filter(action=AuditEvent.Action.CONTACT_CHANGED).values_list(
            "data__change", "message"
        )
    )
    assert events == [
        ("registered", "Anna Åkesson registrerad som ersättare och inbjuden"),
        ("deactivated", "Anna Åkesson inaktiverad"),
    ]
    with pytest.raises(ValidationError):
        region_contact_deactivate(contact_person=person, actor=staff_user)


def test_register_refuses_a_taken_address_in_swedish(region, contact, staff_user):
    with pytest.raises(ValidationError) as excinfo:
        region_contact_register(
            region=region,
            full_name="Dubblett",
            email=contact.email.upper(),
            role=ContactPerson.Role.MAIN,
            actor=staff_user,
        )
    assert "Det finns redan ett konto" in excinfo.value.message_dict["email"][0]
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.CONTACT_CHANGED).exists()


@pytest.mark.broker
def test_return_notice_is_sent_by_the_real_worker_over_smtp(
    celery_worker, smtp_sink, region, staff_user
):
    """With Redis and a real worker, the return e-mail leaves over SMTP after commit."""
    from staff.tests.review_helpers import submitted_inventory as make

    contact = ContactPersonFactory(region=region).user
    inventory, _version = make(region=region, user=contact)
    inventory_return_for_completion(
        inventory=inventory, actor=staff_user, message="Komplettera del 2, tack."
    )
    # The same worker also sends the submission's receipt; count only the return notices.
    messages = smtp_sink.wait_for(1, subject="har återsänts för komplettering")
    assert [m["to"] for m in messages] == [[contact.email]]
    body = messages[0]["message"].get_body(preferencelist=("plain",)).get_content()
    assert "Komplettera del 2, tack." in body


def test_a_notice_held_back_by_a_broken_broker_is_sent_by_the_sweeper(
    region, contact, staff_user, submitted, django_capture_on_commit_callbacks
):
    from portal import tasks as portal_tasks

    mail.outbox.clear()
    with mock.patch.object(
        portal_tasks.outbox_group_send, "apply_async", side_effect=OSError("broker down")
    ):
        with django_capture_on_commit_callbacks(execute=True):
            returned = inventory_return_for_completion(
                inventory=submitted, actor=staff_user, message="Komplettera."
            )
    assert returned.status == Inventory.Status.RETURNED  # the return itself is not lost
    assert mail.outbox == []
    assert portal_tasks.outbox_send_due() == {"sent": 1}
    assert [m.to for m in mail.outbox] == [[contact.email]]
    assert portal_tasks.outbox_send_due() == {}
