"""Saving the three parts as drafts. Every save checks the record's revision (optimistic check)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from inventories.errors import EditConflict
from inventories.models import (
    AuditEvent,
    BudgetLine,
    CurrentState,
    Goal,
    Intervention,
    InterventionYear,
    Inventory,
    TargetState,
)
from inventories.services.audit import audit_record
from inventories.services.guards import (
    contact_person_exists,
    ensure_contact_person,
    ensure_editable,
)
from portal.compiled import CompiledQuery, CompiledUpdate

INTERVENTION_FIELDS = Intervention.CONTENT_FIELDS
GOAL_FIELDS = (
    "goal",
    "indicator",
    "target_value",
    "target_date",
    "effects",
    "dimensions",
    "follow_up",
)


# Every save runs these: compiled once (portal.compiled). The lock is compiled inside the
# transaction of the first save (SELECT … FOR UPDATE needs one).
_LOCKED = CompiledQuery(
    lambda inventory_id, user_id: (
        Inventory.objects.select_for_update(of=("self",))
        .select_related("round", "region")
        .annotate(contact_person=contact_person_exists(user=user_id))
        .filter(pk=inventory_id)
    ),
    inventory_id=int,
    user_id=int,
)
_TOUCHED = CompiledUpdate(
    lambda inventory_id, now: (
        Inventory.objects.filter(pk=inventory_id),
        {"updated_at": now, "revision": F("revision") + 1},
    ),
    inventory_id=int,
    now=datetime.datetime,
)


def _lock(inventory, user) -> Inventory:
    """Lock the inventory row for this transaction and check the user may change it now."""
    # No user (or one not saved) is nobody's contact person: id 0 matches no row.
    locked = _LOCKED.first(inventory_id=inventory.pk, user_id=getattr(user, "pk", None) or 0)
    if locked is None:
        raise Inventory.DoesNotExist
    ensure_contact_person(user=user, region=locked.region, allowed=locked.contact_person)
    ensure_editable(locked)
    return locked


def _conflict(record, what):
    saved_by = getattr(record, "updated_by", None)
    return EditConflict(
        _(
            "Någon annan sparade %(what)s medan du arbetade. Dina ändringar är inte sparade: "
            "de visas nedan. Jämför med det som nu är sparat och spara igen."
        )
        % {"what": what},
        saved_by=saved_by,
        saved_at=record.updated_at,
    )


def _touch(inventory, user, part, now, **data):
    # The revision names the parts' content: pages cache what they show of it under it.
    _TOUCHED.run(inventory_id=inventory.pk, now=now)
    audit_record(
        action=AuditEvent.Action.PART_SAVED,
        actor=user,
        inventory=inventory,
        message=_("Del %(part)s sparad") % {"part": part},
        data={"part": part, **data},
    )


@transaction.atomic
def current_state_save(*, inventory, user, data, budget_lines, revision) -> CurrentState:
    """Save Del 1 (nuläge) and replace its budget lines; their sum may not exceed the capital.

    ``data`` maps ``CurrentState.TEXT_FIELDS`` to text; ``budget_lines`` is a list of
    ``{"description": str, "amount": int, "spent": int | None}`` (planned and spent so far).
    """
    locked = _lock(inventory, user)
    now = timezone.now()
    texts = {name: data.get(name, "") for name in CurrentState.TEXT_FIELDS}
    # The optimistic check and the write in one statement: only the revision the form was
    # loaded at is overwritten (the inventory's row lock orders concurrent saves).
    saved = CurrentState.objects.filter(inventory=locked, revision=revision).update(
        **texts, revision=revision + 1, updated_at=now, updated_by=user
    )
    if not saved:
        raise _conflict(CurrentState.objects.get(inventory=locked), _("Del 1"))
    total = sum(line["amount"] for line in budget_lines)
    if total > locked.round.start_capital:
        raise ValidationError(
            {
                "budget": _(
                    "Budgeten är %(total)s kr men startkapitalet är %(capital)s kr. "
                    "Minska beloppen så att summan ryms i startkapitalet."
                )
                % {
                    "total": f"{total:,}".replace(",", "\u00a0"),
                    "capital": f"{locked.round.start_capital:,}".replace(",", "\u00a0"),
                }
            }
        )
    _budget_lines_replace(locked, budget_lines)
    _touch(locked, user, 1, now)
    if not Inventory.current_state.is_cached(inventory):
        return CurrentState.objects.get(inventory=locked)
    state = inventory.current_state  # the caller's, brought up to date below
    for name, value in texts.items():
        setattr(state, name, value)
    state.revision, state.updated_at, state.updated_by = revision + 1, now, user
    return state


def _budget_lines_replace(inventory, budget_lines) -> None:
    """Store ``budget_lines`` in their order; nothing is written when they are as stored."""
    wanted = [
        (line["description"], line["amount"], line.get("spent"), position)
        for position, line in enumerate(budget_lines)
    ]
    stored = list(
        BudgetLine.objects.filter(inventory=inventory)
        .order_by("position", "id")
        .values_list("description", "amount", "spent", "position")
    )
    if stored == wanted:
        return
    if stored:
        BudgetLine.objects.filter(inventory=inventory).delete()
    BudgetLine.objects.bulk_create(
        BudgetLine(inventory=inventory, description=d, amount=a, spent=s, position=p)
        for d, a, s, p in wanted
    )


@transaction.atomic
def target_state_save(*, inventory, user, data, revision) -> TargetState:
    """Save Del 3's texts: the target state, the long-term effects and the short-term effects."""
    locked = _lock(inventory, user)
    state = TargetState.objects.select_for_update().get(inventory=locked)
    if state.revision != revision:
        raise _conflict(state, _("Del 3"))
    now = timezone.now()
    for name in TargetState.TEXT_FIELDS:
        setattr(state, name, data.get(name, ""))
    state.revision += 1
    state.updated_at = now
    state.updated_by = user
    state.save()
    _touch(locked, user, 3, now)
    return state


