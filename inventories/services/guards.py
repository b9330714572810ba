"""Checks every changing service makes before it touches an inventory."""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from inventories.errors import InventoryLocked
from inventories.models import Inventory
from portal.formatting import date_time
from regions.models import ContactPerson


def _contact_persons(*, user, region):
    return ContactPerson.objects.filter(
        user=user, region=region, active=True, user__is_active=True, region__active=True
    )


def contact_person_exists(*, user) -> Exists:
    """``EXISTS``: ``user`` is an active contact person of the row's region (``region``).

    Annotated on the locked inventory, it spares ``ensure_contact_person`` its own query."""
    return Exists(_contact_persons(user=user, region=OuterRef("region")))


def ensure_contact_person(*, user, region, allowed: bool | None = None) -> None:
    """Only the region's own active contact persons fill in and submit its inventory.

    ``allowed`` is ``contact_person_exists`` already read with the inventory (else a query)."""
    if allowed is None:
        allowed = _contact_persons(user=user, region=region).exists()
    if not allowed:
        raise PermissionDenied(_("Endast regionens kontaktpersoner kan ändra behovsinventeringen."))


def ensure_editable(inventory: Inventory, *, now=None) -> None:
    """Raise ``InventoryLocked`` with a Swedish reason unless the inventory may change now."""
    now = now or timezone.now()
    if inventory.status == Inventory.Status.SUBMITTED:
        raise InventoryLocked(
            _(
                "Behovsinventeringen är inskickad och kan inte ändras. Kontakta Tillväxtverket "
                "om något behöver kompletteras."
            ),
            code="submitted",
        )
    if inventory.status == Inventory.Status.ACCEPTED:
        raise InventoryLocked(
            _("Behovsinventeringen är godkänd och kan inte ändras."), code="accepted"
        )
    if now < inventory.round.opens_at:
        raise InventoryLocked(
            _("Omgången öppnar %(date)s.") % {"date": date_time(inventory.round.opens_at)},
            code="not_open",
        )
    if now > inventory.effective_deadline:
        raise InventoryLocked(
            _(
                "Sista dag för inlämning var %(deadline)s. Det går inte längre att ändra eller "
                "skicka in. Kontakta Tillväxtverket om ni behöver mer tid."
            )
            % {"deadline": date_time(inventory.effective_deadline)},
            code="deadline_passed",
        )
