"""Demo rounds and inventories for ``seed_demo``.

The practice round opens yesterday and closes 30 days from today, so the portal can be tried at
once. Regions get inventories in different states (written through the services, as a contact
person would): 03 a half-filled draft, 05 submitted, 13 returned with a message, and eleven more
submitted (``SYNTHESIS_SUBMITTED``) and two complete drafts (``SYNTHESIS_DRAFTS``) with varied
activity areas, dimensions, effects, priorities, amounts and intersectional descriptions, so
that the staff's synthesis has something to say (12 of 21 submitted). The others – among them
01 and 12 – start empty so people can try the forms themselves.
"""

import datetime

from django.utils import timezone

from inventories.models import Inventory, Milestone, Round
from portal.formatting import STOCKHOLM

PRACTICE_SLUG = "ovning"
STAFF_EMAIL = "handlaggare@example.se"
RETURN_MESSAGE = (
    "Tack för inlämningen! Beskriv gärna i Del 2 hur det intersektionella perspektivet "
    "används i insats 2, och ange ett målvärde för mål 1."
)


def practice_round() -> Round:
    """An open practice round whose deadline is 30 days after today (created once)."""
    today = timezone.localdate()
    deadline = datetime.datetime.combine(
        today + datetime.timedelta(days=30), datetime.time(23, 59, 59), tzinfo=STOCKHOLM
    )
    round_, created = Round.objects.get_or_create(
        slug=PRACTICE_SLUG,
        defaults={
            "name": "Behovsinventering – övningsomgång",
            "opens_at": datetime.datetime.combine(
                today - datetime.timedelta(days=1), datetime.time(0, 0), tzinfo=STOCKHOLM
            ),
            "deadline": deadline,
            "start_capital": 100_000,
            "period_start": datetime.date(today.year + 1, 1, 1),
            "period_end": datetime.date(today.year + 3, 12, 31),
            "programme_funds": 89_000_000,
            "registration_prefix": "ÖVN-",
        },
    )
    if created:
        opened = timezone.localtime(round_.opens_at).date()
        for position, (when, what, day) in enumerate(
            [
                (f"{opened:%Y-%m-%d}", "Övningsomgången öppnar", opened),
                (f"{deadline:%Y-%m-%d}", "Sista dag för övningsomgången", deadline.date()),
                (
                    f"{deadline.date() + datetime.timedelta(days=14):%Y-%m-%d}",
                    "Utlysningen öppnar (övning)",
                    deadline.date() + datetime.timedelta(days=14),
                ),
            ]
        ):
            Milestone.objects.create(
                round=round_, when=when, what=what, position=position, starts_on=day
            )
    return round_


def _current_state(region, *, complete):
    texts = {
        "context": f"{region.name} har en blandad ekonomi med både stad och landsbygd.",
        "work_economic": "Regionala utvecklingsstrategin lyfter omställning i industrin.",
        "work_social": "Arbete med kompetensförsörjning och inkludering pågår.",
        "work_environmental": "Klimatfärdplan antagen; uppföljning saknas än.",
        "needs_challenges": "Behov av samordning och kunskap om hållbarhetsanalys.",
        "collaboration": "Nätverk med kommunerna och lärosätena finns.",
        "perspective": (
            "Sysselsättningen är lägre bland utrikes födda kvinnor; unga lämnar "
            "landsbygden för studier."
        ),
    }
    if not complete:
        texts = {name: value for name, value in list(texts.items())[:3]}
    return texts


def _intervention(round_, number, *, complete):
    start = round_.period_start.replace(month=3, day=1)
    data = {
        "title": ["Kunskapslyft om hållbar tillväxt", "Utlysning för gröna idéer"][number - 1],
        "description": "Seminarier och analysstöd för regionens aktörer.",
        "activity_areas": ["research", "collaboration"],
        "dimensions": ["economic", "environmental"],
        "perspective_gender": "",
        "perspective_age": "",
        "perspective_background": "",
        "actors": "",
        "start_date": None,
        "end_date": None,
        "cost": None,
    }
    if complete:
        data.update(
            {
                "perspective_gender": "Könsuppdelad statistik i alla analyser.",
                "perspective_age": "Unga vuxna engageras via gymnasieskolorna.",
                "perspective_background": "Samarbete med etableringsprojekt.",
                "actors": "Kommunerna, lärosätena och näringslivets organisationer.",
                "start_date": start,
                "end_date": round_.period_end,
                "cost": 400_000 * number,
                "priority": ["high", "medium"][number - 1],
                "effects": [["business", "leadership"], ["sustainability"]][number - 1],
            }
        )
    return data


def _years(round_, number, region) -> dict:
    """Money per programme year; varies by region so a synthesis has something to sum."""
    scale = int(region.code) * 5_000
    return {
        year: {
            "sought": (150_000 + scale) * number if index < 2 else 0,
            "own": 30_000 * number,
            "other": 20_000 if number == 2 else 0,
        }
        for index, year in enumerate(round_.years)
    }


