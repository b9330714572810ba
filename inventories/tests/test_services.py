"""The inventory services: opening, saving, the deadline, submission, the copy of record."""

import datetime
import hashlib
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventories.completeness import inventory_completeness
from inventories.errors import EditConflict, InventoryLocked
from inventories.models import (
    AuditEvent,
    ImmutableAuditEventError,
    ImmutableVersionError,
    Inventory,
    InventoryVersion,
)
from inventories.selectors import inventory_reload
from inventories.services import (
    current_state_save,
    goal_create,
    intervention_create,
    intervention_delete,
    intervention_move,
    intervention_update,
    inventory_open,
    inventory_submit,
)
from inventories.snapshot import canonical_json, inventory_snapshot
from inventories.tests.factories import open_inventory, round_2019

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")
IN_ROUND = datetime.datetime(2019, 11, 15, 10, 0, tzinfo=STOCKHOLM)
LAST_SECOND = datetime.datetime(2020, 1, 20, 23, 59, 59, tzinfo=STOCKHOLM)
FIRST_LATE_SECOND = datetime.datetime(2020, 1, 21, 0, 0, 0, tzinfo=STOCKHOLM)


@pytest.fixture
def inventory(region, contact):
    with time_machine.travel(IN_ROUND, tick=False):
        return open_inventory(round=round_2019(), region=region, user=contact)


def test_round_2019_is_as_the_programme_says():
    round_ = round_2019()
    assert round_.name == "Behovsinventering hösten 2019"
    assert round_.deadline == LAST_SECOND
    assert round_.opens_at == datetime.datetime(2019, 10, 1, tzinfo=STOCKHOLM)
    assert round_.start_capital == 100_000
    assert round_.period_label == "2020–2022"
    assert [m.when for m in round_.milestones.all()][-2:] == ["20 januari 2020", "Februari 2020"]


def test_open_creates_one_inventory_and_audits_it(region, contact):
    with time_machine.travel(IN_ROUND, tick=False):
        first = inventory_open(round=round_2019(), region=region, user=contact)
        second = inventory_open(round=round_2019(), region=region, user=contact)
    assert first.pk == second.pk
    assert Inventory.objects.filter(region=region).count() == 1
    assert first.current_state.revision == 0
    assert list(first.audit_events.values_list("action", flat=True)) == ["opened"]


def test_nothing_new_starts_after_the_deadline(region, contact):
    with time_machine.travel(FIRST_LATE_SECOND, tick=False):
        with pytest.raises(InventoryLocked):
            inventory_open(round=round_2019(), region=region, user=contact)
    assert not Inventory.objects.filter(region=region).exists()


def test_other_regions_contact_cannot_open_or_change(region, other_contact, inventory):
    with time_machine.travel(IN_ROUND, tick=False):
        with pytest.raises(PermissionDenied):
            inventory_open(round=round_2019(), region=region, user=other_contact)
        with pytest.raises(PermissionDenied):
            intervention_create(inventory=inventory, user=other_contact, data={"title": "x"})
        with pytest.raises(PermissionDenied):
            inventory_submit(inventory=inventory, user=other_contact)
    assert inventory.interventions.count() == 2


@pytest.mark.parametrize(
    ("moment", "accepted"),
    [(LAST_SECOND, True), (FIRST_LATE_SECOND, False)],
    ids=["2020-01-20T23:59:59", "2020-01-21T00:00:00"],
)
def test_deadline_boundary_in_stockholm_time(inventory, contact, moment, accepted):
    with time_machine.travel(moment, tick=False):
        if accepted:
            version = inventory_submit(inventory=inventory, user=contact)
            assert version.number == 1
            assert version.on_time
        else:
            with pytest.raises(InventoryLocked) as excinfo:
                inventory_submit(inventory=inventory, user=contact)
            assert "Sista dag för inlämning var 20 januari 2020 kl. 23:59" in excinfo.value.message
            assert not InventoryVersion.objects.exists()
    inventory.refresh_from_db()
    assert inventory.status == ("submitted" if accepted else "draft")


def test_override_moves_only_that_inventorys_boundary(
    inventory, contact, other_region, other_contact
):
    with time_machine.travel(IN_ROUND, tick=False):
        other = open_inventory(round=round_2019(), region=other_region, user=other_contact)
    Inventory.objects.filter(pk=inventory.pk).update(
        deadline_override=datetime.datetime(2020, 1, 31, 23, 59, 59, tzinfo=STOCKHOLM)
    )
    inventory.refresh_from_db()
    with time_machine.travel(
        datetime.datetime(2020, 1, 31, 23, 59, 59, tzinfo=STOCKHOLM), tick=False
    ):
        assert inventory_submit(inventory=inventory, user=contact).number == 1
        with pytest.raises(InventoryLocked):
            inventory_submit(inventory=other, user=other_contact)
    with time_machine.travel(datetime.datetime(2020, 2, 1, 0, 0, tzinfo=STOCKHOLM), tick=False):
        Inventory.objects.filter(pk=inventory.pk).update(status="returned")
        inventory.refresh_from_db()
        with pytest.raises(InventoryLocked):
            inventory_submit(inventory=inventory, user=contact)


