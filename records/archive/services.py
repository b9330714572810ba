"""Asking for an archival package and building it (the task's work).

Crash-safe: the package is marked ready, with its file, SHA-256 and size, in one transaction
after the stored file has been read back and verified; until then nothing is offered. A run
that dies leaves at most an unrecorded file under the package's own storage name, which the next
run replaces. A damaged or missing source file fails the build with the list of what is wrong:
an archive never receives a copy that differs from the record.
"""

import hashlib
import logging
import tempfile
from pathlib import Path, PurePosixPath

import bagit
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inventories.models import Round
from portal.permissions import ensure_staff
from portal.queue import enqueue_on_commit
from records.archive.bag import (
    ArchiveSourceDamaged,
    bag_collect,
    bag_info,
    bag_pack,
)
from records.archive.selectors import (
    archival_package_is_stale,
    archival_package_storage_name,
)
from records.models import ArchivalPackage

logger = logging.getLogger(__name__)


@transaction.atomic
def archival_package_request(*, round: Round, user, now=None) -> ArchivalPackage:
    """Ask for a new package of ``round``; one already in the making is returned (queued again
    if it is still waiting, e.g. after the broker was down), one whose worker was lost is
    marked failed and replaced."""
    from records.tasks import archival_package_build

    ensure_staff(user)
    now = now or timezone.now()
    # Lock the round: two requests at once make one package.
    Round.objects.select_for_update().get(pk=round.pk)
    active = (
        ArchivalPackage.objects.select_for_update()
        .filter(
            round=round,
            status__in=[ArchivalPackage.Status.PENDING, ArchivalPackage.Status.BUILDING],
        )
        .first()
    )
    if active is not None and not archival_package_is_stale(active, now):
        if active.status == ArchivalPackage.Status.PENDING:
            enqueue_on_commit(archival_package_build, active.pk)
        return active
    if active is not None:
        active.status = ArchivalPackage.Status.FAILED
        active.error = _("Bygget avbröts utan att bli klart. Ett nytt paket beställdes.")
        active.finished_at = now
        active.save(update_fields=["status", "error", "finished_at"])
    package = ArchivalPackage.objects.create(round=round, requested_by=user, created_at=now)
    enqueue_on_commit(archival_package_build, package.pk)
    return package


def _set_progress(package: ArchivalPackage, percent: int) -> None:
    percent = max(0, min(100, percent))
    if percent != package.progress:
        package.progress = percent
        ArchivalPackage.objects.filter(
            pk=package.pk, status=ArchivalPackage.Status.BUILDING, attempts=package.attempts
        ).update(progress=percent)


def _store(package: ArchivalPackage, packed: Path, sha256: str) -> str:
    """Store the tar under the package's own name, read it back and check its SHA-256."""
    name = archival_package_storage_name(package)
    if default_storage.exists(name):
        # Written by a run that died before recording it: never offered, so replaced.
        default_storage.delete(name)
    with packed.open("rb") as handle:
        saved = default_storage.save(name, File(handle, name=PurePosixPath(name).name))
    with default_storage.open(saved, "rb") as stored:
        if hashlib.file_digest(stored, "sha256").hexdigest() != sha256:
            default_storage.delete(saved)
            raise OSError(_("Den lagrade paketfilen stämmer inte med sin SHA-256."))
    return saved


def _claim(package_id: int, now) -> ArchivalPackage | None:
    with transaction.atomic():
        package = (
            ArchivalPackage.objects.select_for_update().select_related("round").get(pk=package_id)
        )
        if package.status == ArchivalPackage.Status.BUILDING and not archival_package_is_stale(
            package, now
        ):
            return None  # another run is building it
        if package.status not in (ArchivalPackage.Status.PENDING, ArchivalPackage.Status.BUILDING):
            return None  # ready or failed: nothing to do
        package.status = ArchivalPackage.Status.BUILDING
        package.started_at = now
        package.attempts += 1
        package.progress = 0
        package.error = ""
        package.save(update_fields=["status", "started_at", "attempts", "progress", "error"])
        return package


def _finish(package: ArchivalPackage, **changes) -> bool:
    """Record the outcome, unless another run took the package over meanwhile."""
    with transaction.atomic():
        current = ArchivalPackage.objects.select_for_update().get(pk=package.pk)
        if (
            current.status != ArchivalPackage.Status.BUILDING
            or current.attempts != package.attempts
        ):
            return False
        for name, value in changes.items():
            setattr(current, name, value)
        current.finished_at = timezone.now()
        current.save()
        return True


def archival_package_build(*, package_id: int, now=None) -> ArchivalPackage:
    """Build, validate, pack and store the package (a no-op unless it is waiting)."""
    now = now or timezone.now()
    package = _claim(package_id, now)
    if package is None:
        return ArchivalPackage.objects.get(pk=package_id)
    try:
        with tempfile.TemporaryDirectory(prefix="arkivpaket-") as workdir:
            bag_dir = Path(workdir) / f"behovsinventering-{package.round.slug}"
            bag_dir.mkdir()
            contents = bag_collect(
                package, bag_dir, on_progress=lambda percent: _set_progress(package, percent)
            )
            if contents.problems:
                raise ArchiveSourceDamaged("\n".join(contents.problems))
            # make_bag works in the bag's folder (it changes the process's working directory
            # for the call and changes it back): fine in a worker, never run in a web request.
            bag = bagit.make_bag(
                str(bag_dir), bag_info=bag_info(package, contents), checksums=["sha256"]
            )
            _set_progress(package, 88)
            bagit.Bag(bag.path).validate()
            _set_progress(package, 94)
            packed = Path(workdir) / "package.tar"
            sha256 = bag_pack(bag_dir, packed)
            size = packed.stat().st_size
            payload_size = int(str(bag.info["Payload-Oxum"]).split(".")[0])
            name = _store(package, packed, sha256)
    except Exception as exc:  # noqa: BLE001 - recorded for staff; asking again starts anew
        logger.exception("Archival package %s could not be built", package.pk)
        error = (
            str(exc) if isinstance(exc, ArchiveSourceDamaged) else f"{type(exc).__name__}: {exc}"
        )
        _finish(package, status=ArchivalPackage.Status.FAILED, error=error)
    else:
        recorded = _finish(
            package,
            status=ArchivalPackage.Status.READY,
            progress=100,
            file=name,
            sha256=sha256,
            size=size,
            payload_size=payload_size,
            region_count=len(contents.regions),
            version_count=contents.versions,
            pdf_count=contents.pdfs,
            missing_pdf_count=len(contents.missing_pdfs),
            attachment_count=contents.attachments,
        )
        if not recorded:
            logger.warning("Archival package %s was taken over; its file is left", package.pk)
    return ArchivalPackage.objects.get(pk=package.pk)
