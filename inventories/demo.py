"""Demo rounds and inventories for ``seed_demo``."""

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from inventories.models import Milestone, Round

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PRACTICE_SLUG = "ovning"


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
        },
    )
    if created:
        for position, (when, what) in enumerate(
            [
                (f"{deadline:%Y-%m-%d}", "Sista dag för övningsomgången"),
            ]
        ):
            Milestone.objects.create(round=round_, when=when, what=what, position=position)
    return round_


def seed_inventories(*, contacts) -> list[str]:
    round_ = practice_round()
    deadline = timezone.localtime(round_.deadline)
    return [f"practice round: {round_.name}, deadline {deadline:%Y-%m-%d %H:%M}"]
