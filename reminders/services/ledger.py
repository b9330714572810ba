"""The ledger (``Reminder``) rows: their keys, their Message-IDs, and inserting them once."""

import hashlib
from email.utils import make_msgid, parseaddr

from django.conf import settings

from reminders.models import Reminder


def existing_keys(round_ids, steps) -> set:
    """The ledger's keys (round, scope, step, recipient) for these rounds and steps."""
    if not round_ids or not steps:
        return set()
    return set(
        Reminder.objects.filter(round_id__in=round_ids, step__in=steps).values_list(
            "round_id", "scope", "step", "recipient"
        )
    )


# --------------------------------------------------------------------------------------------
# Planning: writing the ledger rows that are due
# --------------------------------------------------------------------------------------------


def mail_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "localhost"


def reminder_message_id(*, round_id, scope, step, recipient, domain=None) -> str:
    """A Message-ID for a ledger row, made once when the row is created and kept.

    Its left part carries a digest of the row's key, so a copy resent after a crash (SMTP
    accepted, the database had not recorded it) can be recognised as the same message.
    """
    digest = hashlib.sha256(f"{round_id}|{scope}|{step}|{recipient}".encode()).hexdigest()[:24]
    return make_msgid(idstring=f"reminder.{digest}", domain=domain or mail_domain())


def ledger_row(
    *, round_id, region_id, scope, step, recipient, user_id, deadline, status, note="", now, domain
) -> Reminder:
    return Reminder(
        round_id=round_id,
        region_id=region_id,
        scope=scope,
        step=step.key,
        kind=step.kind,
        recipient=recipient,
        user_id=user_id,
        deadline=deadline,
        due_at=step.due_at,
        status=status,
        next_attempt_at=step.due_at,
        note=note,
        message_id=reminder_message_id(
            round_id=round_id, scope=scope, step=step.key, recipient=recipient, domain=domain
        ),
        created_at=now,
        updated_at=now,
    )


def ledger_insert(rows) -> None:
    """Insert ledger rows, leaving alone any that exist (another sweep got there first).

    Sorted by key so that concurrent sweeps insert in the same order and never deadlock.
    """
    rows = sorted(rows, key=lambda r: (r.round_id, r.scope, r.step, r.recipient))
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
