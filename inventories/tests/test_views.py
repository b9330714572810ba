"""The contact person's pages through the client: fill in, check, submit, and every way input
can be wrong. Time stands still inside the 2019 round (15 November 2019) unless a test moves it."""

import datetime
import re

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventories.models import (
    BudgetLine,
    CurrentState,
    Goal,
    Intervention,
    InterventionYear,
    Inventory,
    InventoryVersion,
    TargetState,
)
from inventories.services import inventory_return_for_completion, inventory_submit
from inventories.snapshot import canonical_json, inventory_snapshot
from inventories.tests.factories import open_inventory, round_2019
from inventories.tests.pages import (
    IN_ROUND,
    STOCKHOLM,
    goal_post,
    intervention_post,
    inventory_url,
    part1_post,
    part3_post,
)

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
SCRIPT = "<script>alert(1)</script>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
HUGE = "ö" * 100_000
TOO_LONG = f"Texten får vara högst 10{NBSP}000 tecken (du skrev 100{NBSP}000)."


@pytest.fixture(autouse=True)
def in_round():
    with time_machine.travel(IN_ROUND, tick=False):
        yield


@pytest.fixture
def signed_in(client, contact):
    client.force_login(contact)
    return client


@pytest.fixture
def inventory(region, contact):
    """Region Skåne's 2019 inventory, filled in completely (two interventions, two goals)."""
    return open_inventory(round=round_2019(), region=region, user=contact)


def html_of(response):
    return response.content.decode()


def field_error(response, field_id):
    """The text of the error shown next to the field ``field_id`` ("" when none)."""
    match = re.search(
        rf'<div id="{re.escape(field_id)}_error" class="field-error">(.*?)</div>',
        html_of(response),
        re.S,
    )
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


def assert_field_error(response, field_id, message):
    html = html_of(response)
    assert message in field_error(response, field_id), field_id
    # The error summary at the top links to the field.
    summary = html[html.index("data-error-summary") : html.index("</main>")]
    assert f'href="#{field_id}"' in summary


def saved_state(inventory):
    """Everything a contact person could change, as canonical text (compare before/after)."""
    fresh = Inventory.objects.get(pk=inventory.pk)
    from inventories.selectors import inventory_reload

    full = inventory_reload(fresh)
    snapshot = inventory_snapshot(
        full, number=0, submitted_at=IN_ROUND, submitted_by=full.created_by
    )
    return canonical_json(
        {
            "snapshot": snapshot,
            "status": fresh.status,
            "revisions": [
                full.current_state.revision,
                full.target_state.revision,
                *[i.revision for i in full.interventions.all()],
                *[g.revision for g in full.goals.all()],
            ],
            "versions": InventoryVersion.objects.filter(inventory=fresh).count(),
        }
    )


# --- The whole journey ----------------------------------------------------------------------


def test_full_journey_from_empty_to_receipt(signed_in, region, contact):
    client = signed_in
    response = client.get(inventory_url("part1", region))
    assert response.status_code == 200
    inventory = Inventory.objects.get(region=region, round=round_2019())
    assert 'aria-current="step"' in html_of(response)

    response = client.post(
        inventory_url("part1", region),
        part1_post(revision=0, lines=[("Processledning", "60 000"), ("Analys", "40000 kr")]),
    )
    assert response.status_code == 302
    assert list(
        BudgetLine.objects.filter(inventory=inventory).values_list("amount", flat=True)
    ) == [
        60_000,
        40_000,
    ]
    page = html_of(client.get(inventory_url("part1", region)))
    assert f"Sparad budget: 100{NBSP}000{NBSP}kr av startkapitalet 100{NBSP}000{NBSP}kr" in page

    for n in (1, 2):
        response = client.post(inventory_url("intervention_add", region), intervention_post(n))
        assert response.status_code == 302
    interventions = list(inventory.interventions.order_by("position"))
    assert [i.cost for i in interventions] == [250_000, 250_000]
    page = html_of(client.get(inventory_url("part2", region)))
    assert f"2 insatser, beräknad kostnad totalt 500{NBSP}000{NBSP}kr." in page
    # Totals per programme year: two interventions of intervention_post's amounts.
    kr = f"{NBSP}000{NBSP}kr"
    per_year = (
        f'<th scope="row">2020</th><td class="text-end">200{kr}</td>'
        f'<td class="text-end">40{kr}</td><td class="text-end">0{NBSP}kr</td>'
        f'<td class="text-end">240{kr}</td>'
    )
    assert per_year in page
    assert f'<th scope="row">2021</th><td class="text-end">160{kr}</td>' in page

    response = client.post(inventory_url("part3", region), part3_post(revision=0))
    assert response.status_code == 302
    for n in (1, 2):
        response = client.post(
            inventory_url("goal_add", region), goal_post(n, [interventions[n - 1].pk])
        )
        assert response.status_code == 302

    review = html_of(client.get(inventory_url("review", region)))
    assert "Inget saknas." in review
    assert "Jag bekräftar att uppgifterna är korrekta" in review
    assert "Insats 2: Insats 2: Hållbar omställning" in review
    assert per_year in review
    assert "Kvar av startkapitalet" in review or "kvar av startkapitalet" in review

    response = client.post(inventory_url("submit", region), {"confirm": "on"})
    assert response.status_code == 302
    version = InventoryVersion.objects.get(inventory=inventory)
    assert response.url == inventory_url("receipt", region, number=1)
    receipt = html_of(client.get(response.url))
    assert version.number == 1
    assert version.sha256 in receipt
    assert 'role="status"' in receipt
    assert "Version 1 av Region Skånes behovsinventering är inskickad" in receipt
    assert "15 november 2019 kl. 10:00" in receipt
    assert contact.full_name in receipt

    start = html_of(client.get(reverse("inventories:start", args=[region.slug])))
    assert inventory_url("receipt", region, number=1) in start
    assert "Inskickad" in start


# --- The start page -------------------------------------------------------------------------


