"""Records management's tasks: the retention plan applied by beat."""

from celery import shared_task


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def retention_apply() -> dict:
    """Purge what the retention plans say is due (daily, beat). Idempotent: each purge commits
    with its record, so a run cut short or delivered twice purges only what is left."""
    from records.retention import retention_apply as apply

    return dict(apply(trigger="beat"))
