"""The diff between two submitted versions: exactly the changed fields and items, nothing else."""

import copy

import pytest
import time_machine

from inventories.services import (
    current_state_save,
    goal_create,
    goal_update,
    intervention_create,
    intervention_delete,
    intervention_update,
    inventory_return_for_completion,
    inventory_submit,
    target_state_save,
)
from staff.diff import version_diff, word_segments
from staff.tests.review_helpers import RESUBMIT_DAY, REVIEW_DAY, submitted_inventory


def _snapshot():
    return {
        "version": 1,
        "part1": {
            "context": "Skåne har många små företag.",
            "work_economic": "Ekonomi",
            "work_social": "Socialt",
            "work_environmental": "Miljö",
            "needs_challenges": "Behov",
            "collaboration": "Samverkan",
            "budget_lines": [
                {"description": "Personal", "amount": 60_000},
                {"description": "Resor", "amount": 40_000},
            ],
            "budget_total": 100_000,
        },
        "part2": {
            "interventions": [
                {
                    "id": 11,
                    "number": 1,
                    "title": "Forskning",
                    "description": "Sprida forskning",
                    "activity_areas": ["research"],
                    "dimensions": ["economic"],
                    "perspective_gender": "K",
                    "perspective_age": "Å",
                    "perspective_background": "U",
                    "actors": "LU",
                    "start_date": "2020-03-01",
                    "end_date": "2021-12-31",
                    "cost": 100_000,
                },
                {
                    "id": 12,
                    "number": 2,
                    "title": "Utlysning",
                    "description": "Medel",
                    "activity_areas": ["funds"],
                    "dimensions": ["social"],
                    "perspective_gender": "K",
                    "perspective_age": "Å",
                    "perspective_background": "U",
                    "actors": "Kommuner",
                    "start_date": "2020-03-01",
                    "end_date": "2021-12-31",
                    "cost": 200_000,
                },
            ],
            "total_cost": 300_000,
        },
        "part3": {
            "target_state": "Börläge",
            "effect_business": "Näringsliv",
            "effect_sustainability": "",
            "effect_trust": "Tillit",
            "effect_leadership": "",
            "short_term_effects": "Kort sikt",
            "goals": [
                {
                    "id": 21,
                    "number": 1,
                    "goal": "Fler företag",
                    "indicator": "Antal",
                    "target_value": "10",
                    "target_date": "2022-12-31",
                    "interventions": [2],
                }
            ],
        },
    }


def test_identical_snapshots_have_no_changes():
    diff = version_diff(_snapshot(), _snapshot())
    assert diff.is_empty
    assert diff.change_count == 0 and diff.totals == []


def test_renumbering_alone_is_not_a_change_and_goal_links_follow_ids():
    old = _snapshot()
    new = copy.deepcopy(old)
    first, second = new["part2"]["interventions"]
    # The two interventions swap places: numbers change, content does not; the goal still
    # points at "Utlysning", now number 1.
    first["number"], second["number"] = 2, 1
    new["part2"]["interventions"] = [second, first]
    new["part3"]["goals"][0]["interventions"] = [1]
    diff = version_diff(old, new)
    assert diff.is_empty
    # Pointing the goal at the other intervention is a change of that one field.
    new["part3"]["goals"][0]["interventions"] = [2]
    diff = version_diff(old, new)
    assert [(g.kind, g.id, [c.field for c in g.changes]) for g in diff.goals] == [
        ("changed", 21, ["interventions"])
    ]
    change = diff.goals[0].changes[0]
    assert change.old_display == "Insats 2 (Utlysning)"
    assert change.new_display == "Insats 2 (Forskning)"


def test_field_item_and_budget_changes_are_exact():
    old = _snapshot()
    new = copy.deepcopy(old)
    new["version"] = 2
    new["part1"]["needs_challenges"] = "Behov och nya utmaningar"
    new["part1"]["budget_lines"] = [
        {"description": "Personal", "amount": 50_000},
        {"description": "Konferens", "amount": 10_000},
    ]
    new["part1"]["budget_total"] = 60_000
    new["part2"]["interventions"][0]["cost"] = 150_000
    new["part2"]["interventions"][0]["dimensions"] = ["economic", "environmental"]
    del new["part2"]["interventions"][1]
    new["part2"]["interventions"].append(
        {**old["part2"]["interventions"][0], "id": 13, "number": 2, "title": "Metoder"}
    )
    new["part2"]["total_cost"] = 250_000
    new["part3"]["goals"][0]["interventions"] = []
    new["part3"]["goals"][0]["target_value"] = "12"
    new["part3"]["effect_leadership"] = "Starkare ledarskap"

    diff = version_diff(old, new)
    assert (diff.old_number, diff.new_number) == (1, 2)
    assert [c.field for c in diff.part1] == ["needs_challenges"]
    assert [(b.kind, b.description, b.old_amount, b.new_amount) for b in diff.budget] == [
        ("changed", "Personal", 60_000, 50_000),
        ("added", "Konferens", None, 10_000),
        ("removed", "Resor", 40_000, None),
    ]
    assert [(i.kind, i.id) for i in diff.interventions] == [
        ("changed", 11),
        ("added", 13),
        ("removed", 12),
    ]
    changed = diff.interventions[0]
    assert [(c.field, c.old, c.new) for c in changed.changes] == [
        ("dimensions", ["economic"], ["economic", "environmental"]),
        ("cost", 100_000, 150_000),
    ]
    assert changed.changes[0].new_display == "Ekonomisk hållbarhet; Miljömässig hållbarhet"
    assert changed.changes[1].new_display == "150\u00a0000\u00a0kr"
    assert [c.field for c in diff.part3] == ["effect_leadership"]
    assert [c.field for c in diff.goals[0].changes] == ["target_value", "interventions"]
    assert [(t.old, t.new) for t in diff.totals] == [(100_000, 60_000), (300_000, 250_000)]
    assert diff.change_count == 1 + 3 + 3 + 1 + 1


