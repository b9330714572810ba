"""Internal notes and the handläggare assigned to a region: staff-only, and the board's
"mina regioner"."""

import re

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import URLPattern, reverse

from inventories import urls as inventory_urls
from inventories.models import AuditEvent
from inventories.services import inventory_accept, inventory_return_for_completion, inventory_submit
from inventories.services.dialogue import inventory_message_post
from inventories.tests.factories import round_2019
from portal.models import OutboxMessage
from regions.tests.factories import StaffUserFactory
from staff.models import Assignment, InternalNote
from staff.services import inventory_note_add, region_assign
from staff.tests.review_helpers import IN_ROUND, store_pdf, submitted_inventory

pytestmark = pytest.mark.django_db
MARKER = "HEMLIG-ANTECKNING-7f3a"


def url(name, region, **kwargs):
    return reverse(
        f"staff:{name}", kwargs={"round_slug": "2019", "region_slug": region.slug, **kwargs}
    )


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def test_a_note_is_kept_with_its_author_and_refused_when_empty_or_not_staff(
    region, contact, staff_user
):
    inventory, _version = submitted_inventory(region=region, user=contact)
    note = inventory_note_add(inventory=inventory, actor=staff_user, text="  Ring regionen.  ")
    assert (note.text, note.author) == ("Ring regionen.", staff_user)
    with pytest.raises(ValidationError):
        inventory_note_add(inventory=inventory, actor=staff_user, text=" ")
    with pytest.raises(ValidationError):
        inventory_note_add(inventory=inventory, actor=staff_user, text="x" * 5_001)
    with pytest.raises(PermissionDenied):
        inventory_note_add(inventory=inventory, actor=contact, text="Hej")
    assert InternalNote.objects.count() == 1


def test_staff_write_and_read_notes_on_the_inventory_page(
    staff_client, staff_user, region, contact
):
    submitted_inventory(region=region, user=contact)
    response = staff_client.post(url("note_add", region), {"text": "Budgeten ser hög ut."})
    assert response.status_code == 302
    page = text(staff_client.get(url("inventory", region)))
    assert "Budgeten ser hög ut." in page and staff_user.full_name in page
    response = staff_client.post(url("note_add", region), {"text": ""}, follow=True)
    assert "Skriv anteckningen." in text(response)
    assert InternalNote.objects.count() == 1


def test_one_handlaggare_per_region_and_round(region, staff_user, contact):
    colleague = StaffUserFactory()
    region_assign(round=round_2019(), region=region, actor=staff_user, handlaggare=staff_user)
    region_assign(round=round_2019(), region=region, actor=staff_user, handlaggare=colleague)
    assert Assignment.objects.get().handlaggare == colleague
    with pytest.raises(ValidationError):
        region_assign(round=round_2019(), region=region, actor=staff_user, handlaggare=contact)
    with pytest.raises(PermissionDenied):
        region_assign(round=round_2019(), region=region, actor=contact, handlaggare=colleague)
    region_assign(round=round_2019(), region=region, actor=staff_user, handlaggare=None)
    assert not Assignment.objects.exists()
    # Nobody to take away: nothing happened, nothing is audited.
    region_assign(round=round_2019(), region=region, actor=staff_user, handlaggare=None)
    events = AuditEvent.objects.filter(action=AuditEvent.Action.ASSIGNED, region=region)
    assert [e.message for e in events.order_by("id")] == [
        staff_user.full_name,
        colleague.full_name,
        "Ingen handläggare",
    ]
    assert {e.round for e in events} == {round_2019()} and {e.actor for e in events} == {staff_user}


