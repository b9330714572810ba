"""What the part pages cache of an inventory (``inventories.fragments``, ``{% cachedparts %}``)
never shows a part older than what is saved: every save names a new revision, and the key says
who may edit, in which language, and with whose CSRF token the forms are sent."""

import re

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from conftest import PortalClient
from inventories.fragments import completeness_cached, fragment_key
from inventories.services import inventory_return_for_completion, inventory_submit
from inventories.templatetags.inventory_tags import CSRF_PLACEHOLDER
from inventories.tests.factories import open_inventory, round_2019
from inventories.tests.pages import (
    IN_ROUND,
    goal_post,
    intervention_post,
    inventory_url,
    part1_post,
)
from regions.tests.factories import ContactPersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_round():
    # The test client leaves the last request's language active: the next test starts in Swedish.
    with time_machine.travel(IN_ROUND, tick=False), translation.override("sv"):
        yield


@pytest.fixture
def inventory(region, contact):
    return open_inventory(round=round_2019(), region=region, user=contact, interventions=3, goals=2)


@pytest.fixture
def deputy(region):
    """A second contact person of the same region."""
    return ContactPersonFactory(region=region).user


def _signed_in(user, **kwargs):
    client = PortalClient(**kwargs)
    client.force_login(user)
    return client


def _html(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert CSRF_PLACEHOLDER not in html
    return html


def test_del_2_shows_an_intervention_saved_after_the_list_was_cached(
    region, contact, deputy, inventory
):
    writer, reader = _signed_in(contact), _signed_in(deputy)
    item = inventory.interventions.order_by("position").first()
    old_title = item.title
    part2 = inventory_url("part2", region)
    assert old_title in _html(writer, part2)
    assert old_title in _html(reader, part2)  # the second reader is served the cached list

    response = writer.post(
        inventory_url("intervention_edit", region, pk=item.pk),
        intervention_post(1, title="Nytt namn på insatsen åäö", revision=str(item.revision)),
    )
    assert response.status_code == 302

    for client in (writer, reader):  # the one who saved, and the other contact person
        html = _html(client, part2)
        assert "Nytt namn på insatsen åäö" in html
        assert old_title not in html


def test_adding_moving_and_deleting_interventions_show_at_once(region, contact, inventory):
    client = _signed_in(contact)
    part2 = inventory_url("part2", region)
    first, second, third = inventory.interventions.order_by("position")
    html = _html(client, part2)
    assert html.index(f'id="insats-{first.pk}"') < html.index(f'id="insats-{second.pk}"')

    move = client.post(
        inventory_url("intervention_move", region, pk=second.pk), {"direction": "up"}
    )
    assert move.status_code == 302
    html = _html(client, part2)
    assert html.index(f'id="insats-{second.pk}"') < html.index(f'id="insats-{first.pk}"')

    client.post(inventory_url("intervention_add", region), intervention_post(9, title="Den nya"))
    assert "Den nya" in _html(client, part2)

    third.refresh_from_db()
    delete = client.post(
        inventory_url("intervention_delete", region, pk=third.pk),
        {"revision": str(third.revision)},
    )
    assert delete.status_code == 302
    assert f'id="insats-{third.pk}"' not in _html(client, part2)


def test_review_and_start_page_show_del_1_and_the_checklist_as_saved_now(
    region, contact, deputy, inventory
):
    writer, reader = _signed_in(contact), _signed_in(deputy)
    review = inventory_url("review", region)
    start = reverse("inventories:start", args=[region.slug])
    _html(reader, review), _html(reader, start)  # cached for this revision

    state = inventory.current_state
    texts = {name: getattr(state, name) for name in state.TEXT_FIELDS}
    texts["context"] = "Ny beskrivning av regionens sammanhang, sparad nyss."
    texts["needs_challenges"] = ""  # now something is missing
    response = writer.post(
        inventory_url("part1", region),
        part1_post(revision=state.revision, texts=texts, lines=[("Processledning", "60 000")]),
    )
    assert response.status_code == 302

    html = _html(reader, review)
    assert "Ny beskrivning av regionens sammanhang, sparad nyss." in html
    assert "Behov och utmaningar saknas" in html  # the checklist of this revision
    assert "1 sak saknas" in _html(reader, start)


def _part1_form(html):
    return html.split('id="part-form"')[1].split("</form>")[0]


def test_del_1_form_shows_texts_and_budget_lines_saved_after_it_was_cached(
    region, contact, deputy, inventory
):
    writer, reader = _signed_in(contact), _signed_in(deputy)
    part1 = inventory_url("part1", region)
    state = inventory.current_state
    _html(writer, part1), _html(reader, part1)  # the form as saved, cached for this revision

    texts = {name: getattr(state, name) for name in state.TEXT_FIELDS}
    texts["context"] = "Ett nytt nuläge, sparat efter att formuläret låg i cachen åäö."
    lines = [("Processledning", "60 000"), ("Analys av <behov> & läge", "25 000")]
    response = writer.post(part1, part1_post(revision=state.revision, texts=texts, lines=lines))
    assert response.status_code == 302

    state.refresh_from_db()
    for client in (writer, reader):
        form = _part1_form(_html(client, part1))
        assert "Ett nytt nuläge, sparat efter att formuläret låg i cachen åäö." in form
        assert 'value="Analys av &lt;behov&gt; &amp; läge"' in form
        assert f'name="revision" value="{state.revision}"' in _html(client, part1)
        assert 'name="budget-1-amount" value="25 000"' in form


def test_del_1_form_is_rendered_anew_for_what_was_typed(region, contact, inventory):
    client = _signed_in(contact)
    part1 = inventory_url("part1", region)
    _html(client, part1)
    state = inventory.current_state
    data = part1_post(revision=state.revision, lines=[("Processledning", "inte ett belopp")])
    response = client.post(part1, data)
    assert response.status_code == 400
    form = _part1_form(response.content.decode())
    assert 'value="inte ett belopp"' in form and 'aria-invalid="true"' in form
    assert 'aria-invalid="true"' not in _part1_form(_html(client, part1))  # as saved again


def test_del_1_form_shows_the_rounds_help_texts_and_review_messages_at_once(
    region, contact, inventory
):
    from inventories.models import FieldGuidance

    client = _signed_in(contact)
    part1 = inventory_url("part1", region)
    state = inventory.current_state
    state.context = ""
    state.save()
    assert 'aria-invalid="true"' not in _part1_form(_html(client, part1))
    # review mode (?granska=1) names what is missing next to the field; the same revision
    assert 'aria-invalid="true"' in _part1_form(_html(client, part1 + "?granska=1"))

    FieldGuidance.objects.create(
        round=inventory.round, field="current_state.context", help_text="Omgångens egen hjälptext."
    )
    assert "Omgångens egen hjälptext." in _part1_form(_html(client, part1))


def test_del_3_shows_a_goal_saved_after_the_list_was_cached(region, contact, deputy, inventory):
    writer, reader = _signed_in(contact), _signed_in(deputy)
    part3 = inventory_url("part3", region)
    goal = inventory.goals.order_by("position").first()
    assert goal.goal in _html(reader, part3)
    response = writer.post(
        inventory_url("goal_edit", region, pk=goal.pk),
        goal_post(
            1,
            [inventory.interventions.first().pk],
            revision=str(goal.revision),
            goal="Ett nytt mål för regionen, sparat nyss",
        ),
    )
    assert response.status_code == 302
    html = _html(reader, part3)
    assert "Ett nytt mål för regionen, sparat nyss" in html
    assert goal.goal not in html


def test_who_may_edit_is_part_of_the_key(region, contact, staff_user, inventory):
    """A submitted inventory's list is read-only; returned, it is editable again at once."""
    client = _signed_in(contact)
    part2 = inventory_url("part2", region)
    assert "Flytta ned" in _html(client, part2)
    inventory_submit(inventory=inventory, user=contact)
    assert "Flytta ned" not in _html(client, part2)
    inventory_return_for_completion(inventory=inventory, actor=staff_user, message="Mer, tack.")
    assert "Flytta ned" in _html(client, part2)
    staff = _signed_in(staff_user)
    assert "Flytta ned" not in _html(staff, part2)  # staff only read


def test_languages_are_cached_apart(region, contact, deputy, inventory):
    swedish, english = _signed_in(contact), _signed_in(deputy)
    part2 = inventory_url("part2", region)
    assert ">Ändra<" in _html(swedish, part2)
    english.post(reverse("set_language"), {"language": "en", "next": part2})
    html = _html(english, part2)
    assert ">Edit<" in html and ">Ändra<" not in html
    html = _html(swedish, part2)
    assert ">Ändra<" in html and ">Edit<" not in html


def test_each_response_carries_its_own_csrf_token(region, contact, deputy, inventory):
    """The cached list holds a placeholder, not the first reader's token: a second contact
    person's move buttons work with their own session (CSRF checked as in production)."""
    first = _signed_in(contact, enforce_csrf_checks=True)
    second = _signed_in(deputy, enforce_csrf_checks=True)
    part2 = inventory_url("part2", region)
    _html(first, part2)
    html = _html(second, part2)
    forms = re.findall(
        r'<form method="post" action="([^"]+)"><input type="hidden" '
        r'name="csrfmiddlewaretoken" value="([^"]+)"><input type="hidden" name="direction" '
        r'value="down">',
        html,
    )
    assert forms
    action, token = forms[0]
    response = second.post(action, {"direction": "down", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    stranger = Client(enforce_csrf_checks=True)
    stranger.force_login(contact)
    refused = stranger.post(action, {"direction": "down", "csrfmiddlewaretoken": token})
    assert refused.status_code == 403  # the token belongs to the second contact's session


def test_the_key_names_the_revision_status_language_and_extras(inventory):
    key = fragment_key("part2-list", inventory, True)
    assert f":{inventory.pk}:r{inventory.revision}:{inventory.status}:" in key
    assert key.endswith(":sv:True")
    inventory.revision += 1
    assert fragment_key("part2-list", inventory, True) != key


def test_the_checklist_is_computed_once_per_revision(inventory, django_assert_num_queries):
    cache.clear()
    first = completeness_cached(inventory)
    with django_assert_num_queries(0):
        again = completeness_cached(inventory)
    assert [item.message for item in again.items] == [item.message for item in first.items]


def test_the_staff_version_page_is_the_same_cached_and_in_each_language(
    region, contact, staff_user, inventory
):
    """A submitted version never changes: its diff and content are rendered once per language."""
    inventory_submit(inventory=inventory, user=contact)
    inventory_return_for_completion(inventory=inventory, actor=staff_user, message="Mer, tack.")
    item = inventory.interventions.order_by("position").first()
    contact_client = _signed_in(contact)
    contact_client.post(
        inventory_url("intervention_edit", region, pk=item.pk),
        intervention_post(1, title="Ändrad titel i version 2", revision=str(item.revision)),
    )
    inventory_submit(inventory=inventory, user=contact)
    staff = _signed_in(staff_user)
    url = reverse(
        "staff:version", kwargs={"round_slug": "2019", "region_slug": region.slug, "number": 2}
    )
    first = _html(staff, url)
    assert "Ändrad titel i version 2" in first
    cached = _html(staff, url)
    strip = re.compile(r'(csrfmiddlewaretoken" value=|data-session-seconds=)"[^"]*"')
    assert strip.sub("", cached) == strip.sub("", first)
    staff.post(reverse("set_language"), {"language": "en", "next": url})
    english = _html(staff, url)
    assert "Changes since version 1" in english and "Content of version 2" in english
    assert "Ändringar sedan version 1" not in english


def test_an_item_opened_resolved_or_reopened_shows_at_once_in_the_cached_lists(
    region, contact, staff_user, inventory
):
    """The Del 2 list and the Del 3 goals are cached per revision; the open completion items
    they show beside the interventions and goals name the key too."""
    from inventories.models import CompletionItem
    from inventories.services.dialogue import completion_item_reopen, completion_item_resolve

    inventory_submit(inventory=inventory, user=contact)
    intervention = inventory.interventions.order_by("position").first()
    goal = inventory.goals.order_by("position").first()
    client = _signed_in(contact)
    part2, part3 = inventory_url("part2", region), inventory_url("part3", region)
    _html(client, part2), _html(client, part3)  # cached before any item exists
    inventory_return_for_completion(
        inventory=inventory,
        actor=staff_user,
        items=[
            {"anchor": f"intervention:{intervention.pk}", "text": "Ange kostnaden per år."},
            {"anchor": f"goal:{goal.pk}", "text": "Indikatorn saknar målvärde."},
        ],
    )
    assert "Ange kostnaden per år." in _html(client, part2)
    assert "Indikatorn saknar målvärde." in _html(client, part3)
    item = CompletionItem.objects.get(kind="intervention")
    completion_item_resolve(item=item, actor=staff_user)
    assert "Ange kostnaden per år." not in _html(client, part2)
    completion_item_reopen(item=item, actor=staff_user)
    assert "Ange kostnaden per år." in _html(client, part2)
