"""The copy of record: each submitted version's PDF, stored once, and the receipt that carries it.

The flow: ``inventory_submit`` creates a pending ``VersionDocument`` in its own transaction
(``version_document_create``) and queues the render task after commit. The task calls
``version_document_render``, which stores the PDF through Django's storage and marks the document
ready, then queues ``version_receipt_send``. If the broker was down, or a step kept failing, the
beat sweeper finds the work again (``version_documents_due_render`` and
``version_documents_due_receipt``). Every step is safe to run twice.
"""

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from inventories.models import AuditEvent, InventoryVersion, VersionDocument
from inventories.selectors import round_get
from inventories.services.audit import audit_record
from portal.emails import Email
from portal.outbox import (
    StoredAttachment,
    outbox_group_complete,
    outbox_group_deliver,
    outbox_group_rows,
    outbox_message_add,
)
from portal.queue import enqueue_on_commit
from regions.selectors import contact_persons_active, region_get_for_user

logger = logging.getLogger(__name__)

#: Render attempts over all task runs and sweeps; then the document stays failed for staff.
RENDER_MAX_ATTEMPTS = 18
#: The sweeper leaves fresh work to the task that was queued for it.
SWEEP_GRACE = timedelta(minutes=5)


class DocumentFileExists(Exception):
    """A file is already stored where this version's PDF belongs; it is never replaced."""


class DocumentIntegrityError(Exception):
    """The stored PDF no longer matches the SHA-256 recorded when it was stored."""


def _error_text(exc) -> str:
    return f"{exc.__class__.__name__}: {exc}"[:2000]


def _version(version_id) -> InventoryVersion:
    return InventoryVersion.objects.select_related(
        "inventory__round", "inventory__region", "submitted_by"
    ).get(pk=version_id)


# --- Names ----------------------------------------------------------------------------------


def version_pdf_filename(version) -> str:
    """The readable download name, e.g. ``behovsinventering-2019-12-region-skane-v1.pdf``."""
    round_ = version.inventory.round
    region = version.inventory.region
    return f"behovsinventering-{round_.slug}-{region.code}-{region.slug}-v{version.number}.pdf"


def version_pdf_storage_name(version) -> str:
    """Where the stored PDF lives: by round, region and version (with the snapshot hash)."""
    inventory = version.inventory
    return (
        f"inventories/{inventory.round.slug}/{inventory.region.code}-{inventory.region.slug}/"
        f"v{version.number}-{version.sha256[:12]}.pdf"
    )


# --- Creating and rendering -----------------------------------------------------------------


def version_document_create(*, version) -> VersionDocument:
    """A pending PDF for a new version; the render task is queued when the transaction commits.

    Called by ``inventory_submit`` inside its transaction: the version and its pending document
    commit together, or neither does.
    """
    from inventories.tasks import version_render_pdf

    document = VersionDocument.objects.create(version=version)
    enqueue_on_commit(version_render_pdf, version.pk)
    return document


def version_document_render(*, version_id) -> VersionDocument:
    """Render and store the version's PDF unless it is stored already; return the document.

    Idempotent: a ready document is returned untouched. The attempt is counted (and committed)
    before rendering, so a worker killed mid-render still counts towards ``RENDER_MAX_ATTEMPTS``;
    past that the document is marked failed and nothing is rendered. Errors propagate (the task
    records them with ``version_document_record_failure`` and retries).

    Store-then-record cannot orphan a file: the SHA-256 of the bytes about to be written is
    committed first (``expected_sha256``), so a file that a crashed attempt wrote but never
    recorded is recognised by its hash and adopted, not rendered again.
    """
    document, _created = VersionDocument.objects.get_or_create(version_id=version_id)
    if document.status == VersionDocument.Status.READY:
        return document
    if document.attempts >= RENDER_MAX_ATTEMPTS:
        VersionDocument.objects.filter(pk=document.pk).exclude(
            status=VersionDocument.Status.READY
        ).update(status=VersionDocument.Status.FAILED)
        document.refresh_from_db()
        return document
    version = _version(version_id)
    adopted = _version_document_adopt(document_id=document.pk, version=version)
    if adopted is not None:
        return adopted
    from inventories.pdf import inventory_version_pdf  # WeasyPrint: only where PDFs are made

    VersionDocument.objects.filter(pk=document.pk).update(attempts=F("attempts") + 1)
    content = inventory_version_pdf(version)
    VersionDocument.objects.filter(pk=document.pk).exclude(
        status=VersionDocument.Status.READY
    ).update(expected_sha256=hashlib.sha256(content).hexdigest())
    return _version_document_store(document_id=document.pk, version=version, content=content)