def _fill(inventory, user, *, complete):
    """Fill in the inventory through the services, completely or about half."""
    from inventories.services import (
        current_state_save,
        goal_create,
        intervention_create,
        target_state_save,
    )

    round_, region = inventory.round, inventory.region
    current_state_save(
        inventory=inventory,
        user=user,
        data=_current_state(region, complete=complete),
        budget_lines=[{"description": "Processledning", "amount": 60_000, "spent": 35_000}]
        + ([{"description": "Analysstöd", "amount": 40_000, "spent": None}] if complete else []),
        revision=inventory.current_state.revision,
    )
    interventions = [
        intervention_create(
            inventory=inventory,
            user=user,
            data=_intervention(round_, n, complete=complete),
            years=_years(round_, n, region) if complete else None,
        )
        for n in ((1, 2) if complete else (1,))
    ]
    if not complete:
        return
    target_state_save(
        inventory=inventory,
        user=user,
        data={
            "target_state": "Hållbarhet är integrerad i det regionala tillväxtarbetet.",
            "effect_business": "Fler företag ställer om och breddar sig.",
            "effect_trust": "Aktörerna litar på varandra och delar data.",
            "short_term_effects": "Gemensam lägesbild och nya samarbeten.",
        },
        revision=inventory.target_state.revision,
    )
    goal_create(
        inventory=inventory,
        user=user,
        data={
            "goal": "Fler små företag arbetar med hållbarhetsanalys",
            "indicator": "Antal företag",
            "target_value": "50",
            "target_date": round_.period_end,
            "effects": ["business", "sustainability"],
            "dimensions": ["economic", "environmental"],
            "follow_up": ["gender", "background"],
        },
        interventions=interventions,
    )


#: Regions that submit a varied inventory, and regions with a varied complete draft.
SYNTHESIS_SUBMITTED = ("04", "06", "07", "08", "09", "10", "14", "17", "18", "20", "21")
SYNTHESIS_DRAFTS = ("19", "22")

_TITLES = (
    "Kunskapslyft om hållbar tillväxt",
    "Utlysning för gröna idéer",
    "Verktyg för hållbarhetsanalys i projekt",
    "Nätverk för kommunernas näringslivsarbete",
    "Hållbarhetskriterier i företagsstödet",
    "Kompetensförsörjning för omställningen",
    "Forskningsdagar med lärosätena",
    "Samverkan om landsbygdens service",
)
_AREAS = ("research", "funds", "methods", "collaboration", "administration")
_DIMENSIONS = ("economic", "social", "environmental")
_EFFECTS = ("business", "sustainability", "trust", "leadership")
_PRIORITIES = ("high", "medium", "low")
_NEEDS = (
    "Behov av samordning mellan kommunerna och kunskap om hållbarhetsanalys.",
    "Utmaningen är kompetensförsörjningen: unga flyttar och företagen saknar folk.",
    "Vi behöver metoder för att följa upp den sociala hållbarheten i projekten.",
    "Klimatomställningen i industrin kräver nya samarbeten och kapital.",
)


def _varied_intervention(round_, region, number, seed) -> tuple[dict, dict]:
    """An intervention and its money per year; what it names varies with ``seed`` and ``number``."""
    k = seed + number
    areas = [_AREAS[k % 5]] + ([_AREAS[(k + 2) % 5]] if k % 3 == 0 else [])
    dimensions = [_DIMENSIONS[k % 3]] + ([_DIMENSIONS[(k + 1) % 3]] if k % 2 == 0 else [])
    effects = [_EFFECTS[k % 4]] + ([_EFFECTS[(k + 1) % 4]] if k % 4 == 1 else [])
    data = {
        "title": _TITLES[k % len(_TITLES)],
        "description": f"{region.name} genomför insatsen tillsammans med regionens aktörer.",
        "activity_areas": areas,
        "dimensions": dimensions,
        # A submitted inventory describes all three grounds; how it follows them up varies.
        "perspective_gender": (
            "Könsuppdelad statistik i alla analyser.",
            "Jämn fördelning av medel.",
        )[k % 2],
        "perspective_age": (
            "Unga vuxna engageras via gymnasieskolorna.",
            "Äldre företagare deltar.",
        )[k % 2],
        "perspective_background": ("Samarbete med etableringsprojekt.", "Material på flera språk.")[
            k % 2
        ],
        "actors": "Kommunerna, lärosätena och näringslivets organisationer.",
        "start_date": round_.period_start.replace(month=3, day=1),
        "end_date": round_.period_end,
        "cost": 200_000 + 50_000 * (k % 7),
        "priority": _PRIORITIES[k % 3],
        "effects": effects,
    }
    base = 100_000 + 25_000 * (k % 9)
    years = {
        year: {
            "sought": base if index < 2 or k % 2 else base // 2,
            "own": 20_000 + 5_000 * (k % 4),
            "other": 15_000 if k % 3 == 0 else 0,
        }
        for index, year in enumerate(round_.years)
    }
    return data, years