def test_start_page_before_anything_is_filled_in(signed_in, region, contact):
    html = html_of(signed_in.get(reverse("inventories:start", args=[region.slug])))
    assert "Behovsinventering hösten 2019" in html
    assert "Hållbar regional utveckling" in html
    assert "20 januari 2020 kl. 23:59" in html
    assert "66 dagar kvar" in html
    assert "Ej påbörjad" in html
    assert "ERFA-träff och färdig modell" in html
    assert contact.email in html
    assert not Inventory.objects.exists(), "looking at the start page opens nothing"


def test_start_page_shows_parts_extension_return_message_and_versions(
    signed_in, region, contact, staff_user, inventory
):
    inventory_submit(inventory=inventory, user=contact)
    inventory_return_for_completion(
        inventory=inventory, actor=staff_user, message="Komplettera <b>Del 2</b>, tack."
    )
    Inventory.objects.filter(pk=inventory.pk).update(
        deadline_override=datetime.datetime(2020, 1, 31, 23, 59, 59, tzinfo=STOCKHOLM)
    )
    Intervention.objects.filter(inventory=inventory).update(actors="")
    html = html_of(signed_in.get(reverse("inventories:start", args=[region.slug])))
    assert "Förlängd sista dag för regionen" in html
    assert "31 januari 2020 kl. 23:59" in html
    assert "77 dagar kvar" in html
    assert "Återsänd för komplettering" in html
    assert "Komplettera &lt;b&gt;Del 2&lt;/b&gt;, tack." in html
    assert "2 saker saknas" in html  # Del 2: each intervention lacks its actors
    assert html.count(">Klar<") == 2
    assert inventory_url("receipt", region, number=1) in html


def test_start_page_after_the_deadline(signed_in, region, contact):
    with time_machine.travel(datetime.datetime(2020, 1, 21, 0, 0, tzinfo=STOCKHOLM), tick=False):
        signed_in.force_login(contact)  # the session from November has expired
        html = html_of(signed_in.get(reverse("inventories:start", args=[region.slug])))
    assert "Sista dag har passerat" in html


# --- Saving and reading the parts -----------------------------------------------------------


def test_first_visit_of_a_contact_person_opens_the_inventory(signed_in, region):
    response = signed_in.get(inventory_url("part2", region))
    assert response.status_code == 200
    inventory = Inventory.objects.get(region=region)
    assert inventory.status == "draft"
    assert CurrentState.objects.filter(inventory=inventory).exists()


def test_staff_never_open_an_inventory(client, staff_user, region):
    client.force_login(staff_user)
    response = client.get(inventory_url("part1", region))
    assert response.status_code == 200
    assert "Ej påbörjad" in html_of(response)
    assert not Inventory.objects.exists()


def test_save_as_draft_accepts_blanks(signed_in, region, inventory):
    response = signed_in.post(
        inventory_url("part1", region),
        part1_post(revision=inventory.current_state.revision, texts={"context": ""}),
    )
    assert response.status_code == 302
    state = CurrentState.objects.get(inventory=inventory)
    assert state.context == ""
    assert not BudgetLine.objects.filter(inventory=inventory).exists()


def test_add_row_keeps_everything_typed_and_saves_nothing(signed_in, region, inventory):
    before = saved_state(inventory)
    data = part1_post(
        revision=inventory.current_state.revision,
        texts={"context": "Nytt osparat"},
        lines=[("Rad ett", "12 345")],
        blank_rows=0,
        add_row="1",
    )
    response = signed_in.post(inventory_url("part1", region), data)
    assert response.status_code == 200
    html = html_of(response)
    assert "Nytt osparat" in html
    assert 'value="Rad ett"' in html
    assert 'value="12 345"' in html
    assert 'name="budget-1-description"' in html
    assert 'name="budget-2-description"' not in html
    assert "En ny budgetrad är tillagd" in html
    assert saved_state(inventory) == before


def test_save_and_continue_goes_to_the_next_part(signed_in, region, inventory):
    data = part1_post(
        revision=inventory.current_state.revision,
        lines=[("Rad", "1")],
        spara_fortsatt="1",
    )
    response = signed_in.post(inventory_url("part1", region), data)
    assert response.status_code == 302
    assert response.url == inventory_url("part2", region)


def test_move_and_delete_an_intervention(signed_in, region, inventory):
    first, second = inventory.interventions.order_by("position")
    response = signed_in.get(inventory_url("part2", region))
    assert "Flytta ned" in html_of(response)
    response = signed_in.post(
        inventory_url("intervention_move", region, pk=second.pk), {"direction": "up"}
    )
    assert response.status_code == 302
    assert list(inventory.interventions.order_by("position")) == [second, first]

    confirm = signed_in.get(inventory_url("intervention_delete", region, pk=first.pk))
    assert confirm.status_code == 200
    assert "Ja, ta bort insatsen" in html_of(confirm)
    assert "Mål 1" in html_of(confirm)  # the goal that names it is listed
    assert Intervention.objects.filter(pk=first.pk).exists()
    assert f'name="revision" value="{first.revision}"' in html_of(confirm)
    response = signed_in.post(
        inventory_url("intervention_delete", region, pk=first.pk), {"revision": first.revision}
    )
    assert response.status_code == 302
    assert not Intervention.objects.filter(pk=first.pk).exists()


def test_move_and_delete_a_goal(signed_in, region, inventory):
    first, second = inventory.goals.order_by("position")
    signed_in.post(inventory_url("goal_move", region, pk=first.pk), {"direction": "down"})
    assert list(inventory.goals.order_by("position")) == [second, first]
    signed_in.post(
        inventory_url("goal_delete", region, pk=second.pk), {"revision": second.revision}
    )
    assert list(inventory.goals.all()) == [first]


