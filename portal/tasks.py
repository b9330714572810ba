"""Housekeeping tasks of the portal itself."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

#: The privacy notice promises that records of failed sign-ins are kept at most this long.
SIGN_IN_FAILURE_RETENTION = timedelta(days=30)


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def sign_in_failures_purge() -> int:
    """Delete django-axes records of failed sign-ins older than the retention period."""
    from axes.models import AccessAttempt, AccessFailureLog

    cutoff = timezone.now() - SIGN_IN_FAILURE_RETENTION
    deleted, _ = AccessAttempt.objects.filter(attempt_time__lt=cutoff).delete()
    logs, _ = AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()
    return deleted + logs


# The outbox: every official e-mail, one row per recipient (portal.outbox).


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def outbox_group_send(group):
    """Send the pending e-mails of one occasion right after it committed (each row once)."""
    from portal.outbox import outbox_group_deliver

    return dict(outbox_group_deliver(group=group))


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def outbox_send_due():
    """Beat sweeper: send every pending outbox row whose (next) attempt is due."""
    from portal.outbox import outbox_send_due as send_due

    return dict(send_due())
