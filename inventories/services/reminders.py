"""Deadline reminders: plan the ledger rows that are due, send each one once, extend a deadline.

The sweep (``inventories.tasks.reminders_sweep``, every five minutes from beat) does two things:

1. ``reminders_plan_due`` decides who is due what *now* and records it in the ledger
   (``Reminder``) in one transaction under the unique constraint (round, scope, step, recipient):
   a pending row for the region's current step, and a skipped row for every earlier step that
   never went out (catch-up sends only the most recent one). It reads everything it needs in a
   fixed number of queries, however many inventories there are.
2. ``reminders_send_due`` claims pending rows with ``select_for_update(skip_locked=True)``, one
   row per transaction, checks the row still applies, sends it and records the outcome. Ten
   sweeps at once each get different rows, so each reminder leaves once. An SMTP failure is
   retried with exponential backoff; after ``MAX_ATTEMPTS`` the row is failed and staff see it in
   the admin.

``deadline_extend`` grants a region a new deadline: it records the extension, puts the notice to
the region in the ledger (keyed by the new deadline, so it goes once) and makes the remaining
reminders follow the new deadline.
"""

import datetime
import hashlib
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from inventories import reminders as sched
from inventories.completeness import PART_TITLES, inventory_completeness
from inventories.models import AuditEvent, Inventory, Reminder, Round
from inventories.selectors import inventory_with_parts
from inventories.services.audit import audit_record
from portal.emails import Email, send_email
from portal.queue import enqueue_on_commit
from regions.models import ContactPerson, Region

logger = logging.getLogger(__name__)

#: A row is failed after this many SMTP attempts.
MAX_ATTEMPTS = 5
#: The first retry waits this long; each further one twice as long (5, 10, 20, 40 minutes).
RETRY_BASE = datetime.timedelta(minutes=5)
#: A round stops being swept this long after its last deadline (the round's or an extension).
LOOKBACK = datetime.timedelta(days=30)

CLOSED_STATUSES = (Inventory.Status.SUBMITTED, Inventory.Status.ACCEPTED)
REGION_KINDS = (Reminder.Kind.REMINDER, Reminder.Kind.DEADLINE_PASSED)

TEMPLATES = {
    Reminder.Kind.REMINDER: "emails/reminder",
    Reminder.Kind.DEADLINE_PASSED: "emails/deadline_passed",
    Reminder.Kind.EXTENSION_NOTICE: "emails/deadline_extended",
    Reminder.Kind.STAFF_SUMMARY: "emails/staff_reminder_summary",
    Reminder.Kind.STAFF_ESCALATION: "emails/staff_escalation",
}


# --------------------------------------------------------------------------------------------
# Reading what the decision needs (a fixed number of queries)
# --------------------------------------------------------------------------------------------


@dataclass
class _State:
    """Everything ``_decide`` looks at, read in bulk."""

    rounds: list
    regions: list  # (id, code, name), active regions only
    contacts: dict  # region id -> [(user id, e-mail)], active contact persons with active users
    inventories: dict  # (round id, region id) -> (status, deadline_override, returned_at)


def _rounds_opened(now, round_=None):
    queryset = Round.objects.filter(active=True, opens_at__lte=now)
    if round_ is not None:
        queryset = queryset.filter(pk=round_.pk)
    return list(queryset.order_by("opens_at", "id"))


def _read_state(now, round_=None) -> _State:
    """Active, opened rounds whose last deadline (the round's or an extension) is at most
    ``LOOKBACK`` ago, and what the decision needs to know about them."""
    rounds = _rounds_opened(now, round_)
    if not rounds:
        return _State([], [], {}, {})
    cutoff = now - LOOKBACK
    inventories = {
        (round_id, region_id): (status, override, returned_at)
        for round_id, region_id, status, override, returned_at in Inventory.objects.filter(
            round__in=rounds
        ).values_list("round_id", "region_id", "status", "deadline_override", "returned_at")
    }
    extended = {
        key[0]
        for key, (_status, override, _returned_at) in inventories.items()
        if override and override >= cutoff
    }
    rounds = [r for r in rounds if r.deadline >= cutoff or r.pk in extended]
    if not rounds:
        return _State([], [], {}, {})
    regions = list(Region.objects.filter(active=True).order_by("code").values_list("id", "code"))
    contacts = defaultdict(list)
    for region_id, user_id, email in (
        ContactPerson.objects.filter(active=True, user__is_active=True, region__active=True)
        .order_by("region_id", "user__email")
        .values_list("region_id", "user_id", "user__email")
    ):
        contacts[region_id].append((user_id, email.lower()))
    return _State(rounds, regions, contacts, inventories)


