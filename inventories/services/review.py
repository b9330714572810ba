"""What Tillväxtverket's staff (handläggare) do with an inventory: accept it, return it for
completion, and change the region's contact persons.

Every function is one domain action: keyword-only, atomic, guarded, audited. The e-mail telling a
region its inventory came back is sent by a task after commit (``inventories.tasks_review``).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from inventories.errors import InventoryLocked
from inventories.models import AuditEvent, Inventory
from inventories.services.audit import audit_record
from portal.emails import Email, send_email
from portal.queue import enqueue_on_commit

logger = logging.getLogger(__name__)

#: Longest message staff may write when returning an inventory.
RETURN_MESSAGE_MAX = 5_000


def ensure_staff(actor) -> None:
    """Only members of the Handläggare group review inventories."""
    if actor is None or not getattr(actor, "is_handlaggare", False):
        raise PermissionDenied(_("Endast handläggare kan göra detta."))


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
    from inventories.tasks_review import inventory_returned_send

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
            "link": settings.SITE_URL + reverse("regions:start", kwargs={"slug": region.slug}),
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


# Contact persons -------------------------------------------------------------------------------
# The regions app owns contact persons and invitations (``regions.services``); these wrappers are
# the staff actions on them, each with its entry in the audit history.


def _contact_audit(*, actor, region, message, data):
    audit_record(
        action=AuditEvent.Action.CONTACT_CHANGED,
        actor=actor,
        region=region,
        message=message,
        data=data,
    )


@transaction.atomic
def region_contact_register(*, region, full_name, email, role, actor):
    """Register a contact person for ``region``; the invitation e-mail goes out after commit."""
    from regions.services import contact_person_register

    ensure_staff(actor)
    contact_person = contact_person_register(
        full_name=full_name, email=email, region=region, role=role, invited_by=actor
    )
    _contact_audit(
        actor=actor,
        region=region,
        message=_("%(name)s registrerad som %(role)s och inbjuden")
        % {
            "name": contact_person.user.full_name,
            "role": contact_person.get_role_display().lower(),
        },
        data={"change": "registered", "contact_person": contact_person.pk},
    )
    return contact_person


@transaction.atomic
def region_contact_deactivate(*, contact_person, actor):
    """The contact person no longer speaks for the region; the region's inventory stays."""
    from regions.services import contact_person_deactivate

    ensure_staff(actor)
    contact_person = contact_person_deactivate(contact_person=contact_person)
    _contact_audit(
        actor=actor,
        region=contact_person.region,
        message=_("%(name)s inaktiverad") % {"name": contact_person.user.full_name},
        data={"change": "deactivated", "contact_person": contact_person.pk},
    )
    return contact_person


@transaction.atomic
def region_contact_replace(*, contact_person, full_name, email, role, actor):
    """Register a new contact person and deactivate ``contact_person`` in one step.

    The new person gets an invitation; the region's inventory (and draft) stays with the region.
    """
    from regions.services import contact_person_deactivate, contact_person_register

    ensure_staff(actor)
    old = contact_person
    if not old.active:
        raise ValidationError(
            _("%(name)s är redan inaktiverad. Registrera en ny kontaktperson i stället.")
            % {"name": old.user.full_name},
            code="already_inactive",
        )
    new = contact_person_register(
        full_name=full_name, email=email, region=old.region, role=role, invited_by=actor
    )
    contact_person_deactivate(contact_person=old)
    _contact_audit(
        actor=actor,
        region=old.region,
        message=_("%(old)s ersatt av %(new)s")
        % {"old": old.user.full_name, "new": new.user.full_name},
        data={"change": "replaced", "contact_person": new.pk, "replaced": old.pk},
    )
    return new


@transaction.atomic
def region_contact_invite(*, contact_person, actor):
    """Send the contact person a new invitation link (older unused links stop working)."""
    from regions.services import invitation_create

    ensure_staff(actor)
    invitation = invitation_create(contact_person=contact_person, created_by=actor)
    _contact_audit(
        actor=actor,
        region=contact_person.region,
        message=_("Ny inbjudan till %(name)s") % {"name": contact_person.user.full_name},
        data={"change": "invited", "contact_person": contact_person.pk},
    )
    return invitation


@transaction.atomic
def region_deadline_extend(*, round, region, new_deadline, reason, actor) -> Inventory:
    """Extend one region's deadline in ``round``, also for a region that never opened the form.

    A region without an inventory gets an empty one (recorded as opened by the handläggare) so
    the extension has somewhere to live; then ``deadline_extend`` sets and announces it.
    """
    from inventories.models import CurrentState, TargetState
    from inventories.services.reminders import deadline_extend

    ensure_staff(actor)
    inventory, created = Inventory.objects.get_or_create(round=round, region=region)
    if created:
        CurrentState.objects.create(inventory=inventory)
        TargetState.objects.create(inventory=inventory)
        audit_record(
            action=AuditEvent.Action.OPENED,
            actor=actor,
            inventory=inventory,
            message=_("Skapad av handläggare för att förlänga sista dag"),
        )
    return deadline_extend(
        inventory=inventory, new_deadline=new_deadline, reason=reason, actor=actor
    )