@pytest.mark.parametrize("kind", ["intervention", "goal"])
def test_a_delete_after_a_newer_save_is_a_conflict_and_deletes_nothing(
    region, inventory, contact, deputy, kind
):
    first, second = _two_clients(contact, deputy)
    if kind == "intervention":
        item = inventory.interventions.order_by("position").first()
        edit = intervention_post(1, revision=str(item.revision), title="A:s nya rubrik")
        model, field, seen_text = Intervention, "title", "A:s nya rubrik"
    else:
        item = inventory.goals.order_by("position").first()
        edit = goal_post(1, revision=str(item.revision), goal="A:s nya mål")
        model, field, seen_text = Goal, "goal", "A:s nya mål"
    # B opens the delete page; then A saves new text in the item.
    confirm = second.get(inventory_url(f"{kind}_delete", region, pk=item.pk))
    assert f'name="revision" value="{item.revision}"' in html_of(confirm)
    assert first.post(inventory_url(f"{kind}_edit", region, pk=item.pk), edit).status_code == 302

    late = second.post(
        inventory_url(f"{kind}_delete", region, pk=item.pk), {"revision": item.revision}
    )
    assert late.status_code == 409
    page = html_of(late)
    assert "Ingenting är borttaget" in page and "conflict-panel" in page
    assert seen_text in page  # what is saved now is shown
    assert getattr(model.objects.get(pk=item.pk), field) == seen_text
    fresh = model.objects.get(pk=item.pk).revision
    assert f'name="revision" value="{fresh}"' in page
    # Confirming again, having seen the new text, deletes it.
    again = second.post(inventory_url(f"{kind}_delete", region, pk=item.pk), {"revision": fresh})
    assert again.status_code == 302
    assert not model.objects.filter(pk=item.pk).exists()


def test_a_delete_without_the_revision_seen_deletes_nothing(signed_in, region, inventory):
    item = inventory.interventions.order_by("position").first()
    response = signed_in.post(inventory_url("intervention_delete", region, pk=item.pk))
    assert response.status_code == 409
    assert Intervention.objects.filter(pk=item.pk).exists()


def test_edit_an_intervention_and_a_goal(signed_in, region, inventory):
    item = inventory.interventions.order_by("position").first()
    page = signed_in.get(inventory_url("intervention_edit", region, pk=item.pk))
    assert f'name="revision" value="{item.revision}"' in html_of(page)
    assert 'value="250 000"' in html_of(page)
    response = signed_in.post(
        inventory_url("intervention_edit", region, pk=item.pk),
        intervention_post(1, title="Ny rubrik", cost="1", revision=str(item.revision)),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.cost) == ("Ny rubrik", 1)

    goal = inventory.goals.order_by("position").first()
    other = inventory.interventions.order_by("position").last()
    response = signed_in.post(
        inventory_url("goal_edit", region, pk=goal.pk),
        goal_post(1, [other.pk], revision=str(goal.revision), indicator="Ny indikator"),
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.indicator == "Ny indikator"
    assert list(goal.interventions.all()) == [other]


def test_deadline_passed_makes_every_part_read_only(signed_in, region, inventory, contact):
    with time_machine.travel(datetime.datetime(2020, 1, 21, 0, 0, tzinfo=STOCKHOLM), tick=False):
        signed_in.force_login(contact)
        html = html_of(signed_in.get(inventory_url("part1", region)))
        assert "Sista dag för inlämning var 20 januari 2020 kl. 23:59" in html
        assert "<textarea" not in html
        assert "Nuläge context" in html
        review = html_of(signed_in.get(inventory_url("review", region)))
        assert "Skicka in</button>" not in review


# --- Errors: next to the field, in the summary, never a 500, nothing saved lost ---------------


@pytest.mark.parametrize("name", CurrentState.TEXT_FIELDS)
def test_part1_text_too_long(signed_in, region, inventory, name):
    before = saved_state(inventory)
    data = part1_post(
        revision=inventory.current_state.revision,
        texts={name: HUGE},
        lines=[("Rad", "1")],
    )
    response = signed_in.post(inventory_url("part1", region), data)
    assert response.status_code == 400
    assert_field_error(response, f"id_{name}", TOO_LONG)
    assert HUGE in html_of(response), "what was typed stays on the page"
    assert saved_state(inventory) == before


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("Rad", "-5"), "Beloppet kan inte vara negativt"),
        (("Rad", "12,50"), "Ange ett heltal i hela kronor, utan decimaler"),
        (("Rad", "mycket"), "Ange ett heltal i hela kronor, utan decimaler"),
        (("Rad", ""), "Ange beloppet i hela kronor."),
        ((HUGE, "5"), f"Texten får vara högst 200 tecken (du skrev 100{NBSP}000)."),
        (("Rad", "9" * 5000), "Beloppet är för stort."),
        (("Rad", "1" + "0" * 13), "Beloppet är för stort."),
    ],
    ids=[
        "negative",
        "decimal",
        "non-numeric",
        "missing",
        "long-description",
        "5000-digits",
        "just-too-large",
    ],
)
def test_part1_bad_budget_rows(signed_in, region, inventory, row, message):
    before = saved_state(inventory)
    data = part1_post(revision=inventory.current_state.revision, lines=[("Bra rad", "10"), row])
    response = signed_in.post(inventory_url("part1", region), data)
    assert response.status_code == 400
    field = "description" if row[0] == HUGE else "amount"
    assert_field_error(response, f"id_budget-1-{field}", message)
    assert 'value="Bra rad"' in html_of(response)
    assert saved_state(inventory) == before


def test_part1_budget_over_the_start_capital(signed_in, region, inventory):
    before = saved_state(inventory)
    data = part1_post(
        revision=inventory.current_state.revision,
        texts={"context": "Ändrad text som inte får försvinna"},
        lines=[("A", "60 000"), ("B", "40 001")],
    )
    response = signed_in.post(inventory_url("part1", region), data)
    assert response.status_code == 400
    assert_field_error(
        response, "id_budget", f"Budgeten är 100{NBSP}001 kr men startkapitalet är 100{NBSP}000 kr"
    )
    assert "Ändrad text som inte får försvinna" in html_of(response)
    assert saved_state(inventory) == before


