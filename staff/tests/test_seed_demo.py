"""seed_demo's inventories make a synthesis worth looking at on ``make run``."""

import pytest
from django.urls import reverse

from inventories.demo import PRACTICE_SLUG, STAFF_EMAIL, seed_inventories
from inventories.models import Inventory, InventoryVersion
from regions.models import Region
from regions.tests.factories import ContactPersonFactory, StaffUserFactory
from staff.synthesis import SynthesisFilter, round_synthesis

pytestmark = pytest.mark.django_db


def test_seed_inventories_gives_the_synthesis_something_to_say():
    """With a contact person in every region: 12 of 21 submitted, with varied choices."""
    StaffUserFactory(email=STAFF_EMAIL)
    contacts = {
        region.code: ContactPersonFactory(region=region).user for region in Region.objects.all()
    }
    seed_inventories(contacts=contacts)
    round_ = Inventory.objects.filter(round__slug=PRACTICE_SLUG).first().round
    synthesis = round_synthesis(round_)
    assert [(group, count) for group, _label, count in synthesis.status_counts] == [
        ("submitted", 12),
        ("in_progress", 4),  # 03 and 13, and the complete drafts 19 and 22
        ("not_started", 5),
    ]
    assert synthesis.regions_counted == 13  # 13 (returned) counts its submitted version
    assert all(area.interventions.count for area in synthesis.areas)
    assert all(item.interventions.count for item in synthesis.dimensions)
    assert all(item.interventions.count for item in synthesis.effects)
    assert all(item.interventions.count for item in synthesis.priorities[:3])
    assert len({row.total.sought for row in synthesis.rows}) > 3  # amounts differ by region
    assert 0 < synthesis.follow_up_total["background"] < synthesis.goals
    with_drafts = round_synthesis(round_, SynthesisFilter(drafts=True))
    assert with_drafts.drafts_counted == 4

    before = InventoryVersion.objects.count()
    seed_inventories(contacts=contacts)
    assert InventoryVersion.objects.count() == before == 13


def test_every_demo_contact_person_signs_in_with_the_demo_password(client):
    from staff.management.commands.seed_demo import DEMO_PASSWORD, Command

    contacts = Command()._contacts()
    assert len(contacts) == 21
    assert all(user.check_password(DEMO_PASSWORD) for user in contacts.values())
    response = client.post(
        reverse("login"), {"username": "kontakt-12@example.se", "password": DEMO_PASSWORD}
    )
    assert (
        response.status_code == 302 and response.wsgi_request.user.email == "kontakt-12@example.se"
    )
