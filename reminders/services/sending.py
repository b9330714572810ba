"""Sending: read due ledger rows in batches, then claim, deliver and record each one once.

A batch of due rows is read with its round, region and recipient, and what building the
region rows needs (inventories with their parts, which recipients are still contact persons)
in a fixed number of queries. Each row is then claimed and marked sent in one UPDATE of the row
locked ``FOR UPDATE SKIP LOCKED`` (which also re-checks that it is still due), handed to SMTP
and given its audit entry, in a transaction of its own: two queries per sent row. The rows of a
call go out over one SMTP connection, opened at the first message and reopened only after a
failure. The beat sweep queues its due rows in batches (``reminders_due_batches``), each sent by
a task of its own (``reminders_send_batch``, one SMTP connection per batch), so that several
worker processes send at once.
"""

import contextlib
import datetime
import logging
from collections import Counter

from django.core.exceptions import PermissionDenied
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from inventories.models import AuditEvent
from inventories.services.audit import audit_record
from portal.compiled import CompiledUpdate
from portal.emails import Email, send_email
from reminders.models import Reminder

from .content import Prefetched, SkipReminder, region_email, reminders_prefetch, staff_email
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

#: Due rows read, checked and built together (each is still claimed and recorded on its own).
BATCH_SIZE = 200


class Mailer:
    """One SMTP connection for many messages (Django's ``get_connection()``, opened once).

    Opened at the first message; after a failure it is closed and the next message opens a new
    one, so one refused message or a dropped connection costs that message only.
    """

    def __init__(self):
        self._backend = None

    def send(self, email: Email) -> None:
        if self._backend is None:
            backend = get_connection(fail_silently=False)
            backend.open()
            self._backend = backend
        try:
            send_email(email, connection=self._backend)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        backend, self._backend = self._backend, None
        if backend is not None:
            with contextlib.suppress(Exception):  # a broken connection has nothing to flush
                backend.close()


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


def _build(reminder, now, prefetched: Prefetched | None):
    """The row's e-mail and inventory; raises ``SkipReminder`` when the row no longer applies.

    A savepoint (or a transaction of its own) where building reads the database (a staff row,
    or a row sent on its own): should that fail, the row can still record the failed attempt,
    and one broken row never blocks the rows after it. A region row of a batch is built from
    what was read for the batch, without the database.
    """
    reads = reminder.is_staff_row or prefetched is None
    with transaction.atomic() if reads else contextlib.nullcontext():
        if reminder.is_staff_row:
            return staff_email(reminder, now), None
        if prefetched is None:
            prefetched = reminders_prefetch([reminder])
        return region_email(reminder, now, prefetched)


def _audit_sent(reminder, inventory) -> None:
    if reminder.is_staff_row:
        return
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


def reminder_deliver(reminder, *, now=None) -> str:
    """Send one pending ledger row if it still applies; record the outcome on the row.

    The caller holds the row locked (``select_for_update``) in a transaction, as
    ``reminder_send`` does. Returns the row's new status, or ``"retry"`` when the attempt
    failed and another one is scheduled.
    """
    now = now or timezone.now()
    if reminder.status not in RETRIED:
        return reminder.status
    try:
        email, inventory = _build(reminder, now, None)
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
    _audit_sent(reminder, inventory)
    return reminder.status


def _claim(queryset):
    return queryset.select_for_update(skip_locked=True).first()


def _due(now):
    return Reminder.objects.filter(status__in=RETRIED, next_attempt_at__lte=now)


def _due_batch(now, after) -> list[Reminder]:
    """The next ``BATCH_SIZE`` due rows after ``after`` (next attempt, id), unlocked."""
    queryset = _due(now)
    if after is not None:
        at, pk = after
        queryset = queryset.filter(Q(next_attempt_at__gt=at) | Q(next_attempt_at=at, pk__gt=pk))
    return list(
        queryset.select_related("round", "region", "user").order_by("next_attempt_at", "id")[
            :BATCH_SIZE
        ]
    )