INTERVENTION_TEXTS = (
    "title",
    "description",
    "perspective_gender",
    "perspective_age",
    "perspective_background",
    "actors",
)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": HUGE}, "title", f"Texten får vara högst 200 tecken (du skrev 100{NBSP}000)."),
        *[({name: HUGE}, name, TOO_LONG) for name in INTERVENTION_TEXTS if name != "title"],
        ({"cost": "-1"}, "cost", "Beloppet kan inte vara negativt"),
        ({"cost": "1000,5"}, "cost", "Ange ett heltal i hela kronor, utan decimaler"),
        ({"cost": "tusen"}, "cost", "Ange ett heltal i hela kronor, utan decimaler"),
        ({"cost": "9" * 5000}, "cost", "Beloppet är för stort."),
        ({"cost": "4" * 4301}, "cost", "Beloppet är för stort."),
        ({"start_date": "2021-06-01", "end_date": "2021-05-31"}, "end_date", "före startdatumet"),
        ({"start_date": "2019-12-31"}, "start_date", "inom programperioden 2020-01-01"),
        ({"end_date": "2023-01-01"}, "end_date", "inom programperioden 2020-01-01"),
        ({"start_date": "den 1 mars"}, "start_date", "Ange datum som ÅÅÅÅ-MM-DD"),
        ({"end_date": "2021-02-30"}, "end_date", "Ange datum som ÅÅÅÅ-MM-DD"),
        ({"title": ""}, "title", "Ge insatsen en rubrik."),
        ({"activity_areas": ["nonsense"]}, "activity_areas", "Välj bland alternativen"),
        ({"dimensions": ["cultural"]}, "dimensions", "Välj bland alternativen"),
    ],
)
@pytest.mark.parametrize("mode", ["add", "edit"])
def test_intervention_bad_input(signed_in, region, inventory, overrides, field, message, mode):
    before = saved_state(inventory)
    item = inventory.interventions.order_by("position").first()
    if mode == "add":
        url, data = inventory_url("intervention_add", region), intervention_post(3, **overrides)
    else:
        url = inventory_url("intervention_edit", region, pk=item.pk)
        data = intervention_post(3, revision=str(item.revision), **overrides)
    response = signed_in.post(url, data)
    assert response.status_code == 400
    assert_field_error(response, f"id_{field}", message)
    assert "Gröna jobb i Malmö och Lund." in html_of(response) or field == "description"
    assert saved_state(inventory) == before


@pytest.mark.parametrize("name", TargetState.TEXT_FIELDS)
def test_part3_text_too_long(signed_in, region, inventory, name):
    before = saved_state(inventory)
    data = part3_post(revision=inventory.target_state.revision, **{name: HUGE})
    response = signed_in.post(inventory_url("part3", region), data)
    assert response.status_code == 400
    assert_field_error(response, f"id_{name}", TOO_LONG)
    assert saved_state(inventory) == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"goal": HUGE},
            "goal",
            f"Texten får vara högst 2{NBSP}000 tecken (du skrev 100{NBSP}000).",
        ),
        ({"indicator": HUGE}, "indicator", "Texten får vara högst 400 tecken"),
        ({"target_value": HUGE}, "target_value", "Texten får vara högst 200 tecken"),
        ({"target_date": "31/12/2022"}, "target_date", "Ange datum som ÅÅÅÅ-MM-DD"),
        ({"goal": ""}, "goal", "Beskriv målet."),
        ({"interventions": ["999999"]}, "interventions", "Välj bland alternativen"),
    ],
)
def test_goal_bad_input(signed_in, region, inventory, overrides, field, message):
    before = saved_state(inventory)
    goal = inventory.goals.order_by("position").first()
    response = signed_in.post(
        inventory_url("goal_edit", region, pk=goal.pk),
        goal_post(1, revision=str(goal.revision), **overrides),
    )
    assert response.status_code == 400
    assert_field_error(response, f"id_{field}", message)
    assert saved_state(inventory) == before


def test_html_and_script_are_saved_and_shown_escaped_everywhere(signed_in, region, contact):
    client = signed_in
    client.get(inventory_url("part1", region))
    inventory = Inventory.objects.get(region=region)
    texts = {name: f"{name} <b>fet</b> {SCRIPT}" for name in CurrentState.TEXT_FIELDS}
    client.post(
        inventory_url("part1", region),
        part1_post(revision=0, texts=texts, lines=[(f"Rad {SCRIPT}", "5")]),
    )
    client.post(
        inventory_url("intervention_add", region),
        intervention_post(1, **{name: f"{name} {SCRIPT}" for name in INTERVENTION_TEXTS}),
    )
    item = inventory.interventions.get()
    client.post(
        inventory_url("part3", region),
        part3_post(revision=0, **{name: f"{name} {SCRIPT}" for name in TargetState.TEXT_FIELDS}),
    )
    client.post(
        inventory_url("goal_add", region),
        goal_post(
            1, [item.pk], goal=f"goal {SCRIPT}", indicator=f"ind {SCRIPT}", target_value=SCRIPT
        ),
    )
    assert CurrentState.objects.get(inventory=inventory).context == f"context <b>fet</b> {SCRIPT}"
    assert inventory.interventions.get().actors == f"actors {SCRIPT}"
    assert inventory.goals.get().target_value == SCRIPT

    pages = {
        "part1": inventory_url("part1", region),
        "part2": inventory_url("part2", region),
        "intervention": inventory_url("intervention_edit", region, pk=item.pk),
        "part3": inventory_url("part3", region),
        "goal": inventory_url("goal_edit", region, pk=inventory.goals.get().pk),
        "review": inventory_url("review", region),
    }
    for name, url in pages.items():
        html = html_of(client.get(url))
        assert SCRIPT not in html, name
        assert "<b>fet</b>" not in html, name
        assert SCRIPT_ESCAPED in html, name
    review = html_of(client.get(pages["review"]))
    for name in (*CurrentState.TEXT_FIELDS, *INTERVENTION_TEXTS, *TargetState.TEXT_FIELDS):
        assert f"{name} {SCRIPT_ESCAPED}" in review or f"{name} &lt;b&gt;fet&lt;/b&gt;" in review
    assert f"Rad {SCRIPT_ESCAPED}" in review


