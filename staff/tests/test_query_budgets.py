"""Query budgets of the handläggare's pages that ``bench/pages.py`` measures: the board, an
inventory and a version with its diff. None of them writes the session on every request."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventories.services import inventory_return_for_completion, inventory_submit
from inventories.services.dialogue import inventory_message_post
from inventories.tests.factories import open_inventory, round_2019
from inventories.tests.pages import IN_ROUND

pytestmark = pytest.mark.django_db

#: The board's and the inventory page's bodies come from the cache on the second request
#: (``staff.fragments``); the pages load the inventory with its round and region in one query.
BUDGETS = {"board": 5, "inventory": 5, "version": 6, "dialogue": 7, "return": 9}


@pytest.fixture
def two_versions(region, contact, staff_user):
    """Skåne's inventory submitted twice (30 interventions, 15 goals), a change in between;
    returned with three items, each answered by the region and the handläggare."""
    with time_machine.travel(IN_ROUND, tick=False):
        inventory = open_inventory(
            round=round_2019(), region=region, user=contact, interventions=30, goals=15
        )
        inventory_submit(inventory=inventory, user=contact)
        intervention = inventory.interventions.first()
        inventory_return_for_completion(
            inventory=inventory,
            actor=staff_user,
            message="Mer.",
            items=[
                {"anchor": "part:1", "text": "Del 1"},
                {"anchor": f"intervention:{intervention.pk}", "text": "Kostnad"},
                {"anchor": "field:3:target_state", "text": "Börläget"},
            ],
        )
        for item in inventory.completion_items.all():
            inventory_message_post(inventory=inventory, author=contact, text="Svar", item=item)
            inventory_message_post(inventory=inventory, author=staff_user, text="Tack", item=item)
        inventory_message_post(inventory=inventory, author=contact, text="Allmänt")
        state = inventory.current_state
        state.context = "Ändrad förutsättning."
        state.save()
        inventory_submit(inventory=inventory, user=contact)
    return inventory


@pytest.mark.parametrize("page", BUDGETS)
def test_staff_pages_stay_within_their_query_budget(client, staff_user, region, two_versions, page):
    client.force_login(staff_user)
    ids = {"round_slug": "2019", "region_slug": region.slug}
    url = {
        "board": reverse("staff:board", args=["2019"]),
        "inventory": reverse("staff:inventory", kwargs=ids),
        "version": reverse("staff:version", kwargs={**ids, "number": 2}),
        "dialogue": reverse("staff:dialogue", kwargs=ids),
        "return": reverse("staff:return", kwargs=ids),
    }[page]
    client.get(url)  # the first request after sign-in sets the session's end
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) <= BUDGETS[page], "\n".join(s[:150] for s in sql)
    assert [s for s in sql if "django_session" in s and not s.startswith("SELECT")] == []
