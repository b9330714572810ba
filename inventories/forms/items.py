"""The item forms: one insats (Del 2) and one mål (Del 3), to add or to edit."""

from django.utils.translation import gettext_lazy as _

from inventories.models import ActivityArea, Dimension, Goal, Intervention
from inventories.models.inventory import SHORT_TEXT_MAX

from .common import (
    KronorField,
    PortalForm,
    SwedishDateField,
    checkboxes,
    field_label,
    revision_field,
    text_field,
)

# --- Del 2 – Insatser -----------------------------------------------------------------------


class InterventionForm(PortalForm):
    title = text_field(
        field_label(Intervention, "title"),
        max_length=SHORT_TEXT_MAX,
        rows=0,
        required=True,
        error_messages={"required": _("Ge insatsen en rubrik.")},
    )
    description = text_field(field_label(Intervention, "description"))
    activity_areas = checkboxes(
        field_label(Intervention, "activity_areas"),
        ActivityArea.choices,
        help_text=_("Välj minst ett av programmets fem insatsområden."),
    )
    dimensions = checkboxes(
        field_label(Intervention, "dimensions"),
        Dimension.choices,
        help_text=_("Välj minst en dimension."),
    )
    perspective_gender = text_field(field_label(Intervention, "perspective_gender"), rows=3)
    perspective_age = text_field(field_label(Intervention, "perspective_age"), rows=3)
    perspective_background = text_field(field_label(Intervention, "perspective_background"), rows=3)
    actors = text_field(field_label(Intervention, "actors"), rows=3)
    start_date = SwedishDateField(label=field_label(Intervention, "start_date"), required=False)
    end_date = SwedishDateField(label=field_label(Intervention, "end_date"), required=False)
    cost = KronorField(
        label=field_label(Intervention, "cost"),
        required=False,
        help_text=_("I hela kronor, utan decimaler."),
    )

    FIELDS = Intervention.CONTENT_FIELDS

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}

    @classmethod
    def initial_for(cls, item: Intervention) -> dict:
        return {name: getattr(item, name) for name in cls.FIELDS} | {"revision": item.revision}


class InterventionEditForm(InterventionForm):
    revision = revision_field()


# --- Del 3 – Börläge, mål och effekter ------------------------------------------------------


class GoalForm(PortalForm):
    goal = text_field(
        field_label(Goal, "goal"),
        max_length=2_000,
        rows=3,
        required=True,
        error_messages={"required": _("Beskriv målet.")},
    )
    indicator = text_field(
        field_label(Goal, "indicator"),
        max_length=SHORT_TEXT_MAX * 2,
        rows=0,
        help_text=_("Hur mäter ni att målet nås?"),
    )
    target_value = text_field(field_label(Goal, "target_value"), max_length=SHORT_TEXT_MAX, rows=0)
    target_date = SwedishDateField(label=field_label(Goal, "target_date"), required=False)
    interventions = checkboxes(
        field_label(Goal, "interventions"),
        [],
        help_text=_("Välj de insatser i Del 2 som leder till målet."),
    )

    FIELDS = ("goal", "indicator", "target_value", "target_date")

    def __init__(self, *args, interventions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._interventions = {str(item.pk): item for item in interventions}
        self.fields["interventions"].choices = [
            (str(item.pk), _("Insats %(n)s: %(title)s") % {"n": number, "title": item.title})
            for number, item in enumerate(interventions, start=1)
        ]

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}

    def chosen_interventions(self) -> list:
        return [self._interventions[pk] for pk in self.cleaned_data["interventions"]]

    @classmethod
    def initial_for(cls, goal: Goal) -> dict:
        return {name: getattr(goal, name) for name in cls.FIELDS} | {
            "interventions": [str(item.pk) for item in goal.interventions.all()],
            "revision": goal.revision,
        }


class GoalEditForm(GoalForm):
    revision = revision_field()
