"""What is still missing before an inventory can be submitted: the completeness checklist.

Saving a part as a draft accepts blanks; submitting requires everything listed here. Each item
names the part, the field (or the intervention/goal) and a Swedish message, so the review page
can link straight to what is missing and the part pages can show the message next to the field.
"""

from dataclasses import dataclass, field

from django.db import models
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from inventories.models import CurrentState, Intervention, TargetState

PART_TITLES = {
    1: "Del 1 – Nuläge",
    2: "Del 2 – Insatser",
    3: "Del 3 – Börläge, mål och effekter",
}

CURRENT_STATE_REQUIRED = CurrentState.TEXT_FIELDS
# "Effekter på kort sikt" is not in the programme's model: it may be left blank.
TARGET_STATE_REQUIRED = ("target_state",)
# Every field but the title (which an intervention always has) and the effects it may name is
# required at submission; so is money for at least one year of the programme period.
INTERVENTION_OPTIONAL = ("title", "effects")
INTERVENTION_REQUIRED = tuple(
    name for name in Intervention.CONTENT_FIELDS if name not in INTERVENTION_OPTIONAL
)
GOAL_REQUIRED = ("indicator", "target_value", "target_date", "effects", "dimensions")
#: Shown next to a field in review mode when the checklist already names it.
FILL_IN = _lazy("Fyll i det här innan ni skickar in.")


@dataclass(frozen=True)
class MissingItem:
    part: int
    message: str
    field: str | None = None
    intervention_id: int | None = None
    goal_id: int | None = None
    #: The short text next to the field (the checklist's message names the field already).
    hint: str | Promise | None = None

    def url(self, inventory) -> str:
        kwargs = {"region_slug": inventory.region.slug, "round_slug": inventory.round.slug}
        if self.intervention_id:
            base = reverse(
                "inventories:intervention_edit", kwargs={**kwargs, "pk": self.intervention_id}
            )
            base += "?granska=1"
        elif self.goal_id:
            base = reverse("inventories:goal_edit", kwargs={**kwargs, "pk": self.goal_id})
            base += "?granska=1"
        else:
            base = reverse(f"inventories:part{self.part}", kwargs=kwargs) + "?granska=1"
        return f"{base}#id_{self.field}" if self.field else base


@dataclass
class Completeness:
    items: list[MissingItem] = field(default_factory=list)

    @property
    def is_complete(self) -> bool:
        return not self.items

    def for_part(self, part: int) -> list[MissingItem]:
        return [item for item in self.items if item.part == part]

    def part_complete(self, part: int) -> bool:
        return not self.for_part(part)

    def field_errors(self, *, part, intervention_id=None, goal_id=None) -> dict[str, str]:
        """``{field: message}`` for one part's form (or one intervention's or goal's form)."""
        return {
            item.field: str(item.hint or item.message)
            for item in self.items
            if item.part == part
            and item.field
            and item.intervention_id == intervention_id
            and item.goal_id == goal_id
        }


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return len(value) == 0
    return False


def _field_label(model: type[models.Model], name: str) -> str:
    """The verbose name of ``model``'s own field ``name``."""
    model_field = model._meta.get_field(name)
    return str(model_field.verbose_name) if isinstance(model_field, models.Field) else name


def inventory_completeness(inventory) -> Completeness:
    """The checklist for ``inventory`` (load it with ``inventory_with_parts`` first)."""
    result = Completeness()
    add = result.items.append
    current = inventory.current_state
    for name in CURRENT_STATE_REQUIRED:
        if _blank(getattr(current, name)):
            label = _field_label(CurrentState, name)
            add(MissingItem(1, _("%(field)s saknas") % {"field": label}, name, hint=FILL_IN))
    budget_lines = list(inventory.budget_lines.all())
    if not budget_lines:
        add(MissingItem(1, _("Ange hur startkapitalet används (minst en budgetrad)"), "budget"))
    elif sum(line.amount for line in budget_lines) > inventory.round.start_capital:
        add(MissingItem(1, _("Budgeten överstiger startkapitalet"), field="budget"))

    interventions = list(inventory.interventions.all())
    if not interventions:
        add(MissingItem(2, _("Inga insatser. Lägg till minst en insats.")))
    for index, item in enumerate(interventions, start=1):
        for name in INTERVENTION_REQUIRED:
            if _blank(getattr(item, name)):
                label = item._meta.get_field(name).verbose_name
                add(
                    MissingItem(
                        2,
                        _("Insats %(number)s (%(title)s): %(field)s saknas")
                        % {"number": index, "title": item.title, "field": label},
                        field=name,
                        intervention_id=item.pk,
                        hint=FILL_IN,
                    )
                )
        if not any(row.total for row in item.years.all()):
            add(
                MissingItem(
                    2,
                    _("Insats %(number)s (%(title)s): belopp per år saknas")
                    % {"number": index, "title": item.title},
                    field="years",
                    intervention_id=item.pk,
                    hint=_("Ange för minst ett år vad som söks och hur insatsen medfinansieras."),
                )
            )
        period = inventory.round
        for name in ("start_date", "end_date"):
            value = getattr(item, name)
            if value and not (period.period_start <= value <= period.period_end):
                add(
                    MissingItem(
                        2,
                        _("Insats %(number)s: datum utanför programperioden %(period)s")
                        % {"number": index, "period": period.period_label},
                        field=name,
                        intervention_id=item.pk,
                    )
                )

    target = inventory.target_state
    for name in TARGET_STATE_REQUIRED:
        if _blank(getattr(target, name)):
            label = _field_label(TargetState, name)
            add(MissingItem(3, _("%(field)s saknas") % {"field": label}, name, hint=FILL_IN))
    if all(_blank(getattr(target, name)) for name in TargetState.EFFECT_FIELDS):
        add(
            MissingItem(
                3,
                _("Beskriv hur insatserna bidrar till minst en av effekterna på lång sikt"),
                field=TargetState.EFFECT_FIELDS[0],
            )
        )
    goals = list(inventory.goals.all())
    if not goals:
        add(MissingItem(3, _("Inga mål. Lägg till minst ett mål.")))
    for index, goal in enumerate(goals, start=1):
        for name in GOAL_REQUIRED:
            if _blank(getattr(goal, name)):
                label = goal._meta.get_field(name).verbose_name
                add(
                    MissingItem(
                        3,
                        _("Mål %(number)s: %(field)s saknas") % {"number": index, "field": label},
                        field=name,
                        goal_id=goal.pk,
                        hint=FILL_IN,
                    )
                )
        if not goal.interventions.all():
            add(
                MissingItem(
                    3,
                    _("Mål %(number)s: ange vilka insatser som leder till målet")
                    % {"number": index},
                    field="interventions",
                    goal_id=goal.pk,
                )
            )
    return result
