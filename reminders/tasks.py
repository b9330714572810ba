"""Celery tasks of the reminders: thin, take ids, safe to run twice."""

import datetime

from celery import shared_task

# The ledger (reminders.models.Reminder) makes these idempotent: a row is sent at most once,
# however many sweeps and batch tasks run at the same time. Beat runs ``reminders_sweep`` every
# five minutes; it queues the due rows in batches (``reminders_send_batch``).


def _moment(now: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(now) if now else None


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def reminders_sweep(now=None):
    """Plan the reminders that are due, then queue every due ledger row in batches of ids.

    ``now`` (ISO 8601) stands in for the present, as in ``manage.py reminders``; beat gives none.
    Inline (``CELERY_TASK_ALWAYS_EAGER``) the batches run in turn.
    """
    from portal.queue import enqueue
    from reminders.services import reminders_sweep as sweep

    def dispatch(ids):
        # The plan has committed (its own transaction) and nothing here holds one open. Should
        # the broker refuse, the rows stay due and the next sweep queues them again.
        enqueue(reminders_send_batch, reminder_ids=ids, now=now)

    return sweep(now=_moment(now), dispatch=dispatch)


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def reminders_send_batch(reminder_ids, now=None):
    """Send the rows among ``reminder_ids`` that are still due, over one SMTP connection."""
    from reminders.services import reminders_send_batch as send_batch

    return dict(send_batch(reminder_ids=reminder_ids, now=_moment(now)))


@shared_task(
    name="reminders.tasks.reminder_send", acks_late=True, soft_time_limit=120, time_limit=180
)
def reminder_send_task(reminder_id):
    """Send one ledger row now (the extension notice right after commit); a no-op if done."""
    from reminders.services import reminder_send

    return reminder_send(reminder_id=reminder_id)