def intervention_problems(round_, data) -> dict:
    """``{field: message}`` for dates outside the programme period, an end date before the
    start date and a negative cost (the forms show them in the same pass as format errors)."""
    errors = {}
    start, end = data.get("start_date"), data.get("end_date")
    period = f"{round_.period_start:%Y-%m-%d} – {round_.period_end:%Y-%m-%d}"
    for name, value in (("start_date", start), ("end_date", end)):
        if value and not (round_.period_start <= value <= round_.period_end):
            errors[name] = _("Datumet måste ligga inom programperioden %(period)s.") % {
                "period": period
            }
    if start and end and end < start and "end_date" not in errors:
        errors["end_date"] = _("Slutdatumet kan inte vara före startdatumet.")
    if data.get("cost") is not None and data["cost"] < 0:
        errors["cost"] = _("Kostnaden kan inte vara negativ.")
    return errors


def _check_intervention(round_, data):
    errors = intervention_problems(round_, data)
    if errors:
        raise ValidationError(errors)


def _save_years(item, round_, years):
    """Replace the intervention's money per year; ``years`` maps a year to its three amounts.

    Years outside the round's programme period are refused; a year whose amounts are all zero
    or blank is not stored.
    """
    allowed = set(round_.years)
    unknown = sorted(set(years) - allowed)
    if unknown:
        raise ValidationError(
            {
                "years": _("Beloppen ska gälla programperiodens år %(period)s.")
                % {"period": round_.period_label}
            }
        )
    rows = []
    for year in sorted(years):
        amounts = {name: years[year].get(name) or 0 for name in InterventionYear.AMOUNT_FIELDS}
        if any(value < 0 for value in amounts.values()):
            raise ValidationError({"years": _("Beloppen kan inte vara negativa.")})
        if any(amounts.values()):
            rows.append(InterventionYear(intervention=item, year=year, **amounts))
    InterventionYear.objects.filter(intervention=item).delete()
    InterventionYear.objects.bulk_create(rows)


def _next_position(queryset):
    return (queryset.aggregate(n=Max("position"))["n"] or 0) + 1


@transaction.atomic
def intervention_create(*, inventory, user, data, years=None) -> Intervention:
    """Add an intervention; ``years`` is ``{year: {"sought", "own", "other"}}`` in kronor."""
    locked = _lock(inventory, user)
    _check_intervention(locked.round, data)
    now = timezone.now()
    item = Intervention(
        inventory=locked,
        position=_next_position(locked.interventions.all()),
        updated_at=now,
        updated_by=user,
        revision=1,
        **{name: data.get(name) for name in INTERVENTION_FIELDS if name in data},
    )
    item.save()
    if years is not None:
        _save_years(item, locked.round, years)
    _touch(locked, user, 2, now, intervention=item.pk, change="created")
    return item


@transaction.atomic
def intervention_update(*, intervention, user, data, revision, years=None) -> Intervention:
    locked = _lock(intervention.inventory, user)
    item = Intervention.objects.select_for_update().get(pk=intervention.pk, inventory=locked)
    if item.revision != revision:
        raise _conflict(item, _("insatsen"))
    _check_intervention(locked.round, data)
    now = timezone.now()
    for name in INTERVENTION_FIELDS:
        if name in data:
            setattr(item, name, data[name])
    item.revision += 1
    item.updated_at = now
    item.updated_by = user
    item.save()
    if years is not None:
        _save_years(item, locked.round, years)
    _touch(locked, user, 2, now, intervention=item.pk, change="updated")
    return item