# --------------------------------------------------------------------------------------------
# Deciding (pure: no database)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """One recipient's current step, and the earlier steps it supersedes (catch-up)."""

    round: Round
    region_id: int | None
    scope: str
    step: sched.Step
    earlier: tuple
    recipient: str
    user_id: int | None
    deadline: datetime.datetime

    @property
    def key(self):
        return (self.round.pk, self.scope, self.step.key, self.recipient)

    def earlier_keys(self):
        return [(self.round.pk, self.scope, step.key, self.recipient) for step in self.earlier]


@dataclass
class _Decision:
    due: list = field(default_factory=list)
    #: round id -> region ids with no active contact person (and an inventory still open).
    without_contact: dict = field(default_factory=dict)


def _staff_mailbox() -> str:
    return settings.STAFF_MAILBOX.strip().lower()


def _decide(state: _State, now) -> _Decision:
    """Who is due which step at ``now``, from what ``_read_state`` read. No database access."""
    decision = _Decision()
    cutoff = now - LOOKBACK
    mailbox = _staff_mailbox()
    for round_ in state.rounds:
        missing_contact = []
        # Regions sharing a deadline share a schedule: work it out once per deadline.
        steps_for = {}
        for region_id, code in state.regions:
            status, override, returned_at = state.inventories.get(
                (round_.pk, region_id), (None, None, None)
            )
            if status in CLOSED_STATUSES:
                continue
            deadline = override or round_.deadline
            if deadline < cutoff:
                continue  # long over for this region (the round is swept for another one)
            recipients = state.contacts.get(region_id)
            if not recipients:
                missing_contact.append(region_id)
                continue
            since = returned_at if status == Inventory.Status.RETURNED else None
            if (deadline, since) not in steps_for:
                steps = sched.round_schedule(round_, deadline)
                current = sched.current_step(steps, now=now, deadline=deadline, since=since)
                earlier = sched.superseded_steps(steps, current, since=since) if current else ()
                steps_for[deadline, since] = (current, tuple(earlier))
            current, earlier = steps_for[deadline, since]
            if current is None:
                continue
            decision.due.extend(
                Due(round_, region_id, code, current, earlier, email, user_id, deadline)
                for user_id, email in recipients
            )
        decision.without_contact[round_.pk] = missing_contact

        if round_.deadline < cutoff:
            continue
        staff_steps = sched.staff_schedule(round_)
        current = sched.current_step(staff_steps, now=now, deadline=round_.deadline)
        if current is None:
            continue
        if current.kind == sched.STAFF_ESCALATION:
            if not missing_contact:
                continue
            earlier = tuple(sched.superseded_steps(staff_steps, current))
        else:
            earlier = ()  # the summary supersedes no escalation
        decision.due.append(
            Due(
                round_, None, Reminder.STAFF_SCOPE, current, earlier, mailbox, None, round_.deadline
            )
        )
    return decision


def _existing_keys(round_ids, steps) -> set:
    """The ledger's keys (round, scope, step, recipient) for these rounds and steps."""
    if not round_ids or not steps:
        return set()
    return set(
        Reminder.objects.filter(round_id__in=round_ids, step__in=steps).values_list(
            "round_id", "scope", "step", "recipient"
        )
    )


# --------------------------------------------------------------------------------------------
# Planning: writing the ledger rows that are due
# --------------------------------------------------------------------------------------------


def _mail_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "localhost"


