"""Integrity of the copy of record: re-hash every stored snapshot and PDF, flag what is damaged.

A submitted version's ``snapshot_json`` must still hash to its ``sha256``, a stored PDF must
still exist and hash to its ``VersionDocument.sha256``, and every attachment the snapshot lists
must still be stored and hash to the SHA-256 the snapshot records for it. A mismatch or a
missing file flags the record (``VersionDocument.damage``): staff see it on the version page,
the board, the admin and in the exports, and the staff mailbox is e-mailed once per newly
damaged record. A record that verifies again (e.g. the file was restored from a backup) is
unflagged.

``records_verify`` checks everything (``manage.py verify_records`` and a weekly beat task);
``version_verify`` checks one version when a page or a download meets it.
"""

import hashlib
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inventories.models import Attachment, InventoryVersion, VersionDocument
from inventories.snapshot import sha256_hex
from portal.compiled import CompiledQuery
from portal.emails import Email
from portal.outbox import outbox_message_add

logger = logging.getLogger(__name__)


@dataclass
class VerifyReport:
    checked: int = 0
    damaged: list = field(default_factory=list)  # (version, problems)
    newly_damaged: int = 0
    restored: int = 0

    @property
    def ok(self) -> bool:
        return not self.damaged


# The stored text of a version loaded without it (staff pages check it on every view).
_SNAPSHOT_TEXT = CompiledQuery(
    lambda version_id: InventoryVersion.objects.filter(pk=version_id).only("snapshot_json"),
    version_id=int,
)


def snapshot_problems(version) -> list[str]:
    if "snapshot_json" in version.get_deferred_fields():
        stored = _SNAPSHOT_TEXT.first(version_id=version.pk)
        if stored is not None:
            version.snapshot_json = stored.snapshot_json
    if sha256_hex(version.snapshot_json) != version.sha256:
        return [_("Innehållet (JSON) stämmer inte med sin SHA-256.")]
    return []


def pdf_problems(document) -> list[str]:
    """What is wrong with the stored PDF of a ready document (nothing to check otherwise)."""
    if document is None or document.status != VersionDocument.Status.READY:
        return []
    name = document.file.name
    try:
        with default_storage.open(name, "rb") as handle:
            digest = hashlib.sha256()
            while chunk := handle.read(1024 * 1024):
                digest.update(chunk)
    except FileNotFoundError:
        return [_("PDF-filen %(name)s saknas.") % {"name": document.file.name}]
    except OSError as exc:
        return [
            _("PDF-filen %(name)s kan inte läsas: %(error)s")
            % {"name": document.file.name, "error": exc}
        ]
    if digest.hexdigest() != document.sha256:
        return [
            _("PDF-filen %(name)s stämmer inte med sin SHA-256.") % {"name": document.file.name}
        ]
    return []


def _stored_sha256(name: str) -> str:
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def attachment_problems(version) -> list[str]:
    """What is wrong with the attachments ``version`` lists: each stored file is re-hashed and
    compared with the SHA-256 in the version's snapshot (the record, not the row)."""
    try:
        listed = version.snapshot.get("attachments") or []
    except ValueError:
        return []  # an unreadable snapshot is reported by snapshot_problems
    if not listed:
        return []
    stored = Attachment.objects.in_bulk([row.get("id") for row in listed])
    problems = []
    for row in listed:
        name = row.get("name") or ""
        attachment = stored.get(row.get("id"))
        if attachment is None:
            problems.append(_("Bilagan %(name)s saknas.") % {"name": name})
            continue
        try:
            digest = _stored_sha256(attachment.file.name)
        except FileNotFoundError:
            problems.append(_("Bilagan %(name)s saknas.") % {"name": name})
            continue
        except OSError as exc:
            problems.append(
                _("Bilagan %(name)s kan inte läsas: %(error)s") % {"name": name, "error": exc}
            )
            continue
        if digest != row.get("sha256"):
            problems.append(_("Bilagan %(name)s stämmer inte med sin SHA-256.") % {"name": name})
    return problems


