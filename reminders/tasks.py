"""Celery tasks of the reminders: thin, take ids, safe to run twice."""

from celery import shared_task

# The ledger (reminders.models.Reminder) makes these idempotent: a row is sent at most once,
# however many sweeps run at the same time. Beat runs ``reminders_sweep`` every five minutes.


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def reminders_sweep():
    """Plan the reminders that are due now and send every pending ledger row that is due."""
    from reminders.services import reminders_sweep as sweep

    return sweep()


@shared_task(
    name="reminders.tasks.reminder_send", acks_late=True, soft_time_limit=120, time_limit=180
)
def reminder_send_task(reminder_id):
    """Send one ledger row now (the extension notice right after commit); a no-op if done."""
    from reminders.services import reminder_send

    return reminder_send(reminder_id=reminder_id)