def _locked(pk):
    return (
        Reminder.objects.filter(pk=pk).order_by().select_for_update(skip_locked=True).values("pk")
    )


def _claim_and_record(pk, now, **values) -> bool:
    """Claim the row (if still due and no other sweep holds it) and write ``values`` to it, in
    one statement: an UPDATE of the row locked with ``FOR UPDATE SKIP LOCKED``. The row stays
    locked until the caller's transaction ends. False if the row was not claimed."""
    return _due(now).filter(pk__in=_locked(pk)).update(updated_at=now, **values) == 1


#: ``_claim_and_record(pk, now, status=SENT, attempts=F("attempts") + 1, sent_at=…,
#: last_error="")``, compiled once: building and compiling that UPDATE anew for every row cost
#: about as much CPU as all the rest of the row's database work.
_CLAIM_SENT = CompiledUpdate(
    lambda pk, now, sent_at: (
        _due(now).filter(pk__in=_locked(pk)),
        {
            "updated_at": now,
            "status": Reminder.Status.SENT,
            "attempts": F("attempts") + 1,
            "sent_at": sent_at,
            "last_error": "",
        },
    ),
    pk=int,
    now=datetime.datetime,
    sent_at=datetime.datetime,
)


def _claim_sent(pk, now) -> bool:
    """Claim the row and mark it sent (``_claim_and_record``'s statement for a sent row)."""
    return _CLAIM_SENT.run(pk=pk, now=now, sent_at=timezone.now()) == 1


def _failed(candidate, exc, now) -> str | None:
    """Record a failed attempt on the row, unless another sweep holds it or has dealt with it."""
    with transaction.atomic():
        reminder = _claim(_due(now).filter(pk=candidate.pk))
        if reminder is None:
            return None
        return _attempt_failed(reminder, exc, now)


def _deliver_batch_row(candidate, *, now, prefetched, mailer) -> str | None:
    """Send one row of a batch and record it; None if another sweep has it or dealt with it.

    The row is claimed and marked sent in one statement, the e-mail handed to SMTP and the
    audit entry written, all in one transaction (two queries): a crash before the commit leaves
    the row pending and unlocked, and only a crash between the SMTP server's "250 OK" and the
    commit sends it again (with the same Message-ID). A failed send rolls the claim back and is
    recorded as a failed attempt.
    """
    try:
        email, inventory = _build(candidate, now, prefetched)
    except SkipReminder as reason:
        with transaction.atomic():
            claimed = _claim_and_record(
                candidate.pk, now, status=Reminder.Status.SKIPPED, note=str(reason)[:300]
            )
        return Reminder.Status.SKIPPED if claimed else None
    except Exception as exc:  # noqa: BLE001 - recorded on the row and retried like SMTP errors
        logger.exception("Reminder %s could not be built", candidate.pk)
        return _failed(candidate, exc, now)

    try:
        with transaction.atomic():
            if not _claim_sent(candidate.pk, now):
                return None
            mailer.send(email)  # an exception rolls the claim back
            _audit_sent(candidate, inventory)
    except Exception as exc:  # noqa: BLE001 - any failure to hand over the message is recorded
        return _failed(candidate, exc, now)
    return Reminder.Status.SENT


def _send_rows(rows, *, now, mailer, outcomes: Counter) -> None:
    """Send the due rows ``rows`` (read with their round, region and recipient) over ``mailer``."""
    prefetched = reminders_prefetch(rows)
    for candidate in rows:
        outcome = _deliver_batch_row(candidate, now=now, prefetched=prefetched, mailer=mailer)
        if outcome is not None:
            outcomes[outcome] += 1