def reminder_message_id(*, round_id, scope, step, recipient, domain=None) -> str:
    """A Message-ID for a ledger row, made once when the row is created and kept.

    Its left part carries a digest of the row's key, so a copy resent after a crash (SMTP
    accepted, the database had not recorded it) can be recognised as the same message.
    """
    digest = hashlib.sha256(f"{round_id}|{scope}|{step}|{recipient}".encode()).hexdigest()[:24]
    return make_msgid(idstring=f"reminder.{digest}", domain=domain or _mail_domain())


def _ledger_row(
    *, round_id, region_id, scope, step, recipient, user_id, deadline, status, note="", now, domain
) -> Reminder:
    return Reminder(
        round_id=round_id,
        region_id=region_id,
        scope=scope,
        step=step.key,
        kind=step.kind,
        recipient=recipient,
        user_id=user_id,
        deadline=deadline,
        due_at=step.due_at,
        status=status,
        next_attempt_at=step.due_at,
        note=note,
        message_id=reminder_message_id(
            round_id=round_id, scope=scope, step=step.key, recipient=recipient, domain=domain
        ),
        created_at=now,
        updated_at=now,
    )


def _insert(rows) -> None:
    """Insert ledger rows, leaving alone any that exist (another sweep got there first).

    Sorted by key so that concurrent sweeps insert in the same order and never deadlock.
    """
    rows = sorted(rows, key=lambda r: (r.round_id, r.scope, r.step, r.recipient))
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)


@dataclass
class PlanResult:
    pending: int = 0
    skipped: int = 0

    @property
    def rows(self) -> int:
        return self.pending + self.skipped


def _rows_for(due_list, *, now, existing_earlier) -> list[Reminder]:
    domain = _mail_domain()
    notes = {}
    rows = []
    for due in due_list:
        common = {
            "round_id": due.round.pk,
            "region_id": due.region_id,
            "scope": due.scope,
            "recipient": due.recipient,
            "user_id": due.user_id,
            "deadline": due.deadline,
            "now": now,
            "domain": domain,
        }
        rows.append(_ledger_row(step=due.step, status=Reminder.Status.PENDING, **common))
        if due.step.key not in notes:
            notes[due.step.key] = _(
                "Ersatt av ett senare steg (%(step)s) innan den hann skickas."
            ) % {"step": due.step.key}
        for step, key in zip(due.earlier, due.earlier_keys(), strict=True):
            if key not in existing_earlier:
                rows.append(
                    _ledger_row(
                        step=step,
                        status=Reminder.Status.SKIPPED,
                        note=notes[due.step.key],
                        **common,
                    )
                )
    return rows


@transaction.atomic
def reminders_plan_due(*, now=None, round=None) -> PlanResult:
    """Record in the ledger every reminder that is due at ``now`` and not recorded yet.

    Who: the active contact persons of every active region whose inventory in an open round is
    not submitted or accepted (draft, returned, or never opened); the staff mailbox for the
    escalation (regions without an active contact person) and the summary after the deadline.
    A recipient's current step becomes a pending row; the earlier steps that never went out
    become skipped rows (catch-up sends only the latest). The number of queries does not depend
    on the number of inventories.
    """
    now = now or timezone.now()
    decision = _decide(_read_state(now, round), now)
    due = decision.due
    round_ids = {d.round.pk for d in due}
    existing = _existing_keys(round_ids, {d.step.key for d in due})
    new = [d for d in due if d.key not in existing]
    earlier_steps = {step.key for d in new for step in d.earlier}
    existing_earlier = _existing_keys({d.round.pk for d in new}, earlier_steps)
    rows = _rows_for(new, now=now, existing_earlier=existing_earlier)
    if rows:
        _insert(rows)
    result = PlanResult()
    for row in rows:
        if row.status == Reminder.Status.PENDING:
            result.pending += 1
        else:
            result.skipped += 1
    return result


# --------------------------------------------------------------------------------------------
# Sending
# --------------------------------------------------------------------------------------------


class _Skip(Exception):
    """The row no longer applies; ``str(exc)`` says why (shown to staff in the admin)."""


def _link(region) -> str:
    return settings.SITE_URL + reverse("regions:start", kwargs={"slug": region.slug})


