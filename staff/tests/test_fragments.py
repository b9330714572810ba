"""The staff pages' cached blocks (``staff.fragments``): an action, then a reload shows it."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from inventories.services import inventory_return_for_completion
from inventories.services.dialogue import completion_item_resolve, inventory_message_post
from inventories.tests.factories import open_inventory, round_2019
from regions.models import ContactPerson
from regions.services import contact_person_deactivate
from regions.tests.factories import StaffUserFactory
from staff import services
from staff.templatetags import staff_tags
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
        monkeypatch.setattr(staff_tags, "cached_html", lambda key, render: render())
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
