"""The demo data: the practice round gets inventories in different states, once."""

import pytest

from inventories.demo import PRACTICE_SLUG, STAFF_EMAIL, seed_inventories
from inventories.models import Inventory, InventoryVersion
from regions.models import Region
from regions.tests.factories import ContactPersonFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def test_seed_inventories_creates_different_states_idempotently(client):
    StaffUserFactory(email=STAFF_EMAIL)
    contacts = {
        code: ContactPersonFactory(region=Region.objects.get(code=code)).user
        for code in ("01", "03", "05", "12", "13")
    }
    seed_inventories(contacts=contacts)
    by_code = {
        inv.region.code: inv
        for inv in Inventory.objects.filter(round__slug=PRACTICE_SLUG).select_related("region")
    }
    assert set(by_code) == {"03", "05", "13"}, "01 and 12 start empty"
    assert by_code["03"].status == "draft"
    assert by_code["03"].current_state.context
    assert by_code["03"].interventions.count() == 1
    assert by_code["05"].status == "submitted"
    assert by_code["13"].status == "returned"
    assert "Del 2" in by_code["13"].return_message
    assert InventoryVersion.objects.filter(inventory__round__slug=PRACTICE_SLUG).count() == 2

    seed_inventories(contacts=contacts)
    assert Inventory.objects.filter(round__slug=PRACTICE_SLUG).count() == 3
    assert InventoryVersion.objects.count() == 2

    # A contact person of an empty region can open the practice round's form at once.
    client.force_login(contacts["01"])
    response = client.get(f"/region/region-stockholm/{PRACTICE_SLUG}/del-1/")
    assert response.status_code == 200
    assert "<textarea" in response.content.decode()