def _fill_varied(inventory, user, seed: int) -> None:
    """A complete inventory whose choices and amounts vary with ``seed`` (through the services)."""
    from inventories.services import (
        current_state_save,
        goal_create,
        intervention_create,
        target_state_save,
    )

    round_, region = inventory.round, inventory.region
    texts = _current_state(region, complete=True)
    texts["needs_challenges"] = _NEEDS[seed % len(_NEEDS)]
    current_state_save(
        inventory=inventory,
        user=user,
        data=texts,
        budget_lines=[
            {
                "description": "Processledning",
                "amount": 40_000 + 5_000 * (seed % 5),
                "spent": 30_000,
            },
            {"description": "Analysstöd", "amount": 40_000, "spent": 10_000 * (seed % 4)},
        ],
        revision=inventory.current_state.revision,
    )
    interventions = []
    for number in range(1, 2 + seed % 3 + 1):
        data, years = _varied_intervention(round_, region, number, seed)
        interventions.append(
            intervention_create(inventory=inventory, user=user, data=data, years=years)
        )
    target_state_save(
        inventory=inventory,
        user=user,
        data={
            "target_state": "Hållbarhet är integrerad i det regionala tillväxtarbetet.",
            "effect_business": "Fler företag ställer om och breddar sig.",
            "effect_sustainability": "Hållbarhetsanalys är en del av varje större beslut.",
            "effect_trust": "Aktörerna litar på varandra och delar data.",
            "effect_leadership": "Regionen leder omställningsarbetet tillsammans med kommunerna.",
            "short_term_effects": "Gemensam lägesbild och nya samarbeten.",
        },
        revision=inventory.target_state.revision,
    )
    for number in range(1, 1 + seed % 2 + 1):
        k = seed + number
        goal_create(
            inventory=inventory,
            user=user,
            data={
                "goal": ["Fler små företag arbetar med hållbarhetsanalys", "Fler unga stannar"][
                    number - 1
                ],
                "indicator": "Antal företag" if number == 1 else "Andel unga 20–29 år",
                "target_value": str(20 + 10 * (k % 5)),
                "target_date": round_.period_end,
                "effects": [_EFFECTS[k % 4]],
                "dimensions": [_DIMENSIONS[k % 3]],
                "follow_up": ["gender", "age", "background"][: 1 + k % 3],
            },
            interventions=interventions[:number],
        )


def _seed_varied(round_, user, seed: int, *, submit: bool) -> str:
    from inventories.services import inventory_open, inventory_submit

    region = user.contact_person.region
    if Inventory.objects.filter(round=round_, region=region).exists():
        return f"{region.code} {region.name}: already there"
    inventory = inventory_open(round=round_, region=region, user=user)
    _fill_varied(inventory, user, seed)
    if not submit:
        return f"{region.code} {region.name}: complete draft"
    inventory_submit(inventory=inventory, user=user)
    return f"{region.code} {region.name}: submitted (version 1)"


def _seed_one(round_, user, state, staff):
    from inventories.services import (
        inventory_open,
        inventory_return_for_completion,
        inventory_submit,
    )

    region = user.contact_person.region
    if Inventory.objects.filter(round=round_, region=region).exists():
        return f"{region.code} {region.name}: already there"
    inventory = inventory_open(round=round_, region=region, user=user)
    _fill(inventory, user, complete=state != "draft")
    if state == "draft":
        return f"{region.code} {region.name}: half-filled draft"
    inventory_submit(inventory=inventory, user=user)
    if state == "submitted":
        return f"{region.code} {region.name}: submitted (version 1)"
    if staff is None:
        return f"{region.code} {region.name}: submitted (no staff user to return it)"
    inventory_return_for_completion(inventory=inventory, actor=staff, message=RETURN_MESSAGE)
    return f"{region.code} {region.name}: returned with a message"


def seed_inventories(*, contacts) -> list[str]:
    """The practice round and a few inventories in it (idempotent: existing ones are kept)."""
    from portal.models import User

    round_ = practice_round()
    deadline = timezone.localtime(round_.deadline)
    summary = [f"practice round: {round_.name}, deadline {deadline:%Y-%m-%d %H:%M}"]
    if not (round_.opens_at <= timezone.now() <= round_.deadline):
        summary.append("practice round is closed: no demo inventories added")
        return summary
    staff = User.objects.filter(email=STAFF_EMAIL).first()
    for code, state in (("03", "draft"), ("05", "submitted"), ("13", "returned")):
        user = contacts.get(code)
        if user is not None:
            summary.append("  " + _seed_one(round_, user, state, staff))
    for seed, code in enumerate(SYNTHESIS_SUBMITTED + SYNTHESIS_DRAFTS):
        user = contacts.get(code)
        if user is not None:
            line = _seed_varied(round_, user, seed, submit=code in SYNTHESIS_SUBMITTED)
            summary.append("  " + line)
    summary.append("  01 and 12 start empty: sign in as kontakt-01 or kontakt-12 to try the form")
    return summary
