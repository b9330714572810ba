"""Factories for inventories: a round, and an inventory filled in completely (or partly)."""

import datetime
from zoneinfo import ZoneInfo

import factory

from inventories.models import (
    BudgetLine,
    Goal,
    Intervention,
    InterventionYear,
    Inventory,
    Round,
)
from inventories.services import inventory_open

STOCKHOLM = ZoneInfo("Europe/Stockholm")


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Round

    name = factory.Sequence(lambda n: f"Testomgång {n}")
    slug = factory.Sequence(lambda n: f"test-{n}")
    opens_at = datetime.datetime(2019, 10, 1, tzinfo=STOCKHOLM)
    deadline = datetime.datetime(2020, 1, 20, 23, 59, 59, tzinfo=STOCKHOLM)
    start_capital = 100_000
    period_start = datetime.date(2020, 1, 1)
    period_end = datetime.date(2022, 12, 31)


def round_2019() -> Round:
    return Round.objects.get(slug="2019")


def fill_inventory(inventory, *, interventions=2, goals=2, budget=(60_000, 40_000)):
    """Fill all three parts so that the inventory is complete (written straight to the models)."""
    current = inventory.current_state
    for name in current.TEXT_FIELDS:
        setattr(current, name, f"Nuläge {name}: Skånes näringsliv – åäö ÅÄÖ.")
    current.save()
    for position, amount in enumerate(budget):
        BudgetLine.objects.create(
            inventory=inventory,
            description=f"Budgetrad {position + 1}",
            amount=amount,
            position=position,
        )
    items = []
    for n in range(1, interventions + 1):
        items.append(
            Intervention.objects.create(
                inventory=inventory,
                position=n,
                title=f"Insats {n}: Hållbar omställning",
                description=f"Beskrivning av insats {n} – gröna jobb i Malmö och Lund.",
                activity_areas=["research", "collaboration"],
                dimensions=["economic", "social"],
                perspective_gender="Jämställd fördelning av medel.",
                perspective_age="Unga och äldre deltar.",
                perspective_background="Personer med utländsk bakgrund deltar.",
                actors="Lunds universitet, kommunerna",
                start_date=datetime.date(2020, 3, 1),
                end_date=datetime.date(2021, 12, 31),
                cost=250_000 * n,
                priority="high" if n == 1 else "medium",
                effects=["business"],
            )
        )
        for year, sought in ((2020, 100_000 * n), (2021, 50_000 * n)):
            InterventionYear.objects.create(
                intervention=items[-1], year=year, sought=sought, own=10_000 * n, other=5_000
            )
    target = inventory.target_state
    target.target_state = "Börläge: hållbarhet integrerad i det regionala tillväxtarbetet."
    target.effect_business = "Fler företag i omställning."
    target.effect_trust = "Ökad tillit mellan aktörer."
    target.short_term_effects = "Nya nätverk på kort sikt."
    target.save()
    for n in range(1, goals + 1):
        goal = Goal.objects.create(
            inventory=inventory,
            position=n,
            goal=f"Mål {n}: fler hållbara företag",
            indicator="Antal företag",
            target_value=str(10 * n),
            target_date=datetime.date(2022, 12, 31),
            effects=["business", "trust"],
            dimensions=["economic"],
            follow_up=["gender"],
        )
        goal.interventions.set(items[:1] if items else [])
    return inventory


def open_inventory(*, round, region, user, filled=True, **kwargs) -> Inventory:
    inventory = inventory_open(round=round, region=region, user=user)
    if filled:
        fill_inventory(inventory, **kwargs)
    return inventory
