"""Celery tasks of the staff app: thin, take ids, safe to run twice."""

from celery import shared_task

from inventories.tasks import retry_countdown
from portal.queue import enqueue

#: Render attempts per task run: the first try and this many retries (backoff 30 s, 60 s, ...).
REPORT_RENDER_MAX_RETRIES = 3


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=REPORT_RENDER_MAX_RETRIES,
    soft_time_limit=300,
    time_limit=360,
)
def synthesis_report_render(self, report_id):
    """Render and store a synthesis report once (a ready report is left alone).

    On an error the error is kept on the report and the task retries with backoff; after the
    last retry the report is marked failed and the handläggare may order a new one.
    """
    from staff import services

    try:
        report = services.synthesis_report_render(report_id=report_id)
    except Exception as exc:  # noqa: BLE001 - recorded, then retried or given up
        final = self.request.is_eager or self.request.retries >= self.max_retries
        services.synthesis_report_record_failure(report_id=report_id, error=exc, final=final)
        if final:
            raise
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc
    return report.status


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def synthesis_reports_sweep():
    """Beat sweeper: queue again every report whose render task was lost."""
    from staff import services

    return {
        "renders": sum(
            enqueue(synthesis_report_render, pk) for pk in services.synthesis_reports_due_render()
        )
    }
