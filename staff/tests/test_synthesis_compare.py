"""One field of chosen regions side by side: the submitted text, drafts only when asked for
and marked, the choice in the URL, errors next to the field, a fixed number of queries."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventories.tests.factories import open_inventory, round_2019
from regions.models import Region
from regions.tests.factories import ContactPersonFactory
from staff.tests.review_helpers import IN_ROUND, submit_in_round

pytestmark = pytest.mark.django_db

#: Session and user, the round, the regions (form and rows), inventories, versions, the drafts'
#: parts (a few prefetches).
BUDGET = 16
URL = reverse("staff:synthesis_compare", kwargs={"round_slug": "2019"})


def _needs(text):
    def tweak(inventory):
        state = inventory.current_state
        state.needs_challenges = text
        state.save()

    return tweak


@pytest.fixture
def compared(region, other_region):
    """Skåne and Stockholm submitted with their own needs; Uppsala a draft with its own."""
    submit_in_round(region, interventions=1, tweak=_needs("Skåne behöver samordning.\nOch data."))
    submit_in_round(other_region, interventions=1, tweak=_needs("Stockholm behöver kunskap."))
    uppsala = Region.objects.get(code="03")
    with time_machine.travel(IN_ROUND, tick=False):
        inventory = open_inventory(
            round=round_2019(), region=uppsala, user=ContactPersonFactory(region=uppsala).user
        )
    _needs("Uppsala skriver fortfarande.")(inventory)
    return round_2019()


def test_the_chosen_regions_side_by_side_with_the_choice_in_the_url(client, staff_user, compared):
    client.force_login(staff_user)
    page = client.get(URL).content.decode()
    assert '<option value="needs_challenges" selected>Del 1: Behov och utmaningar</option>' in page
    assert 'data-testid="side-by-side"' not in page

    query = (
        "field=needs_challenges&region=region-skane&region=region-stockholm&region=region-uppsala"
    )
    response = client.get(f"{URL}?{query}")
    html = response.content.decode()
    columns = response.context["columns"]
    assert [c.region.code for c in columns] == ["01", "03", "12"]
    assert "Skåne behöver samordning.<br>Och data." in html
    assert "Stockholm behöver kunskap." in html
    assert "Uppsala skriver fortfarande." not in html  # a draft, not asked for
    assert "Ingen inskickad version." in html
    assert 'value="region-skane" id="id_region_' in html
    for slug in ("region-skane", "region-stockholm", "region-uppsala"):
        assert f'value="{slug}" id="id_region_' in html
        assert html.split(f'value="{slug}"')[1].split(">")[0].endswith(" checked")
    assert 'value="region-gotland"' in html
    assert not html.split('value="region-gotland"')[1].split(">")[0].endswith(" checked")

    drafts = client.get(f"{URL}?{query}&drafts=on").content.decode()
    assert "Uppsala skriver fortfarande." in drafts
    assert drafts.count('<span class="badge text-bg-warning">utkast</span>') == 1
    assert "Utkast: ännu inte inskickat, kan ändras." in drafts


def test_another_field_of_del_3(client, staff_user, compared):
    client.force_login(staff_user)
    html = client.get(URL, {"field": "effect_trust", "region": ["region-skane"]}).content.decode()
    assert "Del 3: " in html and "Ökad tillit mellan aktörer." in html


def test_bad_choices_get_swedish_errors_next_to_the_field_with_the_form_kept(
    client, staff_user, compared
):
    client.force_login(staff_user)
    response = client.get(URL, {"field": "effect_trust", "drafts": "on"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_region_error">Välj minst en region att jämföra.</div>' in html
    assert (
        '<option value="effect_trust" selected>' in html
        and 'id="id_drafts" value="on" checked' in html
    )
    response = client.get(URL, {"field": "password", "region": ["region-skane"]})
    html = response.content.decode()
    assert 'id="id_field_error">' in html and 'aria-invalid="true"' in html
    assert html.split('value="region-skane"')[1].split(">")[0].endswith(" checked")
    assert response.context["columns"] == []


def test_the_page_runs_a_fixed_number_of_queries(client, staff_user, compared):
    client.force_login(staff_user)
    client.get(URL)
    everyone = list(Region.objects.values_list("slug", flat=True))
    counts = []
    for chosen in (everyone[:2], everyone):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"field": "context", "region": chosen, "drafts": "on"})
        counts.append(len(queries))
    assert len(response.context["columns"]) == 21
    assert counts[0] == counts[1] <= BUDGET


def test_the_page_is_linked_from_the_synthesis(client, staff_user, compared):
    client.force_login(staff_user)
    page = client.get(reverse("staff:synthesis", kwargs={"round_slug": "2019"})).content.decode()
    assert f'href="{URL}"' in page
