"""The progress board: every region, statuses and counts, and a flat number of queries."""

import datetime
import re

import pytest
import time_machine
from django.core.cache.backends.dummy import DummyCache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventories.models import Inventory, InventoryVersion
from inventories.services import inventory_accept, inventory_return_for_completion
from inventories.tests.factories import RoundFactory, open_inventory, round_2019
from regions.models import Region
from regions.tests.factories import ContactPersonFactory
from staff import fragments
from staff.tests.review_helpers import (
    IN_ROUND,
    REVIEW_DAY,
    STOCKHOLM,
    submitted_inventory,
)

pytestmark = pytest.mark.django_db
BOARD_DAY = datetime.datetime(2020, 1, 10, 12, 0, tzinfo=STOCKHOLM)


def board_url(round_=None):
    return reverse("staff:board", kwargs={"round_slug": (round_ or round_2019()).slug})


def _counts(html):
    return {
        status: int(count)
        for status, count in re.findall(r'<strong data-status="(\w+)">(\d+)</strong>', html)
    }


def _row(html, code):
    match = re.search(rf'<tr data-region="{code}">(.*?)</tr>', html, re.S)
    assert match, code
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


@pytest.fixture
def round_in_progress(region, contact, other_region, other_contact, staff_user):
    """Skåne submitted and accepted, Stockholm returned, Uppsala draft, the others untouched."""
    uppsala = Region.objects.get(code="03")
    uppsala_contact = ContactPersonFactory(region=uppsala).user
    skane, _v = submitted_inventory(region=region, user=contact)
    stockholm, _v = submitted_inventory(region=other_region, user=other_contact)
    with time_machine.travel(IN_ROUND, tick=False):
        open_inventory(round=round_2019(), region=uppsala, user=uppsala_contact, filled=False)
    with time_machine.travel(REVIEW_DAY, tick=False):
        inventory_accept(inventory=skane, actor=staff_user)
        inventory_return_for_completion(inventory=stockholm, actor=staff_user, message="Mer.")
    return skane, stockholm


def test_staff_home_leads_to_the_newest_active_round(client, staff_user):
    newer = RoundFactory(
        opens_at=datetime.datetime(2021, 10, 1, tzinfo=STOCKHOLM),
        deadline=datetime.datetime(2022, 1, 20, 23, 59, 59, tzinfo=STOCKHOLM),
    )
    RoundFactory(
        opens_at=datetime.datetime(2023, 10, 1, tzinfo=STOCKHOLM),
        deadline=datetime.datetime(2024, 1, 20, tzinfo=STOCKHOLM),
        active=False,
    )
    client.force_login(staff_user)
    response = client.get(reverse("staff:home"))
    assert response.status_code == 302
    assert response["Location"] == board_url(newer)
    page = client.get(response["Location"]).content.decode()
    # The round switcher links to the other rounds.
    assert board_url(round_2019()) in page


