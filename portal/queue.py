"""Queueing tasks so that a broken broker never loses work.

Tasks are queued only after the surrounding transaction commits. If the broker cannot be reached,
the error is logged and swallowed: the database already records the work as pending, and a beat
sweeper queues it again once the broker is back.
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task, *args, **kwargs) -> bool:
    """Send ``task`` now; return False (and log) instead of raising when the broker is down."""
    try:
        task.apply_async(args=args, kwargs=kwargs)
    except Exception:  # noqa: BLE001 - any broker failure; the sweeper resends
        logger.exception("Could not queue %s; a sweeper will queue it again.", task.name)
        return False
    return True


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Queue ``task`` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: enqueue(task, *args, **kwargs), robust=True)