def test_incomplete_inventory_is_refused_with_the_checklist(region, contact):
    with time_machine.travel(IN_ROUND, tick=False):
        inventory = open_inventory(round=round_2019(), region=region, user=contact, filled=False)
        with pytest.raises(ValidationError) as excinfo:
            inventory_submit(inventory=inventory, user=contact)
    messages = excinfo.value.messages
    assert "Inga insatser. Lägg till minst en insats." in messages
    assert "Inga mål. Lägg till minst ett mål." in messages
    assert any("Regionens förutsättningar saknas" in m for m in messages)
    assert not InventoryVersion.objects.exists()


def test_submitted_inventory_is_read_only(inventory, contact):
    with time_machine.travel(IN_ROUND, tick=False):
        inventory_submit(inventory=inventory, user=contact)
        item = inventory.interventions.first()
        with pytest.raises(InventoryLocked):
            intervention_update(
                intervention=item, user=contact, data={"title": "Ändrad"}, revision=item.revision
            )
        with pytest.raises(InventoryLocked):
            intervention_delete(intervention=item, user=contact, revision=item.revision)
        with pytest.raises(InventoryLocked):
            inventory_submit(inventory=inventory, user=contact)
    item.refresh_from_db()
    assert item.title.startswith("Insats 1")
    assert InventoryVersion.objects.count() == 1


def test_version_json_and_hash_are_reproducible(inventory, contact):
    with time_machine.travel(LAST_SECOND, tick=False):
        version = inventory_submit(inventory=inventory, user=contact)
    stored = InventoryVersion.objects.get(pk=version.pk)
    assert hashlib.sha256(stored.snapshot_json.encode()).hexdigest() == stored.sha256
    rebuilt = canonical_json(
        inventory_snapshot(
            inventory_reload(inventory),
            number=stored.number,
            submitted_at=stored.submitted_at,
            submitted_by=stored.submitted_by,
        )
    )
    assert rebuilt == stored.snapshot_json
    data = json.loads(stored.snapshot_json)
    assert data["region"]["name"] == "Region Skåne"
    assert data["part1"]["budget_total"] == 100_000
    assert data["part2"]["total_cost"] == 750_000
    assert data["part3"]["goals"][0]["interventions"] == [1]
    assert data["submitted_at"] == "2020-01-20T23:59:59+01:00"


def test_a_version_cannot_be_updated_or_deleted(inventory, contact):
    with time_machine.travel(IN_ROUND, tick=False):
        version = inventory_submit(inventory=inventory, user=contact)
    version.snapshot_json = "{}"
    with pytest.raises(ImmutableVersionError):
        version.save()
    with pytest.raises(ImmutableVersionError):
        version.delete()
    with pytest.raises(ImmutableVersionError):
        InventoryVersion.objects.filter(pk=version.pk).update(sha256="0" * 64)
    with pytest.raises(ImmutableVersionError):
        InventoryVersion.objects.all().delete()
    with pytest.raises(ImmutableVersionError):
        InventoryVersion.objects.bulk_update([version], ["sha256"])
    with pytest.raises(ImmutableVersionError):
        InventoryVersion.objects.bulk_create(
            [version], update_conflicts=True, unique_fields=["id"], update_fields=["sha256"]
        )
    assert InventoryVersion.objects.get(pk=version.pk).snapshot_json != "{}"


def test_an_audit_event_cannot_be_updated_or_deleted(inventory, contact):
    with time_machine.travel(IN_ROUND, tick=False):
        inventory_submit(inventory=inventory, user=contact)
    event = AuditEvent.objects.get(action=AuditEvent.Action.SUBMITTED)
    event.message = "changed"
    with pytest.raises(ImmutableAuditEventError):
        event.save()
    with pytest.raises(ImmutableAuditEventError):
        event.delete()
    with pytest.raises(ImmutableAuditEventError):
        AuditEvent.objects.filter(pk=event.pk).update(message="changed")
    with pytest.raises(ImmutableAuditEventError):
        AuditEvent.objects.all().delete()
    with pytest.raises(ImmutableAuditEventError):
        AuditEvent.objects.bulk_update([event], ["message"])
    with pytest.raises(ImmutableAuditEventError):
        AuditEvent.objects.bulk_create(
            [event], update_conflicts=True, unique_fields=["id"], update_fields=["message"]
        )
    assert AuditEvent.objects.get(pk=event.pk).message != "changed"


