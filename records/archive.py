"""The archival package of a round: every region's submitted versions as a BagIt bag.

``archival_package_request`` (staff) records a package as pending and queues
``records.tasks.archival_package_build`` after commit. The task (``archival_package_build``)
claims the package, copies each submitted version into a temporary folder::

    data/<region slug>/<version number>/snapshot.json       the stored JSON, byte for byte
    data/<region slug>/<version number>/<PDF file name>     the PDF of record, when rendered
    data/<region slug>/<version number>/attachments/<name>  the attachments the version lists

checking every file against the SHA-256 recorded for it (the version's hash, the PDF's, the one
the snapshot records for each attachment), makes it a bag with the Library of Congress ``bagit``
library (SHA-256 manifest, ``bag-info.txt`` with the description), validates it with
``bagit.Bag(path).validate()``, packs it into one tar file and stores that with its own SHA-256.

Crash-safe: the package is marked ready, with its file, SHA-256 and size, in one transaction
after the stored file has been read back and verified; until then nothing is offered. A run
that dies leaves at most an unrecorded file under the package's own storage name, which the next
run replaces. A damaged or missing source file fails the build with the list of what is wrong:
an archive never receives a copy that differs from the record.

``bag-info.txt`` is part of the record and is written in Swedish whatever the language of the
staff member who asked for it (like the snapshot, it does not go through the UI catalogues).
"""

import hashlib
import logging
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath

import bagit
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from inventories.models import Attachment, InventoryVersion, Round
from inventories.services.records import version_pdf_filename
from inventories.snapshot import sha256_hex
from portal.permissions import ensure_staff
from portal.queue import enqueue_on_commit
from records.models import ArchivalPackage

logger = logging.getLogger(__name__)

#: A package still "building" after this long lost its worker (the task's hard time limit is
#: shorter): asking again marks it failed and starts a new one.
BUILD_STALE_AFTER = timedelta(hours=1)

#: A package still waiting this long after it was asked for is queued again by the sweeper.
WAITING_GRACE = timedelta(minutes=2)

CHUNK = 1024 * 1024
SOURCE_ORGANIZATION = "Tillväxtverket"


class ArchiveSourceDamaged(Exception):
    """A file the package must hold is missing or differs from the SHA-256 recorded for it."""


# --- Reading ---------------------------------------------------------------------------------


def archival_packages_of(*, round: Round, user):
    """The round's packages, newest first (staff only)."""
    ensure_staff(user)
    return ArchivalPackage.objects.filter(round=round).select_related("requested_by")


def archival_package_get(*, round: Round, pk: int, user) -> ArchivalPackage:
    ensure_staff(user)
    try:
        return ArchivalPackage.objects.get(round=round, pk=pk)
    except ArchivalPackage.DoesNotExist:
        raise Http404 from None


def archival_packages_waiting(*, now=None) -> list[int]:
    """Packages still waiting a while after they were asked for (for the beat sweeper)."""
    now = now or timezone.now()
    return list(
        ArchivalPackage.objects.filter(
            status=ArchivalPackage.Status.PENDING, created_at__lt=now - WAITING_GRACE
        ).values_list("pk", flat=True)
    )


def archival_package_may_request(package: ArchivalPackage | None, *, now=None) -> bool:
    """Whether the page offers to build: nothing in the making, or it waits or was lost."""
    return (
        package is None
        or package.status == ArchivalPackage.Status.PENDING
        or (_is_stale(package, now or timezone.now()))
    )


def archival_package_storage_name(package: ArchivalPackage) -> str:
    """The one storage name of a package's file (a crashed run's leftover is replaced)."""
    slug = package.round.slug
    return f"archive/{slug}/behovsinventering-{slug}-arkivpaket-{package.pk}.tar"


def archival_package_filename(package: ArchivalPackage) -> str:
    return PurePosixPath(package.file.name).name


def _is_stale(package: ArchivalPackage, now) -> bool:
    started = package.started_at or package.created_at
    return package.status == ArchivalPackage.Status.BUILDING and started < now - BUILD_STALE_AFTER


