"""After a flush (the end of every transactional test) the next test finds the reference data the
migrations load, complete: conftest runs the data migrations' own functions again."""

import datetime
import importlib

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.forms.models import model_to_dict

from conftest import REFERENCE_DATA_MIGRATIONS, ensure_reference_data
from inventories.models import Milestone, Round
from portal.models import STAFF_GROUP_NAME
from portal.staff_group import staff_permission_names
from records.models import RetentionPlan
from regions.models import Region


def migration(name):
    module = next(module for module, _function in REFERENCE_DATA_MIGRATIONS if name in module)
    return importlib.import_module(module)


def reference_data():
    """Everything the data migrations load, without ids (a flush restarts no sequence)."""
    round_ = Round.objects.get(slug="2019")
    group = Group.objects.get(name=STAFF_GROUP_NAME)
    return {
        "regions": [
            model_to_dict(region, exclude=["id"]) for region in Region.objects.order_by("code")
        ],
        "round": model_to_dict(round_, exclude=["id"]),
        "milestones": [
            model_to_dict(milestone, exclude=["id", "round"])
            for milestone in Milestone.objects.filter(round=round_).order_by("position")
        ],
        "plans": [
            (plan.round.slug, model_to_dict(plan, exclude=["id", "round"]))
            for plan in RetentionPlan.objects.select_related("round").order_by("round__slug")
        ],
        "staff_permissions": sorted(
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        ),
    }


def assert_as_migrated(data):
    """What each data migration says it loads (read from the migration modules)."""
    regions = migration("regions.migrations.0002").REGIONS
    assert [(r["code"], r["name"], r["slug"]) for r in data["regions"]] == [
        (code, name, slug) for code, name, _county, slug in regions
    ]
    milestones = migration("0003_round_2019").MILESTONES
    assert [(m["when"], m["what"]) for m in data["milestones"]] == milestones
    countable = migration("0007_countable_needs")
    assert data["round"]["programme_funds"] == 89_000_000
    assert data["round"]["next_steps"] == countable.NEXT_STEPS_2019
    for milestone in data["milestones"]:
        starts, ends = countable.MILESTONE_DATES_2019[milestone["when"]]
        assert milestone["starts_on"] == datetime.date.fromisoformat(starts)
        assert milestone["ends_on"] == (datetime.date.fromisoformat(ends) if ends else None)
    assert data["round"]["registration_prefix"] == "2019-"  # 0013
    assert [slug for slug, _plan in data["plans"]] == ["2019"]  # records 0002
    assert data["staff_permissions"] == sorted(staff_permission_names())


@pytest.mark.django_db(transaction=True)
def test_a_flush_leaves_the_reference_data_as_the_migrations_loaded_it():
    before = reference_data()
    assert_as_migrated(before)

    call_command("flush", interactive=False, verbosity=0)
    assert not Round.objects.exists() and not RetentionPlan.objects.exists()
    ensure_reference_data()

    after = reference_data()
    assert_as_migrated(after)
    assert after == before


@pytest.mark.django_db
def test_a_half_restored_round_is_completed_too():
    """A database reused from a run that restored only part of it gets the rest."""
    round_ = Round.objects.get(slug="2019")
    RetentionPlan.objects.filter(round=round_).delete()
    Round.objects.filter(pk=round_.pk).update(
        registration_prefix="", programme_funds=None, next_steps=""
    )
    Milestone.objects.filter(round=round_).update(starts_on=None, ends_on=None)

    ensure_reference_data()

    assert_as_migrated(reference_data())
