"""The staff screens through the client: review actions, extension, contacts, versions, history."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from inventories.errors import InventoryLocked
from inventories.models import AuditEvent, Inventory
from inventories.services import current_state_save, inventory_submit, target_state_save
from inventories.tests.factories import open_inventory, round_2019
from regions.models import ContactPerson
from staff.tests.review_helpers import (
    IN_ROUND,
    STOCKHOLM,
    store_pdf,
    submitted_inventory,
)

pytestmark = pytest.mark.django_db


def at(day, hour=9, minute=0, second=0, month=1, year=2020):
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=STOCKHOLM)


def url(name, region, **kwargs):
    return reverse(
        f"staff:{name}", kwargs={"round_slug": "2019", "region_slug": region.slug, **kwargs}
    )


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def test_return_form_needs_a_message_in_swedish(staff_client, region, contact):
    inventory, _v = submitted_inventory(region=region, user=contact)
    response = staff_client.post(url("return", region), {"message": "  "})
    assert response.status_code == 400
    page = text(response)
    assert "Det finns fel att rätta" in page
    assert 'href="#id_message"' in page and "Skriv vad regionen behöver komplettera." in page
    inventory.refresh_from_db()
    assert inventory.status == Inventory.Status.SUBMITTED


def test_return_through_the_screen_mails_the_region(
    staff_client, region, contact, django_capture_on_commit_callbacks
):
    inventory, _v = submitted_inventory(region=region, user=contact)
    mail.outbox.clear()
    with time_machine.travel(at(10, month=12, year=2019), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_client.post(
                url("return", region), {"message": "Lägg till indikatorer för mål 2."}, follow=True
            )
    assert response.redirect_chain[-1][0] == url("inventory", region)
    page = text(response)
    assert "är återsänd" in page and "Lägg till indikatorer för mål 2." in page
    assert [m.to for m in mail.outbox] == [[contact.email]]
    inventory.refresh_from_db()
    assert inventory.status == Inventory.Status.RETURNED


def test_accept_through_the_screen_and_refusal_of_a_draft(
    staff_client, region, contact, other_region, other_contact
):
    submitted_inventory(region=region, user=contact)
    with time_machine.travel(IN_ROUND, tick=False):
        open_inventory(round=round_2019(), region=other_region, user=other_contact)
    response = staff_client.post(url("accept", region), follow=True)
    assert "Behovsinventeringen för Region Skåne är godkänd." in text(response)
    assert Inventory.objects.get(region=region).status == Inventory.Status.ACCEPTED
    response = staff_client.post(url("accept", other_region))
    assert response.status_code == 400
    assert "Det går bara att godkänna en inskickad behovsinventering (nu: utkast)." in text(
        response
    )
    assert Inventory.objects.get(region=other_region).status == Inventory.Status.DRAFT


def test_accept_with_a_message_through_the_screen_is_mailed_and_in_the_history(
    staff_client, region, contact, django_capture_on_commit_callbacks
):
    submitted_inventory(region=region, user=contact)
    form = text(staff_client.get(url("accept", region)))
    assert "Meddelande till regionen (valfritt)" in form and contact.email in form
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            url("accept", region), {"message": "Tack för en tydlig inventering."}, follow=True
        )
    assert response.redirect_chain[-1][0] == url("inventory", region)
    [message] = mail.outbox
    assert message.to == [contact.email]
    assert "Tack för en tydlig inventering." in message.body
    history = text(staff_client.get(url("audit", region)))
    assert "Tack för en tydlig inventering." in history
    assert f"{contact.email}: e-post skickad" in history


def test_an_acceptance_message_over_the_limit_is_an_error_at_the_field(
    staff_client, region, contact
):
    submitted_inventory(region=region, user=contact)
    response = staff_client.post(url("accept", region), {"message": "x" * 5_001})
    assert response.status_code == 400
    assert 'href="#id_message"' in text(response)
    assert Inventory.objects.get(region=region).status == Inventory.Status.SUBMITTED


@pytest.fixture
def two_drafts(region, contact, other_region, other_contact):
    with time_machine.travel(IN_ROUND, tick=False):
        skane = open_inventory(round=round_2019(), region=region, user=contact)
        stockholm = open_inventory(round=round_2019(), region=other_region, user=other_contact)
    return skane, stockholm


@pytest.mark.parametrize(
    ("moment", "accepted"),
    [(at(21, 0), True), (at(31, 23, 59, 59), True), (at(1, 0, month=2), False)],
    ids=["2020-01-21T00:00", "2020-01-31T23:59:59", "2020-02-01T00:00"],
)
def test_an_extension_moves_only_that_regions_deadline(
    staff_client, two_drafts, region, contact, other_contact, moment, accepted
):
    skane, stockholm = two_drafts
    with time_machine.travel(at(15), tick=False):
        response = staff_client.post(
            url("extend", region),
            {"new_date": "2020-01-31", "new_time": "23:59", "reason": "Sjukdom i projektgruppen."},
        )
    assert response.status_code == 302
    skane.refresh_from_db()
    assert skane.deadline_override == at(31, 23, 59, 59)
    assert skane.deadline_override_reason == "Sjukdom i projektgruppen."
    with time_machine.travel(moment, tick=False):
        if accepted:
            assert inventory_submit(inventory=skane, user=contact).number == 1
        else:
            with pytest.raises(InventoryLocked):
                inventory_submit(inventory=skane, user=contact)
        # Region Stockholm keeps the round's deadline: locked from 21 January.
        with pytest.raises(InventoryLocked):
            inventory_submit(inventory=stockholm, user=other_contact)
    stockholm.refresh_from_db()
    assert stockholm.deadline_override is None and stockholm.status == Inventory.Status.DRAFT


def test_a_region_that_never_opened_the_form_can_be_given_more_time(staff_client, region, contact):
    assert not Inventory.objects.filter(region=region).exists()
    with time_machine.travel(at(22), tick=False):
        response = staff_client.post(
            url("extend", region),
            {"new_date": "2020-01-31", "new_time": "23:59", "reason": "Ny kontaktperson."},
        )
    assert response.status_code == 302
    inventory = Inventory.objects.get(region=region, round=round_2019())
    assert inventory.deadline_override == at(31, 23, 59, 59)
    assert list(inventory.audit_events.values_list("action", flat=True)) == [
        "opened",
        "deadline_extended",
    ]
    # The region can now fill in and submit before its new deadline.
    from inventories.tests.factories import fill_inventory

    fill_inventory(inventory)
    with time_machine.travel(at(30), tick=False):
        assert inventory_submit(inventory=inventory, user=contact).number == 1


def test_extension_form_errors_are_swedish_and_next_to_the_fields(staff_client, two_drafts, region):
    with time_machine.travel(at(10), tick=False):
        response = staff_client.post(url("extend", region), {"new_date": "", "reason": ""})
        assert response.status_code == 400
        page = text(response)
        assert "Ange den nya sista dagen." in page and "Ange skälet till förlängningen." in page
        assert 'href="#id_new_date"' in page and 'href="#id_reason"' in page
        # Not later than the round's own deadline: the service's rule, shown at the date field.
        response = staff_client.post(
            url("extend", region), {"new_date": "2020-01-15", "new_time": "12:00", "reason": "x"}
        )
    assert response.status_code == 400
    assert "måste vara senare än omgångens" in text(response)
    assert Inventory.objects.get(region=region).deadline_override is None


def test_contact_person_screens_register_and_replace(
    staff_client, region, contact, django_capture_on_commit_callbacks
):
    with time_machine.travel(IN_ROUND, tick=False):
        draft = open_inventory(round=round_2019(), region=region, user=contact)
    response = staff_client.post(
        url("contacts", region),
        {"full_name": "Dubblett", "email": contact.email, "role": "deputy"},
    )
    assert response.status_code == 400
    assert "Det finns redan ett konto med e-postadressen" in text(response)
    old = ContactPerson.objects.get(user=contact)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            url("contact_replace", region, pk=old.pk),
            {"full_name": "Karin Ny", "email": "karin.ny@skane.example.se", "role": "main"},
            follow=True,
        )
    page = text(response)
    assert "Karin Ny ersätter" in page and "finns kvar som den är" in page
    assert [m.to for m in mail.outbox] == [["karin.ny@skane.example.se"]]
    old.refresh_from_db()
    assert not old.active
    new = ContactPerson.objects.get(user__email="karin.ny@skane.example.se")
    assert new.region == region and new.active
    assert Inventory.objects.get(region=region).pk == draft.pk


def test_version_page_shows_pdf_hash_and_the_diff(staff_client, region, contact, staff_user):
    from inventories.services import inventory_return_for_completion

    inventory, v1 = submitted_inventory(region=region, user=contact)
    with time_machine.travel(at(2, month=12, year=2019), tick=False):
        inventory_return_for_completion(inventory=inventory, actor=staff_user, message="Mer.")
    with time_machine.travel(at(5, month=12, year=2019), tick=False):
        state = inventory.target_state
        state.refresh_from_db()
        data = {name: getattr(state, name) for name in state.TEXT_FIELDS}
        data["target_state"] = "Ett nytt börläge för Skåne."
        target_state_save(inventory=inventory, user=contact, data=data, revision=state.revision)
        v2 = inventory_submit(inventory=inventory, user=contact)
    document = store_pdf(v2)
    response = staff_client.get(url("version", region, number=2))
    page = text(response)
    assert "Ändringar sedan version 1" in page and "1 ändring." in page
    assert page.count('data-diff-field="') == 1 and 'data-diff-field="target_state"' in page
    assert "Ett nytt börläge för Skåne." in page
    assert v2.sha256 in page and document.sha256 in page
    pdf_url = reverse(
        "inventories:version_pdf",
        kwargs={"round_slug": "2019", "region_slug": region.slug, "number": 2},
    )
    assert pdf_url in page
    pdf = staff_client.get(pdf_url)
    assert pdf["Content-Type"] == "application/pdf"
    with document.file.open("rb") as handle:
        assert pdf.content == handle.read()
    first = text(staff_client.get(url("version", region, number=1)))
    assert "Det här är den första inskickade versionen." in first
    assert "Ingen PDF-kopia ännu." in first or "Skapas" in first
    assert v1.sha256 in first


def test_audit_history_lists_every_step_in_order(
    staff_client, region, contact, other_region, staff_user
):
    from reminders.services import reminders_sweep

    round_ = round_2019()
    with time_machine.travel(IN_ROUND, tick=False):
        inventory = open_inventory(round=round_, region=region, user=contact)
        state = inventory.current_state
        data = {name: getattr(state, name) for name in state.TEXT_FIELDS}
        current_state_save(
            inventory=inventory,
            user=contact,
            data=data,
            budget_lines=[{"description": "Processledning", "amount": 90_000}],
            revision=state.revision,
        )
    with time_machine.travel(at(10), tick=False):
        inventory_submit(inventory=inventory, user=contact)
    with time_machine.travel(at(12), tick=False):
        staff_client.force_login(staff_user)  # a session lasts two hours from the last request
        staff_client.post(url("return", region), {"message": "Komplettera budgeten."})
    with time_machine.travel(at(19, 8, 10), tick=False):
        reminders_sweep(now=at(19, 8, 10))
    with time_machine.travel(at(22), tick=False):
        staff_client.force_login(staff_user)
        response = staff_client.post(
            url("extend", region),
            {"new_date": "2020-01-31", "new_time": "23:59", "reason": "Återsänd sent."},
        )
        assert response.status_code == 302
        print(
            "LOC",
            response["Location"],
            Inventory.objects.get(region=region).deadline_override,
            AuditEvent.objects.values_list("action", "created_at"),
        )
    with time_machine.travel(at(24), tick=False):
        target = inventory.target_state
        target.refresh_from_db()
        target_state_save(
            inventory=inventory,
            user=contact,
            data={name: getattr(target, name) for name in target.TEXT_FIELDS},
            revision=target.revision,
        )
        inventory_submit(inventory=inventory, user=contact)
    with time_machine.travel(at(27), tick=False):
        staff_client.force_login(staff_user)
        staff_client.post(url("accept", region))
        response = staff_client.get(url("audit", region))
    page = response.content.decode()
    actions = re.findall(r'<tr data-action="(\w+)">', page)
    assert actions == [
        "opened",
        "part_saved",
        "submitted",
        "returned",
        "reminder_sent",
        "deadline_extended",
        "part_saved",
        "submitted",
        "accepted",
    ]
    assert AuditEvent.objects.filter(region=other_region).count() == 0
    page = text(response)
    assert "Komplettera budgeten." in page and "Återsänd sent." in page
    assert staff_user.full_name in page and contact.full_name in page