# --- Asking for a package --------------------------------------------------------------------


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
    if active is not None and not _is_stale(active, now):
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


# --- Building --------------------------------------------------------------------------------


@dataclass
class _Contents:
    regions: list[str] = field(default_factory=list)
    versions: int = 0
    pdfs: int = 0
    missing_pdfs: list[str] = field(default_factory=list)
    attachments: int = 0
    first_submitted: datetime | None = None
    last_submitted: datetime | None = None
    problems: list[str] = field(default_factory=list)


def _copy(source, target: Path) -> str:
    """Copy an open binary file to ``target``; return the SHA-256 of the bytes copied."""
    digest = hashlib.sha256()
    target.parent.mkdir(parents=True, exist_ok=True)
    with source, target.open("xb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _unique_name(name: str, taken: set[str], fallback: str) -> str:
    """A safe file name inside one folder: the last path part, and ``(2)``, ``(3)``… if taken."""
    name = PurePosixPath(name.replace("\\", "/")).name.strip()
    if name in ("", ".", ".."):
        name = fallback
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        stem, suffix = name, ""
    candidate, n = name, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{stem} ({n}).{suffix}" if suffix else f"{stem} ({n})"
    taken.add(candidate.lower())
    return candidate


def _set_progress(package: ArchivalPackage, percent: int) -> None:
    percent = max(0, min(100, percent))
    if percent != package.progress:
        package.progress = percent
        ArchivalPackage.objects.filter(
            pk=package.pk, status=ArchivalPackage.Status.BUILDING, attempts=package.attempts
        ).update(progress=percent)


def _write_version(version, folder: Path, stored: dict, contents: _Contents) -> None:
    region = version.inventory.region
    label = f"{region.name} v{version.number}"
    folder.mkdir(parents=True)
    if sha256_hex(version.snapshot_json) != version.sha256:
        contents.problems.append(f"{label}: innehållet (JSON) stämmer inte med sin SHA-256")
    (folder / "snapshot.json").write_bytes(version.snapshot_json.encode("utf-8"))

    document = getattr(version, "document", None)
    if document is not None and document.is_ready:
        try:
            digest = _copy(document.file.open("rb"), folder / version_pdf_filename(version))
        except OSError as exc:
            contents.problems.append(f"{label}: PDF-kopian kan inte läsas ({exc})")
        else:
            if digest != document.sha256:
                contents.problems.append(f"{label}: PDF-kopian stämmer inte med sin SHA-256")
            contents.pdfs += 1
    else:
        contents.missing_pdfs.append(label)

    taken: set[str] = set()
    for row in version.snapshot.get("attachments") or []:
        name = row.get("name") or ""
        attachment = stored.get(row.get("id"))
        if attachment is None:
            contents.problems.append(f"{label}: bilagan {name} saknas")
            continue
        target = folder / "attachments" / _unique_name(name, taken, f"bilaga-{attachment.pk}")
        try:
            digest = _copy(attachment.file.open("rb"), target)
        except OSError as exc:
            contents.problems.append(f"{label}: bilagan {name} kan inte läsas ({exc})")
            continue
        if digest != row.get("sha256"):
            contents.problems.append(f"{label}: bilagan {name} stämmer inte med sin SHA-256")
        contents.attachments += 1


def _description(round_: Round, contents: _Contents) -> str:
    text = (
        f"Behovsinventeringar inom Hållbar regional utveckling, omgång {round_.name}: "
        f"{contents.versions} inskickade versioner från {len(contents.regions)} regioner, "
        f"med {contents.pdfs} PDF-kopior och {contents.attachments} bilagefiler. "
        "Varje version ligger i data/<region>/<versionsnummer>/: snapshot.json (det inskickade "
        "innehållet, vars SHA-256 registrerades vid inlämningen), PDF-kopian och bilagorna "
        "i attachments/."
    )
    if contents.missing_pdfs:
        text += " PDF-kopia saknas för: " + ", ".join(contents.missing_pdfs) + "."
    return text


def _bag_info(package: ArchivalPackage, contents: _Contents) -> dict:
    round_ = package.round
    info: dict = {
        "Source-Organization": SOURCE_ORGANIZATION,
        "External-Identifier": f"behovsinventering-{round_.slug}",
        "Internal-Sender-Identifier": f"arkivpaket-{package.pk}",
        "External-Description": _description(round_, contents),
        "Round": round_.name,
        "Round-Opens": timezone.localtime(round_.opens_at).isoformat(),
        "Round-Deadline": timezone.localtime(round_.deadline).isoformat(),
        "Region-Count": str(len(contents.regions)),
        "Version-Count": str(contents.versions),
        "PDF-Count": str(contents.pdfs),
        "Missing-PDF-Count": str(len(contents.missing_pdfs)),
        "Attachment-Count": str(contents.attachments),
        "Package-Requested": timezone.localtime(package.created_at).isoformat(),
    }
    if contents.regions:
        info["Region"] = list(contents.regions)
    if contents.missing_pdfs:
        info["Missing-PDF"] = list(contents.missing_pdfs)
    if contents.first_submitted is not None and contents.last_submitted is not None:
        info["Earliest-Submission"] = timezone.localtime(contents.first_submitted).isoformat()
        info["Latest-Submission"] = timezone.localtime(contents.last_submitted).isoformat()
    return info


def _collect(package: ArchivalPackage, bag_dir: Path) -> _Contents:
    """Copy every submitted version of the round into ``bag_dir`` (progress 0–80 %)."""
    versions = list(
        InventoryVersion.objects.filter(inventory__round=package.round)
        .select_related("inventory__region", "inventory__round", "document")
        .order_by("inventory__region__code", "number")
    )
    ids = [
        row.get("id") for version in versions for row in version.snapshot.get("attachments") or []
    ]
    stored = Attachment.objects.in_bulk([pk for pk in ids if pk is not None])
    contents = _Contents()
    for index, version in enumerate(versions, start=1):
        region = version.inventory.region
        if f"{region.code} {region.name}" not in contents.regions:
            contents.regions.append(f"{region.code} {region.name}")
        _write_version(version, bag_dir / region.slug / str(version.number), stored, contents)
        contents.versions += 1
        if contents.first_submitted is None or version.submitted_at < contents.first_submitted:
            contents.first_submitted = version.submitted_at
        if contents.last_submitted is None or version.submitted_at > contents.last_submitted:
            contents.last_submitted = version.submitted_at
        _set_progress(package, int(80 * index / len(versions)))
    return contents


def _pack(bag_dir: Path, target: Path) -> str:
    """Tar ``bag_dir`` (as its own top folder) into ``target``; return the tar's SHA-256."""
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as archive:
        archive.add(bag_dir, arcname=bag_dir.name)
    with target.open("rb") as packed:
        return hashlib.file_digest(packed, "sha256").hexdigest()


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
        if package.status == ArchivalPackage.Status.BUILDING and not _is_stale(package, now):
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
            contents = _collect(package, bag_dir)
            if contents.problems:
                raise ArchiveSourceDamaged("\n".join(contents.problems))
            # make_bag works in the bag's folder (it changes the process's working directory
            # for the call and changes it back): fine in a worker, never run in a web request.
            bag = bagit.make_bag(
                str(bag_dir), bag_info=_bag_info(package, contents), checksums=["sha256"]
            )
            _set_progress(package, 88)
            bagit.Bag(bag.path).validate()
            _set_progress(package, 94)
            packed = Path(workdir) / "package.tar"
            sha256 = _pack(bag_dir, packed)
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


def archival_package_open(package: ArchivalPackage):
    """The stored tar of a ready package, open for reading (``Http404`` otherwise)."""
    if not package.is_ready:
        raise Http404
    try:
        return package.file.open("rb")
    except OSError as exc:
        raise Http404 from exc


__all__ = [
    "ArchiveSourceDamaged",
    "archival_package_build",
    "archival_package_filename",
    "archival_package_get",
    "archival_package_open",
    "archival_package_request",
    "archival_packages_of",
]