def test_budget_may_not_exceed_the_start_capital(inventory, contact):
    state = inventory.current_state
    with time_machine.travel(IN_ROUND, tick=False):
        with pytest.raises(ValidationError) as excinfo:
            current_state_save(
                inventory=inventory,
                user=contact,
                data={"context": "Nytt"},
                budget_lines=[
                    {"description": "A", "amount": 60_000},
                    {"description": "B", "amount": 40_001},
                ],
                revision=state.revision,
            )
    assert "startkapitalet är 100\u00a0000 kr" in excinfo.value.message_dict["budget"][0]
    state.refresh_from_db()
    assert state.context.startswith("Nuläge")
    assert inventory.budget_lines.count() == 2


def test_stale_revision_is_a_conflict_and_keeps_the_winner(inventory, contact, region):
    from regions.tests.factories import ContactPersonFactory

    deputy = ContactPersonFactory(region=region, role="deputy").user
    loaded = inventory.current_state.revision
    with time_machine.travel(IN_ROUND, tick=False):
        current_state_save(
            inventory=inventory,
            user=contact,
            data={"context": "Vinnarens text"},
            budget_lines=[{"description": "A", "amount": 1}],
            revision=loaded,
        )
        with pytest.raises(EditConflict) as excinfo:
            current_state_save(
                inventory=inventory,
                user=deputy,
                data={"context": "Den senares text"},
                budget_lines=[],
                revision=loaded,
            )
    assert "Någon annan sparade" in excinfo.value.message
    inventory.current_state.refresh_from_db()
    assert inventory.current_state.context == "Vinnarens text"
    assert list(inventory.budget_lines.values_list("amount", flat=True)) == [1]


def test_unchanged_budget_lines_are_not_rewritten(inventory, contact):
    lines = [{"description": "A", "amount": 10, "spent": None}, {"description": "B", "amount": 5}]
    with time_machine.travel(IN_ROUND, tick=False):
        current_state_save(
            inventory=inventory, user=contact, data={"context": "Ett"}, budget_lines=lines,
            revision=inventory.current_state.revision,
        )  # fmt: skip
        ids = list(inventory.budget_lines.values_list("pk", flat=True))
        inventory.refresh_from_db()
        with CaptureQueriesContext(connection) as queries:
            state = current_state_save(
                inventory=inventory, user=contact, data={"context": "Två"}, budget_lines=lines,
                revision=inventory.current_state.revision,
            )  # fmt: skip
        assert list(inventory.budget_lines.values_list("pk", flat=True)) == ids
        writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("DEL", "INS"))]
        assert writes and not [sql for sql in writes if "inventories_budgetline" in sql]
        state.refresh_from_db()
        assert state.context == "Två"

        # A changed line (here only what was spent) replaces them all, in the new order.
        current_state_save(
            inventory=inventory, user=contact, data={"context": "Tre"},
            budget_lines=[lines[1], {**lines[0], "spent": 3}], revision=state.revision,
        )  # fmt: skip
    assert list(inventory.budget_lines.values_list("description", "amount", "spent")) == [
        ("B", 5, None),
        ("A", 10, 3),
    ]


def test_intervention_dates_must_lie_in_the_programme_period(inventory, contact):
    with time_machine.travel(IN_ROUND, tick=False):
        with pytest.raises(ValidationError) as excinfo:
            intervention_create(
                inventory=inventory,
                user=contact,
                data={
                    "title": "X",
                    "start_date": datetime.date(2019, 12, 31),
                    "end_date": datetime.date(2023, 1, 1),
                },
            )
        assert set(excinfo.value.message_dict) == {"start_date", "end_date"}
        with pytest.raises(ValidationError) as excinfo:
            intervention_create(
                inventory=inventory,
                user=contact,
                data={
                    "title": "X",
                    "start_date": datetime.date(2021, 1, 2),
                    "end_date": datetime.date(2021, 1, 1),
                },
            )
        assert excinfo.value.message_dict["end_date"] == [
            "Slutdatumet kan inte vara före startdatumet."
        ]
    assert inventory.interventions.count() == 2


