"""Who may see and change an inventory: every inventory URL × {own contact person, other region's
contact person, anonymous, staff}; and crafted POSTs that must change nothing."""

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from inventories.models import AuditEvent, Inventory, InventoryVersion
from inventories.selectors import inventory_reload
from inventories.services import inventory_return_for_completion, inventory_submit
from inventories.snapshot import canonical_json, inventory_snapshot
from inventories.tests.factories import open_inventory, round_2019
from inventories.tests.pages import (
    IN_ROUND,
    goal_post,
    intervention_post,
    inventory_url,
    part1_post,
    part3_post,
)

pytestmark = pytest.mark.django_db

# URL name → (needs a pk, needs a version number, what a permitted GET answers)
PAGES = {
    "part1": 200,
    "part2": 200,
    "intervention_add": 200,
    "intervention_edit": 200,
    "intervention_delete": 200,
    "intervention_move": 302,  # a POST-only action: GET goes back to the list
    "part3": 200,
    "goal_add": 200,
    "goal_edit": 200,
    "goal_delete": 200,
    "goal_move": 302,
    "review": 200,
    "submit": 302,  # POST-only: GET goes to the review page
    "receipt": 200,
    "dialogue": 200,
}


@pytest.fixture(autouse=True)
def in_round():
    with time_machine.travel(IN_ROUND, tick=False):
        yield


@pytest.fixture
def inventory(region, contact, staff_user):
    """Skåne's inventory: submitted once (so a receipt exists), returned, editable again."""
    inventory = open_inventory(round=round_2019(), region=region, user=contact)
    inventory_submit(inventory=inventory, user=contact)
    inventory_return_for_completion(inventory=inventory, actor=staff_user, message="Komplettera.")
    inventory.refresh_from_db()
    assert inventory.status == "returned"
    return inventory


def url_for(name, inventory):
    kwargs = {}
    if name.startswith("intervention_") and name != "intervention_add":
        kwargs["pk"] = inventory.interventions.order_by("position").first().pk
    if name.startswith("goal_") and name != "goal_add":
        kwargs["pk"] = inventory.goals.order_by("position").first().pk
    if name == "receipt":
        kwargs["number"] = 1
    return inventory_url(name, inventory.region, **kwargs)


def all_urls(inventory):
    urls = {name: url_for(name, inventory) for name in PAGES}
    urls["inventories:start"] = reverse("inventories:start", args=[inventory.region.slug])
    return urls


def expected_get(name):
    return 200 if name == "inventories:start" else PAGES[name]


def state_of(inventory):
    full = inventory_reload(Inventory.objects.get(pk=inventory.pk))
    return canonical_json(
        {
            "data": inventory_snapshot(
                full, number=0, submitted_at=IN_ROUND, submitted_by=full.created_by
            ),
            "status": full.status,
            "revisions": [full.current_state.revision, full.target_state.revision]
            + [item.revision for item in full.interventions.all()]
            + [goal.revision for goal in full.goals.all()],
            "versions": InventoryVersion.objects.filter(inventory=full).count(),
            "audit": AuditEvent.objects.filter(inventory=full).count(),
        }
    )


def changing_posts(inventory):
    """A plausible POST to every URL that changes something."""
    item = inventory.interventions.order_by("position").first()
    goal = inventory.goals.order_by("position").first()
    return {
        "part1": part1_post(
            revision=inventory.current_state.revision,
            texts={"context": "Kapad"},
            lines=[("Kapad", "1")],
        ),
        "intervention_add": intervention_post(9, title="Kapad"),
        "intervention_edit": intervention_post(1, title="Kapad", revision=str(item.revision)),
        "intervention_delete": {"revision": str(item.revision)},
        "intervention_move": {"direction": "down"},
        "part3": part3_post(revision=inventory.target_state.revision, target_state="Kapad"),
        "goal_add": goal_post(9, goal="Kapat"),
        "goal_edit": goal_post(1, goal="Kapat", revision=str(goal.revision)),
        "goal_delete": {"revision": str(goal.revision)},
        "goal_move": {"direction": "down"},
        "submit": {"confirm": "on"},
    }


# --- GET: every URL × every kind of visitor ---------------------------------------------------


@pytest.mark.parametrize("name", [*PAGES, "inventories:start"])
def test_own_contact_person_may_open_every_page(client, contact, inventory, name):
    client.force_login(contact)
    response = client.get(all_urls(inventory)[name])
    assert response.status_code == expected_get(name)
    if response.status_code == 200:
        assert "Skrivskyddad" not in response.content.decode()


@pytest.mark.parametrize("name", [*PAGES, "inventories:start"])
def test_other_regions_contact_person_gets_404(client, other_contact, inventory, name):
    client.force_login(other_contact)
    assert client.get(all_urls(inventory)[name]).status_code == 404


@pytest.mark.parametrize("name", [*PAGES, "inventories:start"])
def test_anonymous_is_sent_to_sign_in(client, inventory, name):
    url = all_urls(inventory)[name]
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse(settings.LOGIN_URL))
    assert "next=" in response.url


