"""The case dialogue: completion requests with anchored items, and the thread per inventory.

``completion_request_add`` is called by ``inventory_return_for_completion`` (the return *is* the
request). The thread's changing actions are ``inventory_message_post``,
``completion_item_resolve`` and ``completion_item_reopen``; decisions add their receipt with
``thread_decision_add``. Each is atomic, guarded and audited; notices are outbox rows written in
the same transaction and sent after commit.

Who handles a region is the staff app's business (a layer above this one): it registers the
function that names a notice's staff recipients with ``staff_recipients_register`` when it
starts. Without one (or when nobody is assigned) notices go to ``settings.STAFF_MAILBOX``.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from inventories.completeness import PART_TITLES
from inventories.models import (
    DIALOGUE_TEXT_MAX,
    AuditEvent,
    CompletionItem,
    CompletionRequest,
    CurrentState,
    Inventory,
    TargetState,
    ThreadMessage,
)
from inventories.services.audit import audit_record
from inventories.services.guards import ensure_contact_person
from portal.emails import Email
from portal.outbox import outbox_message_add
from portal.permissions import ensure_staff
from portal.queue import enqueue_on_commit

logger = logging.getLogger(__name__)

#: At most this many items in one request.
ITEMS_MAX = 30

# Anchors ------------------------------------------------------------------------------------

PART_FIELDS = {
    1: (CurrentState, CurrentState.TEXT_FIELDS),
    3: (TargetState, TargetState.TEXT_FIELDS),
}


@dataclass(frozen=True)
class Anchor:
    """What an item may concern, as the staff form offers it (``value``) and stores it."""

    value: str
    kind: str
    part: int
    label: str
    field: str = ""
    object_id: int | None = None


def completion_anchors(inventory) -> list[Anchor]:
    """Everything of ``inventory`` an item may be anchored to, in the order of the form."""
    anchors = []
    for part, title in PART_TITLES.items():
        anchors.append(Anchor(f"part:{part}", CompletionItem.Kind.PART, part, title))
        if part in PART_FIELDS:
            model, names = PART_FIELDS[part]
            for name in names:
                model_field = model._meta.get_field(name)
                assert isinstance(model_field, models.Field)
                label = f"{title}: {model_field.verbose_name}"
                anchors.append(
                    Anchor(
                        f"field:{part}:{name}", CompletionItem.Kind.FIELD, part, label, field=name
                    )
                )
        if part == 2:
            for intervention in inventory.interventions.order_by("position", "id"):
                anchors.append(
                    Anchor(
                        f"intervention:{intervention.pk}",
                        CompletionItem.Kind.INTERVENTION,
                        2,
                        _("Insats: %(title)s") % {"title": intervention.title},
                        object_id=intervention.pk,
                    )
                )
        if part == 3:
            for goal in inventory.goals.order_by("position", "id"):
                anchors.append(
                    Anchor(
                        f"goal:{goal.pk}",
                        CompletionItem.Kind.GOAL,
                        3,
                        _("Mål: %(goal)s") % {"goal": str(goal)},
                        object_id=goal.pk,
                    )
                )
    return anchors


def _text(value, *, field, required_message, max_message) -> str:
    value = (value or "").strip()
    if not value and required_message:
        raise ValidationError({field: required_message}, code="required")
    if len(value) > DIALOGUE_TEXT_MAX:
        raise ValidationError({field: max_message % {"max": DIALOGUE_TEXT_MAX}}, code="max_length")
    return value


# The completion request ---------------------------------------------------------------------


def completion_request_add(
    *, inventory, actor, message, items: Iterable[dict], due_at=None, version=None
) -> CompletionRequest:
    """The request of a return: ``items`` are ``{"anchor": Anchor.value, "text": str}``.

    Called by ``inventory_return_for_completion`` inside its transaction (it guards the status).
    Raises ``ValidationError`` keyed ``items`` (with the item's index in ``params``) for an
    anchor that is not part of this inventory, and when there is neither an item nor a message.
    """
    ensure_staff(actor)
    items = list(items)
    if len(items) > ITEMS_MAX:
        raise ValidationError(
            {"items": _("Högst %(max)s punkter per återsändning.") % {"max": ITEMS_MAX}},
            code="too_many",
        )
    if not items and not message:
        raise ValidationError(
            {"message": _("Skriv vad regionen behöver komplettera.")}, code="required"
        )
    anchors = {anchor.value: anchor for anchor in completion_anchors(inventory)}
    request = CompletionRequest.objects.create(
        inventory=inventory, version=version, message=message, due_at=due_at, created_by=actor
    )
    rows = []
    for index, entry in enumerate(items):
        anchor = anchors.get(str(entry.get("anchor", "")))
        if anchor is None:
            raise ValidationError(
                {
                    "items": _("Punkt %(n)s gäller något som inte finns i behovsinventeringen.")
                    % {"n": index + 1}
                },
                code="unknown_anchor",
                params={"index": index},
            )
        text = _text(
            entry.get("text"),
            field="items",
            required_message=_("Skriv vad som ska kompletteras i punkt %(n)s.") % {"n": index + 1},
            max_message=_("Punkten får vara högst %(max)s tecken."),
        )
        rows.append(
            CompletionItem(
                request=request,
                inventory=inventory,
                kind=anchor.kind,
                part=anchor.part,
                field=anchor.field,
                object_id=anchor.object_id,
                label=anchor.label[:300],
                text=text,
                position=index,
            )
        )
    CompletionItem.objects.bulk_create(rows)
    return request


# The thread -----------------------------------------------------------------------------------


def thread_decision_add(*, event, text) -> ThreadMessage:
    """The receipt of a decision (``event``, an audit entry) as an entry of the thread."""
    actor = event.actor
    return ThreadMessage.objects.create(
        inventory=event.inventory,
        kind=ThreadMessage.Kind.DECISION,
        from_staff=True,
        author=actor,
        author_name=(actor.full_name or actor.email) if actor else "",
        text=text,
        created_at=event.created_at,
    )


def _item_for(inventory, item) -> CompletionItem | None:
    if item is None:
        return None
    if item.inventory_id != inventory.pk:
        # Never another inventory's item, whatever was posted.
        raise PermissionDenied(_("Punkten hör inte till den här behovsinventeringen."))
    return item


@transaction.atomic
def inventory_message_post(*, inventory, author, text, item=None) -> ThreadMessage:
    """``author`` writes in ``inventory``'s thread, about ``item`` or in general.

    A handläggare writes to the region (its active contact persons get a notice); a contact
    person of the region writes to Tillväxtverket (the assigned handläggare, else the staff
    mailbox, gets it). Anybody else is refused.
    """
    from_staff = bool(getattr(author, "is_handlaggare", False))
    if from_staff:
        ensure_staff(author)
    else:
        ensure_contact_person(user=author, region=inventory.region)
    item = _item_for(inventory, item)
    text = _text(
        text,
        field="text",
        required_message=_("Skriv ett meddelande."),
        max_message=_("Meddelandet får vara högst %(max)s tecken."),
    )
    message = ThreadMessage.objects.create(
        inventory=inventory,
        item=item,
        from_staff=from_staff,
        author=author,
        author_name=author.full_name or author.email,
        text=text,
    )
    audit_record(
        action=AuditEvent.Action.MESSAGE_POSTED,
        actor=author,
        inventory=inventory,
        message=(
            _("Handläggaren skrev till regionen")
            if from_staff
            else _("Regionen skrev till handläggaren")
        )
        + (f" ({item.label})" if item else ""),
        data={
            "thread_message": message.pk,
            "item": item.pk if item else None,
            "from_staff": from_staff,
        },
    )
    _notices_add(message)
    return message


def _item_locked(item) -> CompletionItem:
    return CompletionItem.objects.select_for_update().select_related("inventory").get(pk=item.pk)


@transaction.atomic
def completion_item_resolve(*, item, actor) -> CompletionItem:
    """A handläggare marks the item resolved (the region no longer sees it as open)."""
    ensure_staff(actor)
    locked = _item_locked(item)
    if locked.status == CompletionItem.Status.RESOLVED:
        return locked
    locked.status = CompletionItem.Status.RESOLVED
    locked.resolved_at = timezone.now()
    locked.resolved_by = actor
    locked.save(update_fields=["status", "resolved_at", "resolved_by"])
    audit_record(
        action=AuditEvent.Action.ITEM_RESOLVED,
        actor=actor,
        inventory=locked.inventory,
        message=locked.label,
        data={"item": locked.pk},
    )
    return locked


@transaction.atomic
def completion_item_reopen(*, item, actor) -> CompletionItem:
    """A handläggare opens a resolved item again (the region sees it as open)."""
    ensure_staff(actor)
    locked = _item_locked(item)
    if locked.status == CompletionItem.Status.OPEN:
        return locked
    locked.status = CompletionItem.Status.OPEN
    locked.resolved_at = None
    locked.resolved_by = None
    locked.save(update_fields=["status", "resolved_at", "resolved_by"])
    audit_record(
        action=AuditEvent.Action.ITEM_REOPENED,
        actor=actor,
        inventory=locked.inventory,
        message=locked.label,
        data={"item": locked.pk},
    )
    return locked


# Notices --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str
    name: str = ""


StaffRecipients = Callable[[Inventory], list[Recipient]]
_staff_recipients: list[StaffRecipients] = []


def staff_recipients_register(function: StaffRecipients) -> None:
    """Name the function that says which staff get a region's messages (the staff app's)."""
    _staff_recipients[:] = [function]


def staff_recipients(inventory) -> list[Recipient]:
    """Who at Tillväxtverket gets the region's messages: the assigned handläggare, else the
    staff mailbox."""
    found = _staff_recipients[0](inventory) if _staff_recipients else []
    return found or [Recipient(email=settings.STAFF_MAILBOX, language=settings.LANGUAGE_CODE)]


def thread_message_group(message_id) -> str:
    return f"thread-message:{message_id}"


def _link(message, *, for_staff) -> str:
    inventory = message.inventory
    if for_staff:
        url = reverse(
            "staff:dialogue",
            kwargs={"round_slug": inventory.round.slug, "region_slug": inventory.region.slug},
        )
    else:
        url = reverse(
            "inventories:dialogue",
            kwargs={"region_slug": inventory.region.slug, "round_slug": inventory.round.slug},
        )
    anchor = message.item.anchor_id if message.item_id else message.anchor_id
    return f"{settings.SITE_URL}{url}#{anchor}"


def thread_message_email(*, message, recipient: Recipient, for_staff: bool) -> Email:
    """The notice of one thread message to one recipient, in the recipient's language."""
    inventory = message.inventory
    return Email(
        template="emails/staff_thread_message" if for_staff else "emails/thread_message",
        to=[recipient.email],
        language=recipient.language,
        context={
            "full_name": recipient.name,
            "region": inventory.region,
            "round": inventory.round,
            "registration_number": inventory.registration_number,
            "author_name": message.author_name,
            "item": message.item,
            "text": message.text,
            "link": _link(message, for_staff=for_staff),
        },
    )


def _notices_add(message) -> None:
    from regions.selectors import contact_persons_active

    inventory = message.inventory
    group = thread_message_group(message.pk)
    if message.from_staff:
        recipients = [
            Recipient(email=cp.user.email, language=cp.user.language, name=cp.user.full_name)
            for cp in contact_persons_active(region=inventory.region)
        ]
    else:
        recipients = staff_recipients(inventory)
    for recipient in recipients:
        outbox_message_add(
            key=f"{group}:{recipient.email.lower()}",
            group=group,
            kind="thread_message_staff" if not message.from_staff else "thread_message",
            email=thread_message_email(
                message=message, recipient=recipient, for_staff=not message.from_staff
            ),
        )
    if not recipients:
        logger.warning("Thread message %s reached nobody.", message.pk)
    from portal.tasks import outbox_group_send

    enqueue_on_commit(outbox_group_send, group)
