"""Retention by plan (gallring): what each round's plan would purge, and purging it.

Three kinds of data go when their period has passed:

- **contact persons**: a deactivated contact person (or one whose account is inactive) whose
  last sign-in, registration, invitation and deactivation all lie more than N months back is
  anonymised: name and e-mail address are replaced, the password is made unusable and the
  account inactive, so it can no longer sign in. The rows stay: the audit history, the
  submitted versions and the e-mails sent name them;
- **drafts never submitted** of a closed round (its deadline and every extension of its
  inventories have passed) lose their content M months after the round closed: Del 1–3 texts,
  budget lines, interventions, goals and attachments (with their files). The inventory row
  stays, because the audit history names it;
- **sign-in records** older than K days: django-axes' attempts and logs, and the throttling of
  wrong second-factor codes; expired sessions always.

Submitted versions, their PDFs, attachments a version holds, receipts and the audit history are
public records and are never touched here. The selector (``retention_candidates``) changes
nothing; ``retention_apply`` purges each contact person and each draft in a transaction of its
own with its ``PurgeRecord``, and sign-in records in batches (one record per batch, with the
ids), re-checking every condition inside the transaction: a run cut short by a crash leaves
everything purged and recorded or untouched, and the next run carries on.
"""

import calendar
import dataclasses
import datetime
import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from functools import partial
from zoneinfo import ZoneInfo

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from inventories.models import (
    Attachment,
    AuditEvent,
    BudgetLine,
    CurrentState,
    Goal,
    Intervention,
    Inventory,
    InventoryVersion,
    Round,
    TargetState,
)
from records.models import (
    DEFAULT_CONTACT_INACTIVE_MONTHS,
    DEFAULT_DRAFT_MONTHS,
    DEFAULT_SIGN_IN_DAYS,
    PurgeRecord,
    RetentionPlan,
)
from regions.models import ContactPerson, Invitation

logger = logging.getLogger(__name__)

STOCKHOLM = ZoneInfo("Europe/Stockholm")

#: What an anonymised contact person is called, and the domain of the address that replaces
#: theirs (``.invalid`` is reserved: no mail can ever be delivered there).
ANONYMISED_NAME = "Anonymiserad kontaktperson"
ANONYMISED_EMAIL_DOMAIN = "anonymiserad.invalid"

#: Sign-in records are purged (and recorded) this many rows at a time.
BATCH_SIZE = 500

Kind = PurgeRecord.Kind


@dataclasses.dataclass(frozen=True)
class Periods:
    contact_inactive_months: int = DEFAULT_CONTACT_INACTIVE_MONTHS
    draft_months: int = DEFAULT_DRAFT_MONTHS
    sign_in_days: int = DEFAULT_SIGN_IN_DAYS

    @classmethod
    def of(cls, plan: RetentionPlan | None) -> "Periods":
        if plan is None:
            return cls()
        return cls(
            contact_inactive_months=plan.contact_inactive_months,
            draft_months=plan.draft_months,
            sign_in_days=plan.sign_in_days,
        )


@dataclasses.dataclass(frozen=True)
class Candidate:
    """One thing the plan would purge: what, which, why, and since when its age counts."""

    kind: str
    object_id: str
    reason: str
    since: datetime.datetime
    round_id: int | None = None

    def age(self, now: datetime.datetime) -> datetime.timedelta:
        return now - self.since