def _delete_conflict(record, what):
    return EditConflict(
        _(
            "Någon annan ändrade %(what)s efter att du öppnade sidan för att ta bort den. "
            "Ingenting är borttaget. Läs det som är sparat nu och ta bort igen om det ska bort."
        )
        % {"what": what},
        saved_by=getattr(record, "updated_by", None),
        saved_at=record.updated_at,
    )


@transaction.atomic
def intervention_delete(*, intervention, user, revision) -> None:
    """Delete the intervention as the user saw it (``revision``); a newer save is a conflict."""
    locked = _lock(intervention.inventory, user)
    pk = intervention.pk
    item = Intervention.objects.select_for_update().filter(pk=pk, inventory=locked).first()
    if item is None:
        return  # deleted already
    if item.revision != revision:
        raise _delete_conflict(item, _("insatsen"))
    item.delete()
    _touch(locked, user, 2, timezone.now(), intervention=pk, change="deleted")


def _move(item, siblings, direction):
    ordered = list(siblings.select_for_update().order_by("position", "id"))
    index = next(i for i, other in enumerate(ordered) if other.pk == item.pk)
    target = index - 1 if direction == "up" else index + 1
    if target < 0 or target >= len(ordered):
        return False
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, other in enumerate(ordered, start=1):
        if other.position != position:
            type(other).objects.filter(pk=other.pk).update(position=position)
    return True


@transaction.atomic
def intervention_move(*, intervention, user, direction) -> bool:
    """Move one step ``"up"`` or ``"down"`` in the list; False when already at that end."""
    if direction not in ("up", "down"):
        raise ValidationError(_("Okänd riktning."))
    locked = _lock(intervention.inventory, user)
    moved = _move(intervention, locked.interventions.all(), direction)
    if moved:
        _touch(locked, user, 2, timezone.now(), intervention=intervention.pk, change="moved")
    return moved


def _goal_interventions(locked, interventions):
    ids = {item.pk for item in interventions}
    valid = set(locked.interventions.filter(pk__in=ids).values_list("pk", flat=True))
    if ids - valid:
        raise ValidationError({"interventions": _("Välj bland regionens egna insatser.")})
    return sorted(valid)


@transaction.atomic
def goal_create(*, inventory, user, data, interventions=()) -> Goal:
    locked = _lock(inventory, user)
    ids = _goal_interventions(locked, interventions)
    now = timezone.now()
    goal = Goal.objects.create(
        inventory=locked,
        position=_next_position(locked.goals.all()),
        updated_at=now,
        updated_by=user,
        revision=1,
        **{name: data.get(name) for name in GOAL_FIELDS if name in data},
    )
    goal.interventions.set(ids)
    _touch(locked, user, 3, now, goal=goal.pk, change="created")
    return goal


@transaction.atomic
def goal_update(*, goal, user, data, interventions, revision) -> Goal:
    locked = _lock(goal.inventory, user)
    item = Goal.objects.select_for_update().get(pk=goal.pk, inventory=locked)
    if item.revision != revision:
        raise _conflict(item, _("målet"))
    ids = _goal_interventions(locked, interventions)
    now = timezone.now()
    for name in GOAL_FIELDS:
        if name in data:
            setattr(item, name, data[name])
    item.revision += 1
    item.updated_at = now
    item.updated_by = user
    item.save()
    item.interventions.set(ids)
    _touch(locked, user, 3, now, goal=item.pk, change="updated")
    return item


@transaction.atomic
def goal_delete(*, goal, user, revision) -> None:
    """Delete the goal as the user saw it (``revision``); a newer save is a conflict."""
    locked = _lock(goal.inventory, user)
    pk = goal.pk
    item = Goal.objects.select_for_update().filter(pk=pk, inventory=locked).first()
    if item is None:
        return  # deleted already
    if item.revision != revision:
        raise _delete_conflict(item, _("målet"))
    item.delete()
    _touch(locked, user, 3, timezone.now(), goal=pk, change="deleted")


@transaction.atomic
def goal_move(*, goal, user, direction) -> bool:
    if direction not in ("up", "down"):
        raise ValidationError(_("Okänd riktning."))
    locked = _lock(goal.inventory, user)
    moved = _move(goal, locked.goals.all(), direction)
    if moved:
        _touch(locked, user, 3, timezone.now(), goal=goal.pk, change="moved")
    return moved