def _missing_parts(inventory) -> list[dict]:
    """What is still missing, part by part (all three parts for a region that never started)."""
    if inventory is None:
        return [{"title": PART_TITLES[part], "items": []} for part in (1, 2, 3)]
    completeness = inventory_completeness(inventory)
    return [
        {
            "title": PART_TITLES[part],
            "items": [item.message for item in completeness.for_part(part)],
        }
        for part in (1, 2, 3)
        if not completeness.part_complete(part)
    ]


def _region_inventory(reminder):
    return inventory_with_parts(
        Inventory.objects.filter(round_id=reminder.round_id, region_id=reminder.region_id)
    ).first()


def _check_region_row(reminder, inventory, now):
    """Raise ``_Skip`` unless the region row still applies; return the effective deadline."""
    round_, region = reminder.round, reminder.region
    if not round_.active:
        raise _Skip(_("Omgången är inte längre aktiv."))
    if region is None or not region.active:
        raise _Skip(_("Regionen är inte aktiv."))
    if inventory is not None and inventory.status in CLOSED_STATUSES:
        raise _Skip(
            _("Behovsinventeringen är %(status)s.")
            % {"status": inventory.get_status_display().lower()}
        )
    deadline = inventory.effective_deadline if inventory is not None else round_.deadline
    if reminder.kind == Reminder.Kind.EXTENSION_NOTICE:
        if deadline != reminder.deadline:
            raise _Skip(_("Sista dag har ändrats igen innan beskedet hann skickas."))
        if now > deadline:
            raise _Skip(_("Den nya sista dagen har redan passerat."))
    else:
        if sched.deadline_tag(deadline) != sched.deadline_tag(reminder.deadline):
            raise _Skip(_("Regionen har fått en ny sista dag; påminnelserna följer den."))
        steps = sched.round_schedule(round_, deadline)
        returned = inventory is not None and inventory.status == Inventory.Status.RETURNED
        since = inventory.returned_at if returned else None
        current = sched.current_step(steps, now=now, deadline=deadline, since=since)
        if current is None or current.key != reminder.step:
            if reminder.kind == Reminder.Kind.REMINDER and now > deadline:
                raise _Skip(_("Sista dag har passerat innan påminnelsen hann skickas."))
            raise _Skip(_("Ersatt av ett senare steg innan den hann skickas."))
    is_contact = ContactPerson.objects.filter(
        user_id=reminder.user_id, region=region, active=True, user__is_active=True
    ).exists()
    if reminder.user_id is None or not is_contact:
        raise _Skip(_("Mottagaren är inte längre aktiv kontaktperson för regionen."))
    return deadline


def _region_email(reminder, now) -> tuple[Email, Inventory | None]:
    inventory = _region_inventory(reminder)
    deadline = _check_region_row(reminder, inventory, now)
    user, region = reminder.user, reminder.region
    context = {
        "full_name": user.full_name,
        "region": region,
        "round": reminder.round,
        "deadline": sched.deadline_local(deadline),
        "days_left": sched.days_left(deadline, now),
        "not_started": inventory is None,
        "status": inventory.get_status_display() if inventory else _("Inte påbörjad"),
        "returned": inventory is not None and inventory.status == Inventory.Status.RETURNED,
        "link": _link(region),
    }
    if reminder.kind == Reminder.Kind.REMINDER:
        with translation.override(user.language or settings.LANGUAGE_CODE):
            context["missing_parts"] = _missing_parts(inventory)
    return (
        Email(
            template=TEMPLATES[reminder.kind],
            to=[reminder.recipient],
            language=user.language or settings.LANGUAGE_CODE,
            context=context,
            headers=_headers(reminder),
        ),
        inventory,
    )


def regions_without_contact(round_) -> list[Region]:
    """Active regions with no active contact person whose inventory in ``round_`` is open."""
    closed = Inventory.objects.filter(round=round_, status__in=CLOSED_STATUSES).values("region_id")
    with_contact = ContactPerson.objects.filter(active=True, user__is_active=True).values(
        "region_id"
    )
    return list(
        Region.objects.filter(active=True)
        .exclude(pk__in=closed)
        .exclude(pk__in=with_contact)
        .order_by("code")
    )