def test_required_fields_empty_at_submit_are_shown_next_to_each_field(signed_in, region, contact):
    client = signed_in
    client.get(inventory_url("part1", region))
    inventory = Inventory.objects.get(region=region)
    client.post(inventory_url("intervention_add", region), {"title": "Bara rubrik"})
    client.post(inventory_url("goal_add", region), {"goal": "Bara mål"})
    item, goal = inventory.interventions.get(), inventory.goals.get()

    review = client.get(inventory_url("review", region))
    html = html_of(review)
    assert "Skicka in</button>" not in html
    part1_link = inventory_url("part1", region) + "?granska=1#id_context"
    assert f'href="{part1_link}"' in html
    cost_link = inventory_url("intervention_edit", region, pk=item.pk) + "?granska=1#id_cost"
    assert f'href="{cost_link}"' in html
    assert "Insats 1 (Bara rubrik): Beräknad kostnad (kr) saknas" in html

    part1 = client.get(inventory_url("part1", region) + "?granska=1")
    assert part1.status_code == 200
    for name in CurrentState.TEXT_FIELDS:
        assert field_error(part1, f"id_{name}") == "Fel: Fyll i det här innan ni skickar in."
    assert "minst en budgetrad" in field_error(part1, "id_budget")

    edit = client.get(inventory_url("intervention_edit", region, pk=item.pk) + "?granska=1")
    assert "Fyll i det här" in field_error(edit, "id_cost")
    assert "Fyll i det här" in field_error(edit, "id_activity_areas")
    assert "Insats 1 (Bara rubrik): Insatsområden saknas" in html_of(edit)
    goal_page = client.get(inventory_url("goal_edit", region, pk=goal.pk) + "?granska=1")
    assert "ange vilka insatser" in field_error(goal_page, "id_interventions")
    part3 = client.get(inventory_url("part3", region) + "?granska=1")
    assert "Fyll i det här" in field_error(part3, "id_target_state")
    assert "minst en av effekterna" in field_error(part3, "id_effect_business")

    before = saved_state(inventory)
    refused = client.post(inventory_url("submit", region), {"confirm": "on"})
    assert refused.status_code == 400
    assert "kunde inte skickas in eftersom uppgifter saknas" in html_of(refused)
    assert saved_state(inventory) == before


def test_submit_without_the_confirmation_is_refused(signed_in, region, inventory):
    response = signed_in.post(inventory_url("submit", region), {})
    assert response.status_code == 400
    assert_field_error(response, "id_confirm", "Kryssa i rutan")
    assert not InventoryVersion.objects.exists()


def test_submit_after_the_deadline_is_refused_clearly(signed_in, region, inventory, contact):
    with time_machine.travel(datetime.datetime(2020, 1, 21, 0, 0, tzinfo=STOCKHOLM), tick=False):
        signed_in.force_login(contact)
        response = signed_in.post(inventory_url("submit", region), {"confirm": "on"})
    assert response.status_code == 409
    assert "Behovsinventeringen är inte inskickad." in html_of(response)
    assert "Sista dag för inlämning var 20 januari 2020 kl. 23:59" in html_of(response)
    assert not InventoryVersion.objects.exists()


# --- Two editors at once ----------------------------------------------------------------------


@pytest.fixture
def deputy(region):
    from regions.tests.factories import ContactPersonFactory

    return ContactPersonFactory(region=region, role="deputy", user__full_name="Dana Deputy").user


def _two_clients(contact, deputy):
    from django.test import Client

    first, second = Client(), Client()
    first.force_login(contact)
    second.force_login(deputy)
    return first, second


def test_part1_conflict_keeps_both_versions(region, inventory, contact, deputy):
    winner_client, late_client = _two_clients(deputy, contact)
    revision = inventory.current_state.revision
    won = winner_client.post(
        inventory_url("part1", region),
        part1_post(revision=revision, texts={"context": "Vinnarens text"}, lines=[("V", "7")]),
    )
    assert won.status_code == 302
    late = late_client.post(
        inventory_url("part1", region),
        part1_post(revision=revision, texts={"context": "Den senares text"}, lines=[("S", "9")]),
    )
    assert late.status_code == 409
    html = html_of(late)
    assert "Någon annan sparade Del 1 medan du arbetade" in html
    assert "Sparat av Dana Deputy 15 november 2019 kl. 10:00" in html
    assert "Den senares text</textarea>" in html  # the user's own input, intact
    assert "Vinnarens text" in html  # what is saved now
    assert f'name="revision" value="{revision + 1}"' in html
    state = CurrentState.objects.get(inventory=inventory)
    assert state.context == "Vinnarens text"
    assert list(inventory.budget_lines.values_list("amount", flat=True)) == [7]

    # A second "Spara" from the conflict page deliberately applies the later version.
    again = late_client.post(
        inventory_url("part1", region),
        part1_post(
            revision=revision + 1, texts={"context": "Den senares text"}, lines=[("S", "9")]
        ),
    )
    assert again.status_code == 302
    assert CurrentState.objects.get(inventory=inventory).context == "Den senares text"


def test_part3_and_goal_conflicts(region, inventory, contact, deputy):
    first, second = _two_clients(contact, deputy)
    revision = inventory.target_state.revision
    first.post(inventory_url("part3", region), part3_post(revision=revision, target_state="A"))
    late = second.post(
        inventory_url("part3", region), part3_post(revision=revision, target_state="B")
    )
    assert late.status_code == 409
    assert "Någon annan sparade Del 3" in html_of(late)
    assert TargetState.objects.get(inventory=inventory).target_state == "A"

    goal = inventory.goals.order_by("position").first()
    url = inventory_url("goal_edit", region, pk=goal.pk)
    first.post(url, goal_post(1, revision=str(goal.revision), indicator="Först"))
    late = second.post(url, goal_post(1, revision=str(goal.revision), indicator="Sen"))
    assert late.status_code == 409
    html = html_of(late)
    assert "Någon annan sparade målet" in html
    assert f"Sparat av {contact.full_name}" in html
    assert 'value="Sen"' in html
    assert Goal.objects.get(pk=goal.pk).indicator == "Först"