@transaction.atomic
def version_document_flag(*, version, problems, now=None) -> str:
    """Record what the check of ``version`` found; return "damaged", "new", "restored" or "ok"."""
    now = now or timezone.now()
    document, _created = VersionDocument.objects.select_for_update().get_or_create(version=version)
    damage = "\n".join(problems)
    outcome = "ok"
    if damage:
        outcome = "damaged" if document.damage else "new"
        if document.damage != damage:
            document.damage = damage
            document.damaged_at = document.damaged_at or now
            if outcome == "new":
                document.damage_reported_at = None
            logger.error("Record damaged: version %s: %s", version.pk, damage.replace("\n", " "))
    elif document.damage:
        outcome = "restored"
        document.damage = ""
        document.damaged_at = document.damage_reported_at = None
        logger.warning("Record verifies again: version %s", version.pk)
    document.verified_at = now
    document.save(update_fields=["damage", "damaged_at", "damage_reported_at", "verified_at"])
    version.document = document
    return outcome


def version_verify(*, version, check_pdf=True, report=True) -> list[str]:
    """Check one version (and its PDF), flag it, and tell staff once if it is newly damaged."""
    document = VersionDocument.objects.filter(version=version).first()
    problems = snapshot_problems(version) + (
        pdf_problems(document) + attachment_problems(version) if check_pdf else []
    )
    if not problems and not check_pdf:
        return []  # the PDF was not looked at: an earlier flag on it stands
    version_document_flag(version=version, problems=problems)
    if problems and report:
        records_damage_report()
    return problems


def version_damage(*, version) -> list[str]:
    """What is known to be wrong with ``version`` (for a page that shows it): the flag on its
    record, and a live check of its snapshot's hash (cheap). A newly found mismatch is flagged,
    the PDF checked too, and staff told once."""
    if InventoryVersion.document.is_cached(version):  # loaded with the version just now
        document = getattr(version, "document", None)
    else:
        document = VersionDocument.objects.filter(version=version).first()
    known = document.damage.splitlines() if document is not None and document.damage else []
    live = snapshot_problems(version)
    if live and not set(live) <= set(known):
        return version_verify(version=version)
    return known


def records_verify(*, now=None) -> VerifyReport:
    """Re-hash every stored snapshot and every stored PDF; flag and report what is damaged."""
    report = VerifyReport()
    versions = (
        InventoryVersion.objects.select_related("inventory__region", "inventory__round", "document")
        .order_by("pk")
        .iterator(chunk_size=200)
    )
    for version in versions:
        document = getattr(version, "document", None)
        problems = (
            snapshot_problems(version) + pdf_problems(document) + attachment_problems(version)
        )
        outcome = version_document_flag(version=version, problems=problems, now=now)
        report.checked += 1
        if problems:
            report.damaged.append((version, problems))
        report.newly_damaged += outcome == "new"
        report.restored += outcome == "restored"
    records_damage_report()
    return report


def _damage_email(documents) -> Email:
    return Email(
        template="emails/records_damaged",
        to=[settings.STAFF_MAILBOX],
        language=settings.LANGUAGE_CODE,
        context={
            "documents": documents,
            "count": len(documents),
            "admin_url": settings.SITE_URL + "/admin/inventories/versiondocument/?damaged=1",
        },
        headers={"Auto-Submitted": "auto-generated"},
    )


@transaction.atomic
def records_damage_report(*, now=None) -> int:
    """E-mail the staff mailbox once about every damaged record not yet reported; return how
    many records the e-mail names (0: nothing new, no e-mail)."""
    now = now or timezone.now()
    documents = list(
        VersionDocument.objects.select_for_update(of=("self",))
        .select_related("version__inventory__region", "version__inventory__round")
        .exclude(damage="")
        .filter(damage_reported_at__isnull=True)
        .order_by("pk")
    )
    if not documents:
        return 0
    stamp = "-".join(f"{d.pk}.{d.damaged_at:%Y%m%d%H%M%S%f}" for d in documents)
    key = "records-damaged:" + hashlib.sha256(stamp.encode()).hexdigest()[:32]
    outbox_message_add(key=key, group=key, kind="records_damaged", email=_damage_email(documents))
    VersionDocument.objects.filter(pk__in=[d.pk for d in documents]).update(damage_reported_at=now)
    from portal.queue import enqueue_on_commit
    from portal.tasks import outbox_group_send

    enqueue_on_commit(outbox_group_send, key)
    return len(documents)
