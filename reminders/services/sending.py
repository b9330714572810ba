"""Sending: claim pending ledger rows one at a time, deliver each once, record the outcome."""

import datetime
import logging
from collections import Counter

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inventories.models import AuditEvent
from inventories.services.audit import audit_record
from portal.emails import send_email
from reminders.models import Reminder

from .content import SkipReminder, region_email, staff_email
from .planning import reminders_plan_due

logger = logging.getLogger(__name__)

#: A row is shown as failed (to staff) after this many attempts; it is still retried while its
#: step is current, and skipped once a later step or a new deadline supersedes it.
MAX_ATTEMPTS = 5
#: The first retry waits this long; each further one twice as long (5, 10, 20, 40 minutes), and
#: never longer than ``RETRY_MAX``.
RETRY_BASE = datetime.timedelta(minutes=5)
RETRY_MAX = datetime.timedelta(hours=1)


def _backoff(attempts: int) -> datetime.timedelta:
    return min(RETRY_BASE * (2 ** max(attempts - 1, 0)), RETRY_MAX)


#: Rows the sweep tries to send: pending ones, and failed ones whose step may still be current
#: (building the message skips a row that a later step or a new deadline superseded).
RETRIED = (Reminder.Status.PENDING, Reminder.Status.FAILED)


def _save(reminder, now, *fields):
    reminder.updated_at = now
    reminder.save(update_fields=[*fields, "updated_at"])


def _attempt_failed(reminder, exc, now) -> str:
    """Count the attempt and retry later with backoff; from ``MAX_ATTEMPTS`` on the row shows as
    failed for staff, and is still retried until it is sent or superseded."""
    reminder.attempts += 1
    reminder.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
    reminder.next_attempt_at = now + _backoff(reminder.attempts)
    outcome = "retry"
    if reminder.attempts >= MAX_ATTEMPTS:
        reminder.status = Reminder.Status.FAILED
        outcome = reminder.status
    _save(reminder, now, "attempts", "last_error", "status", "next_attempt_at")
    logger.warning(
        "Reminder %s to %s not sent (attempt %s): %s",
        reminder.pk,
        reminder.recipient,
        reminder.attempts,
        reminder.last_error,
    )
    return outcome


def reminder_deliver(reminder, *, now=None) -> str:
    """Send one pending ledger row if it still applies; record the outcome on the row.

    The caller holds the row locked (``select_for_update``) in a transaction, as
    ``reminders_send_due`` and ``reminder_send`` do. Returns the row's new status, or
    ``"retry"`` when the attempt failed and another one is scheduled.
    """
    now = now or timezone.now()
    if reminder.status not in RETRIED:
        return reminder.status
    inventory = None
    try:
        # A savepoint: should building the message fail in the database, the row can still
        # record the failed attempt, and one broken row never blocks the rows after it.
        with transaction.atomic():
            if reminder.is_staff_row:
                email = staff_email(reminder, now)
            else:
                email, inventory = region_email(reminder, now)
    except SkipReminder as reason:
        reminder.status = Reminder.Status.SKIPPED
        reminder.note = str(reason)[:300]
        _save(reminder, now, "status", "note")
        return reminder.status
    except Exception as exc:  # noqa: BLE001 - recorded on the row and retried like SMTP errors
        logger.exception("Reminder %s could not be built", reminder.pk)
        return _attempt_failed(reminder, exc, now)

    try:
        send_email(email)
    except Exception as exc:  # noqa: BLE001 - any failure to hand over the message is recorded
        return _attempt_failed(reminder, exc, now)

    reminder.attempts += 1
    reminder.status = Reminder.Status.SENT
    reminder.sent_at = timezone.now()
    reminder.last_error = ""
    _save(reminder, now, "attempts", "status", "sent_at", "last_error")
    if not reminder.is_staff_row:
        audit_record(
            action=AuditEvent.Action.REMINDER_SENT,
            inventory=inventory,
            round=reminder.round,
            region=reminder.region,
            message=_("%(kind)s till %(recipient)s")
            % {"kind": reminder.get_kind_display(), "recipient": reminder.recipient},
            data={
                "reminder": reminder.pk,
                "kind": reminder.kind,
                "step": reminder.step,
                "recipient": reminder.recipient,
                "message_id": reminder.message_id,
            },
        )
    return reminder.status


def _claim(queryset):
    # No select_related: the sweep runs this every few minutes and usually finds nothing, so
    # keep it a plain query; a claimed row loads its round, region and user when it is sent.
    return queryset.select_for_update(skip_locked=True).first()


def reminders_send_due(*, now=None) -> Counter:
    """Send every pending ledger row whose (next) attempt is due; safe to run many at once.

    Each row is claimed with ``select_for_update(skip_locked=True)`` in its own transaction and
    stays locked while it is sent, so a concurrent sweep skips it and never sends it again.
    Returns how many rows ended in each outcome.
    """
    now = now or timezone.now()
    outcomes: Counter[str] = Counter()
    seen = set()
    due = Reminder.objects.filter(status__in=RETRIED, next_attempt_at__lte=now)
    while True:
        with transaction.atomic():
            reminder = _claim(due.order_by("next_attempt_at", "id"))
            if reminder is None or reminder.pk in seen:
                break
            seen.add(reminder.pk)
            outcomes[reminder_deliver(reminder, now=now)] += 1
    return outcomes


def reminder_send(*, reminder_id, now=None) -> str | None:
    """Send one ledger row now (e.g. the extension notice right after commit) if still pending.

    Does nothing when a sweep holds the row or it has already been dealt with.
    """
    now = now or timezone.now()
    with transaction.atomic():
        reminder = _claim(
            Reminder.objects.filter(pk=reminder_id, status__in=RETRIED, next_attempt_at__lte=now)
        )
        if reminder is None:
            return None
        return reminder_deliver(reminder, now=now)


def reminders_sweep(*, now=None) -> dict:
    """Plan what is due, then send it: what beat runs every five minutes."""
    now = now or timezone.now()
    planned = reminders_plan_due(now=now)
    sent = reminders_send_due(now=now)
    return {"planned": planned.pending, "superseded": planned.skipped, **sent}


@transaction.atomic
def reminders_retry_failed(*, reminders, actor) -> int:
    """Staff put failed rows back in the queue: they are tried again at the next sweep."""
    if actor is None or not getattr(actor, "is_handlaggare", False):
        raise PermissionDenied(_("Endast handläggare kan göra detta."))
    now = timezone.now()
    return Reminder.objects.filter(
        pk__in=[r.pk for r in reminders], status=Reminder.Status.FAILED
    ).update(status=Reminder.Status.PENDING, attempts=0, next_attempt_at=now, updated_at=now)