@pytest.mark.postgres
def test_two_saves_from_the_same_revision_on_postgresql(
    postgres, region, inventory, contact, deputy
):
    """Real PostgreSQL row locks: one save wins, the other gets 409 with its input kept."""
    first, second = _two_clients(contact, deputy)
    item = inventory.interventions.order_by("position").first()
    url = inventory_url("intervention_edit", region, pk=item.pk)
    won = first.post(
        url, intervention_post(1, revision=str(item.revision), title="Vinnaren", cost="111")
    )
    assert won.status_code == 302
    late = second.post(
        url, intervention_post(1, revision=str(item.revision), title="Senare", cost="222")
    )
    assert late.status_code == 409
    html = html_of(late)
    assert "Någon annan sparade insatsen medan du arbetade" in html
    assert 'value="Senare"' in html and 'value="222"' in html
    assert f"Sparat av {contact.full_name}" in html
    assert f'name="revision" value="{item.revision + 1}"' in html
    item.refresh_from_db()
    assert (item.title, item.cost) == ("Vinnaren", 111)

    revision = inventory.current_state.revision
    assert (
        first.post(
            inventory_url("part1", region), part1_post(revision=revision, lines=[("Först", "1")])
        ).status_code
        == 302
    )
    late = second.post(
        inventory_url("part1", region),
        part1_post(revision=revision, texts={"context": "Sen text"}, lines=[("Sen", "2")]),
    )
    assert late.status_code == 409
    assert "Sen text</textarea>" in html_of(late)
    assert list(inventory.budget_lines.values_list("description", flat=True)) == ["Först"]


def test_an_intervention_removed_meanwhile_keeps_the_editors_input(
    region, inventory, contact, deputy
):
    first, second = _two_clients(contact, deputy)
    item = inventory.interventions.order_by("position").first()
    first.post(
        inventory_url("intervention_delete", region, pk=item.pk), {"revision": item.revision}
    )
    late = second.post(
        inventory_url("intervention_edit", region, pk=item.pk),
        intervention_post(1, revision=str(item.revision), title="Min ändring"),
    )
    assert late.status_code == 409
    assert "har tagits bort av någon annan" in html_of(late)
    assert 'value="Min ändring"' in html_of(late)
    assert f'action="{inventory_url("intervention_add", region)}"' in html_of(late)


# --- Query counts do not grow with the number of interventions and goals ----------------------


def _grow(inventory, to):
    items = [
        Intervention(
            inventory=inventory,
            position=100 + n,
            title=f"Extra insats {n}",
            activity_areas=["funds"],
            dimensions=["social"],
            cost=n,
            effects=["trust"],
            updated_at=inventory.created_at,
            updated_by=inventory.created_by,
        )
        for n in range(to - inventory.interventions.count())
    ]
    Intervention.objects.bulk_create(items)
    all_items = list(inventory.interventions.all())
    InterventionYear.objects.bulk_create(
        InterventionYear(intervention=item, year=2022, sought=1, own=2, other=3)
        for item in all_items
    )
    for n in range(to - inventory.goals.count()):
        goal = Goal.objects.create(
            inventory=inventory,
            position=100 + n,
            goal=f"Extra mål {n}",
            effects=["trust"],
            updated_at=inventory.created_at,
            updated_by=inventory.created_by,
        )
        goal.interventions.set(all_items[:3])
    BudgetLine.objects.create(inventory=inventory, description="Extra", amount=0, position=9)
    # Written past the services: name the new content with a new revision, as they do.
    Inventory.objects.filter(pk=inventory.pk).update(revision=F("revision") + 1)


def _count_queries(client, urls):
    """Each page's queries with what the pages cache of this revision cached, and without."""
    counts = {}
    for name, url in urls.items():
        client.get(url)  # warm up (session, caches)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, name
        counts[name] = len(queries)
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, name
        counts[f"{name} (nothing cached)"] = len(queries)
    return counts


@pytest.mark.parametrize("who", ["contact", "staff"])
def test_pages_run_the_same_number_of_queries_with_2_and_40_items(
    client, region, inventory, contact, staff_user, who
):
    client.force_login(contact if who == "contact" else staff_user)
    item = inventory.interventions.order_by("position").first()
    goal = inventory.goals.order_by("position").first()
    urls = {
        "start": reverse("inventories:start", args=[region.slug]),
        "part1": inventory_url("part1", region),
        "part1-review": inventory_url("part1", region) + "?granska=1",
        "part2": inventory_url("part2", region),
        "part2-review": inventory_url("part2", region) + "?granska=1",
        "intervention_edit": inventory_url("intervention_edit", region, pk=item.pk),
        "intervention_delete": inventory_url("intervention_delete", region, pk=item.pk),
        "part3": inventory_url("part3", region),
        "part3-review": inventory_url("part3", region) + "?granska=1",
        "goal_add": inventory_url("goal_add", region),
        "goal_edit": inventory_url("goal_edit", region, pk=goal.pk),
        "review": inventory_url("review", region),
    }
    assert inventory.interventions.count() == 2 and inventory.goals.count() == 2
    small = _count_queries(client, urls)
    _grow(inventory, 40)
    assert inventory.interventions.count() == 40 and inventory.goals.count() == 40
    large = _count_queries(client, urls)
    assert small == large
    assert "Extra insats 37" in html_of(client.get(urls["review"]))


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"revision": "abc"},
        {"revision": "-1", "budget-TOTAL_FORMS": "abc"},
        {"revision": "0", "budget-TOTAL_FORMS": "100000", "budget-INITIAL_FORMS": "0"},
        {"revision": "0", "add_row": "1", "budget-TOTAL_FORMS": "zzz"},
        {"context": "\x00", "revision": "0"},
    ],
    ids=["empty", "bad-revision", "bad-management", "too-many-rows", "add-row-garbage", "nul"],
)
def test_garbage_posts_to_part1_are_answered_never_500(signed_in, region, inventory, data):
    before = saved_state(inventory)
    response = signed_in.post(inventory_url("part1", region), data)
    assert response.status_code in (200, 400)
    assert saved_state(inventory) == before


