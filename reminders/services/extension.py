"""Extending a region's deadline (``deadline_extend``) and the notice that goes with it."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inventories.models import AuditEvent, Inventory
from inventories.services.audit import audit_record
from portal.queue import enqueue_on_commit
from regions.models import ContactPerson
from reminders import schedule as sched
from reminders.models import Reminder

from .decision import CLOSED_STATUSES
from .ledger import ledger_insert, ledger_row, mail_domain


def _as_deadline(value) -> datetime.datetime:
    """An aware datetime; a date means 23:59:59 that day, a naive datetime is Stockholm time."""
    if isinstance(value, datetime.datetime):
        if timezone.is_naive(value):
            return value.replace(tzinfo=sched.STOCKHOLM)
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time(23, 59, 59), tzinfo=sched.STOCKHOLM)
    raise ValidationError({"new_deadline": _("Ange en ny sista dag.")}, code="required")


@transaction.atomic
def deadline_extend(*, inventory, new_deadline, reason, actor) -> Inventory:
    """Give the region a new deadline for its inventory in this round.

    Sets ``deadline_override`` and its reason, records a DEADLINE_EXTENDED audit event, puts the
    notice with the new deadline in the ledger for each active contact person (keyed by the new
    deadline, so granting the same deadline twice sends one notice) and queues it after commit.
    The region's remaining reminders follow the new deadline: pending rows for the old one are
    skipped, and the new schedule's steps that are already due are recorded as superseded by the
    notice (no burst of reminders right after it).
    """
    if actor is None or not getattr(actor, "is_handlaggare", False):
        raise PermissionDenied(_("Endast handläggare kan förlänga sista dag."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Skriv varför regionen får förlängd sista dag.")}, code="required"
        )
    new_deadline = _as_deadline(new_deadline)
    now = timezone.now()
    locked = (
        Inventory.objects.select_for_update(of=("self",))
        .select_related("round", "region")
        .get(pk=inventory.pk)
    )
    if locked.status in CLOSED_STATUSES:
        raise ValidationError(
            _("Behovsinventeringen är %(status)s; sista dag kan inte ändras.")
            % {"status": locked.get_status_display().lower()},
            code="closed",
        )
    if new_deadline <= now:
        raise ValidationError(
            {"new_deadline": _("Den nya sista dagen måste ligga i framtiden.")}, code="past"
        )
    if new_deadline <= locked.round.deadline:
        raise ValidationError(
            {
                "new_deadline": _("Den nya sista dagen måste vara senare än omgångens, %(date)s.")
                % {"date": timezone.localtime(locked.round.deadline).strftime("%Y-%m-%d %H:%M")}
            },
            code="not_later",
        )
    previous = locked.effective_deadline
    locked.deadline_override = new_deadline
    locked.deadline_override_reason = reason
    locked.updated_at = now
    locked.save(update_fields=["deadline_override", "deadline_override_reason", "updated_at"])
    audit_record(
        action=AuditEvent.Action.DEADLINE_EXTENDED,
        actor=actor,
        inventory=locked,
        message=_("Ny sista dag %(date)s: %(reason)s")
        % {
            "date": sched.deadline_local(new_deadline).strftime("%Y-%m-%d %H:%M"),
            "reason": reason,
        },
        data={
            "from": previous.isoformat(),
            "to": new_deadline.isoformat(),
            "reason": reason,
        },
    )

    region, round_ = locked.region, locked.round
    # Rows for the old deadline that have not gone out yet will not.
    Reminder.objects.filter(
        round=round_,
        scope=region.code,
        status__in=(Reminder.Status.PENDING, Reminder.Status.FAILED),
    ).exclude(deadline=new_deadline).update(
        status=Reminder.Status.SKIPPED,
        note=_("Regionen har fått en ny sista dag; påminnelserna följer den."),
        updated_at=now,
    )
    recipients = list(
        ContactPerson.objects.filter(
            region=region, active=True, user__is_active=True, region__active=True
        )
        .select_related("user")
        .order_by("user__email")
    )
    notice = sched.Step(sched.extension_key(new_deadline), sched.EXTENSION_NOTICE, now)
    already_due = sched.due_steps(sched.round_schedule(round_, new_deadline), now)
    domain = mail_domain()
    rows = []
    for contact in recipients:
        common = {
            "round_id": round_.pk,
            "region_id": region.pk,
            "scope": region.code,
            "recipient": contact.user.email.lower(),
            "user_id": contact.user_id,
            "deadline": new_deadline,
            "now": now,
            "domain": domain,
        }
        rows.append(ledger_row(step=notice, status=Reminder.Status.PENDING, **common))
        rows.extend(
            ledger_row(
                step=step,
                status=Reminder.Status.SKIPPED,
                note=_("Ersatt av beskedet om förlängd sista dag."),
                **common,
            )
            for step in already_due
        )
    if rows:
        ledger_insert(rows)
        from reminders.tasks import reminder_send_task

        notice_ids = Reminder.objects.filter(
            round=round_,
            scope=region.code,
            step=notice.key,
            status=Reminder.Status.PENDING,
        ).values_list("pk", flat=True)
        for pk in notice_ids:
            enqueue_on_commit(reminder_send_task, pk)
    locked.refresh_from_db()
    return locked