def round_open_regions(round_) -> list[dict]:
    """Every active region that has not submitted in ``round_``, for the staff summary."""
    inventories = {
        inv.region_id: inv for inv in Inventory.objects.filter(round=round_).select_related("round")
    }
    contact_counts = Counter(
        ContactPerson.objects.filter(active=True, user__is_active=True).values_list(
            "region_id", flat=True
        )
    )
    rows = []
    for region in Region.objects.filter(active=True).order_by("code"):
        inventory = inventories.get(region.pk)
        if inventory is not None and inventory.status in CLOSED_STATUSES:
            continue
        rows.append(
            {
                "region": region,
                "status": inventory.get_status_display() if inventory else _("Inte påbörjad"),
                "deadline": sched.deadline_local(
                    inventory.effective_deadline if inventory else round_.deadline
                ),
                "extended": inventory is not None and inventory.deadline_override is not None,
                "contacts": contact_counts.get(region.pk, 0),
            }
        )
    return rows


def _staff_email(reminder, now) -> Email:
    round_ = reminder.round
    if not round_.active:
        raise _Skip(_("Omgången är inte längre aktiv."))
    steps = sched.staff_schedule(round_)
    context = {
        "round": round_,
        "deadline": sched.deadline_local(round_.deadline),
        "days_left": sched.days_left(round_.deadline, now),
        "staff_link": settings.SITE_URL + reverse("staff_home"),
    }
    if reminder.kind == Reminder.Kind.STAFF_ESCALATION:
        current = sched.current_step(steps, now=now, deadline=round_.deadline)
        if current is None or current.key != reminder.step:
            raise _Skip(_("Ersatt av ett senare steg innan den hann skickas."))
        regions = regions_without_contact(round_)
        if not regions:
            raise _Skip(_("Alla regioner har nu en aktiv kontaktperson."))
        context["regions"] = regions
    else:
        if reminder.step not in {step.key for step in steps}:
            raise _Skip(_("Omgångens sista dag har ändrats."))
        open_regions = round_open_regions(round_)
        context["open_regions"] = open_regions
        context["late_regions"] = [row for row in open_regions if not row["extended"]]
        context["extended_regions"] = [row for row in open_regions if row["extended"]]
        context["submitted_count"] = Inventory.objects.filter(
            round=round_, status__in=CLOSED_STATUSES, region__active=True
        ).count()
    return Email(
        template=TEMPLATES[reminder.kind],
        to=[reminder.recipient],
        language=settings.LANGUAGE_CODE,
        context=context,
        headers=_headers(reminder),
    )


def _headers(reminder) -> dict:
    return {"Message-ID": reminder.message_id, "Auto-Submitted": "auto-generated"}


def _backoff(attempts: int) -> datetime.timedelta:
    return RETRY_BASE * (2 ** max(attempts - 1, 0))


def _save(reminder, now, *fields):
    reminder.updated_at = now
    reminder.save(update_fields=[*fields, "updated_at"])


def _attempt_failed(reminder, exc, now) -> str:
    """Count the attempt; retry later with backoff, or give up after ``MAX_ATTEMPTS``."""
    reminder.attempts += 1
    reminder.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
    if reminder.attempts >= MAX_ATTEMPTS:
        reminder.status = Reminder.Status.FAILED
        outcome = reminder.status
    else:
        reminder.next_attempt_at = now + _backoff(reminder.attempts)
        outcome = "retry"
    _save(reminder, now, "attempts", "last_error", "status", "next_attempt_at")
    logger.warning(
        "Reminder %s to %s not sent (attempt %s): %s",
        reminder.pk,
        reminder.recipient,
        reminder.attempts,
        reminder.last_error,
    )
    return outcome


