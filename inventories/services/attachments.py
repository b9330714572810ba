"""Attachments: upload, delete, and the malware scan that decides whether anyone may see one.

``attachment_upload`` checks who uploads, that the inventory may change, the size limits and
the type found in the content; it stores the bytes under a random name and records the
attachment as "being checked" in one transaction, and queues ``attachment_scan`` after commit.
The scan (``attachment_scan_run``) reads the stored bytes back, checks them against the
recorded SHA-256 and hands them to clamd: clean, or infected — then the file moves to
``quarantine/``, and the uploader and the staff mailbox are told through the outbox.
"""

import hashlib
import logging
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from inventories import uploads
from inventories.errors import InventoryLocked
from inventories.models import Attachment, AuditEvent, Inventory
from inventories.services.audit import audit_record
from inventories.services.guards import ensure_contact_person, ensure_editable
from portal import clamav
from portal.emails import Email
from portal.formatting import file_size
from portal.outbox import outbox_message_add
from portal.queue import enqueue_on_commit

logger = logging.getLogger(__name__)


class AttachmentContentChanged(Exception):
    """The stored file no longer matches the SHA-256 recorded at upload."""


def attachment_storage_name(inventory: Inventory) -> str:
    """A new storage name that says nothing about the file: round, region code, random hex."""
    return f"attachments/{inventory.round.slug}/{inventory.region.code}/{uuid.uuid4().hex}"


def attachments_total_size(inventory: Inventory) -> int:
    """Bytes the inventory's attachments take now (quarantined files do not count)."""
    total = (
        Attachment.objects.filter(inventory=inventory)
        .exclude(status=Attachment.Status.INFECTED)
        .aggregate(total=Sum("size"))
        .get("total")
    )
    return total or 0


def _read_upload(uploaded_file) -> bytes:
    uploaded_file.seek(0)
    return uploaded_file.read()


def attachment_check_file(*, inventory: Inventory, uploaded_file) -> tuple[bytes, uploads.FileType]:
    """The file's bytes and type, or ``ValidationError({"file": ...})`` with a Swedish reason."""
    limit = settings.ATTACHMENT_MAX_FILE_SIZE
    if uploaded_file.size > limit:
        raise ValidationError(
            {
                "file": ValidationError(
                    _("Filen är %(size)s. En bilaga får vara högst %(limit)s.")
                    % {"size": file_size(uploaded_file.size), "limit": file_size(limit)},
                    code="too_large",
                )
            }
        )
    total_limit = settings.ATTACHMENT_MAX_TOTAL_SIZE
    used = attachments_total_size(inventory)
    if used + uploaded_file.size > total_limit:
        raise ValidationError(
            {
                "file": ValidationError(
                    _(
                        "Bilagorna får tillsammans vara högst %(limit)s. %(used)s är redan "
                        "uppladdat, så den här filen (%(size)s) får inte plats. Ta bort en bilaga "
                        "eller ladda upp en mindre fil."
                    )
                    % {
                        "limit": file_size(total_limit),
                        "used": file_size(used),
                        "size": file_size(uploaded_file.size),
                    },
                    code="total_too_large",
                )
            }
        )
    data = _read_upload(uploaded_file)
    if not data:
        raise ValidationError({"file": ValidationError(_("Filen är tom."), code="empty")})
    filetype = uploads.detect(data)
    if filetype is None:
        raise ValidationError(
            {
                "file": ValidationError(
                    _(
                        "Filen är inte av en tillåten typ. Innehållet avgör, inte filnamnet: "
                        "tillåtna är %(types)s."
                    )
                    % {"types": uploads.allowed_labels()},
                    code="type",
                )
            }
        )
    return data, filetype


@transaction.atomic
def attachment_upload(
    *, inventory: Inventory, user, uploaded_file, kind: str, description: str = ""
) -> Attachment:
    """Store a new attachment "being checked" and queue its scan after commit."""
    ensure_contact_person(user=user, region=inventory.region)
    # Lock the inventory: two uploads at once must not both pass the total size limit.
    inventory = (
        Inventory.objects.select_for_update().select_related("round", "region").get(pk=inventory.pk)
    )
    ensure_editable(inventory)
    if kind not in Attachment.Kind.values:
        raise ValidationError({"kind": ValidationError(_("Välj typ av bilaga."), code="kind")})
    data, filetype = attachment_check_file(inventory=inventory, uploaded_file=uploaded_file)
    name = default_storage.save(attachment_storage_name(inventory), ContentFile(data))
    # If recording fails, the stored bytes go too: nothing unrecorded stays behind.
    try:
        attachment = Attachment.objects.create(
            inventory=inventory,
            kind=kind,
            description=description.strip(),
            original_name=uploads.safe_name(uploaded_file.name, extension=filetype.extension),
            content_type=filetype.mime,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            file=name,
            uploaded_by=user,
        )
        audit_record(
            action=AuditEvent.Action.ATTACHMENT_ADDED,
            actor=user,
            inventory=inventory,
            data={"attachment": attachment.pk, "name": attachment.original_name},
        )
    except Exception:
        default_storage.delete(name)
        raise
    from inventories.tasks import attachment_scan

    enqueue_on_commit(attachment_scan, attachment.pk)
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: Attachment, user) -> None:
    """Remove an attachment (and its stored file) while the inventory may still change."""
    ensure_contact_person(user=user, region=attachment.inventory.region)
    inventory = (
        Inventory.objects.select_for_update()
        .select_related("round", "region")
        .get(pk=attachment.inventory_id)
    )
    ensure_editable(inventory)
    attachment = Attachment.objects.select_related("frozen_in").get(pk=attachment.pk)
    if attachment.frozen_in is not None:
        raise InventoryLocked(
            _(
                "Bilagan ”%(name)s” skickades in med version %(number)s och är en del av den. "
                "Den kan inte tas bort."
            )
            % {"name": attachment.original_name, "number": attachment.frozen_in.number},
            code="attachment_submitted",
        )
    name = attachment.file.name
    audit_record(
        action=AuditEvent.Action.ATTACHMENT_DELETED,
        actor=user,
        inventory=inventory,
        data={"attachment": attachment.pk, "name": attachment.original_name},
    )
    attachment.delete()
    # The file goes only once the row is gone for good.
    transaction.on_commit(lambda: default_storage.delete(name))


