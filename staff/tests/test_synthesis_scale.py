"""The synthesis page at the size of the bench: the same queries for 21 and for 290 regions with
30 interventions each (bulk-created copies of one submitted version)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from staff.tests.bulk import copy_versions, regions_up_to
from staff.tests.review_helpers import submitted_inventory

pytestmark = pytest.mark.django_db


def test_the_synthesis_page_runs_the_same_queries_for_21_and_290_regions(
    client, staff_user, region, contact
):
    _inventory, version = submitted_inventory(
        region=region, user=contact, interventions=30, goals=15
    )
    client.force_login(staff_user)
    url = reverse("staff:synthesis", kwargs={"round_slug": "2019"})
    counts = {}
    for size in (21, 290):
        copy_versions(version, regions_up_to(size))
        client.get(url)  # the session and the language settle on the first request
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        synthesis = response.context["synthesis"]
        assert synthesis.regions_counted == size
        assert synthesis.interventions == 30 * size
        assert synthesis.sought == size * version.snapshot["part2"]["year_totals"][0]["sought"] + (
            size * version.snapshot["part2"]["year_totals"][1]["sought"]
        )
        # Each effect lists its first ten goals by name and links to the rest.
        effects = {item.value: item for item in synthesis.effects}
        assert len(effects["business"].goal_preview) == 10
        assert effects["business"].goals_not_previewed == 15 * size - 10
        counts[size] = [q["sql"][:120] for q in queries.captured_queries]
    assert len(counts[290]) == len(counts[21]), counts
    assert response.content.decode().count(">och 4340 mål till</a>") == 2  # business, trust