def test_the_board_filters_mina_regioner(staff_client, staff_user, region, other_region):
    colleague = StaffUserFactory(full_name="Kollega Karlsson")
    response = staff_client.post(url("assign", region), {"handlaggare": staff_user.pk})
    assert response.status_code == 302
    staff_client.post(url("assign", other_region), {"handlaggare": colleague.pk})
    board_url = reverse("staff:board", kwargs={"round_slug": "2019"})

    every = text(staff_client.get(board_url))
    assert region.name in every and other_region.name in every
    assert "Handläggare: Kollega Karlsson" in every

    mine = staff_client.get(board_url + "?mina=1").content.decode()
    rows = re.findall(r'<th scope="row"><a href="[^"]+">(\d\d) ', mine)
    assert rows == [region.code]
    assert "Mina regioner i detalj" in mine

    page = text(staff_client.get(url("inventory", other_region)))
    assert "Kollega Karlsson handlägger regionen i omgången." in page


def test_internal_notes_never_reach_the_region(
    client, staff_user, region, contact, django_capture_on_commit_callbacks
):
    """The marker is searched in every page the contact person can open, every e-mail and outbox
    row, the PDFs and the exports; the staff page has it (the search works)."""
    with django_capture_on_commit_callbacks(execute=True):
        inventory, version = submitted_inventory(region=region, user=contact)
    inventory_note_add(inventory=inventory, actor=staff_user, text=f"{MARKER} en intern fråga")
    with django_capture_on_commit_callbacks(execute=True):
        inventory_return_for_completion(
            inventory=inventory,
            actor=staff_user,
            message="Fixa",
            items=[
                {"anchor": "field:1:context", "text": "Förutsättningarna"},
                {"anchor": f"intervention:{inventory.interventions.first().pk}", "text": "Kostnad"},
            ],
        )
    inventory_note_add(inventory=inventory, actor=staff_user, text=f"Mer: {MARKER}")
    # The thread both ways, with its notices: none of it carries a note.
    with django_capture_on_commit_callbacks(execute=True):
        item = inventory.completion_items.first()
        inventory_message_post(inventory=inventory, author=contact, text="Svar", item=item)
        inventory_message_post(inventory=inventory, author=staff_user, text="Tack", item=item)

    with time_machine.travel(IN_ROUND, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            second = inventory_submit(inventory=inventory, user=contact)
    with django_capture_on_commit_callbacks(execute=True):
        inventory_accept(inventory=inventory, actor=staff_user, message="Bra")
    store_pdf(version)
    store_pdf(second)

    staff = client  # the root conftest's client passes the second factor for staff
    staff.force_login(staff_user)
    assert MARKER in staff.get(url("inventory", region)).content.decode()
    # The dialogue is what the region sees too: notes stay off it, even for staff.
    assert MARKER not in staff.get(url("dialogue", region)).content.decode()

    region_client = Client()
    region_client.force_login(contact)
    intervention = inventory.interventions.first()
    goal = inventory.goals.first()
    values = {
        "region_slug": region.slug,
        "slug": region.slug,
        "round_slug": "2019",
        "number": 1,
    }
    pages = []
    for pattern in inventory_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        kwargs = {name: values[name] for name in pattern.pattern.converters if name in values}
        if "pk" in pattern.pattern.converters:
            kwargs["pk"] = (goal if "goal" in pattern.name else intervention).pk
        pages.append(reverse(f"inventories:{pattern.name}", kwargs=kwargs))
    pages += [p.replace("/version/1/", "/version/2/") for p in pages if "/version/1/" in p]
    seen = 0
    for path in pages:
        response = region_client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert MARKER.encode() not in body, path
        seen += response.status_code == 200
    assert seen >= 10

    assert mail.outbox
    for message in mail.outbox:
        parts = [message.subject, message.body, *[a[0] for a in message.alternatives]]
        assert all(MARKER not in part for part in parts)
        for attachment in message.attachments:
            assert MARKER.encode() not in attachment[1]
    assert OutboxMessage.objects.filter(kind__startswith="thread_message").count() >= 2
    for row in OutboxMessage.objects.all():
        assert MARKER not in row.subject + row.body_text + row.body_html

    for name in ("export_csv", "export_xlsx", "export_pdf_zip"):
        response = staff.get(reverse(f"staff:{name}", kwargs={"round_slug": "2019"}))
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert MARKER.encode() not in body, name
