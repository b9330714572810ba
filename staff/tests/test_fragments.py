"""The staff pages' cached blocks (``staff.fragments``): an action, then a reload shows it."""

import datetime
import re

import pytest
import time_machine
from django.core.cache.backends.dummy import DummyCache
from django.urls import reverse

from inventories.services import inventory_return_for_completion
from inventories.services.dialogue import completion_item_resolve, inventory_message_post
from inventories.tests.factories import open_inventory, round_2019
from regions.models import ContactPerson
from regions.services import contact_person_deactivate
from regions.tests.factories import StaffUserFactory
from staff import fragments, services
from staff.tests.review_helpers import IN_ROUND, REVIEW_DAY, STOCKHOLM, submitted_inventory

pytestmark = pytest.mark.django_db


def _board(client, **params):
    response = client.get(reverse("staff:board", args=["2019"]), params)
    assert response.status_code == 200
    return response.content.decode()


def _row(html, code):
    match = re.search(rf'<tr data-region="{code}">(.*?)</tr>', html, re.S)
    assert match, code
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


@pytest.fixture
def submitted(region, contact):
    inventory, _version = submitted_inventory(region=region, user=contact)
    return inventory


def test_a_cached_board_is_the_board_as_rendered(client, staff_user, submitted, monkeypatch):
    client.force_login(staff_user)
    with time_machine.travel(REVIEW_DAY, tick=False):
        _board(client)
        cached = _board(client)
        monkeypatch.setattr(fragments, "cache", DummyCache("none", {}))
        rendered = _board(client)
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", cached) == strip.sub("", rendered)


def test_the_board_shows_every_action_at_once(client, staff_user, region, contact, submitted):
    client.force_login(staff_user)
    with time_machine.travel(REVIEW_DAY):  # the clock runs: a reply comes after a message
        assert "Inskickad" in _row(_board(client), region.code)
        inventory_return_for_completion(
            inventory=submitted,
            actor=staff_user,
            message="Mer.",
            items=[{"anchor": "part:1", "text": "Del 1"}],
        )
        row = _row(_board(client), region.code)
        assert "Återsänd" in row
        assert "1 öppen punkt" in row
        inventory_message_post(inventory=submitted, author=contact, text="Svar")
        assert "1 obesvarat svar" in _row(_board(client), region.code)
        inventory_message_post(inventory=submitted, author=staff_user, text="Tack")
        assert "obesvarat" not in _row(_board(client), region.code)
        completion_item_resolve(item=submitted.completion_items.get(), actor=staff_user)
        assert "öppen punkt" not in _row(_board(client), region.code)
        services.region_deadline_extend(
            round=submitted.round,
            region=region,
            new_deadline=datetime.datetime(2020, 2, 3, 12, 0, tzinfo=STOCKHOLM),
            reason="Sjukdom",
            actor=staff_user,
        )
        assert "2020-02-03 12:00 (förlängd)" in _row(_board(client), region.code)
        colleague = StaffUserFactory(full_name="Kerstin Kollega")
        services.region_assign(
            round=submitted.round, region=region, actor=colleague, handlaggare=colleague
        )
        assert "Handläggare: Kerstin Kollega" in _row(_board(client), region.code)
        contact_person_deactivate(contact_person=ContactPerson.objects.get(user=contact))
        assert "Saknas" in _row(_board(client), region.code)


def test_the_board_follows_the_clock(client, staff_user, region, contact):
    """Days left and "sista dag passerad" change with the date, not with a save."""
    with time_machine.travel(IN_ROUND, tick=False):
        open_inventory(round=round_2019(), region=region, user=contact, filled=False)
    deadline = round_2019().deadline
    with time_machine.travel(deadline - datetime.timedelta(days=2), tick=False):
        client.force_login(staff_user)
        row = _row(_board(client), region.code)
        assert "2 dagar kvar" in row
        assert "Ej inskickad" in row
    with time_machine.travel(deadline - datetime.timedelta(days=1), tick=False):
        client.force_login(staff_user)
        assert "1 dag kvar" in _row(_board(client), region.code)
    with time_machine.travel(deadline + datetime.timedelta(seconds=1), tick=False):
        client.force_login(staff_user)
        row = _row(_board(client), region.code)
        assert "Ej inskickad, sista dag passerad" in row
        # A region that never opened the form is judged on the round's deadline.
        assert "Ej inskickad, sista dag passerad" in _row(_board(client), "03")


def test_mine_is_each_handlaggares_own(client, staff_user, region, other_region, submitted):
    colleague = StaffUserFactory(full_name="Kerstin Kollega")
    round_ = submitted.round
    services.region_assign(round=round_, region=region, actor=staff_user, handlaggare=staff_user)
    services.region_assign(
        round=round_, region=other_region, actor=staff_user, handlaggare=colleague
    )
    client.force_login(staff_user)
    mine = _board(client, mina="1")
    assert f'<tr data-region="{region.code}">' in mine
    assert f'<tr data-region="{other_region.code}">' not in mine
    client.force_login(colleague)
    theirs = _board(client, mina="1")
    assert f'<tr data-region="{region.code}">' not in theirs
    assert f'<tr data-region="{other_region.code}">' in theirs


