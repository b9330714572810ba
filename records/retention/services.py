"""Purging what the retention plans say is due, each purge in its own transaction with its
record (``PurgeRecord``), every condition checked again inside it."""

import datetime
import logging
from collections import Counter
from collections.abc import Callable
from functools import partial

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from inventories.models import (
    Attachment,
    BudgetLine,
    CurrentState,
    Goal,
    Intervention,
    Inventory,
    Round,
    TargetState,
)
from records.models import PurgeRecord
from records.retention.periods import global_periods
from records.retention.selectors import (
    Kind,
    contact_person_candidates,
    draft_candidates,
    shown_id,
    sign_in_sources,
)
from regions.models import ANONYMISED_EMAIL_DOMAIN, ContactPerson, Invitation

logger = logging.getLogger(__name__)

#: What an anonymised contact person is called.
ANONYMISED_NAME = "Anonymiserad kontaktperson"

#: Sign-in records are purged (and recorded) this many rows at a time.
BATCH_SIZE = 500


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
    # The pages cache what they show of a revision (inventories.fragments): a new one.
    Inventory.objects.filter(pk=inventory.pk).update(revision=F("revision") + 1)
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
    for kind, queryset, moment_field, reason in sign_in_sources(now=now, days=days):
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
                    object_ids=[shown_id(kind, queryset, pk) for pk in pks],
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