# Periods --------------------------------------------------------------------------------------


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same local (Stockholm) time ``months`` calendar months earlier (the day clamped to
    the month's last, e.g. 31 May minus 3 months is 28 or 29 February)."""
    local = timezone.localtime(moment, STOCKHOLM)
    year, month0 = divmod(local.year * 12 + local.month - 1 - months, 12)
    month = month0 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(tzinfo=None, year=year, month=month, day=day).replace(tzinfo=STOCKHOLM)


def _plan_of(round_: Round) -> RetentionPlan | None:
    try:
        return round_.retention_plan
    except RetentionPlan.DoesNotExist:
        return None


def round_periods(round_: Round) -> Periods:
    """The round's own plan, or the defaults when it has none."""
    return Periods.of(_plan_of(round_))


def rounds_with_periods() -> list[tuple[Round, Periods]]:
    """Every round, newest first, with the periods it follows."""
    rounds = Round.objects.select_related("retention_plan").order_by("-opens_at", "pk")
    return [(round_, round_periods(round_)) for round_ in rounds]


def global_periods(periods: Iterable[Periods] | None = None) -> Periods:
    """The periods for data that belongs to no round (contact persons, sign-in records): the
    shortest of all rounds' plans, so that every period a plan promises holds."""
    if periods is None:
        periods = [p for _round, p in rounds_with_periods()]
    periods = list(periods) or [Periods()]
    return Periods(
        contact_inactive_months=min(p.contact_inactive_months for p in periods),
        draft_months=min(p.draft_months for p in periods),
        sign_in_days=min(p.sign_in_days for p in periods),
    )


def _day(moment: datetime.datetime) -> str:
    return timezone.localtime(moment, STOCKHOLM).strftime("%Y-%m-%d")


# Selectors: what the plan would purge (nothing is changed) -----------------------------------


def _deactivation_times() -> dict[int, datetime.datetime]:
    """When each contact person was last deactivated or replaced (from the audit history)."""
    moments: dict[int, datetime.datetime] = {}
    events = AuditEvent.objects.filter(
        action=AuditEvent.Action.CONTACT_CHANGED,
        data__change__in=["deactivated", "replaced"],
    ).values_list("data", "created_at")
    for data, created_at in events:
        key = (
            data.get("replaced") if data.get("change") == "replaced" else data.get("contact_person")
        )
        if isinstance(key, int) and (key not in moments or moments[key] < created_at):
            moments[key] = created_at
    return moments


def contact_person_candidates(
    *, now: datetime.datetime, months: int, pks: Iterable[int] | None = None
) -> list[Candidate]:
    """Deactivated contact persons (not yet anonymised) with no activity for ``months``."""
    cutoff = months_before(now, months)
    people = (
        ContactPerson.objects.filter(Q(active=False) | Q(user__is_active=False))
        .filter(user__is_staff=False, user__is_superuser=False)
        .exclude(user__email__endswith="@" + ANONYMISED_EMAIL_DOMAIN)
        .select_related("user", "region")
        .prefetch_related("invitations")
        .order_by("pk")
    )
    if pks is not None:
        people = people.filter(pk__in=list(pks))
    deactivated = _deactivation_times()
    found = []
    for person in people:
        moments = [
            person.created_at,
            person.user.date_joined,
            person.user.last_login,
            deactivated.get(person.pk),
        ]
        for invitation in person.invitations.all():
            moments += [invitation.created_at, invitation.used_at]
        last = max(moment for moment in moments if moment is not None)
        if last < cutoff:
            found.append(
                Candidate(
                    kind=Kind.CONTACT_PERSON,
                    object_id=str(person.pk),
                    reason=(
                        f"contact person of {person.region.code} deactivated, no activity since "
                        f"{_day(last)} (plan: anonymise after {months} months)"
                    ),
                    since=last,
                )
            )
    return found


def round_closed_at(round_: Round, last_extension: datetime.datetime | None) -> datetime.datetime:
    """A round is closed once its deadline and every extension of its inventories have passed."""
    return max(round_.deadline, last_extension) if last_extension else round_.deadline


def _has_draft_content() -> Q:
    texts = Q()
    for name in CurrentState.TEXT_FIELDS:
        texts |= Q(**{f"current_state__{name}__gt": ""})
    for name in TargetState.TEXT_FIELDS:
        texts |= Q(**{f"target_state__{name}__gt": ""})
    for model in (BudgetLine, Intervention, Goal, Attachment):
        texts |= Q(Exists(model.objects.filter(inventory=OuterRef("pk"))))
    return texts


def draft_candidates(
    *,
    now: datetime.datetime,
    round: Round | None = None,
    pks: Iterable[int] | None = None,
) -> list[Candidate]:
    """Never-submitted drafts with content, of rounds closed longer ago than their plan allows."""
    rounds = Round.objects.select_related("retention_plan").annotate(
        last_extension=Max("inventories__deadline_override")
    )
    if round is not None:
        rounds = rounds.filter(pk=round.pk)
    due: dict[int, tuple[datetime.datetime, int]] = {}
    for round_ in rounds:
        closed_at = round_closed_at(round_, round_.last_extension)
        months = round_periods(round_).draft_months
        if closed_at < months_before(now, months):
            due[round_.pk] = (closed_at, months)
    if not due:
        return []
    drafts = (
        Inventory.objects.filter(
            round_id__in=list(due),
            status=Inventory.Status.DRAFT,
            submitted_at__isnull=True,
        )
        .exclude(Exists(InventoryVersion.objects.filter(inventory=OuterRef("pk"))))
        .filter(_has_draft_content())
        .select_related("round", "region")
        .order_by("round_id", "region__code")
    )
    if pks is not None:
        drafts = drafts.filter(pk__in=list(pks))
    found = []
    for draft in drafts:
        closed_at, months = due[draft.round_id]
        found.append(
            Candidate(
                kind=Kind.DRAFT,
                object_id=str(draft.pk),
                reason=(
                    f"draft of {draft.region.code} in round {draft.round.slug} never submitted; "
                    f"round closed {_day(closed_at)} (plan: delete after {months} months)"
                ),
                since=closed_at,
                round_id=draft.round_id,
            )
        )
    return found


def _sign_in_sources(*, now: datetime.datetime, days: int):
    """(kind, queryset of what is due, the moment field, how an id is shown, reason) per source."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.sessions.models import Session
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    cutoff = now - datetime.timedelta(days=days)
    older = f"older than {days} days"
    axes = [
        (Kind.ACCESS_ATTEMPT, AccessAttempt),
        (Kind.ACCESS_FAILURE, AccessFailureLog),
        (Kind.ACCESS_LOG, AccessLog),
    ]
    sources = [
        (kind, model.objects.filter(attempt_time__lt=cutoff), "attempt_time", older)
        for kind, model in axes
    ]
    expired = Session.objects.filter(expire_date__lt=now)
    sources.append((Kind.SESSION, expired, "expire_date", "session expired"))
    for device in (TOTPDevice, StaticDevice):
        throttled = device.objects.filter(
            throttling_failure_count__gt=0, throttling_failure_timestamp__lt=cutoff
        )
        reason = f"wrong-code throttle {older}"
        sources.append((Kind.OTP_THROTTLE, throttled, "throttling_failure_timestamp", reason))
    return sources


def _shown_id(kind: str, queryset, pk) -> str:
    if kind == Kind.SESSION:
        # A session key is a secret, even expired: only a digest of it is ever shown or kept.
        return "s-" + hashlib.sha256(str(pk).encode()).hexdigest()[:16]
    if kind == Kind.OTP_THROTTLE:
        return f"{queryset.model._meta.model_name}-{pk}"
    return str(pk)


def sign_in_candidates(*, now: datetime.datetime, days: int) -> list[Candidate]:
    found = []
    for kind, queryset, moment_field, reason in _sign_in_sources(now=now, days=days):
        for pk, moment in queryset.order_by(moment_field, "pk").values_list("pk", moment_field):
            found.append(
                Candidate(
                    kind=kind,
                    object_id=_shown_id(kind, queryset, pk),
                    reason=reason,
                    since=moment,
                )
            )
    return found


def retention_candidates(
    *, now: datetime.datetime | None = None, round: Round | None = None
) -> list[Candidate]:
    """Everything the plans would purge at ``now`` (a dry run: nothing is changed).

    With ``round``, only that round's drafts: contact persons and sign-in records belong to no
    round.
    """
    now = now or timezone.now()
    found = draft_candidates(now=now, round=round)
    if round is None:
        periods = global_periods()
        found = (
            contact_person_candidates(now=now, months=periods.contact_inactive_months)
            + found
            + sign_in_candidates(now=now, days=periods.sign_in_days)
        )
    return found


# Services: purging, each purge in its own transaction with its record ------------------------


def _record(*, kind, object_ids, reason, trigger, round_id=None, data=None) -> PurgeRecord:
    return PurgeRecord.objects.create(
        kind=kind,
        round_id=round_id,
        object_ids=list(object_ids),
        count=len(object_ids),
        reason=reason,
        data=data or {},
        trigger=trigger,
    )


@transaction.atomic
def contact_person_anonymise(
    *, contact_person_id: int, now: datetime.datetime, months: int, trigger: str
) -> bool:
    """Anonymise one contact person if the plan still says so (False if no longer due)."""
    person = (
        ContactPerson.objects.select_for_update(of=("self", "user"))
        .select_related("user", "region")
        .filter(pk=contact_person_id)
        .first()
    )
    if person is None:
        return False
    due = contact_person_candidates(now=now, months=months, pks=[person.pk])
    if not due:
        return False
    user = person.user
    user.full_name = ANONYMISED_NAME
    user.email = f"anonymiserad-{user.pk}@{ANONYMISED_EMAIL_DOMAIN}"
    user.set_unusable_password()
    user.is_active = False
    user.last_login = None
    user.save(update_fields=["full_name", "email", "password", "is_active", "last_login"])
    person.active = False
    person.save(update_fields=["active"])
    revoked = Invitation.objects.filter(
        contact_person=person, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    _record(
        kind=Kind.CONTACT_PERSON,
        object_ids=[str(person.pk)],
        reason=due[0].reason,
        trigger=trigger,
        data={
            "user": user.pk,
            "region": person.region.code,
            "last_activity": due[0].since.isoformat(),
            "months": months,
            "invitations_revoked": revoked,
        },
    )
    return True


@transaction.atomic
def draft_purge(*, inventory_id: int, now: datetime.datetime, trigger: str) -> bool:
    """Delete the content of one never-submitted draft if the plan still says so."""
    inventory = Inventory.objects.select_for_update().filter(pk=inventory_id).first()
    if inventory is None:
        return False
    due = draft_candidates(now=now, pks=[inventory.pk])
    if not due:
        return False
    attachments = Attachment.objects.filter(inventory=inventory)
    files = [name for name in attachments.values_list("file", flat=True) if name]
    deleted = {
        "attachments": attachments.delete()[0],
        "goals": Goal.objects.filter(inventory=inventory).delete()[1].get("inventories.Goal", 0),
        "interventions": Intervention.objects.filter(inventory=inventory)
        .delete()[1]
        .get("inventories.Intervention", 0),
        "budget_lines": BudgetLine.objects.filter(inventory=inventory).delete()[0],
    }
    for model in (CurrentState, TargetState):
        blank = {name: "" for name in model.TEXT_FIELDS}
        model.objects.filter(inventory=inventory).update(updated_by=None, updated_at=now, **blank)
    _record(
        kind=Kind.DRAFT,
        object_ids=[str(inventory.pk)],
        reason=due[0].reason,
        trigger=trigger,
        round_id=inventory.round_id,
        data={"region": inventory.region.code, "closed_at": due[0].since.isoformat(), **deleted},
    )

    # The files go only once the rows are gone for good.
    def delete_files():
        for name in files:
            default_storage.delete(name)

    transaction.on_commit(delete_files)
    return True


def sign_in_records_purge(*, now: datetime.datetime, days: int, trigger: str) -> Counter:
    """Delete (or, for second-factor throttles, reset) sign-in records in recorded batches."""
    purged: Counter = Counter()
    for kind, queryset, moment_field, reason in _sign_in_sources(now=now, days=days):
        while True:
            with transaction.atomic():
                pks = list(
                    queryset.select_for_update(skip_locked=True)
                    .order_by(moment_field, "pk")
                    .values_list("pk", flat=True)[:BATCH_SIZE]
                )
                if not pks:
                    break
                batch = queryset.filter(pk__in=pks)
                if kind == Kind.OTP_THROTTLE:
                    batch.update(throttling_failure_count=0, throttling_failure_timestamp=None)
                else:
                    batch.delete()
                _record(
                    kind=kind,
                    object_ids=[_shown_id(kind, queryset, pk) for pk in pks],
                    reason=reason,
                    trigger=trigger,
                    data={"days": days},
                )
            purged[kind] += len(pks)
    return purged


def retention_apply(
    *, now: datetime.datetime | None = None, round: Round | None = None, trigger: str
) -> Counter:
    """Purge what the plans say is due at ``now``: the same things ``retention_candidates``
    lists. Idempotent: a second run (or one after a crash) purges only what is left.

    A purge that fails is rolled back with its record, logged and counted as ``failed``; the
    run goes on with the next one, and the next run tries it again.
    """
    now = now or timezone.now()
    purged: Counter = Counter()
    periods = global_periods()

    def attempt(kind: str, object_id: str, purge: Callable[[], bool]) -> None:
        try:
            done = purge()
        except Exception:
            logger.exception("Retention: purging %s %s failed", kind, object_id)
            purged["failed"] += 1
            return
        if done:
            purged[kind] += 1

    if round is None:
        months = periods.contact_inactive_months
        for person in contact_person_candidates(now=now, months=months):
            attempt(
                Kind.CONTACT_PERSON,
                person.object_id,
                partial(
                    contact_person_anonymise,
                    contact_person_id=int(person.object_id),
                    now=now,
                    months=months,
                    trigger=trigger,
                ),
            )
    for draft in draft_candidates(now=now, round=round):
        attempt(
            Kind.DRAFT,
            draft.object_id,
            partial(draft_purge, inventory_id=int(draft.object_id), now=now, trigger=trigger),
        )
    if round is None:
        try:
            purged += sign_in_records_purge(now=now, days=periods.sign_in_days, trigger=trigger)
        except Exception:
            logger.exception("Retention: purging sign-in records failed")
            purged["failed"] += 1
    return purged
