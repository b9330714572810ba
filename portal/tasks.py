"""Housekeeping tasks of the portal itself."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

#: The privacy notice promises that records of failed sign-ins are kept at most this long.
SIGN_IN_FAILURE_RETENTION = timedelta(days=30)


@shared_task
def sign_in_failures_purge() -> int:
    """Delete django-axes records of failed sign-ins older than the retention period."""
    from axes.models import AccessAttempt, AccessFailureLog

    cutoff = timezone.now() - SIGN_IN_FAILURE_RETENTION
    deleted, _ = AccessAttempt.objects.filter(attempt_time__lt=cutoff).delete()
    logs, _ = AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()
    return deleted + logs
