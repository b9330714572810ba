"""The registration number (*diarienummer*) of an inventory.

A round carries its own pattern and sequence (``Round.registration_prefix``,
``registration_digits``, ``registration_next``). The first submission takes the next number under
a row lock on the round, in the submission's own transaction: a submission that rolls back gives
its number back, so the sequence has no gaps and no number is given twice. Staff may instead
enter the number the agency's records system gave, as long as none has been given yet.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from inventories.models import AuditEvent, Inventory, Round
from inventories.services.audit import audit_record
from portal.permissions import ensure_staff

REGISTRATION_NUMBER_MAX = 60


def inventory_registration_number_assign(*, inventory) -> str:
    """Give ``inventory`` the round's next registration number unless it has one.

    Call inside the transaction that submits (the inventory row locked by the caller). Numbers that
    staff entered by hand and that match the pattern are skipped, never given twice.
    """
    if inventory.registration_number:
        return inventory.registration_number
    # The lock that serialises first submissions in a round (gap-free, unique numbers).
    round_ = Round.objects.select_for_update().get(pk=inventory.round_id)
    counter = round_.registration_next
    taken = set(
        Inventory.objects.filter(round=round_)
        .exclude(registration_number="")
        .values_list("registration_number", flat=True)
    )
    while round_.registration_number_format(counter) in taken:
        counter += 1
    number = round_.registration_number_format(counter)
    Round.objects.filter(pk=round_.pk).update(registration_next=counter + 1)
    Inventory.objects.filter(pk=inventory.pk).update(registration_number=number)
    inventory.registration_number = number
    return number


@transaction.atomic
def inventory_registration_number_set(*, inventory, actor, number) -> Inventory:
    """Record the registration number staff took from the agency's records system.

    Only before a number has been given (by an earlier entry or at the first submission), so a
    number printed on a receipt or a PDF never changes afterwards.
    """
    ensure_staff(actor)
    number = " ".join((number or "").split())
    if not number:
        raise ValidationError({"number": _("Ange diarienumret.")}, code="required")
    if len(number) > REGISTRATION_NUMBER_MAX:
        raise ValidationError(
            {
                "number": _("Diarienumret får vara högst %(max)s tecken.")
                % {"max": REGISTRATION_NUMBER_MAX}
            },
            code="max_length",
        )
    locked = (
        Inventory.objects.select_for_update().select_related("round", "region").get(pk=inventory.pk)
    )
    if locked.registration_number:
        raise ValidationError(
            {
                "number": _("Behovsinventeringen har redan diarienummer %(number)s.")
                % {"number": locked.registration_number}
            },
            code="already_set",
        )
    if (
        Inventory.objects.filter(round=locked.round_id, registration_number=number)
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise ValidationError({"number": _("Diarienumret används redan i omgången.")}, code="taken")
    Inventory.objects.filter(pk=locked.pk).update(registration_number=number)
    locked.registration_number = number
    audit_record(
        action=AuditEvent.Action.REGISTRATION_NUMBER_SET,
        actor=actor,
        inventory=locked,
        message=number,
        data={"registration_number": number},
    )
    return locked
