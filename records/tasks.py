"""Celery tasks of the records app: thin, take ids, safe to run twice."""

from celery import shared_task

from portal.queue import enqueue


# Not acks_late: a large round can take longer than the broker's visibility timeout, and a
# package must not be built twice at once. Lost with its worker, the package stays "building"
# until staff ask again after ``records.archive.BUILD_STALE_AFTER`` (longer than the limit).
@shared_task(acks_late=False, soft_time_limit=50 * 60, time_limit=55 * 60)
def archival_package_build(package_id):
    """Build, validate and store a round's archival package once (a no-op unless waiting)."""
    from records import archive

    return archive.archival_package_build(package_id=package_id).status


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def archival_packages_sweep():
    """Beat sweeper: queue again every package still waiting (its queueing may have failed)."""
    from records import archive

    return sum(enqueue(archival_package_build, pk) for pk in archive.archival_packages_waiting())


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def retention_apply() -> dict:
    """Purge what the retention plans say is due (daily, beat). Idempotent: each purge commits
    with its record, so a run cut short or delivered twice purges only what is left."""
    from records.retention import retention_apply as apply

    return dict(apply(trigger="beat"))
