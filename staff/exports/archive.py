"""The ZIP of a round's records: each region's latest PDF copy of record and the attachments that
version froze, copied byte for byte from storage."""

import hashlib
import zipfile

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from inventories.models import Attachment
from staff.selectors import latest_versions

CHUNK = 1024 * 1024


def pdf_filename(version) -> str:
    region = version.inventory.region
    return f"{region.code}-{region.slug}-v{version.number}.pdf"


def version_folder(version) -> str:
    """The folder of a version's attachments in the ZIP (the PDF's name without ``.pdf``)."""
    return pdf_filename(version).removesuffix(".pdf")


def _zip_name(name: str, taken: set[str]) -> str:
    """The attachment's recorded (sanitised) name, kept free of separators and made unique
    within its folder: a second ``beslut.pdf`` becomes ``beslut (2).pdf``."""
    name = name.replace("\\", "_").replace("/", "_").lstrip(".") or "bilaga"
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{stem} ({number}){dot}{extension}"
    taken.add(candidate)
    return candidate


def _copy(archive, name: str, source) -> str:
    """Stream ``source`` into the archive as ``name``; return the SHA-256 of what was copied."""
    digest = hashlib.sha256()
    with source, archive.open(name, "w") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def write_round_pdf_zip(round_, target) -> dict:
    """Write a ZIP of the PDF copy of record of each region's latest version, and the attachments
    that version lists, to ``target``.

    The files are copied byte for byte from storage in chunks (stored, not recompressed). A PDF
    is named ``<county code>-<region slug>-v<n>.pdf``; the version's attachments go in the folder
    ``<county code>-<region slug>-v<n>/`` under their sanitised original names (the storage
    names reveal nothing). The manifest ``innehall.txt`` lists each file with its SHA-256, every
    file that is damaged (included, marked) or missing (left out), and every region whose PDF is
    not ready yet; a missing or unreadable file never stops the export, and flags the record.
    Returns ``{"files": [...], "missing": [...], "damaged": [...]}``.
    """
    from inventories.services.integrity import version_verify

    files, missing, damaged = [], [], []
    versions = list(latest_versions(round_))
    listed = {version.pk: version.snapshot.get("attachments") or [] for version in versions}
    stored = Attachment.objects.in_bulk([row.get("id") for rows in listed.values() for row in rows])
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
        for version in versions:
            region = version.inventory.region
            label = f"{region.code} {region.name} v{version.number}"
            flagged = False
            document = getattr(version, "document", None)
            if document is None or not document.is_ready:
                missing.append(label)
            else:
                name = pdf_filename(version)
                try:
                    sha = _copy(archive, name, document.file.open("rb"))
                except OSError as exc:
                    damaged.append(f"{label}: " + _("filen saknas (%(error)s)") % {"error": exc})
                    flagged = True
                else:
                    checked = sha == document.sha256
                    if not checked:
                        damaged.append(f"{label}: " + _("avviker från lagrad SHA-256"))
                        flagged = True
                    files.append((name, sha, checked))
            taken: set[str] = set()
            for row in listed[version.pk]:
                attachment = stored.get(row.get("id"))
                name = f"{version_folder(version)}/{_zip_name(row.get('name') or '', taken)}"
                what = f"{label}: " + _("bilagan %(name)s") % {"name": row.get("name")}
                if attachment is None:
                    damaged.append(what + " " + _("saknas"))
                    flagged = True
                    continue
                try:
                    sha = _copy(archive, name, default_storage.open(attachment.file.name, "rb"))
                except OSError as exc:
                    damaged.append(what + " " + _("saknas (%(error)s)") % {"error": exc})
                    flagged = True
                    continue
                checked = sha == row.get("sha256")
                if not checked:
                    damaged.append(what + " " + _("avviker från lagrad SHA-256"))
                    flagged = True
                files.append((name, sha, checked))
            if flagged:
                version_verify(version=version)
        lines = [
            _("PDF-kopior och bilagor av senast inskickade version per region – %(round)s")
            % {"round": round_.name},
            "",
        ]
        for name, sha, checked in files:
            flag = "" if checked else "  " + _("VARNING: avviker från lagrad SHA-256")
            lines.append(f"{name}  SHA-256 {sha}{flag}")
        if damaged:
            lines += ["", _("Skadade eller saknade filer (markerade som skadade):"), *damaged]
        if missing:
            lines += ["", _("PDF saknas ännu för:"), *missing]
        archive.writestr("innehall.txt", "\r\n".join(lines) + "\r\n")
    return {"files": [name for name, _sha, _ok in files], "missing": missing, "damaged": damaged}
