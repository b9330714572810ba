"""The reminder e-mails: check that a ledger row still applies and build its message.

A row that no longer applies raises ``SkipReminder`` with the reason staff see in the admin.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from inventories.completeness import PART_TITLES, inventory_completeness
from inventories.models import CurrentState, Inventory, TargetState
from inventories.selectors import inventory_with_parts
from portal.emails import Email
from regions.models import ContactPerson, Region
from reminders import schedule as sched
from reminders.models import Reminder

from .decision import CLOSED_STATUSES

TEMPLATES = {
    Reminder.Kind.REMINDER: "emails/reminder",
    Reminder.Kind.DEADLINE_PASSED: "emails/deadline_passed",
    Reminder.Kind.EXTENSION_NOTICE: "emails/deadline_extended",
    Reminder.Kind.STAFF_SUMMARY: "emails/staff_reminder_summary",
    Reminder.Kind.STAFF_ESCALATION: "emails/staff_escalation",
}


class SkipReminder(Exception):
    """The row no longer applies; ``str(exc)`` says why (shown to staff in the admin)."""


def _link(region) -> str:
    return settings.SITE_URL + reverse("inventories:start", kwargs={"slug": region.slug})


def _with_parts(inventory) -> None:
    """Give ``inventory`` an empty, unsaved Del 1 or Del 3 in memory if its row is missing.

    Every path that creates an inventory (``inventory_open``, ``region_deadline_extend``) creates
    both rows in the same transaction, and the admin cannot add inventories; should one lack a
    row anyway (e.g. data written by hand), its reminder lists that part as empty rather than
    failing.
    """
    for name, model in (("current_state", CurrentState), ("target_state", TargetState)):
        try:
            getattr(inventory, name)
        except ObjectDoesNotExist:
            setattr(inventory, name, model(inventory=inventory))


def _missing_parts(inventory) -> list[dict]:
    """What is still missing, part by part (all three parts for a region that never started)."""
    if inventory is None:
        return [{"title": PART_TITLES[part], "items": []} for part in (1, 2, 3)]
    _with_parts(inventory)
    completeness = inventory_completeness(inventory)
    return [
        {
            "title": PART_TITLES[part],
            "items": [item.message for item in completeness.for_part(part)],
        }
        for part in (1, 2, 3)
        if not completeness.part_complete(part)
    ]


@dataclass
class Prefetched:
    """What building the region rows of a batch reads, loaded for the whole batch at once."""

    #: (round id, region id) -> the region's inventory with its parts (``inventory_with_parts``)
    inventories: dict = field(default_factory=dict)
    #: (user id, region id) of the active contact persons with active accounts
    contacts: set = field(default_factory=set)


def reminders_prefetch(reminders) -> Prefetched:
    """Read what the region rows among ``reminders`` need, in a fixed number of queries.

    Load the rows with ``select_related("round", "region", "user")``; staff rows need nothing
    here (they read their own summary).
    """
    rows = [r for r in reminders if not r.is_staff_row and r.region_id is not None]
    if not rows:
        return Prefetched()
    regions_by_round = defaultdict(set)
    for row in rows:
        regions_by_round[row.round_id].add(row.region_id)
    condition = Q()
    for round_id, region_ids in regions_by_round.items():
        condition |= Q(round_id=round_id, region_id__in=region_ids)
    inventories = {
        (inventory.round_id, inventory.region_id): inventory
        for inventory in inventory_with_parts(Inventory.objects.filter(condition))
    }
    user_ids = {row.user_id for row in rows if row.user_id is not None}
    contacts = set(
        ContactPerson.objects.filter(
            user_id__in=user_ids, active=True, user__is_active=True
        ).values_list("user_id", "region_id")
    )
    return Prefetched(inventories, contacts)


def _check_region_row(reminder, inventory, now, prefetched):
    """Raise ``SkipReminder`` unless the region row still applies; return the effective deadline."""
    round_, region = reminder.round, reminder.region
    if not round_.active:
        raise SkipReminder(_("Omgången är inte längre aktiv."))
    if region is None or not region.active:
        raise SkipReminder(_("Regionen är inte aktiv."))
    if inventory is not None and inventory.status in CLOSED_STATUSES:
        raise SkipReminder(
            _("Behovsinventeringen är %(status)s.")
            % {"status": inventory.get_status_display().lower()}
        )
    deadline = inventory.effective_deadline if inventory is not None else round_.deadline
    if reminder.kind == Reminder.Kind.EXTENSION_NOTICE:
        if deadline != reminder.deadline:
            raise SkipReminder(_("Sista dag har ändrats igen innan beskedet hann skickas."))
        if now > deadline:
            raise SkipReminder(_("Den nya sista dagen har redan passerat."))
    else:
        if sched.deadline_tag(deadline) != sched.deadline_tag(reminder.deadline):
            raise SkipReminder(_("Regionen har fått en ny sista dag; påminnelserna följer den."))
        steps = sched.round_schedule(round_, deadline)
        returned = inventory is not None and inventory.status == Inventory.Status.RETURNED
        since = inventory.returned_at if returned else None
        current = sched.current_step(steps, now=now, deadline=deadline, since=since)
        if current is None or current.key != reminder.step:
            if reminder.kind == Reminder.Kind.REMINDER and now > deadline:
                raise SkipReminder(_("Sista dag har passerat innan påminnelsen hann skickas."))
            raise SkipReminder(_("Ersatt av ett senare steg innan den hann skickas."))
    is_contact = (reminder.user_id, region.pk) in prefetched.contacts
    if reminder.user_id is None or not is_contact:
        raise SkipReminder(_("Mottagaren är inte längre aktiv kontaktperson för regionen."))
    return deadline


def region_email(reminder, now, prefetched: Prefetched) -> tuple[Email, Inventory | None]:
    """The e-mail of a region row, from what ``reminders_prefetch`` read for its batch."""
    inventory = prefetched.inventories.get((reminder.round_id, reminder.region_id))
    deadline = _check_region_row(reminder, inventory, now, prefetched)
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
        # The subject starts with it ("Dnr ...: "), as every official e-mail about the case does.
        "registration_number": inventory.registration_number if inventory else "",
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


def staff_email(reminder, now) -> Email:
    round_ = reminder.round
    if not round_.active:
        raise SkipReminder(_("Omgången är inte längre aktiv."))
    steps = sched.staff_schedule(round_)
    context = {
        "round": round_,
        "deadline": sched.deadline_local(round_.deadline),
        "days_left": sched.days_left(round_.deadline, now),
        "staff_link": settings.SITE_URL + reverse("staff:home"),
    }
    if reminder.kind == Reminder.Kind.STAFF_ESCALATION:
        current = sched.current_step(steps, now=now, deadline=round_.deadline)
        if current is None or current.key != reminder.step:
            raise SkipReminder(_("Ersatt av ett senare steg innan den hann skickas."))
        regions = regions_without_contact(round_)
        if not regions:
            raise SkipReminder(_("Alla regioner har nu en aktiv kontaktperson."))
        context["regions"] = regions
    else:
        if reminder.step not in {step.key for step in steps}:
            raise SkipReminder(_("Omgångens sista dag har ändrats."))
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
