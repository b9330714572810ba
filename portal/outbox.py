"""The outbox: every official e-mail is a row per recipient, sent at most once per row.

A domain service decides an e-mail inside its own transaction and adds one ``OutboxMessage``
per recipient (``outbox_message_add``), rendered then, in the recipient's language, with a
Message-ID made once and kept. After commit a task (or the beat sweeper ``outbox_send_due``)
delivers the rows: each row is claimed with ``select_for_update(skip_locked=True)``, sent and
marked sent in one short transaction of its own.

What a crash does, at any instant:
- before the SMTP server accepted the message: the transaction rolls back (PostgreSQL ends it
  when the worker's connection drops), the row is still pending and is sent later;
- after the row committed as sent: nobody sends it again, whatever is retried or re-delivered;
- in the few milliseconds between the SMTP server's "250 OK" and the commit: the row is sent
  again, with the same Message-ID, so mail systems and clients can recognise the copy.

A failed attempt is recorded on the row (attempts, last error) and retried with backoff until
it is sent. A row's attachment is a stored file named by path and SHA-256; it is read and
checked when the row is sent.
"""

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.emails import Email, build_email
from portal.models import OutboxMessage

logger = logging.getLogger(__name__)

#: The first retry waits this long, each further one twice as long, up to ``RETRY_MAX``.
RETRY_BASE = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=1)


class AttachmentIntegrityError(Exception):
    """The stored attachment is missing or no longer matches its recorded SHA-256."""


@dataclass
class StoredAttachment:
    """A file in Django's default storage, attached when the message is sent."""

    filename: str
    path: str
    sha256: str
    mimetype: str = "application/pdf"


def outbox_retry_delay(attempts: int) -> timedelta:
    return min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_MAX)


def _mail_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "localhost"


def outbox_message_id(key: str) -> str:
    """A Message-ID for the row with ``key``; its left part carries a digest of the key."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    return make_msgid(idstring=f"outbox.{digest}", domain=_mail_domain())


def stable_message_id(key: str) -> str:
    """A Message-ID that depends only on ``key`` (for messages not stored in the outbox)."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{_mail_domain()}>"


@transaction.atomic
def outbox_message_add(
    *, key: str, group: str, kind: str, email: Email, attachment: StoredAttachment | None = None
) -> OutboxMessage:
    """Add the row for one recipient of ``email`` unless a row with ``key`` exists already.

    Called inside the domain service's transaction, so the decision and its e-mails commit
    together. ``email`` must have exactly one recipient and no in-memory attachments.
    """
    if len(email.to) != 1 or email.attachments:
        raise ValueError("An outbox row has one recipient and at most one stored attachment.")
    existing = OutboxMessage.objects.filter(key=key).first()
    if existing is not None:
        return existing
    message = build_email(email)
    html = next(
        (content for content, mimetype in message.alternatives if mimetype == "text/html"), ""
    )
    row = OutboxMessage(
        key=key,
        group=group,
        kind=kind,
        to=email.to[0],
        from_email=message.from_email,
        reply_to=list(message.reply_to),
        subject=str(message.subject),
        body_text=str(message.body),
        body_html=str(html),
        headers={k: v for k, v in message.extra_headers.items() if k.lower() != "message-id"},
        message_id=outbox_message_id(key),
    )
    if attachment is not None:
        row.attachment_name = attachment.filename
        row.attachment_path = attachment.path
        row.attachment_sha256 = attachment.sha256
        row.attachment_mimetype = attachment.mimetype
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:  # a concurrent caller added the same key first
        return OutboxMessage.objects.get(key=key)
    return row


def _attachment_content(row) -> bytes:
    try:
        with default_storage.open(row.attachment_path, "rb") as handle:
            content = handle.read()
    except (FileNotFoundError, OSError) as exc:
        raise AttachmentIntegrityError(f"{row.attachment_path} cannot be read: {exc}") from exc
    if hashlib.sha256(content).hexdigest() != row.attachment_sha256:
        raise AttachmentIntegrityError(f"{row.attachment_path} does not match its SHA-256.")
    return content


def outbox_message_build(row) -> EmailMultiAlternatives:
    """The row as a message ready to send, with its own Message-ID."""
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body_text,
        from_email=row.from_email,
        to=[row.to],
        reply_to=row.reply_to,
        headers={**row.headers, "Message-ID": row.message_id},
    )
    if row.body_html:
        message.attach_alternative(row.body_html, "text/html")
    if row.attachment_path:
        message.attach(row.attachment_name, _attachment_content(row), row.attachment_mimetype)
    return message


def _deliver_locked(row, *, now, connection=None) -> str:
    """Send the locked, pending ``row`` and record the outcome on it; return the outcome."""
    try:
        message = outbox_message_build(row)
        message.connection = connection or get_connection()
        message.send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - any failure to hand over the message is recorded
        row.attempts += 1
        row.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
        row.next_attempt_at = now + outbox_retry_delay(row.attempts)
        row.save(update_fields=["attempts", "last_error", "next_attempt_at"])
        logger.warning(
            "E-mail %s to %s not sent (attempt %s): %s",
            row.key,
            row.to,
            row.attempts,
            row.last_error,
        )
        return "retry"
    row.attempts += 1
    row.status = OutboxMessage.Status.SENT
    row.sent_at = timezone.now()
    row.last_error = ""
    row.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    return "sent"


def _claim(queryset):
    return queryset.select_for_update(skip_locked=True).first()


def outbox_deliver(*, rows=None, now=None, connection=None) -> Counter:
    """Send every pending row of ``rows`` (a queryset; all rows if None) that is due, each once.

    Each row is claimed and sent in its own transaction; a row another worker holds is skipped
    (that worker sends it). Returns how many rows ended in each outcome ("sent", "retry").
    """
    now = now or timezone.now()
    rows = OutboxMessage.objects.all() if rows is None else rows
    due = rows.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
    outcomes: Counter[str] = Counter()
    seen: set[int] = set()
    while True:
        with transaction.atomic():
            row = _claim(due.exclude(pk__in=seen).order_by("next_attempt_at", "id"))
            if row is None:
                break
            seen.add(row.pk)
            outcomes[_deliver_locked(row, now=now, connection=connection)] += 1
    return outcomes


def outbox_group_deliver(*, group: str, now=None) -> Counter:
    """Send the due rows of one occasion (e.g. right after the decision commits)."""
    return outbox_deliver(rows=OutboxMessage.objects.filter(group=group), now=now)


def outbox_send_due(*, now=None) -> Counter:
    """Beat sweeper: send every pending row whose (next) attempt is due."""
    return outbox_deliver(now=now)


def outbox_group_rows(group: str):
    return OutboxMessage.objects.filter(group=group).order_by("id")


def outbox_group_complete(group: str) -> bool:
    """True when the group has rows and every one of them is sent."""
    statuses = set(OutboxMessage.objects.filter(group=group).values_list("status", flat=True))
    return statuses == {OutboxMessage.Status.SENT}
