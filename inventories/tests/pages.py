"""Helpers for the page tests: URLs of an inventory and form data as a browser would post it."""

import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse

from inventories.models import CurrentState, TargetState

STOCKHOLM = ZoneInfo("Europe/Stockholm")
#: Inside the 2019 round (opened 1 October 2019, deadline 20 January 2020).
IN_ROUND = datetime.datetime(2019, 11, 15, 10, 0, tzinfo=STOCKHOLM)


def inventory_url(name, region, round_slug="2019", **kwargs):
    return reverse(
        f"inventories:{name}",
        kwargs={"region_slug": region.slug, "round_slug": round_slug, **kwargs},
    )


def part1_post(*, revision, texts=None, lines=(), blank_rows=1, **extra):
    """Del 1 as posted: the six texts, the revision and the budget formset rows."""
    texts = texts if texts is not None else {}
    data = {name: texts.get(name, f"Nuläge: {name} – åäö") for name in CurrentState.TEXT_FIELDS}
    rows = list(lines) + [("", "")] * blank_rows
    data.update(
        {
            "revision": str(revision),
            "budget-TOTAL_FORMS": str(len(rows)),
            "budget-INITIAL_FORMS": str(len(lines)),
            "budget-MIN_NUM_FORMS": "0",
            "budget-MAX_NUM_FORMS": "50",
        }
    )
    for index, (description, amount) in enumerate(rows):
        data[f"budget-{index}-description"] = description
        data[f"budget-{index}-amount"] = amount
    data.update(extra)
    return data


def intervention_post(n=1, **overrides):
    data = {
        "title": f"Insats {n}: Hållbar omställning",
        "description": "Gröna jobb i Malmö och Lund.",
        "activity_areas": ["research", "collaboration"],
        "dimensions": ["economic", "social"],
        "perspective_gender": "Jämställd fördelning.",
        "perspective_age": "Unga och äldre.",
        "perspective_background": "Personer med utländsk bakgrund.",
        "actors": "Lunds universitet",
        "start_date": "2020-03-01",
        "end_date": "2021-12-31",
        "cost": "250 000",
        "priority": "high",
        "effects": ["business"],
        "y2020_sought": "100 000",
        "y2020_own": "20 000",
        "y2020_other": "",
        "y2021_sought": "80 000",
        "y2021_own": "",
        "y2021_other": "10 000",
    }
    data.update(overrides)
    return data


def part3_post(*, revision, **overrides):
    data = {name: "" for name in TargetState.TEXT_FIELDS}
    data.update(
        {
            "target_state": "Hållbarhet är en del av det regionala tillväxtarbetet.",
            "effect_business": "Fler företag ställer om.",
            "short_term_effects": "Nya nätverk.",
            "revision": str(revision),
        }
    )
    data.update(overrides)
    return data


def goal_post(n=1, interventions=(), **overrides):
    data = {
        "goal": f"Mål {n}: fler hållbara företag",
        "indicator": "Antal företag",
        "target_value": str(10 * n),
        "target_date": "2022-12-31",
        "interventions": [str(pk) for pk in interventions],
        "effects": ["business", "trust"],
        "dimensions": ["economic", "social"],
        "follow_up": ["gender", "age"],
    }
    data.update(overrides)
    return data