def _read(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def _version_document_record(document, *, name: str, content: bytes) -> None:
    document.file.name = name
    document.sha256 = hashlib.sha256(content).hexdigest()
    document.size = len(content)
    document.status = VersionDocument.Status.READY
    document.rendered_at = timezone.now()
    document.last_error = ""
    document.save()


@transaction.atomic
def _version_document_adopt(*, document_id, version) -> VersionDocument | None:
    """Record the file an earlier attempt stored but did not record, if its bytes are the ones
    that attempt meant to store (``expected_sha256``); else None."""
    document = VersionDocument.objects.select_for_update().get(pk=document_id)
    if document.status == VersionDocument.Status.READY:
        return document
    name = version_pdf_storage_name(version)
    if document.file or not document.expected_sha256 or not default_storage.exists(name):
        return None
    content = _read(name)
    if hashlib.sha256(content).hexdigest() != document.expected_sha256:
        return None
    logger.warning("Adopting %s: stored by an earlier attempt that did not record it.", name)
    _version_document_record(document, name=name, content=content)
    return document


def _move_aside(name: str, content: bytes) -> str:
    """Keep an unrecorded file that is not this PDF under another name; never delete its bytes."""
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    aside = default_storage.save(f"{name}.unrecorded-{stamp}", ContentFile(content))
    default_storage.delete(name)
    logger.warning("%s was not recorded and is not this version's PDF; kept as %s.", name, aside)
    return aside


@transaction.atomic
def _version_document_store(*, document_id, version, content: bytes) -> VersionDocument:
    """Store ``content`` as the document's file and mark it ready; never replace a recorded file.

    A file already at the place that no document records is either these very bytes (adopted)
    or something else, e.g. a write cut short by a crash (kept under another name, then the PDF
    is stored).
    """
    document = VersionDocument.objects.select_for_update().get(pk=document_id)
    if document.status == VersionDocument.Status.READY:
        return document  # another delivery of the task stored it first
    name = version_pdf_storage_name(version)
    storage = default_storage
    recorded = VersionDocument.objects.filter(file=name).exclude(pk=document.pk).exists()
    if document.file or recorded:
        raise DocumentFileExists(
            f"{name} is recorded already; a stored PDF is never replaced. Check the file and "
            "the document's state by hand."
        )
    if storage.exists(name):
        existing = _read(name)
        if existing == content:
            _version_document_record(document, name=name, content=content)
            return document
        _move_aside(name, existing)
    saved = storage.save(name, ContentFile(content))
    try:
        if saved != name:
            raise DocumentFileExists(f"The storage stored {saved} instead of {name}.")
        _version_document_record(document, name=saved, content=content)
    except Exception:
        storage.delete(saved)  # nothing records it: leave no orphan behind
        raise
    return document


def version_document_record_failure(*, version_id, error, final: bool) -> None:
    """Keep the last render error visible; ``final`` marks the document failed for staff."""
    values = {"last_error": _error_text(error)}
    if final:
        values["status"] = VersionDocument.Status.FAILED
    VersionDocument.objects.filter(version_id=version_id).exclude(
        status=VersionDocument.Status.READY
    ).update(**values)
    logger.warning("PDF of version %s could not be rendered: %s", version_id, values["last_error"])


@transaction.atomic
def version_document_retry(*, document) -> VersionDocument:
    """Staff ask for a failed PDF to be rendered again: a fresh set of attempts, queued now."""
    from inventories.tasks import version_render_pdf

    document = VersionDocument.objects.select_for_update().get(pk=document.pk)
    if document.status == VersionDocument.Status.READY:
        return document
    document.status = VersionDocument.Status.PENDING
    document.attempts = 0
    document.save(update_fields=["status", "attempts"])
    enqueue_on_commit(version_render_pdf, document.version_id)
    return document


# --- Reading the stored file ----------------------------------------------------------------


def version_for_download(*, user, region_slug, round_slug, number) -> InventoryVersion:
    """Version ``number`` of the region's inventory in the round, with its document; 404 unless
    ``user`` may see the region (its active contact persons, and staff)."""
    region = region_get_for_user(user=user, slug=region_slug)
    round_ = round_get(slug=round_slug)
    try:
        return InventoryVersion.objects.select_related(
            "inventory__round", "inventory__region", "document"
        ).get(inventory__region=region, inventory__round=round_, number=number)
    except InventoryVersion.DoesNotExist:
        raise Http404 from None


def version_document_content(document) -> bytes:
    """The stored PDF's bytes, checked against the SHA-256 recorded when it was stored."""
    with document.file.open("rb") as handle:
        content = handle.read()
    if hashlib.sha256(content).hexdigest() != document.sha256:
        raise DocumentIntegrityError(f"{document.file.name} does not match its recorded SHA-256.")
    return content


# --- The receipt ------------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def version_links(version) -> dict:
    """Absolute links to the version's receipt page and its PDF (e-mails have no request)."""
    kwargs = {
        "region_slug": version.inventory.region.slug,
        "round_slug": version.inventory.round.slug,
        "number": version.number,
    }
    links = {
        "receipt_url": _absolute(reverse("inventories:receipt", kwargs=kwargs)),
        "pdf_url": _absolute(reverse("inventories:version_pdf", kwargs=kwargs)),
        "admin_url": "",
    }
    try:
        links["admin_url"] = _absolute(
            reverse("admin:inventories_inventory_change", args=[version.inventory_id])
        )
    except NoReverseMatch:
        pass  # no admin page for inventories (yet): the receipt page is the link
    return links


def _email_context(document) -> dict:
    version = document.version
    inventory = version.inventory
    return {
        "region": inventory.region,
        "round": inventory.round,
        "version": version,
        "registration_number": version.registration_number,
        "document": document,
        "filename": version_pdf_filename(version),
        **version_links(version),
    }


def receipt_email(document, *, user) -> Email:
    """The receipt to one contact person, in their language (the PDF is attached when sent)."""
    return Email(
        template="emails/receipt",
        to=[user.email],
        language=user.language,
        context={**_email_context(document), "full_name": user.full_name},
        headers={"Auto-Submitted": "auto-generated"},
    )


def staff_submission_email(document, *, recipients) -> Email:
    """The notice to the staff mailbox that a region has submitted (with links, no attachment)."""
    return Email(
        template="emails/staff_submission",
        to=[settings.STAFF_MAILBOX],
        language=settings.LANGUAGE_CODE,
        context={**_email_context(document), "recipients": recipients},
        headers={"Auto-Submitted": "auto-generated"},
    )


def version_receipt_group(version_id) -> str:
    """The outbox group of a version's receipts and its staff notice."""
    return f"version-receipt:{version_id}"


def _version_receipt_add(document) -> None:
    """One outbox row per active contact person (PDF attached) and one for the staff mailbox;
    a recipient who has a row already (by key) keeps it."""
    version_document_content(document)  # a damaged PDF is not sent to anyone
    group = version_receipt_group(document.version_id)
    attachment = StoredAttachment(
        filename=version_pdf_filename(document.version),
        path=document.file.name,
        sha256=document.sha256,
    )
    recipients = [
        cp.user for cp in contact_persons_active(region=document.version.inventory.region)
    ]
    for user in recipients:
        outbox_message_add(
            key=f"{group}:{user.email.lower()}",
            group=group,
            kind="receipt",
            email=receipt_email(document, user=user),
            attachment=attachment,
        )
    outbox_message_add(
        key=f"{group}:staff",
        group=group,
        kind="staff_submission",
        email=staff_submission_email(
            document, recipients=[user.email.lower() for user in recipients]
        ),
    )


def version_receipt_send(*, version_id) -> bool:
    """E-mail the receipt to every active contact person of the region and notify staff, once.

    Each call writes the e-mails still missing to the outbox (one row per recipient, in the
    recipient's language, PDF attached when sent, Reply-To the staff mailbox); then every due
    row of the version is sent, each in its own transaction (``portal.outbox``), so a crash or a
    retry never mails anyone twice. When every row is sent the document records
    ``receipt_sent_at`` and the audit log says so; returns True when this call completed the
    receipt. A row that could not be sent stays pending in the outbox and is retried there with
    backoff. When the stored PDF no longer matches, nothing is written, the record is flagged as
    damaged (``inventories.services.integrity``) and ``DocumentIntegrityError`` is raised.
    """
    group = version_receipt_group(version_id)
    try:
        with transaction.atomic():
            document = (
                VersionDocument.objects.select_for_update()
                .select_related("version__inventory__round", "version__inventory__region")
                .filter(version_id=version_id)
                .first()
            )
            if document is None or not document.is_ready or document.receipt_complete:
                return False
            _version_receipt_add(document)  # idempotent: one row per recipient key
    except DocumentIntegrityError:
        from inventories.services.integrity import version_verify

        if document is not None:
            version_verify(version=document.version)  # flag it; staff are told once
        raise
    outbox_group_deliver(group=group)
    return _version_receipt_complete(version_id=version_id)


@transaction.atomic
def _version_receipt_complete(*, version_id) -> bool:
    """Record the receipt as sent once every outbox row of the version is sent."""
    group = version_receipt_group(version_id)
    document = (
        VersionDocument.objects.select_for_update()
        .select_related("version__inventory")
        .get(version_id=version_id)
    )
    if document.receipt_complete or not outbox_group_complete(group):
        return False
    document.receipt_sent_at = timezone.now()
    document.save(update_fields=["receipt_sent_at"])
    sent = list(outbox_group_rows(group).filter(kind="receipt").values_list("to", flat=True))
    audit_record(
        action=AuditEvent.Action.RECEIPT_SENT,
        inventory=document.version.inventory,
        message=_("Kvitto för version %(number)s skickat till %(count)s kontaktpersoner.")
        % {"number": document.version.number, "count": len(sent)},
        data={"version": document.version.number, "recipients": sent},
    )
    return True


# --- What the sweeper picks up ------------------------------------------------------------


def version_documents_create_missing() -> int:
    """A pending document for every version that has none (e.g. submitted before PDFs existed)."""
    missing = InventoryVersion.objects.filter(document__isnull=True).values_list("pk", flat=True)
    created = VersionDocument.objects.bulk_create(
        [VersionDocument(version_id=pk) for pk in missing], ignore_conflicts=True
    )
    return len(created)


def version_documents_due_render(*, now=None):
    """Versions (ids) still without a stored PDF that may be tried again."""
    cutoff = (now or timezone.now()) - SWEEP_GRACE
    return (
        VersionDocument.objects.filter(
            Q(status=VersionDocument.Status.PENDING)
            | Q(status=VersionDocument.Status.FAILED, attempts__lt=RENDER_MAX_ATTEMPTS),
            created_at__lte=cutoff,
        )
        .order_by("created_at")
        .values_list("version_id", flat=True)
    )


def version_documents_due_receipt(*, now=None):
    """Versions (ids) whose PDF is stored but whose receipt has not been recorded as sent."""
    cutoff = (now or timezone.now()) - SWEEP_GRACE
    return (
        VersionDocument.objects.filter(
            receipt_sent_at__isnull=True,
            status=VersionDocument.Status.READY,
            rendered_at__lte=cutoff,
        )
        .order_by("rendered_at")
        .values_list("version_id", flat=True)
    )
