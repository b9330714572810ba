"""Completion requests with anchored items, the thread per inventory and its notices."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from conftest import PortalClient
from inventories.models import (
    AuditEvent,
    CompletionItem,
    CompletionRequest,
    Inventory,
    ThreadMessage,
)
from inventories.services import intervention_delete, inventory_accept
from inventories.services.dialogue import (
    completion_item_reopen,
    completion_item_resolve,
    inventory_message_post,
)
from inventories.tests.factories import round_2019
from portal.models import OutboxMessage
from regions.tests.factories import ContactPersonFactory, StaffUserFactory, UserFactory
from staff.services import inventory_completion_request_send, region_assign
from staff.tests.review_helpers import REVIEW_DAY, STOCKHOLM, submitted_inventory

pytestmark = pytest.mark.django_db

DUE = datetime.datetime(2020, 2, 10, 23, 59, 59, tzinfo=STOCKHOLM)


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def region_url(name, region, **kwargs):
    return reverse(
        f"inventories:{name}", kwargs={"region_slug": region.slug, "round_slug": "2019", **kwargs}
    )


def staff_url(name, region, **kwargs):
    return reverse(
        f"staff:{name}", kwargs={"round_slug": "2019", "region_slug": region.slug, **kwargs}
    )


@pytest.fixture
def submitted(region, contact):
    inventory, _version = submitted_inventory(region=region, user=contact)
    return inventory


def return_with_items(inventory, actor, *, due_at=None, message="Se punkterna."):
    intervention = inventory.interventions.order_by("position").first()
    goal = inventory.goals.order_by("position").first()
    with time_machine.travel(REVIEW_DAY, tick=False):
        inventory_completion_request_send(
            inventory=inventory,
            actor=actor,
            message=message,
            items=[
                {"anchor": "field:1:needs_challenges", "text": "Beskriv behoven mer konkret."},
                {"anchor": f"intervention:{intervention.pk}", "text": "Ange kostnaden per år."},
                {"anchor": f"goal:{goal.pk}", "text": "Indikatorn saknar målvärde."},
                {"anchor": "part:2", "text": "Saknas en insats för utlysning?"},
            ],
            due_at=due_at,
        )
    inventory.refresh_from_db()
    return intervention, goal


# --- Services ----------------------------------------------------------------------------------


def test_items_are_anchored_with_a_copy_of_what_they_concern(submitted, staff_user):
    intervention, goal = return_with_items(submitted, staff_user)
    assert submitted.status == Inventory.Status.RETURNED
    request = CompletionRequest.objects.get()
    assert (request.message, request.version, request.created_by) == (
        "Se punkterna.",
        1,
        staff_user,
    )
    items = list(request.items.order_by("position"))
    assert [(i.kind, i.part, i.field, i.object_id) for i in items] == [
        ("field", 1, "needs_challenges", None),
        ("intervention", 2, "", intervention.pk),
        ("goal", 3, "", goal.pk),
        ("part", 2, "", None),
    ]
    assert items[0].label == "Del 1 – Nuläge: Behov och utmaningar"
    assert items[1].label == f"Insats: {intervention.title}"
    assert all(item.status == CompletionItem.Status.OPEN for item in items)
    # The receipt of the decision is in the thread and in the audit history.
    receipt = ThreadMessage.objects.get(kind=ThreadMessage.Kind.DECISION)
    assert "4 punkter" in receipt.text and "Se punkterna." in receipt.text
    event = AuditEvent.objects.get(action=AuditEvent.Action.RETURNED)
    assert event.data["items"] == 4 and event.data["request"] == request.pk


def test_an_anchor_outside_the_inventory_refuses_the_whole_return(
    submitted, staff_user, other_region
):
    other, _version = submitted_inventory(
        region=other_region, user=ContactPersonFactory(region=other_region).user
    )
    foreign = other.interventions.first()
    with time_machine.travel(REVIEW_DAY, tick=False), pytest.raises(ValidationError) as caught:
        inventory_completion_request_send(
            inventory=submitted,
            actor=staff_user,
            items=[{"anchor": f"intervention:{foreign.pk}", "text": "Kapad"}],
        )
    assert "items" in caught.value.error_dict
    submitted.refresh_from_db()
    assert submitted.status == Inventory.Status.SUBMITTED
    assert not CompletionRequest.objects.exists() and not CompletionItem.objects.exists()


def test_a_return_needs_an_item_or_a_message_and_staff(submitted, staff_user, contact):
    with time_machine.travel(REVIEW_DAY, tick=False):
        with pytest.raises(ValidationError):
            inventory_completion_request_send(inventory=submitted, actor=staff_user, message=" ")
        with pytest.raises(PermissionDenied):
            inventory_completion_request_send(
                inventory=submitted,
                actor=contact,
                items=[{"anchor": "part:1", "text": "Hej"}],
            )
    assert not CompletionRequest.objects.exists()


def test_a_completion_date_after_the_deadline_extends_it_audited(submitted, staff_user):
    return_with_items(submitted, staff_user, due_at=DUE)
    assert submitted.deadline_override == DUE
    assert CompletionRequest.objects.get().due_at == DUE
    extended = AuditEvent.objects.get(action=AuditEvent.Action.DEADLINE_EXTENDED)
    assert extended.actor == staff_user and "Komplettering begärd" in extended.message


def test_a_completion_date_before_the_deadline_keeps_the_deadline(submitted, staff_user):
    due = datetime.datetime(2019, 12, 20, 23, 59, 59, tzinfo=STOCKHOLM)
    return_with_items(submitted, staff_user, due_at=due)
    assert submitted.deadline_override is None
    assert CompletionRequest.objects.get().due_at == due
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DEADLINE_EXTENDED).exists()


def test_an_item_of_a_deleted_intervention_still_shows_its_title(
    submitted, staff_user, contact, client
):
    intervention, _goal = return_with_items(submitted, staff_user)
    title = intervention.title
    with time_machine.travel(REVIEW_DAY, tick=False):
        intervention_delete(intervention=intervention, user=contact, revision=intervention.revision)
        client.force_login(contact)
        part2 = text(client.get(region_url("part2", submitted.region)))
        dialogue = text(client.get(region_url("dialogue", submitted.region)))
    item = CompletionItem.objects.get(kind="intervention")
    assert f"Insats: {title}" in part2 and f'id="{item.anchor_id}"' in part2
    assert f"Insats: {title}" in dialogue and "Ange kostnaden per år." in dialogue


def test_resolve_and_reopen_are_audited_and_staff_only(submitted, staff_user, contact):
    return_with_items(submitted, staff_user)
    item = CompletionItem.objects.get(kind="goal")
    with pytest.raises(PermissionDenied):
        completion_item_resolve(item=item, actor=contact)
    completion_item_resolve(item=item, actor=staff_user)
    completion_item_resolve(item=item, actor=staff_user)  # twice: nothing more happens
    item.refresh_from_db()
    assert (item.status, item.resolved_by) == (CompletionItem.Status.RESOLVED, staff_user)
    completion_item_reopen(item=item, actor=staff_user)
    item.refresh_from_db()
    assert item.status == CompletionItem.Status.OPEN and item.resolved_at is None
    actions = list(
        AuditEvent.objects.filter(
            action__in=[AuditEvent.Action.ITEM_RESOLVED, AuditEvent.Action.ITEM_REOPENED]
        ).values_list("action", flat=True)
    )
    assert actions == ["item_resolved", "item_reopened"]


def test_a_region_never_posts_to_another_regions_thread(
    submitted, staff_user, contact, other_region
):
    other_contact = ContactPersonFactory(region=other_region).user
    other, _version = submitted_inventory(region=other_region, user=other_contact)
    return_with_items(submitted, staff_user)
    with pytest.raises(PermissionDenied):
        inventory_message_post(inventory=submitted, author=other_contact, text="Hej")
    with pytest.raises(PermissionDenied):
        inventory_message_post(inventory=submitted, author=UserFactory(), text="Hej")
    # An item of another inventory is refused, whoever asks.
    item = CompletionItem.objects.first()
    with pytest.raises(PermissionDenied):
        inventory_message_post(inventory=other, author=other_contact, text="Hej", item=item)
    with pytest.raises(ValidationError):
        inventory_message_post(inventory=submitted, author=contact, text="  ")
    assert not ThreadMessage.objects.filter(kind=ThreadMessage.Kind.MESSAGE).exists()


# --- Notices ----------------------------------------------------------------------------------


def test_a_reply_goes_to_the_assigned_handlaggare_in_their_language(
    submitted, staff_user, contact, settings
):
    settings.SITE_URL = "https://portal.example.se"
    colleague = StaffUserFactory(language="en", full_name="Kim Colleague")
    region_assign(
        round=round_2019(), region=submitted.region, actor=staff_user, handlaggare=colleague
    )
    return_with_items(submitted, staff_user)
    item = CompletionItem.objects.get(kind="intervention")
    message = inventory_message_post(
        inventory=submitted, author=contact, text="Kostnaden kommer i morgon.", item=item
    )
    row = OutboxMessage.objects.get(group=f"thread-message:{message.pk}")
    assert row.to == colleague.email
    assert row.subject.startswith(f"Reg. no. {submitted.registration_number}:")
    assert "has written about the needs inventory" in row.subject
    link = f"https://portal.example.se/handlaggare/omgang/2019/{submitted.region.slug}/dialog/#{item.anchor_id}"
    assert link in row.body_text and "Kostnaden kommer i morgon." in row.body_text


def test_without_an_assignment_a_reply_goes_to_the_staff_mailbox(submitted, contact, settings):
    settings.STAFF_MAILBOX = "arenden@example.se"
    message = inventory_message_post(inventory=submitted, author=contact, text="En fråga")
    row = OutboxMessage.objects.get(group=f"thread-message:{message.pk}")
    assert row.to == "arenden@example.se"
    assert f"#{message.anchor_id}" in row.body_text


def test_staff_answers_reach_every_active_contact_person_in_their_language(
    submitted, staff_user, contact, region
):
    deputy = ContactPersonFactory(region=region, user__language="en").user
    ContactPersonFactory(region=region, active=False)
    message = inventory_message_post(inventory=submitted, author=staff_user, text="Tack!")
    rows = {
        row.to: row for row in OutboxMessage.objects.filter(group=f"thread-message:{message.pk}")
    }
    assert set(rows) == {contact.email, deputy.email}
    assert "Nytt meddelande från Tillväxtverket" in rows[contact.email].subject
    assert "New message from Tillväxtverket" in rows[deputy.email].subject
    assert f"/region/{region.slug}/2019/dialog/#{message.anchor_id}" in rows[deputy.email].body_text


def test_the_return_email_lists_the_items_and_the_date(submitted, staff_user, contact):
    return_with_items(submitted, staff_user, due_at=DUE)
    row = OutboxMessage.objects.get(kind="inventory_returned", to=contact.email)
    assert "Beskriv behoven mer konkret." in row.body_text
    assert "Del 1 – Nuläge: Behov och utmaningar" in row.body_html
    assert "Komplettera senast 10 februari 2020" in row.body_text
    assert f"/region/{submitted.region.slug}/2019/dialog/" in row.body_text


# --- Pages -------------------------------------------------------------------------------------


def test_the_region_sees_each_open_item_where_it_applies(submitted, staff_user, contact, client):
    intervention, goal = return_with_items(submitted, staff_user)
    items = {item.kind: item for item in CompletionItem.objects.all()}
    client.force_login(contact)
    with time_machine.travel(REVIEW_DAY, tick=False):
        part1 = client.get(region_url("part1", submitted.region)).content.decode()
        part2 = text(client.get(region_url("part2", submitted.region)))
        edit = text(
            client.get(region_url("intervention_edit", submitted.region, pk=intervention.pk))
        )
        part3 = text(client.get(region_url("part3", submitted.region)))
        review = text(client.get(region_url("review", submitted.region)))
        start = text(client.get(reverse("inventories:start", args=[submitted.region.slug])))
    # At the field: the notice sits between the field's label and its text box.
    label = part1.index('for="id_needs_challenges"')
    assert (
        label
        < part1.index(f'id="{items["field"].anchor_id}"')
        < part1.index('name="needs_challenges"')
    )
    assert "Beskriv behoven mer konkret." in part1
    textarea = re.search(r'<textarea[^>]*name="needs_challenges"[^>]*>', part1).group(0)
    assert re.search(rf'aria-describedby="[^"]*\b{items["field"].anchor_id}\b', textarea)
    assert "Ange kostnaden per år." in part2 and "Saknas en insats för utlysning?" in part2
    assert "Ange kostnaden per år." in edit
    assert "Indikatorn saknar målvärde." in part3
    # Parts with open items are not "Klar".
    assert "1 att komplettera" in part1 and "(2 att komplettera)" in part2
    for kind in ("field", "intervention", "goal", "part"):
        assert items[kind].text in review
        assert items[kind].text in start
    assert "Tillväxtverket ber er komplettera 4 saker" in start

    completion_item_resolve(item=items["goal"], actor=staff_user)
    with time_machine.travel(REVIEW_DAY, tick=False):
        part3 = text(client.get(region_url("part3", submitted.region)))
    assert "Indikatorn saknar målvärde." not in part3


def test_staff_return_form_takes_items_and_shows_errors_next_to_fields(
    submitted, staff_user, client
):
    client.force_login(staff_user)
    intervention = submitted.interventions.first()
    url = staff_url("return", submitted.region)
    form = client.get(url).content.decode()
    assert 'name="punkter-0-anchor"' in form and f'value="intervention:{intervention.pk}"' in form
    post = {
        "punkter-TOTAL_FORMS": "2",
        "punkter-INITIAL_FORMS": "0",
        "punkter-0-anchor": f"intervention:{intervention.pk}",
        "punkter-0-text": "",
        "punkter-1-anchor": "",
        "punkter-1-text": "Något utan ankare",
        "message": "Allmänt",
        "due_date": "2020-02-10",
    }
    with time_machine.travel(REVIEW_DAY, tick=False):
        response = client.post(url, post)
        assert response.status_code == 400
        page = text(response)
        assert "Skriv vad som ska kompletteras." in page and "Välj vad punkten gäller." in page
        assert "Något utan ankare" in page  # what was typed is kept
        # "Lägg till punkt" keeps everything typed, unchecked, and adds a row; nothing is sent.
        added = client.post(url, {**post, "add_item": "1"})
        html = added.content.decode()
        assert added.status_code == 200 and 'name="punkter-2-anchor"' in html
        assert "Något utan ankare" in html and "Skriv vad som ska kompletteras." not in html
        assert Inventory.objects.get(pk=submitted.pk).status == Inventory.Status.SUBMITTED
        response = client.post(
            url, {**post, "punkter-0-text": "Kostnad per år?", "punkter-1-anchor": "part:1"}
        )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "returned" and submitted.deadline_override == DUE
    assert CompletionItem.objects.count() == 2


def test_the_thread_between_region_and_staff_through_the_pages(
    submitted, staff_user, contact, client
):
    return_with_items(submitted, staff_user)
    item = CompletionItem.objects.get(kind="goal")
    client.force_login(contact)
    page = client.get(region_url("dialogue", submitted.region) + f"?punkt={item.pk}")
    assert f'<option value="{item.pk}" selected>' in page.content.decode()
    response = client.post(region_url("dialogue", submitted.region), {"item": item.pk, "text": ""})
    assert response.status_code == 400 and "Skriv ett meddelande." in text(response)
    response = client.post(
        region_url("dialogue", submitted.region), {"item": item.pk, "text": "Målvärdet är 40 %."}
    )
    assert response.status_code == 302
    reply = ThreadMessage.objects.get(kind="message")
    assert (reply.item, reply.from_staff, reply.author) == (item, False, contact)

    staff = PortalClient()
    staff.force_login(staff_user)
    page = text(staff.get(staff_url("dialogue", submitted.region)))
    assert "Målvärdet är 40 %." in page
    response = staff.post(staff_url("dialogue", submitted.region), {"text": "Tack, det räcker."})
    assert response.status_code == 302
    response = staff.post(
        staff_url("item_status", submitted.region), {"item": item.pk, "status": "resolved"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "resolved"
    page = text(client.get(region_url("dialogue", submitted.region)))
    assert "Tack, det räcker." in page and "Åtgärdad" in page
    # A contact person cannot change an item's status or use the staff pages.
    assert (
        client.post(staff_url("item_status", submitted.region), {"item": item.pk}).status_code
        == 404
    )
    # Staff read the region's dialogue page but cannot write there.
    assert staff.post(region_url("dialogue", submitted.region), {"text": "x"}).status_code == 403


def test_another_regions_contact_person_never_sees_the_thread(
    submitted, staff_user, contact, other_region, client
):
    return_with_items(submitted, staff_user)
    inventory_message_post(inventory=submitted, author=contact, text="Hemlig fråga")
    client.force_login(ContactPersonFactory(region=other_region).user)
    assert client.get(region_url("dialogue", submitted.region)).status_code == 404
    response = client.post(region_url("dialogue", submitted.region), {"text": "Kapad"})
    assert response.status_code == 404
    assert ThreadMessage.objects.filter(text="Kapad").count() == 0


def test_acceptance_receipt_is_in_the_thread(submitted, staff_user, contact, client):
    return_with_items(submitted, staff_user)
    Inventory.objects.filter(pk=submitted.pk).update(status=Inventory.Status.SUBMITTED)
    inventory_accept(inventory=submitted, actor=staff_user, message="Bra jobbat!")
    client.force_login(contact)
    page = text(client.get(region_url("dialogue", submitted.region)))
    assert "Version 1 godkänd" in page and "Bra jobbat!" in page


def test_the_board_counts_open_items_and_unanswered_replies(
    submitted, staff_user, contact, other_region, client
):
    return_with_items(submitted, staff_user)
    board_url = reverse("staff:board", args=["2019"])
    item = CompletionItem.objects.get(kind="goal")
    inventory_message_post(inventory=submitted, author=contact, text="Ett", item=item)
    inventory_message_post(inventory=submitted, author=contact, text="Två")
    client.force_login(staff_user)
    row = _board_row(client.get(board_url), submitted.region)
    assert "4 öppna punkter" in row and "2 obesvarade svar" in row
    detail = text(client.get(staff_url("inventory", submitted.region)))
    assert "Dialog med regionen (4 öppna punkter, 2 obesvarade svar)" in detail
    inventory_message_post(inventory=submitted, author=staff_user, text="Svar")
    completion_item_resolve(item=item, actor=staff_user)
    row = _board_row(client.get(board_url), submitted.region)
    assert "3 öppna punkter" in row and "obesvara" not in row
    inventory_message_post(inventory=submitted, author=contact, text="Tre")
    row = _board_row(client.get(board_url), submitted.region)
    assert "1 obesvarat svar" in row
    assert "öppna punkter" not in _board_row(client.get(board_url), other_region)


def _board_row(response, region):
    html = re.sub(r"\s+", " ", response.content.decode())
    start = html.index(f'<tr data-region="{region.code}">')
    return html[start : html.index("</tr>", start)]


def test_the_extension_notice_of_a_return_carries_the_registration_number(
    submitted, staff_user, contact, django_capture_on_commit_callbacks
):
    with time_machine.travel(REVIEW_DAY, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            return_with_items(submitted, staff_user, due_at=DUE)
    subjects = [message.subject for message in mail.outbox if message.to == [contact.email]]
    number = submitted.registration_number
    assert number
    assert (
        f"Dnr {number}: Ny sista dag för behovsinventeringen för Region Skåne: 10 februari 2020"
        in subjects
    )
    assert (
        f"Dnr {number}: Behovsinventeringen för Region Skåne har återsänts för komplettering"
        in (subjects)
    )


@pytest.mark.parametrize("hostile", ["²", "١٢", "99999999999999999999", "-1", "1 OR 1=1", ""])
def test_an_item_that_is_no_number_is_no_item(submitted, staff_user, hostile):
    """Whatever is posted as the item, the answer is 404, never a server error."""
    return_with_items(submitted, staff_user)
    staff = PortalClient()
    staff.force_login(staff_user)
    response = staff.post(
        staff_url("item_status", submitted.region), {"item": hostile, "status": "resolved"}
    )
    assert response.status_code == 404
    assert not CompletionItem.objects.filter(status="resolved").exists()