@pytest.mark.parametrize("name", [*PAGES, "inventories:start"])
def test_staff_may_read_every_page_but_not_change_it(client, staff_user, inventory, name):
    client.force_login(staff_user)
    response = client.get(all_urls(inventory)[name])
    assert response.status_code == expected_get(name)
    if response.status_code == 200 and name != "inventories:start":
        html = response.content.decode()
        assert "Du ser behovsinventeringen som handläggare" in html or name == "receipt"
        assert "Spara" not in html
        assert 'name="confirm"' not in html


def test_an_outsider_sees_no_region(client, outsider, inventory):
    client.force_login(outsider)
    for name, url in all_urls(inventory).items():
        assert client.get(url).status_code == 404, name


def test_pages_of_an_unknown_round_or_item_are_404(client, contact, inventory, region):
    client.force_login(contact)
    assert client.get(inventory_url("part1", region, round_slug="1999")).status_code == 404
    assert client.get(inventory_url("intervention_edit", region, pk=999999)).status_code == 404
    assert client.get(inventory_url("goal_delete", region, pk=999999)).status_code == 404
    assert client.get(inventory_url("receipt", region, number=2)).status_code == 404


def test_an_item_of_another_inventory_is_404(
    client, contact, inventory, other_region, other_contact
):
    other = open_inventory(round=round_2019(), region=other_region, user=other_contact)
    foreign = other.interventions.first()
    client.force_login(contact)
    url = inventory_url("intervention_edit", inventory.region, pk=foreign.pk)
    assert client.get(url).status_code == 404
    before = state_of(other)
    client.post(url, intervention_post(1, title="Kapad", revision=str(foreign.revision)))
    client.post(
        inventory_url("intervention_delete", inventory.region, pk=foreign.pk),
        {"revision": str(foreign.revision)},
    )
    assert state_of(other) == before


# --- Crafted POSTs change nothing ------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "part1",
        "intervention_add",
        "intervention_edit",
        "intervention_delete",
        "intervention_move",
        "part3",
        "goal_add",
        "goal_edit",
        "goal_delete",
        "goal_move",
        "submit",
    ],
)
def test_crafted_posts_change_nothing(client, contact, other_contact, staff_user, inventory, name):
    url = url_for(name, inventory)
    data = changing_posts(inventory)[name]
    before = state_of(inventory)

    client.force_login(other_contact)
    assert client.post(url, data).status_code == 404
    client.logout()
    response = client.post(url, data)
    assert response.status_code == 302 and "logga-in" in response.url
    client.force_login(staff_user)
    assert client.post(url, data).status_code == 403
    assert state_of(inventory) == before

    # The region's own contact person, but the inventory is submitted: read-only.
    Inventory.objects.filter(pk=inventory.pk).update(status=Inventory.Status.SUBMITTED)
    before = state_of(inventory)
    client.force_login(contact)
    response = client.post(url, data)
    assert response.status_code in (302, 409)
    assert state_of(inventory) == before
    if response.status_code == 409:
        html = response.content.decode()
        assert "Behovsinventeringen är inskickad och kan inte ändras" in html


def test_a_locked_post_keeps_what_was_typed_without_saving(client, contact, inventory):
    Inventory.objects.filter(pk=inventory.pk).update(status=Inventory.Status.SUBMITTED)
    client.force_login(contact)
    response = client.post(
        url_for("part1", inventory),
        part1_post(revision=inventory.current_state.revision, texts={"context": "Mitt utkast"}),
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Mitt utkast</textarea>" in html
    assert "readonly" in html
    assert ">Spara</button>" not in html


# --- Staff read only once the sign-in has passed the second factor ----------------------------


@pytest.mark.parametrize("name", [*PAGES, "inventories:start"])
def test_staff_signed_in_with_the_password_only_are_sent_to_the_second_factor(
    client, staff_user, inventory, name
):
    client.force_login(staff_user, second_factor=False)
    for method in ("get", "post"):
        response = getattr(client, method)(all_urls(inventory)[name])
        assert response.status_code == 302
        assert response.url.startswith(reverse("second_factor_verify") + "?next=")


def test_the_pdf_and_attachments_need_the_second_factor_too(client, staff_user, inventory):
    client.force_login(staff_user, second_factor=False)
    for name, kwargs in (
        ("version_pdf", {"number": 1}),
        ("attachments", {}),
        ("attachment_download", {"pk": 1}),
    ):
        response = client.get(inventory_url(name, inventory.region, **kwargs))
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("second_factor_verify") + "?next="), name


def test_the_selector_shows_staff_no_region_without_a_confirmed_sign_in(staff_user, contact):
    from regions.selectors import regions_visible_to

    # A user object that has not come through a sign-in (no django_otp ``is_verified``).
    assert not regions_visible_to(staff_user).exists()
    staff_user.is_verified = lambda: False
    assert not regions_visible_to(staff_user).exists()
    staff_user.is_verified = lambda: True
    assert regions_visible_to(staff_user).count() == 21
    # A contact person sees the own region, with or without the attribute.
    assert list(regions_visible_to(contact).values_list("code", flat=True)) == ["12"]
