"""Query budgets of the contact person's pages, the pages ``bench/pages.py`` measures.

Each page's count is fixed whatever the data (``test_views`` checks 2 against 40 items); these
budgets catch a page that starts doing more per request. A signed-in page no longer writes its
session on every request, so none of them runs an UPDATE of ``django_session``.
"""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventories.services import inventory_return_for_completion, inventory_submit
from inventories.tests.factories import open_inventory, round_2019
from inventories.tests.pages import IN_ROUND, inventory_url, part1_post

pytestmark = pytest.mark.django_db

#: With what the pages cache of this revision cached (the usual case): the session comes from
#: the cache, the inventory with its region and round in one query, its open completion items in
#: one more. ``test_views`` checks that the counts without the cache do not grow with the data
#: either.
BUDGETS = {
    "start": 8,
    "part1": 5,
    "part2": 3,
    "part3": 4,
    "review": 4,
    "receipt": 4,
    "dialogue": 14,
}
#: 10 outside the test's transaction (a savepoint pair here) with changed budget lines; with the
#: budget lines as stored, one less (they are read and not rewritten).
PART1_SAVE_BUDGET = 12


@pytest.fixture(autouse=True)
def in_round():
    with time_machine.travel(IN_ROUND, tick=False):
        yield


@pytest.fixture
def returned(region, contact, staff_user):
    """Skåne's inventory: 30 interventions, 15 goals, submitted once and returned (editable)."""
    inventory = open_inventory(
        round=round_2019(), region=region, user=contact, interventions=30, goals=15
    )
    inventory_submit(inventory=inventory, user=contact)
    inventory_return_for_completion(inventory=inventory, actor=staff_user, message="Komplettera.")
    return inventory


def _queries(client, method, url, data=None):
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
    return response, [q["sql"] for q in queries.captured_queries]


def _session_writes(sql):
    return [s for s in sql if "django_session" in s and not s.lstrip().startswith("SELECT")]


@pytest.mark.parametrize("page", BUDGETS)
def test_contact_pages_stay_within_their_query_budget(client, region, contact, returned, page):
    client.force_login(contact)
    url = (
        reverse("inventories:start", args=[region.slug])
        if page == "start"
        else inventory_url(page, region, number=1)
        if page == "receipt"
        else inventory_url(page, region)
    )
    client.get(url)  # the first request after sign-in sets the session's end
    response, sql = _queries(client, "get", url)
    assert response.status_code == 200
    assert len(sql) <= BUDGETS[page], "\n".join(s[:150] for s in sql)
    assert _session_writes(sql) == []


def test_saving_del_1_stays_within_its_query_budget(client, region, contact, returned):
    client.force_login(contact)
    client.get(inventory_url("part1", region))
    state = returned.current_state
    data = part1_post(revision=state.revision, lines=[("Processledning", "60 000")])
    response, sql = _queries(client, "post", inventory_url("part1", region), data)
    assert response.status_code == 302
    assert len(sql) <= PART1_SAVE_BUDGET, "\n".join(s[:150] for s in sql)

    # Saved again as it is now: the budget lines are read, not rewritten.
    data["revision"] = str(state.revision + 1)
    response, sql = _queries(client, "post", inventory_url("part1", region), data)
    assert response.status_code == 302
    assert len(sql) <= PART1_SAVE_BUDGET - 1, "\n".join(s[:150] for s in sql)