def reminder_deliver(reminder, *, now=None) -> str:
    """Send one pending ledger row if it still applies; record the outcome on the row.

    The caller holds the row locked (``select_for_update``) in a transaction, as
    ``reminders_send_due`` and ``reminder_send`` do. Returns the row's new status, or
    ``"retry"`` when the attempt failed and another one is scheduled.
    """
    now = now or timezone.now()
    if reminder.status != Reminder.Status.PENDING:
        return reminder.status
    inventory = None
    try:
        # A savepoint: should building the message fail in the database, the row can still
        # record the failed attempt, and one broken row never blocks the rows after it.
        with transaction.atomic():
            if reminder.is_staff_row:
                email = _staff_email(reminder, now)
            else:
                email, inventory = _region_email(reminder, now)
    except _Skip as reason:
        reminder.status = Reminder.Status.SKIPPED
        reminder.note = str(reason)[:300]
        _save(reminder, now, "status", "note")
        return reminder.status
    except Exception as exc:  # noqa: BLE001 - recorded on the row and retried like SMTP errors
        logger.exception("Reminder %s could not be built", reminder.pk)
        return _attempt_failed(reminder, exc, now)

    try:
        send_email(email)
    except Exception as exc:  # noqa: BLE001 - any failure to hand over the message is recorded
        return _attempt_failed(reminder, exc, now)

    reminder.attempts += 1
    reminder.status = Reminder.Status.SENT
    reminder.sent_at = timezone.now()
    reminder.last_error = ""
    _save(reminder, now, "attempts", "status", "sent_at", "last_error")
    if not reminder.is_staff_row:
        audit_record(
            action=AuditEvent.Action.REMINDER_SENT,
            inventory=inventory,
            round=reminder.round,
            region=reminder.region,
            message=_("%(kind)s till %(recipient)s")
            % {"kind": reminder.get_kind_display(), "recipient": reminder.recipient},
            data={
                "reminder": reminder.pk,
                "kind": reminder.kind,
                "step": reminder.step,
                "recipient": reminder.recipient,
                "message_id": reminder.message_id,
            },
        )
    return reminder.status


def _claim(queryset):
    # No select_related: the sweep runs this every few minutes and usually finds nothing, so
    # keep it a plain query; a claimed row loads its round, region and user when it is sent.
    return queryset.select_for_update(skip_locked=True).first()


def reminders_send_due(*, now=None) -> Counter:
    """Send every pending ledger row whose (next) attempt is due; safe to run many at once.

    Each row is claimed with ``select_for_update(skip_locked=True)`` in its own transaction and
    stays locked while it is sent, so a concurrent sweep skips it and never sends it again.
    Returns how many rows ended in each outcome.
    """
    now = now or timezone.now()
    outcomes = Counter()
    seen = set()
    due = Reminder.objects.filter(status=Reminder.Status.PENDING, next_attempt_at__lte=now)
    while True:
        with transaction.atomic():
            reminder = _claim(due.order_by("next_attempt_at", "id"))
            if reminder is None or reminder.pk in seen:
                break
            seen.add(reminder.pk)
            outcomes[reminder_deliver(reminder, now=now)] += 1
    return outcomes


def reminder_send(*, reminder_id, now=None) -> str | None:
    """Send one ledger row now (e.g. the extension notice right after commit) if still pending.

    Does nothing when a sweep holds the row or it has already been dealt with.
    """
    now = now or timezone.now()
    with transaction.atomic():
        reminder = _claim(
            Reminder.objects.filter(
                pk=reminder_id, status=Reminder.Status.PENDING, next_attempt_at__lte=now
            )
        )
        if reminder is None:
            return None
        return reminder_deliver(reminder, now=now)


def reminders_sweep(*, now=None) -> dict:
    """Plan what is due, then send it: what beat runs every five minutes."""
    now = now or timezone.now()
    planned = reminders_plan_due(now=now)
    sent = reminders_send_due(now=now)
    return {"planned": planned.pending, "superseded": planned.skipped, **sent}


@transaction.atomic
def reminders_retry_failed(*, reminders, actor) -> int:
    """Staff put failed rows back in the queue: they are tried again at the next sweep."""
    if actor is None or not getattr(actor, "is_handlaggare", False):
        raise PermissionDenied(_("Endast handläggare kan göra detta."))
    now = timezone.now()
    return Reminder.objects.filter(
        pk__in=[r.pk for r in reminders], status=Reminder.Status.FAILED
    ).update(status=Reminder.Status.PENDING, attempts=0, next_attempt_at=now, updated_at=now)


