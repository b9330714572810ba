"""Celery tasks of the regions app: thin, take ids, safe to run twice."""

import smtplib

from celery import shared_task

from portal.queue import enqueue
from regions import services


@shared_task(
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=10 * 60,  # below the broker's visibility timeout
    retry_jitter=True,
    max_retries=8,
    soft_time_limit=120,
    time_limit=180,
)
def invitation_send(invitation_id):
    """Send one invitation e-mail; does nothing if it has left already or cannot be used."""
    return services.invitation_deliver(invitation_id=invitation_id)


@shared_task
def account_access_request_send(email):
    """Someone asked for a password reset or a new invitation link for ``email``.

    Takes the address, not an id: looking it up in the request would make the answer for a
    known address slower than for an unknown one. Limited per address and client before queueing
    (portal.throttling), so a second delivery sends at most one more e-mail.
    """
    services.account_access_request(email=email)


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def invitations_send_unsent():
    """Beat sweeper: queue again every usable invitation whose e-mail has not left."""
    queued = 0
    for invitation_id in services.invitations_unsent().values_list("pk", flat=True):
        queued += enqueue(invitation_send, invitation_id)
    return queued
