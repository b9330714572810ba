"""The periods of the retention plans: a round's own, the defaults, and the strictest of all."""

import calendar
import dataclasses
import datetime
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.utils import timezone

from inventories.models import Round
from records.models import (
    DEFAULT_CONTACT_INACTIVE_MONTHS,
    DEFAULT_DRAFT_MONTHS,
    DEFAULT_SIGN_IN_DAYS,
    RetentionPlan,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@dataclasses.dataclass(frozen=True)
class Periods:
    contact_inactive_months: int = DEFAULT_CONTACT_INACTIVE_MONTHS
    draft_months: int = DEFAULT_DRAFT_MONTHS
    sign_in_days: int = DEFAULT_SIGN_IN_DAYS

    @classmethod
    def of(cls, plan: RetentionPlan | None) -> "Periods":
        if plan is None:
            return cls()
        return cls(
            contact_inactive_months=plan.contact_inactive_months,
            draft_months=plan.draft_months,
            sign_in_days=plan.sign_in_days,
        )


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same local (Stockholm) time ``months`` calendar months earlier (the day clamped to
    the month's last, e.g. 31 May minus 3 months is 28 or 29 February)."""
    local = timezone.localtime(moment, STOCKHOLM)
    year, month0 = divmod(local.year * 12 + local.month - 1 - months, 12)
    month = month0 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(tzinfo=None, year=year, month=month, day=day).replace(tzinfo=STOCKHOLM)


def _plan_of(round_: Round) -> RetentionPlan | None:
    try:
        return round_.retention_plan
    except RetentionPlan.DoesNotExist:
        return None


def round_periods(round_: Round) -> Periods:
    """The round's own plan, or the defaults when it has none."""
    return Periods.of(_plan_of(round_))


def rounds_with_periods() -> list[tuple[Round, Periods]]:
    """Every round, newest first, with the periods it follows."""
    rounds = Round.objects.select_related("retention_plan").order_by("-opens_at", "pk")
    return [(round_, round_periods(round_)) for round_ in rounds]


def global_periods(periods: Iterable[Periods] | None = None) -> Periods:
    """The periods for data that belongs to no round (contact persons, sign-in records): the
    shortest of all rounds' plans, so that every period a plan promises holds."""
    if periods is None:
        periods = [p for _round, p in rounds_with_periods()]
    periods = list(periods) or [Periods()]
    return Periods(
        contact_inactive_months=min(p.contact_inactive_months for p in periods),
        draft_months=min(p.draft_months for p in periods),
        sign_in_days=min(p.sign_in_days for p in periods),
    )


def local_day(moment: datetime.datetime) -> str:
    return timezone.localtime(moment, STOCKHOLM).strftime("%Y-%m-%d")