# --------------------------------------------------------------------------------------------
# A dry run: who would get what, and when
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewLine:
    round: str  # the round's slug
    when: datetime.datetime
    action: str  # "send now", "skip now", "planned", a ledger status, "no contact person"
    kind: str
    step: str
    scope: str
    region: str
    recipient: str


def reminders_preview(*, now=None, round=None) -> list[PreviewLine]:
    """What the sweep would do at ``now`` and what follows, without writing anything."""
    now = now or timezone.now()
    state = _read_state(now, round)
    decision = _decide(state, now)
    round_ids = [r.pk for r in state.rounds]
    existing = {
        (round_id, scope, step, recipient): status
        for round_id, scope, step, recipient, status in Reminder.objects.filter(
            round_id__in=round_ids
        ).values_list("round_id", "scope", "step", "recipient", "status")
    }
    names = dict(Region.objects.values_list("id", "name"))
    codes = dict(state.regions)
    lines = []

    def add(round_, when, action, kind, step, scope, region_id, recipient):
        region = f"{names.get(region_id, '')} ({codes.get(region_id, '')})" if region_id else ""
        lines.append(PreviewLine(round_.slug, when, action, kind, step, scope, region, recipient))

    for due in decision.due:
        recorded = existing.get(due.key)
        add(
            due.round,
            due.step.due_at,
            recorded or "send now",
            due.step.kind,
            due.step.key,
            due.scope,
            due.region_id,
            due.recipient,
        )
        if recorded is None:
            for step, key in zip(due.earlier, due.earlier_keys(), strict=True):
                if key not in existing:
                    add(
                        due.round,
                        step.due_at,
                        "skip now",
                        step.kind,
                        step.key,
                        due.scope,
                        due.region_id,
                        due.recipient,
                    )
    # The steps still to come, for the recipients as they stand now.
    for round_ in state.rounds:
        for region_id, code in state.regions:
            status, override, _returned_at = state.inventories.get(
                (round_.pk, region_id), (None, None, None)
            )
            if status in CLOSED_STATUSES:
                continue
            deadline = override or round_.deadline
            recipients = state.contacts.get(region_id, [])
            for step in sched.round_schedule(round_, deadline):
                if step.due_at <= now:
                    continue
                if not recipients:
                    add(
                        round_,
                        step.due_at,
                        "no contact person",
                        step.kind,
                        step.key,
                        code,
                        region_id,
                        "",
                    )
                for _user_id, email in recipients:
                    add(round_, step.due_at, "planned", step.kind, step.key, code, region_id, email)
        for step in sched.staff_schedule(round_):
            if step.due_at > now:
                add(
                    round_,
                    step.due_at,
                    "planned",
                    step.kind,
                    step.key,
                    Reminder.STAFF_SCOPE,
                    None,
                    _staff_mailbox(),
                )
    # Rows already in the ledger waiting for a retry.
    for reminder in Reminder.objects.filter(
        round_id__in=round_ids, status=Reminder.Status.PENDING, attempts__gt=0
    ).select_related("round"):
        add(
            reminder.round,
            reminder.next_attempt_at,
            f"retry {reminder.attempts + 1}",
            reminder.kind,
            reminder.step,
            reminder.scope,
            reminder.region_id,
            reminder.recipient,
        )
    lines.sort(key=lambda line: (line.when, line.round, line.scope, line.step, line.recipient))
    return lines


# --------------------------------------------------------------------------------------------
# Extending a region's deadline
# --------------------------------------------------------------------------------------------


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
        Inventory.objects.select_for_update().select_related("round", "region").get(pk=inventory.pk)
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
        round=round_, scope=region.code, status=Reminder.Status.PENDING
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
    domain = _mail_domain()
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
        rows.append(_ledger_row(step=notice, status=Reminder.Status.PENDING, **common))
        rows.extend(
            _ledger_row(
                step=step,
                status=Reminder.Status.SKIPPED,
                note=_("Ersatt av beskedet om förlängd sista dag."),
                **common,
            )
            for step in already_due
        )
    if rows:
        _insert(rows)
        from inventories.tasks import reminder_send_task

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
