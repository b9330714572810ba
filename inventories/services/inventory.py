"""Opening and submitting an inventory."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from inventories.completeness import inventory_completeness
from inventories.errors import InventoryLocked
from inventories.models import (
    Attachment,
    AuditEvent,
    CurrentState,
    Inventory,
    InventoryVersion,
    TargetState,
)
from inventories.selectors import inventory_reload
from inventories.services.audit import audit_record
from inventories.services.guards import ensure_contact_person, ensure_editable
from inventories.services.records import version_document_create
from inventories.services.registration import inventory_registration_number_assign
from inventories.snapshot import canonical_json, inventory_snapshot, sha256_hex


def inventory_open(*, round, region, user) -> Inventory:
    """The region's inventory in ``round``; created with empty parts when first opened."""
    ensure_contact_person(user=user, region=region)
    existing = Inventory.objects.filter(round=round, region=region).first()
    if existing is not None:
        return existing
    now = timezone.now()
    if now < round.opens_at:
        raise InventoryLocked(_("Omgången har inte öppnat än."), code="not_open")
    if now > round.deadline:
        # No inventory means no extension either: past the round's deadline nothing new starts.
        raise InventoryLocked(
            _(
                "Sista dag för inlämning har passerat. "
                "Kontakta Tillväxtverket om ni behöver mer tid."
            ),
            code="deadline_passed",
        )
    with transaction.atomic():
        inventory, created = Inventory.objects.get_or_create(
            round=round, region=region, defaults={"created_by": user}
        )
        if created:
            CurrentState.objects.create(inventory=inventory)
            TargetState.objects.create(inventory=inventory)
            audit_record(action=AuditEvent.Action.OPENED, actor=user, inventory=inventory)
    return inventory


@transaction.atomic
def inventory_submit(*, inventory, user) -> InventoryVersion:
    """Submit the inventory: check it is complete and on time, store version n+1 immutably.

    Raises ``InventoryLocked`` (submitted, accepted or too late), ``PermissionDenied`` (not a
    contact person of the region) or ``ValidationError`` listing what is missing.
    """
    locked = (
        Inventory.objects.select_for_update(of=("self",))
        .select_related("round")
        .get(pk=inventory.pk)
    )
    ensure_contact_person(user=user, region=locked.region)
    now = timezone.now()
    ensure_editable(locked, now=now)
    full = inventory_reload(locked)
    completeness = inventory_completeness(full)
    if not completeness.is_complete:
        raise ValidationError([item.message for item in completeness.items], code="incomplete")
    checking = list(
        Attachment.objects.filter(inventory=full, status=Attachment.Status.CHECKING)
        .order_by("uploaded_at", "id")
        .values_list("original_name", flat=True)
    )
    if checking:
        raise ValidationError(
            _(
                "Bilagorna kontrolleras fortfarande mot skadlig kod (%(names)s). Skicka in när "
                "kontrollen är klar; det tar oftast bara en stund."
            )
            % {"names": ", ".join(checking)},
            code="attachments_checking",
        )
    # The first submission takes the round's next registration number (a row lock on the
    # round); if anything below fails, the rollback gives it back.
    full.registration_number = inventory_registration_number_assign(inventory=full)
    number = (full.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    text = canonical_json(
        inventory_snapshot(full, number=number, submitted_at=now, submitted_by=user)
    )
    version = InventoryVersion.objects.create(
        inventory=full,
        number=number,
        snapshot_json=text,
        sha256=sha256_hex(text),
        submitted_at=now,
        submitted_by=user,
        submitted_by_name=user.full_name or user.email,
        deadline=full.effective_deadline,
    )
    # The attachments the snapshot lists are part of the record from now on: never changed.
    Attachment.objects.filter(
        inventory=full, status=Attachment.Status.CLEAN, frozen_in__isnull=True
    ).update(frozen_in=version)
    Inventory.objects.filter(pk=full.pk).update(
        status=Inventory.Status.SUBMITTED, submitted_at=now, updated_at=now
    )
    audit_record(
        action=AuditEvent.Action.SUBMITTED,
        actor=user,
        inventory=full,
        message=_("Version %(number)s") % {"number": number},
        data={"version": number, "sha256": version.sha256},
    )
    # The copy of record: a pending PDF, rendered by a task queued after commit.
    version_document_create(version=version)
    return version