def test_board_shows_all_21_regions_with_status_counts(client, staff_user, round_in_progress):
    client.force_login(staff_user)
    with time_machine.travel(BOARD_DAY, tick=False):
        response = client.get(board_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<tr data-region="') == 21
    assert _counts(html) == {
        "not_started": 18,
        "draft": 1,
        "returned": 1,
        "submitted": 0,
        "accepted": 1,
    }
    skane = _row(html, "12")
    assert "Godkänd" in skane and "2019-11-15 10:00 (v1)" in skane and "I tid" in skane
    assert "10 dagar kvar" in skane
    assert "Återsänd" in _row(html, "01")
    gotland = _row(html, "09")
    assert "Ej påbörjad" in gotland and "Saknas" in gotland and "Ej inskickad" in gotland
    # The grid has one tile per region, each with its status written out (not colour alone).
    grid = html.split('data-testid="region-grid"')[1].split("</ul>")[0]
    assert grid.count('class="region-tile') == 21
    assert grid.count("Ej påbörjad") == 18
    assert 'role="img"' in html and "Fördelning per status: Ej påbörjad 18" in html
    assert "10 dagar kvar" in html.split('data-testid="days-to-deadline"')[1].split("</dd>")[0]


def test_board_marks_extensions_and_overdue_regions(client, staff_user, region, contact):
    from reminders.services import deadline_extend

    with time_machine.travel(IN_ROUND, tick=False):
        inventory = open_inventory(round=round_2019(), region=region, user=contact)
    with time_machine.travel(BOARD_DAY, tick=False):
        deadline_extend(
            inventory=inventory,
            new_deadline=datetime.datetime(2020, 1, 31, 23, 59, 59, tzinfo=STOCKHOLM),
            reason="Sjukdom i projektgruppen.",
            actor=staff_user,
        )
    client.force_login(staff_user)
    with time_machine.travel(datetime.datetime(2020, 1, 22, 9, 0, tzinfo=STOCKHOLM), tick=False):
        html = client.get(board_url()).content.decode()
    skane = _row(html, "12")
    assert "2020-01-31 23:59 (förlängd)" in skane and "9 dagar kvar" in skane
    assert "Ej inskickad" in skane and "passerad" not in skane
    blekinge = _row(html, "10")
    assert (
        "Ej inskickad, sista dag passerad" in blekinge and "Passerad för 2 dagar sedan" in blekinge
    )


def test_board_shows_the_last_reminder_sent(client, staff_user, region, contact):
    from reminders.services import reminders_sweep

    with time_machine.travel(IN_ROUND, tick=False):
        open_inventory(round=round_2019(), region=region, user=contact)
    moment = datetime.datetime(2020, 1, 13, 8, 5, tzinfo=STOCKHOLM)
    with time_machine.travel(moment, tick=False):
        reminders_sweep(now=moment)
    client.force_login(staff_user)
    with time_machine.travel(BOARD_DAY.replace(day=14), tick=False):
        html = client.get(board_url()).content.decode()
    assert "2020-01-13 08:05 (Påminnelse)" in _row(html, "12")
    assert "2020-01-13" not in _row(html, "01")  # no contact person: no reminder


def _add_regions(count):
    """``count`` more active regions (beyond the 21), some with contacts and inventories."""
    round_ = round_2019()
    regions = Region.objects.bulk_create(
        Region(
            code=chr(65 + n // 26) + chr(65 + n % 26),  # two letters: AA, AB, …
            name=f"Testregion {n}",
            county_name=f"Testlän {n}",
            slug=f"testregion-{n}",
        )
        for n in range(count)
    )
    for n, extra in enumerate(regions):
        if n % 5 == 0:
            ContactPersonFactory(region=extra)
        if n % 7 == 0:
            inventory = Inventory.objects.create(
                round=round_,
                region=extra,
                status=Inventory.Status.SUBMITTED if n % 2 else Inventory.Status.DRAFT,
                deadline_override=round_.deadline + datetime.timedelta(days=3) if n % 3 else None,
            )
            if n % 2:
                user = ContactPersonFactory(region=extra).user
                InventoryVersion.objects.create(
                    inventory=inventory,
                    number=1,
                    snapshot_json="{}",
                    sha256="0" * 64,
                    submitted_at=round_.deadline - datetime.timedelta(days=1),
                    submitted_by=user,
                    submitted_by_name=user.full_name,
                    deadline=round_.deadline,
                )
    return regions


def test_board_runs_the_same_number_of_queries_for_21_and_290_regions(
    client, staff_user, round_in_progress, monkeypatch
):
    client.force_login(staff_user)
    url = board_url()
    client.get(url)  # warm up the session and the language
    # The body rendered every time, not taken from the cache.
    monkeypatch.setattr(fragments, "cache", DummyCache("none", {}))
    with CaptureQueriesContext(connection) as with_21:
        response = client.get(url)
    assert response.content.decode().count('<tr data-region="') == 21
    _add_regions(269)
    with CaptureQueriesContext(connection) as with_290:
        response = client.get(url)
    assert response.content.decode().count('<tr data-region="') == 290
    assert len(with_290) == len(with_21), [q["sql"][:120] for q in with_290.captured_queries]
    # user, device, group check, round, the board's state, rounds, regions, contacts,
    # inventories, reminders, assignments, damaged copies, e-mail summary (two counts)
    assert len(with_21) <= 15
    monkeypatch.undo()
    client.get(url)
    with CaptureQueriesContext(connection) as cached:
        response = client.get(url)
    assert response.content.decode().count('<tr data-region="') == 290
    # user, device, group check, round, the board's state
    assert len(cached) <= 5, "\n".join(q["sql"][:100] for q in cached.captured_queries)


def test_board_sums_up_e_mails_waiting_after_failures(client, staff_user, region, contact):
    from portal.emails import Email
    from portal.models import OutboxMessage
    from portal.outbox import outbox_message_add

    client.force_login(staff_user)
    assert 'data-testid="delivery-problems"' not in client.get(board_url()).content.decode()
    row = outbox_message_add(
        key="test:1",
        group="test",
        kind="receipt",
        email=Email(template="emails/returned", to=[contact.email], context={}),
    )
    OutboxMessage.objects.filter(pk=row.pk).update(attempts=3, last_error="OSError: down")
    page = client.get(board_url()).content.decode()
    assert 'data-testid="delivery-problems"' in page
    assert "1 kvitto eller besked" in page and "försöker igen av sig själv" in page