def test_garbage_posts_to_items_are_answered_never_500(signed_in, region, inventory):
    before = saved_state(inventory)
    item = inventory.interventions.first()
    goal = inventory.goals.first()
    answers = [
        signed_in.post(inventory_url("intervention_move", region, pk=item.pk), {"direction": "x"}),
        signed_in.post(inventory_url("goal_move", region, pk=goal.pk), {}),
        signed_in.post(inventory_url("intervention_edit", region, pk=item.pk), {"title": "x"}),
        signed_in.post(inventory_url("goal_edit", region, pk=goal.pk), {"interventions": "abc"}),
        signed_in.post(inventory_url("part3", region), {"revision": "9999999999999999999999"}),
    ]
    assert [r.status_code for r in answers] == [302, 302, 400, 400, 409]
    assert saved_state(inventory) == before


# --- A form that never drops text -------------------------------------------------------------


def test_conflict_page_compares_field_by_field_and_keeps_the_chosen_text(
    region, inventory, contact, deputy
):
    first, second = _two_clients(contact, deputy)
    revision = inventory.current_state.revision
    texts_a = {"context": "A: förutsättningar", "work_social": "A: socialt"}
    texts_b = {"context": "B: förutsättningar", "work_social": "B: socialt"}
    first.post(inventory_url("part1", region), part1_post(revision=revision, texts=texts_a))
    late = second.post(inventory_url("part1", region), part1_post(revision=revision, texts=texts_b))
    assert late.status_code == 409
    html = html_of(late)
    # Only the two fields that differ, each with both texts and a choice.
    assert html.count("data-conflict-field=") == 2
    assert 'data-conflict-field="context"' in html and 'data-conflict-field="work_social"' in html
    assert 'name="keep_context" value="mine"' in html
    assert 'name="keep_context" value="saved"' in html
    assert f"Använd texten som {contact.full_name} sparade" in html
    assert "A: förutsättningar" in html and "B: förutsättningar" in html

    # Keep the other person's context, keep my own social text.
    again = second.post(
        inventory_url("part1", region),
        part1_post(
            revision=revision + 1,
            texts=texts_b,
            keep_context="saved",
            keep_work_social="mine",
        ),
    )
    assert again.status_code == 302
    state = CurrentState.objects.get(inventory=inventory)
    assert (state.context, state.work_social) == ("A: förutsättningar", "B: socialt")


def test_goal_conflict_choice_per_field_covers_checkboxes(region, inventory, contact, deputy):
    first, second = _two_clients(contact, deputy)
    goal = inventory.goals.order_by("position").first()
    url = inventory_url("goal_edit", region, pk=goal.pk)
    first.post(url, goal_post(1, revision=str(goal.revision), indicator="Först", effects=["trust"]))
    late = second.post(
        url, goal_post(1, revision=str(goal.revision), indicator="Sen", effects=["leadership"])
    )
    assert late.status_code == 409
    html = html_of(late)
    assert 'data-conflict-field="indicator"' in html and 'data-conflict-field="effects"' in html
    assert "Ökad tillit" in html and "Starkare regionalt ledarskap" in html
    saved = second.post(
        url,
        goal_post(
            1,
            revision=str(goal.revision + 1),
            indicator="Sen",
            effects=["leadership"],
            keep_effects="saved",
        ),
    )
    assert saved.status_code == 302
    goal.refresh_from_db()
    assert (goal.indicator, goal.effects) == ("Sen", ["trust"])


def test_add_goal_saves_the_texts_typed_above_first(signed_in, region, inventory):
    revision = inventory.target_state.revision
    response = signed_in.post(
        inventory_url("part3", region),
        part3_post(revision=revision, target_state="Skrivet men inte sparat", add_goal="1"),
    )
    assert response.status_code == 302
    assert response.url == inventory_url("goal_add", region)
    assert TargetState.objects.get(inventory=inventory).target_state == "Skrivet men inte sparat"
    page = html_of(signed_in.get(inventory_url("part3", region)))
    assert 'form="part-form" name="add_goal"' in page
    goal = inventory.goals.order_by("position").first()
    edit = signed_in.post(
        inventory_url("part3", region),
        part3_post(revision=revision + 1, target_state="Igen", edit_goal=str(goal.pk)),
    )
    assert edit.url == inventory_url("goal_edit", region, pk=goal.pk)
    assert TargetState.objects.get(inventory=inventory).target_state == "Igen"


@pytest.mark.parametrize("hostile", ["²", "99999999999999999999", "-1", "x"])
def test_edit_goal_that_is_no_goal_saves_and_goes_on_as_usual(
    signed_in, region, inventory, hostile
):
    """A posted "Ändra" that names no goal of this inventory saves and goes on as any save."""
    revision = inventory.target_state.revision
    response = signed_in.post(
        inventory_url("part3", region),
        part3_post(revision=revision, target_state="Sparat ändå", edit_goal=hostile),
    )
    assert response.status_code == 302
    assert "/mal/" not in response.url
    assert TargetState.objects.get(inventory=inventory).target_state == "Sparat ändå"


def test_add_goal_with_an_error_keeps_every_typed_text(signed_in, region, inventory):
    revision = inventory.target_state.revision
    response = signed_in.post(
        inventory_url("part3", region),
        part3_post(
            revision=revision, target_state="x" * 10_001, effect_trust="Min tillit", add_goal="1"
        ),
    )
    assert response.status_code == 400
    html = html_of(response)
    assert "Min tillit</textarea>" in html
    assert "x" * 10_001 in html


def test_all_errors_of_an_intervention_come_in_one_pass(signed_in, region, inventory):
    response = signed_in.post(
        inventory_url("intervention_add", region),
        intervention_post(
            1, cost="tolv", start_date="2021-05-01", end_date="2020-04-01", y2020_own="-5"
        ),
    )
    assert response.status_code == 400
    html = html_of(response)
    assert "Ange ett heltal i hela kronor" in field_error(response, "id_cost")
    assert "Slutdatumet kan inte vara före startdatumet." in field_error(response, "id_end_date")
    assert "negativt" in field_error(response, "id_y2020_own")
    assert html.count('<a href="#id_') >= 3


