"""Celery tasks of the inventories app: thin, take ids, safe to run twice."""

from celery import shared_task

from portal.queue import enqueue

# The copy of record: the PDF of each submitted version and its receipt.
# The state lives on inventories.models.VersionDocument, so each task is a no-op once its work is
# done. ``versions_sweep_missing_pdfs`` (beat) queues again what a broken broker held back.

#: Render attempts per task run: the first try and this many retries (backoff 30 s, 60 s, ...).
PDF_RENDER_MAX_RETRIES = 5


def retry_countdown(retries: int) -> int:
    # Capped below the broker's visibility timeout (settings.TASK_RETRY_MAX_COUNTDOWN).
    return min(30 * 2**retries, 10 * 60)


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=PDF_RENDER_MAX_RETRIES,
    soft_time_limit=120,
    time_limit=180,
)
def version_render_pdf(self, version_id):
    """Render and store the version's PDF once, then queue its receipt.

    On an error the error is recorded on the document and the task retries with backoff; after
    the last retry the document is marked failed (the sweeper may try again later, up to
    ``RENDER_MAX_ATTEMPTS`` in all).
    """
    from inventories.models import VersionDocument
    from inventories.pdf import SnapshotHashMismatch
    from inventories.services import records

    try:
        document = records.version_document_render(version_id=version_id)
    except Exception as exc:  # noqa: BLE001 - recorded, then retried or given up
        # A hash mismatch or an existing file will not go away by trying again.
        hopeless = isinstance(exc, (records.DocumentFileExists, SnapshotHashMismatch))
        final = hopeless or self.request.retries >= self.max_retries
        records.version_document_record_failure(version_id=version_id, error=exc, final=final)
        if final:
            raise
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc
    if document.status == VersionDocument.Status.READY and not document.receipt_complete:
        enqueue(version_send_receipt, version_id)
    return document.status


@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),  # e.g. the storage or the database went away
    retry_backoff=60,
    retry_backoff_max=10 * 60,
    retry_jitter=True,
    max_retries=8,
    soft_time_limit=120,
    time_limit=180,
)
def version_send_receipt(version_id):
    """E-mail the receipt (PDF attached) to the region's contact persons and notify staff, once."""
    from inventories.services import records

    return records.version_receipt_send(version_id=version_id)


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def versions_sweep_missing_pdfs():
    """Beat sweeper: queue again every PDF not yet stored and every receipt not yet sent."""
    from inventories.services import records

    records.version_documents_create_missing()
    renders = sum(enqueue(version_render_pdf, pk) for pk in records.version_documents_due_render())
    receipts = sum(
        enqueue(version_send_receipt, pk) for pk in records.version_documents_due_receipt()
    )
    return {"renders": renders, "receipts": receipts}


# Not acks_late: it runs longer than the broker's visibility timeout (it would be delivered again
# while still running). Lost with its worker, it runs again at the next beat or by hand.
@shared_task(acks_late=False, soft_time_limit=50 * 60, time_limit=55 * 60)
def records_verify():
    """Beat (weekly): re-hash every stored snapshot and PDF; flag and report what is damaged."""
    from inventories.services.integrity import records_verify as verify

    report = verify()
    return {"checked": report.checked, "damaged": len(report.damaged)}


# Attachments: each upload is scanned by clamd before anyone but its uploader sees it. The
# state lives on inventories.models.Attachment, so a second delivery changes nothing.


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=8,
    soft_time_limit=120,
    time_limit=180,
)
def attachment_scan(self, attachment_id):
    """Scan one attachment with clamd: clean, or quarantined with the uploader and staff told.

    Without a configured scanner (``CLAMD_SOCKET`` empty, e.g. ``make run`` without clamd) the
    attachment stays "being checked"; the sweeper queues it again once one is configured.
    """
    from django.conf import settings

    from inventories.services import attachments
    from portal import clamav

    if not settings.CLAMD_SOCKET:
        return "no-scanner"
    try:
        attachment = attachments.attachment_scan_run(attachment_id=attachment_id)
    except (clamav.ScannerUnavailable, clamav.ScannerError, OSError) as exc:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            raise
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc
    return attachment.status


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def attachments_sweep_unscanned():
    """Beat sweeper: queue again every attachment still being checked after a grace period."""
    from datetime import timedelta

    from django.utils import timezone

    from inventories.services import attachments

    due = attachments.attachments_due_scan(older_than=timezone.now() - timedelta(minutes=5))
    return {"scans": sum(enqueue(attachment_scan, pk) for pk in due)}