def reminders_send_due(*, now=None) -> Counter:
    """Send every pending ledger row whose (next) attempt is due; safe to run many at once.

    Rows are read in batches (with what building them needs); each row is then claimed with
    ``FOR UPDATE SKIP LOCKED`` in its own transaction and stays locked while it is sent and
    recorded, so a concurrent sweep skips it and never sends it again, and a crash leaves every
    row either sent and recorded or pending. One SMTP connection serves the whole call.
    Returns how many rows ended in each outcome.
    """
    now = now or timezone.now()
    outcomes: Counter[str] = Counter()
    mailer = Mailer()
    after = None
    try:
        while batch := _due_batch(now, after):
            after = (batch[-1].next_attempt_at, batch[-1].pk)
            _send_rows(batch, now=now, mailer=mailer, outcomes=outcomes)
            if len(batch) < BATCH_SIZE:
                break  # that was the last one
    finally:
        mailer.close()
    return outcomes


def reminders_due_batches(*, now=None) -> list[list[int]]:
    """The ids of every due row, in batches of ``BATCH_SIZE`` (in the order they fell due)."""
    now = now or timezone.now()
    ids = list(_due(now).order_by("next_attempt_at", "id").values_list("pk", flat=True))
    return [ids[start : start + BATCH_SIZE] for start in range(0, len(ids), BATCH_SIZE)]


def reminders_send_batch(*, reminder_ids, now=None) -> Counter:
    """Send those of ``reminder_ids`` that are still due, over one SMTP connection of their own.

    What a batch task of the sweep runs. Safe to run twice, or beside a sweep or another batch
    with the same rows: each row is claimed on its own (``FOR UPDATE SKIP LOCKED``, re-checking
    that it is still due), so a row already sent, or held by someone else, is left alone.
    Returns how many rows ended in each outcome.
    """
    now = now or timezone.now()
    rows = list(
        _due(now)
        .filter(pk__in=reminder_ids)
        .select_related("round", "region", "user")
        .order_by("next_attempt_at", "id")
    )
    outcomes: Counter[str] = Counter()
    if not rows:
        return outcomes
    mailer = Mailer()
    try:
        _send_rows(rows, now=now, mailer=mailer, outcomes=outcomes)
    finally:
        mailer.close()
    return outcomes


def reminder_send(*, reminder_id, now=None) -> str | None:
    """Send one ledger row now (e.g. the extension notice right after commit) if still pending.

    Does nothing when a sweep holds the row or it has already been dealt with.
    """
    now = now or timezone.now()
    with transaction.atomic():
        reminder = _claim(_due(now).filter(pk=reminder_id))
        if reminder is None:
            return None
        return reminder_deliver(reminder, now=now)


def reminders_sweep(*, now=None, dispatch=None) -> dict:
    """Plan what is due, then send it: what beat runs every five minutes.

    Without ``dispatch`` everything due is sent here, in turn. With it (the beat task), the due
    rows are split into batches of ``BATCH_SIZE`` ids and ``dispatch(ids)`` is called for each,
    to queue a task that runs ``reminders_send_batch``: several workers then send at once, each
    batch over one SMTP connection.
    """
    now = now or timezone.now()
    planned = reminders_plan_due(now=now)
    result = {"planned": planned.pending, "superseded": planned.skipped}
    if dispatch is None:
        return {**result, **reminders_send_due(now=now)}
    batches = reminders_due_batches(now=now)
    for ids in batches:
        dispatch(ids)
    return {**result, "queued": sum(len(ids) for ids in batches), "batches": len(batches)}


@transaction.atomic
def reminders_retry_failed(*, reminders, actor) -> int:
    """Staff put failed rows back in the queue: they are tried again at the next sweep."""
    if actor is None or not getattr(actor, "is_handlaggare", False):
        raise PermissionDenied(_("Endast handläggare kan göra detta."))
    now = timezone.now()
    return Reminder.objects.filter(
        pk__in=[r.pk for r in reminders], status=Reminder.Status.FAILED
    ).update(status=Reminder.Status.PENDING, attempts=0, next_attempt_at=now, updated_at=now)
