"""The staff's actions on a region: its contact persons and its deadline, each audited.

The regions app owns contact persons and invitations (``regions.services``) and the reminders app
owns deadline extensions; these are the staff actions on them, each with its entry in the audit
history. The staff area's views and the contact-person admin both call these functions.
"""

import hashlib
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from inventories.models import AuditEvent, Inventory
from inventories.services.audit import audit_record
from portal.permissions import ensure_staff
from portal.queue import enqueue_on_commit

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
def region_contact_reactivate(*, contact_person, actor):
    """The contact person speaks for the region again (send a new invitation if needed)."""
    from regions.services import contact_person_reactivate

    ensure_staff(actor)
    contact_person = contact_person_reactivate(contact_person=contact_person)
    _contact_audit(
        actor=actor,
        region=contact_person.region,
        message=_("%(name)s återaktiverad") % {"name": contact_person.user.full_name},
        data={"change": "reactivated", "contact_person": contact_person.pk},
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
    from reminders.services import deadline_extend

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


@transaction.atomic
def inventory_completion_request_send(
    *, inventory, actor, message="", items=(), due_at=None
) -> Inventory:
    """Return ``inventory`` for completion with anchored ``items``, a message and a date.

    The return is ``inventories``' ``inventory_return_for_completion``; a completion date later
    than the round's deadline also becomes the region's extended deadline through
    ``reminders``' ``deadline_extend`` (audited, and announced to the region), so a return after
    the deadline needs no separate step. An earlier date is the date asked for; the region's
    deadline stays.
    """
    from inventories.services.review import inventory_return_for_completion
    from reminders.services import deadline_extend

    ensure_staff(actor)
    if due_at is not None and due_at <= timezone.now():
        raise ValidationError(
            {"due_at": _("Datumet för kompletteringen måste ligga i framtiden.")}, code="past"
        )
    returned = inventory_return_for_completion(
        inventory=inventory, actor=actor, message=message, items=items, due_at=due_at
    )
    if (
        due_at is not None
        and due_at > returned.round.deadline
        and due_at != returned.deadline_override
    ):
        returned = deadline_extend(
            inventory=returned,
            new_deadline=due_at,
            reason=_("Komplettering begärd"),
            actor=actor,
        )
    return returned


# Internal notes and assignment -----------------------------------------------------------------
# Staff-only: nothing here reaches a region's page, e-mail, PDF or export.

NOTE_MAX = 5_000


@transaction.atomic
def inventory_note_add(*, inventory, actor, text):
    """Add a handläggare's internal note to ``inventory``."""
    from staff.models import InternalNote

    ensure_staff(actor)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Skriv anteckningen.")}, code="required")
    if len(text) > NOTE_MAX:
        raise ValidationError(
            {"text": _("Anteckningen får vara högst %(max)s tecken.") % {"max": NOTE_MAX}},
            code="max_length",
        )
    return InternalNote.objects.create(inventory=inventory, author=actor, text=text)


@transaction.atomic
def region_assign(*, round, region, actor, handlaggare):
    """Make ``handlaggare`` the one who handles ``region`` in ``round`` (``None``: nobody)."""
    from staff.models import Assignment

    ensure_staff(actor)
    if handlaggare is not None and not getattr(handlaggare, "is_handlaggare", False):
        raise ValidationError({"handlaggare": _("Välj en handläggare.")}, code="not_handlaggare")
    if handlaggare is None:
        deleted, _rows = Assignment.objects.filter(round=round, region=region).delete()
        if not deleted:
            return None
        assignment = None
        message = _("Ingen handläggare")
    else:
        assignment, _created = Assignment.objects.update_or_create(
            round=round, region=region, defaults={"handlaggare": handlaggare}
        )
        message = handlaggare.full_name or handlaggare.email
    audit_record(
        action=AuditEvent.Action.ASSIGNED,
        actor=actor,
        round=round,
        region=region,
        inventory=Inventory.objects.filter(round=round, region=region).first(),
        message=message,
        data={"handlaggare": handlaggare.pk if handlaggare else None},
    )
    return assignment


# Synthesis reports -----------------------------------------------------------------------------
# A handläggare orders a report; a task renders it (staff.report) into storage. The file is
# recorded only once it is wholly stored, so a crash mid-render leaves the report retryable and
# never serves half a file. Rendering a report that is ready changes nothing.

#: Render attempts over all task runs; then the report is marked failed (order a new one).
REPORT_MAX_ATTEMPTS = 4
#: A report ordered again with the same filter within this time is the same report.
REPORT_REUSE_WITHIN = timedelta(minutes=10)
#: The sweeper leaves a report this long to the task queued for it (a render takes seconds).
REPORT_SWEEP_GRACE = timedelta(minutes=15)


def _report_error_text(exc) -> str:
    return f"{exc.__class__.__name__}: {exc}"[:2000]


@transaction.atomic
def synthesis_report_request(*, round_, synthesis_filter, actor):
    """Order a synthesis report of ``round_`` for ``synthesis_filter``; the task is queued after
    commit. An identical order still queued or rendering (within ``REPORT_REUSE_WITHIN``) is
    returned instead of rendering the same report twice."""
    from staff.models import SynthesisReport
    from staff.tasks import synthesis_report_render as render_task

    ensure_staff(actor)
    filters = synthesis_filter.query()
    pending = (
        SynthesisReport.objects.select_for_update()
        .filter(
            round=round_,
            filters=filters,
            status__in=[SynthesisReport.Status.QUEUED, SynthesisReport.Status.RENDERING],
            created_at__gte=timezone.now() - REPORT_REUSE_WITHIN,
        )
        .first()
    )
    if pending is not None:
        return pending
    report = SynthesisReport.objects.create(round=round_, filters=filters, requested_by=actor)
    enqueue_on_commit(render_task, report.pk)
    return report


def _report_progress(report_id, percent: int, **fields) -> None:
    """Record how far the render has come (committed at once, so a poll sees it)."""
    from staff.models import SynthesisReport

    SynthesisReport.objects.filter(pk=report_id).exclude(
        status=SynthesisReport.Status.READY
    ).update(progress=percent, **fields)


def synthesis_report_render(*, report_id):
    """Render and store the report unless it is ready; return it. Errors propagate (the task
    records them with ``synthesis_report_record_failure`` and retries)."""
    from staff.models import SynthesisReport
    from staff.report import synthesis_report_pdf
    from staff.synthesis import SynthesisFilter, round_synthesis

    report = SynthesisReport.objects.select_related("round").get(pk=report_id)
    if report.status == SynthesisReport.Status.READY:
        return report
    if report.attempts >= REPORT_MAX_ATTEMPTS:
        SynthesisReport.objects.filter(pk=report.pk).exclude(
            status=SynthesisReport.Status.READY
        ).update(status=SynthesisReport.Status.FAILED)
        report.refresh_from_db()
        return report
    _report_progress(
        report.pk,
        5,
        status=SynthesisReport.Status.RENDERING,
        attempts=F("attempts") + 1,
        error="",
    )
    synthesis = round_synthesis(report.round, SynthesisFilter.from_query(report.filters))
    _report_progress(report.pk, 20)
    content = synthesis_report_pdf(
        synthesis, progress=lambda percent: _report_progress(report.pk, percent)
    )
    _report_progress(report.pk, 90)
    sha256 = hashlib.sha256(content).hexdigest()
    name = default_storage.save(
        f"synthesis-reports/{report.round.slug}/sammanstallning-{report.pk}-{sha256[:12]}.pdf",
        ContentFile(content),
    )
    with transaction.atomic():
        locked = SynthesisReport.objects.select_for_update().get(pk=report.pk)
        if locked.status == SynthesisReport.Status.READY:  # a second delivery finished first
            default_storage.delete(name)
            return locked
        locked.file.name = name
        locked.sha256 = sha256
        locked.size = len(content)
        locked.status = SynthesisReport.Status.READY
        locked.progress = 100
        locked.finished_at = timezone.now()
        locked.error = ""
        locked.save()
    return locked


def synthesis_report_record_failure(*, report_id, error, final: bool) -> None:
    """Keep the error on the report; ``final``: no retry follows, so it is marked failed."""
    from staff.models import SynthesisReport

    fields: dict[str, object] = {"error": _report_error_text(error)}
    if final:
        fields["status"] = SynthesisReport.Status.FAILED
        fields["finished_at"] = timezone.now()
    SynthesisReport.objects.filter(pk=report_id).exclude(
        status=SynthesisReport.Status.READY
    ).update(**fields)


def synthesis_reports_due_render() -> list[int]:
    """Reports still queued or rendering past the grace period, with attempts left: their task
    was lost (a broker down at ordering, a worker gone); the sweeper queues them again."""
    from staff.models import SynthesisReport

    return list(
        SynthesisReport.objects.filter(
            status__in=[SynthesisReport.Status.QUEUED, SynthesisReport.Status.RENDERING],
            created_at__lt=timezone.now() - REPORT_SWEEP_GRACE,
            attempts__lt=REPORT_MAX_ATTEMPTS,
        ).values_list("pk", flat=True)
    )