def test_review_mode_says_what_is_missing_once_in_plain_words(signed_in, region, inventory):
    CurrentState.objects.filter(inventory=inventory).update(work_environmental="")
    html = html_of(signed_in.get(inventory_url("part1", region) + "?granska=1"))
    assert "Det finns fel att rätta" not in html
    assert "Det här saknas i Del 1" in html
    assert html.count("Dagens arbete med miljömässig hållbarhet saknas") == 1
    assert "Dagens arbete med miljömässig hållbarhet: Dagens arbete" not in html
    assert "Fyll i det här innan ni skickar in." in field_error(
        signed_in.get(inventory_url("part1", region) + "?granska=1"), "id_work_environmental"
    )


# --- Receipt, programme page, timeline ------------------------------------------------------


def test_receipt_says_what_happens_next_without_days_left_and_hides_the_checksum(
    signed_in, region, inventory, contact
):
    round_ = round_2019()
    round_.next_steps = "Först läser vi.\n\nSedan öppnar utlysningen i februari."
    round_.save()
    version = inventory_submit(inventory=inventory, user=contact)
    html = html_of(signed_in.get(inventory_url("receipt", region, number=version.number)))
    assert "Det här händer sedan" in html
    assert (
        "<p>Först läser vi.</p>" in html and "<p>Sedan öppnar utlysningen i februari.</p>" in html
    )
    assert "dagar kvar" not in html
    details = html[html.index('<details class="receipt-checksum') :]
    assert version.sha256 in details[: details.index("</details>")]
    assert html.index(version.sha256) > html.index("Det här händer sedan")


def test_about_page_shows_the_programme_and_every_part_links_to_it(signed_in, region, inventory):
    about_url = inventory_url("about", region)
    html = html_of(signed_in.get(about_url))
    for text in (
        "Utlysning av medel",
        "Utveckla handläggningen av projektmedel",
        "Utländsk bakgrund",
        "Stärkt arbete med hållbar utveckling som helhet inom det regionala tillväxtarbetet",
        "Ökad tillit",
        "Starkare regionalt ledarskap",
        "100\u00a0000\u00a0kr",
    ):
        assert text in html, text
    assert "89\u00a0000\u00a0000\u00a0kr" in html, "the 2019 round's programme funds"
    for name in ("part1", "part2", "part3", "review"):
        assert f'href="{about_url}"' in html_of(signed_in.get(inventory_url(name, region)))


def test_timeline_is_in_date_order_and_marks_past_now_and_next(signed_in, region, contact):
    moment = datetime.datetime(2019, 10, 15, 12, 0, tzinfo=STOCKHOLM)
    with time_machine.travel(moment, tick=False):
        html = html_of(signed_in.get(reverse("inventories:start", args=[region.slug])))
    timeline = html[html.index('<ol class="timeline">') :]
    timeline = timeline[: timeline.index("</ol>")]
    order = [
        "Hearing och dialog",
        "Sista dag för synpunkter",
        "Startkapital och regional behovsinventering",
        "ERFA-träff",
        "lämnas in till Tillväxtverket",
        "Utlysningen öppnar",
    ]
    positions = [timeline.index(text) for text in order]
    assert positions == sorted(positions)
    assert timeline.count("Har varit:") == 2
    assert timeline.count("Pågår nu:") == 1 and 'aria-current="step"' in timeline
    assert timeline.count("Nästa:") == 1
    now = timeline[timeline.index("Pågår nu:") :]
    assert now.index("Startkapital och regional behovsinventering") < now.index("Nästa:")


def test_help_texts_have_examples_and_a_round_can_override_them(signed_in, region, inventory):
    from inventories.models import FieldGuidance

    html = html_of(signed_in.get(inventory_url("part1", region)))
    helptext = html[html.index('id="id_perspective_helptext"') :]
    helptext = helptext[: helptext.index("</div>")]
    assert "Hur ser nuläget ut för kvinnor och män" in helptext
    assert "Exempel:" in helptext and "utrikes födda kvinnor" in helptext
    FieldGuidance.objects.create(
        round=round_2019(),
        field="current_state.perspective",
        help_text="Omgångens egen fråga.",
        example="Omgångens eget exempel.",
    )
    FieldGuidance.objects.create(
        round=round_2019(), field="goal.indicator", help_text="", example="Eget indikatorexempel"
    )
    html = html_of(signed_in.get(inventory_url("part1", region)))
    assert "Omgångens egen fråga." in html and "Omgångens eget exempel." in html
    assert "Hur ser nuläget ut för kvinnor och män" not in html
    goal_page = html_of(signed_in.get(inventory_url("goal_add", region)))
    assert "Hur mäter ni att målet nås?" in goal_page, "blank help text keeps the default"
    assert "Eget indikatorexempel" in goal_page


def test_round_admin_edits_guidance(client, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:inventories_round_change", args=[round_2019().pk])
    html = html_of(client.get(url))
    assert "current_state.perspective" in html
    assert "Önskat sluttillstånd" in html or "önskat sluttillstånd" in html


def test_leaving_a_part_through_the_stepper_saves_first(signed_in, region, inventory):
    """``goto`` is what static/js/inventory.js adds when a stepper link is followed with unsaved
    text: the part is saved, then the writer lands where they were going."""
    revision = inventory.target_state.revision
    response = signed_in.post(
        inventory_url("part3", region),
        part3_post(revision=revision, short_term_effects="Ändrat på vägen", goto="review"),
    )
    assert response.url == inventory_url("review", region)
    assert TargetState.objects.get(inventory=inventory).short_term_effects == "Ändrat på vägen"
    ignored = signed_in.post(
        inventory_url("part3", region),
        part3_post(revision=revision + 1, goto="https://example.com/"),
    )
    assert ignored.url == inventory_url("part3", region)
    html = html_of(signed_in.get(inventory_url("part1", region)))
    assert 'data-save-first="review"' in html and 'data-save-first="about"' in html
