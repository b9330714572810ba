"""Housekeeping tasks of the portal itself."""

from celery import shared_task

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
