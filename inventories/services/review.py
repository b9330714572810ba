"""What Tillväxtverket's staff (handläggare) decide about an inventory: accept it, or return it
for completion.

Every function is one domain action: keyword-only, atomic, guarded, audited. The e-mail telling a
region its inventory came back is written to the outbox in the same transaction and sent after
commit (``portal.outbox``).
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from inventories.errors import InventoryLocked
from inventories.models import AuditEvent, Inventory
from inventories.services.audit import audit_record
from inventories.services.dialogue import completion_request_add, thread_decision_add
from portal.emails import Email
from portal.outbox import outbox_message_add
from portal.permissions import ensure_staff
from portal.queue import enqueue_on_commit

logger = logging.getLogger(__name__)

#: Longest message staff may write when returning an inventory.
RETURN_MESSAGE_MAX = 5_000


def _lock_submitted(inventory, *, action_label) -> Inventory:
    locked = (
        Inventory.objects.select_for_update(of=("self",))
        .select_related("round", "region")
        .get(pk=inventory.pk)
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


#: Longest message staff may write with a decision to accept.
ACCEPT_MESSAGE_MAX = RETURN_MESSAGE_MAX


@transaction.atomic
def inventory_accept(*, inventory, actor, message="") -> Inventory:
    """Accept the submitted inventory (its latest version). Only a submitted one can be accepted.

    The decision, with the handläggare's optional ``message``, is e-mailed to the region's active
    contact persons through the outbox (written in this transaction, sent after commit).
    """
    ensure_staff(actor)
    message = (message or "").strip()
    if len(message) > ACCEPT_MESSAGE_MAX:
        raise ValidationError(
            {
                "message": _("Meddelandet får vara högst %(max)s tecken.")
                % {"max": ACCEPT_MESSAGE_MAX}
            },
            code="max_length",
        )
    locked = _lock_submitted(inventory, action_label=_("godkänna"))
    now = timezone.now()
    number = _latest_version_number(locked)
    Inventory.objects.filter(pk=locked.pk).update(status=Inventory.Status.ACCEPTED, accepted_at=now)
    locked.refresh_from_db()
    summary = _("Version %(number)s godkänd") % {"number": number}
    event = audit_record(
        action=AuditEvent.Action.ACCEPTED,
        actor=actor,
        inventory=locked,
        message=message or summary,
        data={"version": number, "has_message": bool(message)},
    )
    thread_decision_add(event=event, text="\n\n".join(filter(None, [summary, message])))
    group = inventory_accepted_group(event.pk)
    _decision_add(
        event=event,
        group=group,
        kind="inventory_accepted",
        build=inventory_accepted_email,
    )
    from portal.tasks import outbox_group_send

    enqueue_on_commit(outbox_group_send, group)
    return locked


def inventory_accepted_group(event_id) -> str:
    """The outbox group of the e-mails telling a region its inventory is accepted."""
    return f"inventory-accepted:{event_id}"


def inventory_accepted_email(*, event, user) -> Email:
    """The e-mail telling one contact person that the inventory is accepted (with the message)."""
    inventory = event.inventory
    region = inventory.region
    return Email(
        template="emails/accepted",
        to=[user.email],
        language=user.language,
        context={
            "full_name": user.full_name,
            "region": region,
            "round": inventory.round,
            "version": event.data.get("version"),
            "registration_number": inventory.registration_number,
            "message": event.message if event.data.get("has_message") else "",
            "link": settings.SITE_URL + reverse("inventories:start", kwargs={"slug": region.slug}),
        },
    )


@transaction.atomic
def inventory_return_for_completion(
    *, inventory, actor, message="", items=(), due_at=None
) -> Inventory:
    """Send the submitted inventory back to the region with a completion request.

    The request is ``items`` (``{"anchor": ..., "text": ...}``, see
    ``dialogue.completion_request_add``), each anchored to what it concerns, and an optional
    general ``message`` (required when there is no item); ``due_at`` is the date by which the
    region should complete (the staff service that calls this also extends the deadline to it).
    The next submission becomes version n+1 (``inventory_submit`` numbers versions). The
    region's active contact persons are e-mailed the request after commit; its receipt is in the
    thread and the audit history.
    """
    ensure_staff(actor)
    message = (message or "").strip()
    items = list(items)
    if not message and not items:
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
    request = completion_request_add(
        inventory=locked, actor=actor, message=message, items=items, due_at=due_at, version=number
    )
    Inventory.objects.filter(pk=locked.pk).update(
        status=Inventory.Status.RETURNED, returned_at=now, return_message=message
    )
    locked.refresh_from_db()
    count = request.items.count()
    summary = (
        ngettext(
            "Återsänd för komplettering med %(count)s punkt",
            "Återsänd för komplettering med %(count)s punkter",
            count,
        )
        % {"count": count}
        if count
        else _("Återsänd för komplettering")
    )
    event = audit_record(
        action=AuditEvent.Action.RETURNED,
        actor=actor,
        inventory=locked,
        message=message or summary,
        data={"version": number, "request": request.pk, "items": count},
    )
    thread_decision_add(event=event, text="\n\n".join(filter(None, [summary, message])))
    group = inventory_returned_group(event.pk)
    _decision_add(
        event=event, group=group, kind="inventory_returned", build=inventory_returned_email
    )
    from portal.tasks import outbox_group_send

    enqueue_on_commit(outbox_group_send, group)
    return locked


def inventory_returned_group(event_id) -> str:
    """The outbox group of the e-mails telling a region its inventory came back."""
    return f"inventory-returned:{event_id}"


def _decision_add(*, event, group, kind, build) -> None:
    """One outbox row per active contact person of the region, in the same transaction."""
    from regions.selectors import contact_persons_active

    recipients = [cp.user for cp in contact_persons_active(region=event.inventory.region)]
    for user in recipients:
        outbox_message_add(
            key=f"{group}:{user.email.lower()}",
            group=group,
            kind=kind,
            email=build(event=event, user=user),
        )
    if not recipients:
        logger.warning(
            "Decision %s on inventory %s reached nobody: the region has no active contact person.",
            kind,
            event.inventory_id,
        )


def inventory_returned_email(*, event, user) -> Email:
    """The e-mail telling one contact person that the inventory came back, and why."""
    from inventories.models import CompletionRequest

    inventory = event.inventory
    request = CompletionRequest.objects.filter(pk=event.data.get("request")).first()
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
            "registration_number": inventory.registration_number,
            "message": request.message if request else event.message,
            "items": list(request.items.all()) if request else [],
            "due_at": request.due_at if request else None,
            "deadline": inventory.effective_deadline,
            "deadline_passed": inventory.deadline_passed,
            "link": settings.SITE_URL
            + reverse(
                "inventories:dialogue",
                kwargs={"region_slug": region.slug, "round_slug": inventory.round.slug},
            ),
        },
    )