def test_reorder_and_goal_links_stay_inside_the_inventory(
    inventory, contact, other_region, other_contact
):
    with time_machine.travel(IN_ROUND, tick=False):
        first, second = inventory.interventions.order_by("position")
        assert intervention_move(intervention=second, user=contact, direction="up")
        assert list(inventory.interventions.order_by("position").values_list("pk", flat=True)) == [
            second.pk,
            first.pk,
        ]
        assert not intervention_move(intervention=second, user=contact, direction="up")
        foreign = open_inventory(round=round_2019(), region=other_region, user=other_contact)
        with pytest.raises(ValidationError):
            goal_create(
                inventory=inventory,
                user=contact,
                data={"goal": "Mål"},
                interventions=[foreign.interventions.first()],
            )


def test_completeness_lists_each_missing_thing_with_a_link(region, contact):
    with time_machine.travel(IN_ROUND, tick=False):
        inventory = open_inventory(round=round_2019(), region=region, user=contact, filled=False)
        intervention_create(inventory=inventory, user=contact, data={"title": "Bara rubrik"})
    result = inventory_completeness(inventory_reload(inventory))
    part2 = result.for_part(2)
    assert any("Insats 1 (Bara rubrik): Beräknad kostnad (kr) saknas" == i.message for i in part2)
    item = next(i for i in part2 if i.field == "cost")
    assert item.url(inventory).endswith("?granska=1#id_cost")
    assert not result.part_complete(1)
    assert AuditEvent.objects.filter(inventory=inventory, action="part_saved").count() == 1


# --- Needs that can be counted ----------------------------------------------------------------


def test_money_per_year_is_stored_per_programme_year_and_summed_per_year(inventory, contact):
    from inventories import display

    with time_machine.travel(IN_ROUND, tick=False):
        intervention_create(
            inventory=inventory,
            user=contact,
            data={"title": "Tredje insatsen", "priority": "low"},
            years={
                2020: {"sought": 1_000, "own": 200, "other": 0},
                2021: {"sought": 0, "own": 0, "other": 0},
                2022: {"sought": 3_000, "own": 0, "other": 700},
            },
        )
        with pytest.raises(ValidationError) as refused:
            intervention_create(
                inventory=inventory,
                user=contact,
                data={"title": "Utanför perioden"},
                years={2019: {"sought": 5, "own": 0, "other": 0}},
            )
    assert "2020–2022" in refused.value.message_dict["years"][0]
    item = inventory.interventions.get(title="Tredje insatsen")
    assert [(row.year, row.sought, row.own, row.other) for row in item.years.all()] == [
        (2020, 1_000, 200, 0),
        (2022, 3_000, 0, 700),
    ], "a year with nothing in it is not stored"

    totals = display.year_totals(inventory_reload(inventory))
    # The factory's two interventions: 2020 sought 100 000 + 200 000, own 10 000 + 20 000,
    # other 5 000 each; 2021 sought 50 000 + 100 000, same co-financing.
    assert [(r["year"], r["sought"], r["own"], r["other"]) for r in totals["rows"]] == [
        (2020, 301_000, 30_200, 10_000),
        (2021, 150_000, 30_000, 10_000),
        (2022, 3_000, 0, 700),
    ]
    assert totals["sum"]["sought"] == 454_000
    assert totals["sum"]["total"] == 454_000 + 60_200 + 20_700

    snapshot = inventory_snapshot(
        inventory_reload(inventory), number=1, submitted_at=IN_ROUND, submitted_by=contact
    )
    assert snapshot["schema"] == 4
    assert snapshot["part2"]["year_totals"][2] == {
        "year": 2022,
        "sought": 3_000,
        "own": 0,
        "other": 700,
    }
    assert snapshot["part2"]["interventions"][2]["priority"] == "low"


def test_goal_without_an_effect_is_refused_at_submission_with_a_linked_item(inventory, contact):
    goal = inventory.goals.order_by("position").first()
    goal.effects = []
    goal.save()
    with time_machine.travel(IN_ROUND, tick=False), pytest.raises(ValidationError):
        inventory_submit(inventory=inventory, user=contact)
    assert not InventoryVersion.objects.exists()
    items = inventory_completeness(inventory_reload(inventory)).items
    assert [(i.message, i.field, i.goal_id) for i in items] == [
        ("Mål 1: Effekter på lång sikt saknas", "effects", goal.pk)
    ]
    url = items[0].url(inventory)
    assert url.endswith(f"/mal/{goal.pk}/?granska=1#id_effects") or "#id_effects" in url


def test_short_term_effects_are_optional_and_intersectional_current_state_is_required(
    inventory, contact
):
    target = inventory.target_state
    target.short_term_effects = ""
    target.save()
    assert inventory_completeness(inventory_reload(inventory)).is_complete
    current = inventory.current_state
    current.perspective = ""
    current.save()
    messages = [i.message for i in inventory_completeness(inventory_reload(inventory)).items]
    assert messages == ["Nuläget ur ett intersektionellt perspektiv saknas"]
