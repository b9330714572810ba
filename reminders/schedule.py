"""The reminder schedule: pure functions, no database.

Given a round's settings and a region's effective deadline, compute the steps of its schedule as
aware datetimes at the round's reminder time, Swedish local time. Each step is built as a local
wall time with ``zoneinfo`` (``date`` arithmetic, then ``datetime.combine`` in Europe/Stockholm), so
a reminder leaves at 08:00 on both sides of a daylight-saving change. Never add 24-hour multiples to
a UTC instant here.

A step's key names the deadline date it was computed for (``before-7@2020-01-20``): an extension to
another day gives the region a new set of keys, so its remaining reminders follow the new deadline
while the ledger still holds what was sent for the old one.
"""

import datetime
from dataclasses import dataclass
from functools import lru_cache

from portal.formatting import STOCKHOLM

# Kinds of step (the ledger's ``Reminder.Kind`` uses the same values).
REMINDER = "reminder"
DEADLINE_PASSED = "deadline_passed"
EXTENSION_NOTICE = "extension_notice"
STAFF_SUMMARY = "staff_summary"
STAFF_ESCALATION = "staff_escalation"

ESCALATION_PREFIX = "escalation-"
SUMMARY_PREFIX = "summary-"
EXTENDED_PREFIX = "extended-"


@dataclass(frozen=True)
class Step:
    """One step of a schedule: ``key`` is unique within a region's ledger for the round."""

    key: str
    kind: str
    due_at: datetime.datetime  # aware, in UTC
    days_before: int | None = None

    @property
    def is_before_deadline(self) -> bool:
        return self.days_before is not None


def local_wall_time(day: datetime.date, at: datetime.time) -> datetime.datetime:
    """``day`` at ``at`` on the clock in Stockholm, as an aware datetime.

    A wall time that does not exist (the hour skipped in spring) is moved forward by the gap, as
    a clock on the wall would be; an ambiguous one (autumn) is the first of the two.
    """
    naive = datetime.datetime.combine(day, at.replace(tzinfo=None))
    value = naive.replace(tzinfo=STOCKHOLM, fold=0)
    # Round-trip through UTC to normalise a non-existent local time.
    return value.astimezone(datetime.UTC).astimezone(STOCKHOLM)


def _utc(value: datetime.datetime) -> datetime.datetime:
    # Steps are kept in UTC: Python compares and subtracts two datetimes that share a tzinfo by
    # their wall times, which is wrong across a daylight-saving change.
    return value.astimezone(datetime.UTC)


def deadline_local(deadline: datetime.datetime) -> datetime.datetime:
    return deadline.astimezone(STOCKHOLM)


def deadline_tag(deadline: datetime.datetime) -> str:
    """The part of a step key that names the deadline: its date in Stockholm."""
    return deadline_local(deadline).date().isoformat()


def extension_key(deadline: datetime.datetime) -> str:
    """The step key of the notice telling a region its new deadline (sent once per deadline)."""
    return EXTENDED_PREFIX + deadline_local(deadline).isoformat(timespec="seconds")


@lru_cache(maxsize=4096)
def _schedule(
    deadline: datetime.datetime,
    reminder_days: tuple[int, ...],
    reminder_time: datetime.time,
    opens_at: datetime.datetime | None,
) -> tuple[Step, ...]:
    day = deadline_local(deadline).date()
    tag = day.isoformat()
    steps = []
    for days in sorted(set(reminder_days), reverse=True):
        due_at = _utc(local_wall_time(day - datetime.timedelta(days=days), reminder_time))
        if opens_at is not None and due_at < opens_at:
            continue  # nothing is sent before the round opens
        steps.append(Step(f"before-{days}@{tag}", REMINDER, due_at, days))
    passed_at = _utc(local_wall_time(day + datetime.timedelta(days=1), reminder_time))
    steps.append(Step(f"passed@{tag}", DEADLINE_PASSED, passed_at))
    return tuple(sorted(steps, key=lambda step: step.due_at))


def schedule(
    *,
    deadline: datetime.datetime,
    reminder_days,
    reminder_time: datetime.time,
    opens_at: datetime.datetime | None = None,
) -> tuple[Step, ...]:
    """The steps for one effective deadline, earliest first.

    One reminder ``days`` before the deadline's date for each entry of ``reminder_days`` (at
    ``reminder_time``, Stockholm), left out when it would fall before ``opens_at``; then the
    "deadline passed" step on the morning after the deadline's date.
    """
    days = tuple(int(d) for d in (reminder_days or ()) if int(d) > 0)
    return _schedule(deadline, days, reminder_time, opens_at)


def round_schedule(round_, deadline: datetime.datetime | None = None) -> tuple[Step, ...]:
    """The schedule of ``round_`` for ``deadline`` (a region's effective one, or the round's)."""
    return schedule(
        deadline=deadline or round_.deadline,
        reminder_days=round_.reminder_days,
        reminder_time=round_.reminder_time,
        opens_at=round_.opens_at,
    )


def staff_schedule(round_) -> tuple[Step, ...]:
    """The staff's steps for the round: an escalation per reminder step and the summary.

    They follow the round's own deadline; a region's extension does not move them.
    """
    steps = []
    for step in round_schedule(round_):
        if step.kind == REMINDER:
            steps.append(
                Step(ESCALATION_PREFIX + step.key, STAFF_ESCALATION, step.due_at, step.days_before)
            )
        else:
            steps.append(Step(SUMMARY_PREFIX + step.key, STAFF_SUMMARY, step.due_at))
    return tuple(steps)


def due_steps(steps, now: datetime.datetime, *, since: datetime.datetime | None = None):
    """The steps due at ``now`` (those due before ``since`` do not count)."""
    return [
        step for step in steps if step.due_at <= now and (since is None or step.due_at >= since)
    ]


def current_step(
    steps,
    *,
    now: datetime.datetime,
    deadline: datetime.datetime,
    since: datetime.datetime | None = None,
) -> Step | None:
    """The step that may be sent at ``now``: the most recent one that is due and not stale.

    Earlier due steps are superseded by it (catch-up sends only the latest). A reminder is stale
    once the deadline has passed: no "7 days left" after the deadline; the region then waits for
    the "deadline passed" step. Steps due before ``since`` do not apply at all (an inventory
    returned for completion is reminded of the steps after it came back, not of those it missed
    while it lay submitted).
    """
    due = due_steps(steps, now, since=since)
    if not due:
        return None
    latest = due[-1]
    if latest.is_before_deadline and _utc(now) > _utc(deadline):
        return None
    return latest


def superseded_steps(steps, current: Step, *, since: datetime.datetime | None = None):
    """The steps before ``current`` (from ``since``): if they have not gone out, they never will."""
    return [
        step
        for step in steps
        if step.due_at < current.due_at and (since is None or step.due_at >= since)
    ]


def days_left(deadline: datetime.datetime, now: datetime.datetime) -> int:
    """Whole calendar days from today to the deadline's date, both in Stockholm."""
    return (deadline_local(deadline).date() - now.astimezone(STOCKHOLM).date()).days