def test_the_board_follows_the_language(client, staff_user, submitted):
    client.force_login(staff_user)
    assert "Alla regioner i detalj" in _board(client)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Alla regioner i detalj" not in _board(client)


def _inventory_page(client, region):
    response = client.get(reverse("staff:inventory", args=["2019", region.slug]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_cached_inventory_page_is_the_page_as_rendered(
    client, staff_user, region, submitted, monkeypatch
):
    client.force_login(staff_user)
    with time_machine.travel(REVIEW_DAY, tick=False):
        _inventory_page(client, region)
        cached = _inventory_page(client, region)
        monkeypatch.setattr(fragments, "cache", DummyCache("none", {}))
        rendered = _inventory_page(client, region)
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    assert token.sub("", cached) == token.sub("", rendered)
    # The forms in the cached body get the response's own token, as the header's form does.
    assert fragments.CSRF_PLACEHOLDER not in cached
    assert len(token.findall(cached)) == 4
    assert len(set(token.findall(cached))) == 1


def test_the_inventory_page_shows_every_action_at_once(
    client, staff_user, region, contact, submitted
):
    client.force_login(staff_user)
    with time_machine.travel(REVIEW_DAY):
        assert "Godkänn" in _inventory_page(client, region)
        inventory_return_for_completion(
            inventory=submitted,
            actor=staff_user,
            message="Komplettera budgeten.",
            items=[{"anchor": "part:1", "text": "Del 1"}],
        )
        page = _inventory_page(client, region)
        assert "Komplettera budgeten." in page
        assert "1 öppen punkt" in page
        inventory_message_post(inventory=submitted, author=contact, text="Svar")
        assert "1 obesvarat svar" in _inventory_page(client, region)
        inventory_message_post(inventory=submitted, author=staff_user, text="Tack")
        assert "obesvarat" not in _inventory_page(client, region)
        completion_item_resolve(item=submitted.completion_items.get(), actor=staff_user)
        assert "öppen punkt" not in _inventory_page(client, region)
        colleague = StaffUserFactory(full_name="Kerstin Kollega")
        services.inventory_note_add(inventory=submitted, actor=colleague, text="Ring dem.")
        page = _inventory_page(client, region)
        assert "Ring dem." in page
        assert "Kerstin Kollega" in page  # the note's author, and a choice of handläggare
        services.region_assign(
            round=submitted.round, region=region, actor=colleague, handlaggare=colleague
        )
        assert "Kerstin Kollega handlägger regionen" in _inventory_page(client, region)
        colleague.full_name = "Kerstin Nyman"
        colleague.save()
        assert "Kerstin Nyman handlägger regionen" in _inventory_page(client, region)
        services.region_deadline_extend(
            round=submitted.round,
            region=region,
            new_deadline=datetime.datetime(2020, 2, 3, 12, 0, tzinfo=STOCKHOLM),
            reason="Sjukdom i staben",
            actor=staff_user,
        )
        assert "Sjukdom i staben" in _inventory_page(client, region)
        contact_person_deactivate(contact_person=ContactPerson.objects.get(user=contact))
        assert "Regionen saknar kontaktperson." in _inventory_page(client, region)


def test_the_inventory_page_shows_a_new_pdf_copy(client, staff_user, region, submitted):
    from staff.tests.review_helpers import store_pdf

    client.force_login(staff_user)
    assert "PDF version 1" not in _inventory_page(client, region)
    store_pdf(submitted.versions.get())
    assert "PDF version 1" in _inventory_page(client, region)


def _version_page(client, region, number):
    response = client.get(reverse("staff:version", args=["2019", region.slug, number]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_version_page_shows_its_pdf_copy_new_versions_and_damage(
    client, staff_user, region, contact, submitted
):
    from inventories.models import VersionDocument
    from inventories.services import inventory_submit
    from staff.tests.review_helpers import store_pdf

    client.force_login(staff_user)
    page = _version_page(client, region, 1)
    assert "Öppna PDF-kopian av version 1" not in page
    document = store_pdf(submitted.versions.get())
    assert "Öppna PDF-kopian av version 1" in _version_page(client, region, 1)
    with time_machine.travel(REVIEW_DAY, tick=False):
        inventory_return_for_completion(inventory=submitted, actor=staff_user, message="Mer.")
        inventory_submit(inventory=submitted, user=contact)
    assert "Version 2</a>" in _version_page(client, region, 1)
    VersionDocument.objects.filter(pk=document.pk).update(damage="PDF-filen saknas.")
    page = _version_page(client, region, 1)
    assert "den lagrade kopian är skadad" in page
    assert "PDF-filen saknas." in page
