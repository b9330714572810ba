"""Who is due which reminder now: read what the decision needs in bulk, then decide.

``read_state`` reads everything in a fixed number of queries, however many inventories there
are; ``decide`` works on what it read without touching the database.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings

from inventories.models import Inventory, Round
from regions.models import ContactPerson, Region
from reminders import schedule as sched
from reminders.models import Reminder

#: A round stops being swept this long after its last deadline (the round's or an extension).
LOOKBACK = datetime.timedelta(days=30)

CLOSED_STATUSES = (Inventory.Status.SUBMITTED, Inventory.Status.ACCEPTED)
REGION_KINDS = (Reminder.Kind.REMINDER, Reminder.Kind.DEADLINE_PASSED)


# --------------------------------------------------------------------------------------------
# Reading what the decision needs (a fixed number of queries)
# --------------------------------------------------------------------------------------------


@dataclass
class _State:
    """Everything ``decide`` looks at, read in bulk."""

    rounds: list
    regions: list  # (id, code, name), active regions only
    contacts: dict  # region id -> [(user id, e-mail)], active contact persons with active users
    inventories: dict  # (round id, region id) -> (status, deadline_override, returned_at)


def _rounds_opened(now, round_=None):
    queryset = Round.objects.filter(active=True, opens_at__lte=now)
    if round_ is not None:
        queryset = queryset.filter(pk=round_.pk)
    return list(queryset.order_by("opens_at", "id"))


def read_state(now, round_=None) -> _State:
    """Active, opened rounds whose last deadline (the round's or an extension) is at most
    ``LOOKBACK`` ago, and what the decision needs to know about them."""
    rounds = _rounds_opened(now, round_)
    if not rounds:
        return _State([], [], {}, {})
    cutoff = now - LOOKBACK
    inventories = {
        (round_id, region_id): (status, override, returned_at)
        for round_id, region_id, status, override, returned_at in Inventory.objects.filter(
            round__in=rounds
        ).values_list("round_id", "region_id", "status", "deadline_override", "returned_at")
    }
    extended = {
        key[0]
        for key, (_status, override, _returned_at) in inventories.items()
        if override and override >= cutoff
    }
    rounds = [r for r in rounds if r.deadline >= cutoff or r.pk in extended]
    if not rounds:
        return _State([], [], {}, {})
    regions = list(Region.objects.filter(active=True).order_by("code").values_list("id", "code"))
    contacts = defaultdict(list)
    for region_id, user_id, email in (
        ContactPerson.objects.filter(active=True, user__is_active=True, region__active=True)
        .order_by("region_id", "user__email")
        .values_list("region_id", "user_id", "user__email")
    ):
        contacts[region_id].append((user_id, email.lower()))
    return _State(rounds, regions, contacts, inventories)


# --------------------------------------------------------------------------------------------
# Deciding (pure: no database)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """One recipient's current step, and the earlier steps it supersedes (catch-up)."""

    round: Round
    region_id: int | None
    scope: str
    step: sched.Step
    earlier: tuple
    recipient: str
    user_id: int | None
    deadline: datetime.datetime

    @property
    def key(self):
        return (self.round.pk, self.scope, self.step.key, self.recipient)

    def earlier_keys(self):
        return [(self.round.pk, self.scope, step.key, self.recipient) for step in self.earlier]


@dataclass
class _Decision:
    due: list = field(default_factory=list)
    #: round id -> region ids with no active contact person (and an inventory still open).
    without_contact: dict = field(default_factory=dict)


def staff_mailbox() -> str:
    return settings.STAFF_MAILBOX.strip().lower()


def decide(state: _State, now) -> _Decision:
    """Who is due which step at ``now``, from what ``read_state`` read. No database access."""
    decision = _Decision()
    cutoff = now - LOOKBACK
    mailbox = staff_mailbox()
    for round_ in state.rounds:
        missing_contact = []
        # Regions sharing a deadline share a schedule: work it out once per deadline.
        steps_for = {}
        for region_id, code in state.regions:
            status, override, returned_at = state.inventories.get(
                (round_.pk, region_id), (None, None, None)
            )
            if status in CLOSED_STATUSES:
                continue
            deadline = override or round_.deadline
            if deadline < cutoff:
                continue  # long over for this region (the round is swept for another one)
            recipients = state.contacts.get(region_id)
            if not recipients:
                missing_contact.append(region_id)
                continue
            since = returned_at if status == Inventory.Status.RETURNED else None
            if (deadline, since) not in steps_for:
                steps = sched.round_schedule(round_, deadline)
                current = sched.current_step(steps, now=now, deadline=deadline, since=since)
                earlier = sched.superseded_steps(steps, current, since=since) if current else ()
                steps_for[deadline, since] = (current, tuple(earlier))
            current, earlier = steps_for[deadline, since]
            if current is None:
                continue
            decision.due.extend(
                Due(round_, region_id, code, current, earlier, email, user_id, deadline)
                for user_id, email in recipients
            )
        decision.without_contact[round_.pk] = missing_contact

        if round_.deadline < cutoff:
            continue
        staff_steps = sched.staff_schedule(round_)
        current = sched.current_step(staff_steps, now=now, deadline=round_.deadline)
        if current is None:
            continue
        if current.kind == sched.STAFF_ESCALATION:
            if not missing_contact:
                continue
            earlier = tuple(sched.superseded_steps(staff_steps, current))
        else:
            earlier = ()  # the summary supersedes no escalation
        decision.due.append(
            Due(
                round_, None, Reminder.STAFF_SCOPE, current, earlier, mailbox, None, round_.deadline
            )
        )
    return decision
