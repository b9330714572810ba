"""What the retention plans would purge at a moment: candidates only, nothing is changed."""

import dataclasses
import datetime
import hashlib
from collections.abc import Iterable

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
from records.models import PurgeRecord
from records.retention.periods import global_periods, local_day, months_before, round_periods
from regions.models import ANONYMISED_EMAIL_DOMAIN, ContactPerson

Kind = PurgeRecord.Kind


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
                        f"{local_day(last)} (plan: anonymise after {months} months)"
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
                    f"round closed {local_day(closed_at)} (plan: delete after {months} months)"
                ),
                since=closed_at,
                round_id=draft.round_id,
            )
        )
    return found


def sign_in_sources(*, now: datetime.datetime, days: int):
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


def shown_id(kind: str, queryset, pk) -> str:
    if kind == Kind.SESSION:
        # A session key is a secret, even expired: only a digest of it is ever shown or kept.
        return "s-" + hashlib.sha256(str(pk).encode()).hexdigest()[:16]
    if kind == Kind.OTP_THROTTLE:
        return f"{queryset.model._meta.model_name}-{pk}"
    return str(pk)


def sign_in_candidates(*, now: datetime.datetime, days: int) -> list[Candidate]:
    found = []
    for kind, queryset, moment_field, reason in sign_in_sources(now=now, days=days):
        for pk, moment in queryset.order_by(moment_field, "pk").values_list("pk", moment_field):
            found.append(
                Candidate(
                    kind=kind,
                    object_id=shown_id(kind, queryset, pk),
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
