"""Celery tasks of the staff review: thin, take ids, safe to run twice.

Celery's autodiscovery loads only ``inventories.tasks``; ``InventoriesConfig.ready`` imports this
module so the tasks are registered in the web process and in the worker.
"""

import smtplib

from celery import shared_task

from portal.queue import enqueue


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=60 * 60,
    retry_jitter=True,
    max_retries=8,
)
def inventory_returned_send(event_id):
    """E-mail a return message to the region's contact persons (each one once)."""
    from inventories.services.review import inventory_returned_notify

    return inventory_returned_notify(event_id=event_id)


@shared_task
def inventory_returned_send_unsent():
    """Beat sweeper: queue again every recent return notice whose e-mails have not all left."""
    from inventories.services.review import inventory_returned_unsent

    return sum(enqueue(inventory_returned_send, pk) for pk in inventory_returned_unsent())