def attachment_content(attachment: Attachment) -> bytes:
    """The stored bytes, checked against the SHA-256 recorded at upload."""
    with default_storage.open(attachment.file.name, "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        raise AttachmentContentChanged(f"{attachment.file.name} does not match its SHA-256.")
    return data


def _infected_emails(attachment: Attachment) -> list[tuple[str, Email]]:
    inventory = attachment.inventory
    context = {
        "attachment": attachment,
        "region": inventory.region,
        "round": inventory.round,
        "uploaded_at": attachment.uploaded_at,
    }
    emails = []
    uploader = attachment.uploaded_by
    if uploader is not None and uploader.is_active:
        emails.append(
            (
                f"attachment-infected:{attachment.pk}:uploader",
                Email(
                    template="emails/attachment_infected",
                    to=[uploader.email],
                    language=uploader.language,
                    context={**context, "for_staff": False},
                    headers={"Auto-Submitted": "auto-generated"},
                ),
            )
        )
    emails.append(
        (
            f"attachment-infected:{attachment.pk}:staff",
            Email(
                template="emails/attachment_infected",
                to=[settings.STAFF_MAILBOX],
                language=settings.LANGUAGE_CODE,
                context={**context, "for_staff": True},
                headers={"Auto-Submitted": "auto-generated"},
            ),
        )
    )
    return emails


def _quarantine(attachment: Attachment, data: bytes) -> str:
    """Move the stored bytes under ``quarantine/`` (kept for staff, never served)."""
    name = default_storage.save(
        "quarantine/" + attachment.file.name.removeprefix("attachments/"), ContentFile(data)
    )
    return name


def attachment_scan_run(*, attachment_id: int) -> Attachment:
    """Scan a "being checked" attachment with clamd and record the verdict; idempotent.

    An attachment already clean or infected is returned untouched. ``ScannerUnavailable`` and
    ``ScannerError`` propagate after the attempt is recorded (the task retries, the sweeper
    queues it again later); the attachment stays "being checked" meanwhile.
    """
    attachment = Attachment.objects.select_related(
        "inventory__round", "inventory__region", "uploaded_by"
    ).get(pk=attachment_id)
    if not attachment.is_checking:
        return attachment
    try:
        data = attachment_content(attachment)
        result = clamav.scan_bytes(data)
    except Exception as exc:
        Attachment.objects.filter(pk=attachment.pk, status=Attachment.Status.CHECKING).update(
            scan_attempts=F("scan_attempts") + 1,
            last_scan_error=f"{exc.__class__.__name__}: {exc}"[:2000],
        )
        raise
    return _attachment_record_verdict(attachment_id=attachment.pk, result=result, data=data)


@transaction.atomic
def _attachment_record_verdict(*, attachment_id, result: clamav.ScanResult, data: bytes):
    attachment = (
        Attachment.objects.select_for_update(of=("self",))
        .select_related("inventory__round", "inventory__region", "uploaded_by")
        .get(pk=attachment_id)
    )
    if not attachment.is_checking:  # another worker recorded it first
        return attachment
    now = timezone.now()
    attachment.scan_attempts += 1
    attachment.scanned_at = now
    attachment.last_scan_error = ""
    if result.clean:
        attachment.status = Attachment.Status.CLEAN
        attachment.save(update_fields=["status", "scan_attempts", "scanned_at", "last_scan_error"])
        return attachment
    original = attachment.file.name
    attachment.file.name = _quarantine(attachment, data)
    attachment.status = Attachment.Status.INFECTED
    attachment.signature = (result.signature or "")[:200]
    attachment.save(
        update_fields=[
            "status",
            "signature",
            "file",
            "scan_attempts",
            "scanned_at",
            "last_scan_error",
        ]
    )
    audit_record(
        action=AuditEvent.Action.ATTACHMENT_INFECTED,
        inventory=attachment.inventory,
        message=attachment.signature,
        data={"attachment": attachment.pk, "name": attachment.original_name},
    )
    group = f"attachment-infected:{attachment.pk}"
    for key, email in _infected_emails(attachment):
        outbox_message_add(key=key, group=group, kind="attachment_infected", email=email)
    transaction.on_commit(lambda: default_storage.delete(original))
    from portal.tasks import outbox_group_send

    enqueue_on_commit(outbox_group_send, group)
    logger.warning(
        "Attachment %s of %s is infected (%s); quarantined.",
        attachment.pk,
        attachment.inventory,
        attachment.signature,
    )
    return attachment


def attachments_due_scan(*, older_than=None):
    """Ids of attachments still being checked (for the sweeper), oldest first."""
    queryset = Attachment.objects.filter(status=Attachment.Status.CHECKING)
    if older_than is not None:
        queryset = queryset.filter(uploaded_at__lte=older_than)
    return list(queryset.order_by("uploaded_at", "id").values_list("pk", flat=True))
