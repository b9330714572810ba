"""Search across a round's inventories: the record by default, drafts when asked, hits
highlighted (escaped) and linked; Swedish stemming on PostgreSQL."""

import pytest
import time_machine
from django.urls import reverse

from inventories.services import inventory_submit
from inventories.tests.factories import open_inventory, round_2019
from regions.models import Region
from regions.tests.factories import ContactPersonFactory
from staff.search import round_search
from staff.synthesis import SynthesisFilter
from staff.tests.review_helpers import IN_ROUND

pytestmark = pytest.mark.django_db


def _inventory(region, needs, *, submit=True):
    user = ContactPersonFactory(region=region).user
    with time_machine.travel(IN_ROUND, tick=False):
        inventory = open_inventory(round=round_2019(), region=region, user=user, interventions=1)
        inventory.current_state.needs_challenges = needs
        inventory.current_state.save()
        if submit:
            inventory_submit(inventory=inventory, user=user)
    return inventory


@pytest.fixture
def searchable_round(region, other_region):
    _inventory(region, "Stora utmaningar för <b>landsbygden</b> och kompetensförsörjningen.")
    _inventory(other_region, "Bostadsbrist och trängsel i kollektivtrafiken.")
    _inventory(Region.objects.get(code="03"), "Utkast: landsbygden tappar service.", submit=False)
    return round_2019()


def test_search_finds_the_record_highlights_escaped_and_links(client, staff_user, searchable_round):
    client.force_login(staff_user)
    url = reverse("staff:synthesis_search", kwargs={"round_slug": "2019"})
    html = client.get(url, {"q": "landsbygden"}).content.decode()
    assert 'data-testid="hit-count">1 träff på ”landsbygden”' in html
    assert "<mark>landsbygden</mark>" in html
    assert "<b>" not in html  # escaped (SQLite) or dropped as a tag (PostgreSQL's parser)
    version = reverse(
        "staff:version", kwargs={"round_slug": "2019", "region_slug": "region-skane", "number": 1}
    )
    assert f'<a href="{version}">Region Skåne – Del 1: Behov och utmaningar</a>' in html
    assert "utkast</span>" not in html

    with_drafts = client.get(url, {"q": "landsbygden", "drafts": "on"}).content.decode()
    assert "2 träffar" in with_drafts and "utkast</span>" in with_drafts
    only = client.get(url, {"q": "landsbygden", "drafts": "on", "region": "region-uppsala"})
    assert [hit.text.source.region.code for hit in only.context["hits"]] == ["03"]


def test_an_empty_query_searches_nothing(client, staff_user, searchable_round):
    client.force_login(staff_user)
    url = reverse("staff:synthesis_search", kwargs={"round_slug": "2019"})
    response = client.get(url, {"q": "  "})
    assert response.status_code == 200 and response.context["hits"] == []
    assert round_search(searchable_round, "trängsel")[0].text.source.region.code == "01"


@pytest.mark.postgres
def test_swedish_stemming_on_postgresql(postgres, searchable_round):
    hits = round_search(searchable_round, "utmaning")
    assert [(hit.text.source.region.code, hit.text.label) for hit in hits] == [
        ("12", "Behov och utmaningar")
    ]
    assert "<mark>utmaningar</mark>" in hits[0].headline
    assert "<b>" not in hits[0].headline  # the parser drops tags; nothing is left unescaped
    assert round_search(searchable_round, "kollektivtrafik")[0].text.source.region.code == "01"
    drafts = round_search(
        searchable_round, "landsbygd", synthesis_filter=SynthesisFilter(drafts=True)
    )
    assert [hit.text.source.region.code for hit in drafts] == ["03", "12"]


def test_search_runs_the_same_number_of_queries_whatever_the_regions(searchable_round):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from staff.tests.review_helpers import copy_version

    flt = SynthesisFilter(drafts=True)
    with CaptureQueriesContext(connection) as few:
        assert len(round_search(searchable_round, "landsbygden", synthesis_filter=flt)) == 2
    record = searchable_round.inventories.get(region__code="12").versions.get()
    for region in Region.objects.filter(inventories__isnull=True)[:10]:
        copy_version(record, region)
    with CaptureQueriesContext(connection) as many:
        assert len(round_search(searchable_round, "landsbygden", synthesis_filter=flt)) == 12
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
