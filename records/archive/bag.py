"""Writing a round's bag: each submitted version copied and checked, the description, the tar.

Every file is copied in chunks while its SHA-256 is computed and compared with the one recorded
for it (the version's hash for ``snapshot.json``, the PDF's, the snapshot's for each attachment);
what is missing or differs is collected in ``BagContents.problems``. ``bag-info.txt`` is part of
the record and written in Swedish whatever the language of the staff member who asked for it
(like the snapshot, it does not go through the UI catalogues).
"""

import hashlib
import tarfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from django.utils import timezone

from inventories.models import Attachment, InventoryVersion, Round
from inventories.services.records import version_pdf_filename
from inventories.snapshot import sha256_hex
from records.models import ArchivalPackage

CHUNK = 1024 * 1024
SOURCE_ORGANIZATION = "Tillväxtverket"


class ArchiveSourceDamaged(Exception):
    """A file the package must hold is missing or differs from the SHA-256 recorded for it."""


@dataclass
class BagContents:
    """What the bag holds, counted while it is written; ``problems`` fails the build."""

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


def _write_version(version, folder: Path, stored: dict, contents: BagContents) -> None:
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


def _description(round_: Round, contents: BagContents) -> str:
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


def bag_info(package: ArchivalPackage, contents: BagContents) -> dict:
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


def bag_collect(package: ArchivalPackage, bag_dir: Path, *, on_progress) -> BagContents:
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
    contents = BagContents()
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
        on_progress(int(80 * index / len(versions)))
    return contents


def bag_pack(bag_dir: Path, target: Path) -> str:
    """Tar ``bag_dir`` (as its own top folder) into ``target``; return the tar's SHA-256."""
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as archive:
        archive.add(bag_dir, arcname=bag_dir.name)
    with target.open("rb") as packed:
        return hashlib.file_digest(packed, "sha256").hexdigest()