def test_word_segments_mark_what_was_removed_and_added():
    segments = word_segments("Fler hållbara företag i Skåne", "Fler gröna företag i Skåne 2022")
    assert [s for s in segments if s[0] != "equal"] == [
        ("delete", "hållbara"),
        ("insert", "gröna"),
        ("insert", " 2022"),
    ]
    joined_new = "".join(text for op, text in segments if op != "delete")
    assert joined_new == "Fler gröna företag i Skåne 2022"


@pytest.mark.django_db
def test_diff_of_a_real_return_and_resubmission(region, contact, staff_user):
    """Return → edit through the services → resubmit: the diff names exactly what was edited."""
    inventory, v1 = submitted_inventory(region=region, user=contact)
    with time_machine.travel(REVIEW_DAY, tick=False):
        inventory_return_for_completion(
            inventory=inventory, actor=staff_user, message="Komplettera insatserna."
        )
    with time_machine.travel(RESUBMIT_DAY, tick=False):
        state = inventory.current_state
        state.refresh_from_db()
        texts = {name: getattr(state, name) for name in state.TEXT_FIELDS}
        texts["collaboration"] = "Ny samverkan med kommunerna i Skåne."
        current_state_save(
            inventory=inventory,
            user=contact,
            data=texts,
            budget_lines=[
                {"description": "Budgetrad 1", "amount": 60_000},
                {"description": "Budgetrad 2", "amount": 30_000},
            ],
            revision=state.revision,
        )
        first, second = list(inventory.interventions.order_by("position"))
        intervention_update(
            intervention=first,
            user=contact,
            data={"actors": "Lunds universitet, kommunerna och Region Skåne"},
            revision=first.revision,
        )
        intervention_delete(intervention=second, user=contact, revision=second.revision)
        added = intervention_create(
            inventory=inventory,
            user=contact,
            data={
                "title": "Insats 3: Metodstöd",
                "description": "Metoder för hållbarhetsanalys.",
                "activity_areas": ["methods"],
                "dimensions": ["environmental"],
                "perspective_gender": "Kön",
                "perspective_age": "Ålder",
                "perspective_background": "Bakgrund",
                "actors": "Länsstyrelsen",
                "start_date": first.start_date,
                "end_date": first.end_date,
                "cost": 120_000,
                "priority": "low",
            },
            years={2020: {"sought": 50_000, "own": 0, "other": 0}},
        )
        goals = list(inventory.goals.order_by("position"))
        goal_update(
            goal=goals[0],
            user=contact,
            data={"target_value": "15"},
            interventions=[first],
            revision=goals[0].revision,
        )
        goal_create(
            inventory=inventory,
            user=contact,
            data={
                "goal": "Mål 3: metodstöd i alla kommuner",
                "indicator": "Andel kommuner",
                "target_value": "100 %",
                "target_date": goals[0].target_date,
                "effects": ["leadership"],
                "dimensions": ["environmental"],
            },
            interventions=[added],
        )
        target = inventory.target_state
        target.refresh_from_db()
        target_state_save(
            inventory=inventory,
            user=contact,
            data={
                **{name: getattr(target, name) for name in target.TEXT_FIELDS},
                "short_term_effects": "Nya nätverk och metoder på kort sikt.",
            },
            revision=target.revision,
        )
        v2 = inventory_submit(inventory=inventory, user=contact)

    diff = version_diff(v1.snapshot, v2.snapshot)
    assert [c.field for c in diff.part1] == ["collaboration"]
    assert [(b.kind, b.description) for b in diff.budget] == [("changed", "Budgetrad 2")]
    assert [(i.kind, i.id) for i in diff.interventions] == [
        ("changed", first.pk),
        ("added", added.pk),
        ("removed", second.pk),
    ]
    assert [c.field for c in diff.interventions[0].changes] == ["actors"]
    assert [c.field for c in diff.part3] == ["short_term_effects"]
    assert [(g.kind, [c.field for c in g.changes]) for g in diff.goals] == [
        ("changed", ["target_value"]),
        ("added", []),
    ]


def test_spent_start_capital_shows_in_the_budget_diff():
    old = _snapshot()
    new = copy.deepcopy(old)
    new["version"] = 2
    new["part1"]["budget_lines"] = [
        {"description": "Personal", "amount": 60_000, "spent": 20_000},
        {"description": "Resor", "amount": 40_000, "spent": None},
    ]
    new["part1"]["spent_total"] = 20_000
    diff = version_diff(old, new)
    assert [(c.kind, c.description) for c in diff.budget] == [("changed", "Personal")]
    assert diff.budget[0].old_display == "60\u00a0000\u00a0kr"
    assert diff.budget[0].new_display == "60\u00a0000\u00a0kr (använt 20\u00a0000\u00a0kr)"
    assert [(t.label, t.old, t.new) for t in diff.totals] == [
        ("Använt av startkapitalet", None, 20_000)
    ]
