"""What Tillväxtverket's staff (handläggare) decide about an inventory: accept it, or return it
for completion.

Every function is one domain action: keyword-only, atomic, guarded, audited. The e-mail telling a
region its inventory came back is sent by a task after commit (``inventories.tasks``).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from inventories.errors import InventoryLocked
from inventories.models import AuditEvent, Inventory
from inventories.services.audit import audit_record
from portal.emails import Email, send_email
from portal.permissions import ensure_staff
from portal.queue import enqueue_on_commit

logger = logging.getLogger(__name__)

#: Longest message staff may write when returning an inventory.
RETURN_MESSAGE_MAX = 5_000


def _lock_submitted(inventory, *, action_label) -> Inventory:
    locked = (
        Inventory.objects.select_for_update().select_related("round", "region").get(pk=inventory.pk)
    )
    if locked.status != Inventory.Status.SUBMITTED:
        raise InventoryLocked(
            _("Det går bara att %(action)s en inskickad behovsinventering (nu: %(status)s).")
            % {"action": action_label, "status": locked.get_status_display().lower()},
            code="not_submitted",
        )
    return locked


def _latest_version_number(inventory) -> int | None:
    return inventory.versions.aggregate(n=Max("number"))["n"]


@transaction.atomic
def inventory_accept(*, inventory, actor) -> Inventory:
    """Accept the submitted inventory (its latest version). Only a submitted one can be accepted."""
    ensure_staff(actor)
    locked = _lock_submitted(inventory, action_label=_("godkänna"))
    now = timezone.now()
    number = _latest_version_number(locked)
    Inventory.objects.filter(pk=locked.pk).update(status=Inventory.Status.ACCEPTED, accepted_at=now)
    audit_record(
        action=AuditEvent.Action.ACCEPTED,
        actor=actor,
        inventory=locked,
        message=_("Version %(number)s godkänd") % {"number": number},
        data={"version": number},
    )
    locked.refresh_from_db()
    return locked


@transaction.atomic
def inventory_return_for_completion(*, inventory, actor, message) -> Inventory:
    """Send the submitted inventory back to the region with ``message``; the region edits again.

    The next submission becomes version n+1 (``inventory_submit`` numbers versions). The region's
    active contact persons are e-mailed the message after commit.
    """
    ensure_staff(actor)
    message = (message or "").strip()
    if not message:
        raise ValidationError(
            {"message": _("Skriv vad regionen behöver komplettera.")}, code="required"
        )
    if len(message) > RETURN_MESSAGE_MAX:
        raise ValidationError(
            {
                "message": _("Meddelandet får vara högst %(max)s tecken.")
                % {"max": RETURN_MESSAGE_MAX}
            },
            code="max_length",
        )
    locked = _lock_submitted(inventory, action_label=_("återsända"))
    now = timezone.now()
    number = _latest_version_number(locked)
    Inventory.objects.filter(pk=locked.pk).update(
        status=Inventory.Status.RETURNED, returned_at=now, return_message=message
    )
    event = audit_record(
        action=AuditEvent.Action.RETURNED,
        actor=actor,
        inventory=locked,
        message=message,
        data={"version": number, "notified": [], "notice_complete": False},
    )
    from inventories.tasks import inventory_returned_send

    enqueue_on_commit(inventory_returned_send, event.pk)
    locked.refresh_from_db()
    return locked


def inventory_returned_email(*, event, user) -> Email:
    """The e-mail telling one contact person that the inventory came back, and why."""
    inventory = event.inventory
    region = inventory.region
    return Email(
        template="emails/returned",
        to=[user.email],
        language=user.language,
        context={
            "full_name": user.full_name,
            "region": region,
            "round": inventory.round,
            "version": event.data.get("version"),
            "message": event.message,
            "deadline": inventory.effective_deadline,
            "deadline_passed": inventory.deadline_passed,
            "link": settings.SITE_URL + reverse("inventories:start", kwargs={"slug": region.slug}),
        },
    )


def inventory_returned_notify(*, event_id) -> int:
    """E-mail the return message to each active contact person of the region, once each.

    Who has been mailed is recorded in the audit entry's data (``notified``), one commit per
    recipient, so a retry after a failure or a second delivery of the task mails nobody twice.
    Returns the number of e-mails this call sent; SMTP errors propagate so the task retries.
    """
    from regions.selectors import contact_persons_active

    event = (
        AuditEvent.objects.select_related("inventory__region", "inventory__round")
        .filter(pk=event_id, action=AuditEvent.Action.RETURNED, inventory__isnull=False)
        .first()
    )
    if event is None or event.inventory is None or event.data.get("notice_complete"):
        return 0
    sent = 0
    recipients = [cp.user for cp in contact_persons_active(region=event.inventory.region)]
    for user in recipients:
        with transaction.atomic():
            locked = AuditEvent.objects.select_for_update().get(pk=event.pk)
            notified = list(locked.data.get("notified", []))
            if user.pk in notified:
                continue
            send_email(inventory_returned_email(event=event, user=user))
            notified.append(user.pk)
            locked.data = {**locked.data, "notified": notified}
            locked.save(update_fields=["data"])
            sent += 1
    with transaction.atomic():
        locked = AuditEvent.objects.select_for_update().get(pk=event.pk)
        locked.data = {
            **locked.data,
            "notice_complete": True,
            "notified_at": timezone.now().isoformat(),
            "notified_emails": sorted(
                {user.email for user in recipients if user.pk in locked.data.get("notified", [])}
            ),
        }
        locked.save(update_fields=["data"])
    if not recipients:
        logger.warning(
            "Inventory %s was returned but its region has no active contact person.",
            event.inventory_id,
        )
    return sent


def inventory_returned_unsent(*, within_days=14):
    """Ids of recent return notices whose e-mails have not all left (for the sweeper)."""
    since = timezone.now() - timedelta(days=within_days)
    events = AuditEvent.objects.filter(
        action=AuditEvent.Action.RETURNED, inventory__isnull=False, created_at__gte=since
    ).only("pk", "data")
    return [event.pk for event in events if not event.data.get("notice_complete")]
