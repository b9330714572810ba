"""A dry run: who would get what, and when (``manage.py reminders preview``)."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from regions.models import Region
from reminders import schedule as sched
from reminders.models import Reminder

from .decision import CLOSED_STATUSES, decide, read_state, staff_mailbox


@dataclass(frozen=True)
class PreviewLine:
    round: str  # the round's slug
    when: datetime.datetime
    action: str  # "send now", "skip now", "planned", a ledger status, "no contact person"
    kind: str
    step: str
    scope: str
    region: str
    recipient: str


def reminders_preview(*, now=None, round=None) -> list[PreviewLine]:
    """What the sweep would do at ``now`` and what follows, without writing anything."""
    now = now or timezone.now()
    state = read_state(now, round)
    decision = decide(state, now)
    round_ids = [r.pk for r in state.rounds]
    existing = {
        (round_id, scope, step, recipient): status
        for round_id, scope, step, recipient, status in Reminder.objects.filter(
            round_id__in=round_ids
        ).values_list("round_id", "scope", "step", "recipient", "status")
    }
    names = dict(Region.objects.values_list("id", "name"))
    codes = dict(state.regions)
    lines = []

    def add(round_, when, action, kind, step, scope, region_id, recipient):
        region = f"{names.get(region_id, '')} ({codes.get(region_id, '')})" if region_id else ""
        lines.append(PreviewLine(round_.slug, when, action, kind, step, scope, region, recipient))

    for due in decision.due:
        recorded = existing.get(due.key)
        add(
            due.round,
            due.step.due_at,
            recorded or "send now",
            due.step.kind,
            due.step.key,
            due.scope,
            due.region_id,
            due.recipient,
        )
        if recorded is None:
            for step, key in zip(due.earlier, due.earlier_keys(), strict=True):
                if key not in existing:
                    add(
                        due.round,
                        step.due_at,
                        "skip now",
                        step.kind,
                        step.key,
                        due.scope,
                        due.region_id,
                        due.recipient,
                    )
    # The steps still to come, for the recipients as they stand now.
    for round_ in state.rounds:
        for region_id, code in state.regions:
            status, override, _returned_at = state.inventories.get(
                (round_.pk, region_id), (None, None, None)
            )
            if status in CLOSED_STATUSES:
                continue
            deadline = override or round_.deadline
            recipients = state.contacts.get(region_id, [])
            for step in sched.round_schedule(round_, deadline):
                if step.due_at <= now:
                    continue
                if not recipients:
                    add(
                        round_,
                        step.due_at,
                        "no contact person",
                        step.kind,
                        step.key,
                        code,
                        region_id,
                        "",
                    )
                for _user_id, email in recipients:
                    add(round_, step.due_at, "planned", step.kind, step.key, code, region_id, email)
        for step in sched.staff_schedule(round_):
            if step.due_at > now:
                add(
                    round_,
                    step.due_at,
                    "planned",
                    step.kind,
                    step.key,
                    Reminder.STAFF_SCOPE,
                    None,
                    staff_mailbox(),
                )
    # Rows already in the ledger waiting for a retry.
    for reminder in Reminder.objects.filter(
        round_id__in=round_ids, status=Reminder.Status.PENDING, attempts__gt=0
    ).select_related("round"):
        add(
            reminder.round,
            reminder.next_attempt_at,
            f"retry {reminder.attempts + 1}",
            reminder.kind,
            reminder.step,
            reminder.scope,
            reminder.region_id,
            reminder.recipient,
        )
    lines.sort(key=lambda line: (line.when, line.round, line.scope, line.step, line.recipient))
    return lines
