"""The item forms: one insats (Del 2) and one mål (Del 3), to add or to edit."""

from django import forms
from django.utils.translation import gettext_lazy as _

from inventories.models import (
    ActivityArea,
    Dimension,
    Effect,
    FollowUp,
    Goal,
    Intervention,
    InterventionYear,
    Priority,
)
from inventories.models.inventory import SHORT_TEXT_MAX
from inventories.services.parts import intervention_problems

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
    GUIDANCE = "intervention"
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
        help_text=_("Hela insatsens kostnad i hela kronor, utan decimaler."),
    )
    priority = forms.ChoiceField(
        label=field_label(Intervention, "priority"),
        choices=Priority.choices,
        required=False,
        help_text=_("Hur viktig är insatsen för regionen jämfört med regionens andra insatser?"),
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"invalid_choice": _("Välj hög, medel eller låg prioritet.")},
    )
    effects = checkboxes(
        field_label(Intervention, "effects"),
        Effect.choices,
        help_text=_("Frivilligt: vilka av programmets effekter på lång sikt bidrar insatsen till?"),
    )

    FIELDS = Intervention.CONTENT_FIELDS
    AMOUNTS = InterventionYear.AMOUNT_FIELDS

    def __init__(self, *args, round=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.round = round
        self.years = list(round.years) if round is not None else []
        for year in self.years:
            for name in self.AMOUNTS:
                label = InterventionYear._meta.get_field(name).verbose_name
                self.fields[self.year_field(year, name)] = KronorField(
                    label=_("%(label)s %(year)s") % {"label": label, "year": year},
                    required=False,
                )

    @staticmethod
    def year_field(year, name) -> str:
        return f"y{year}_{name}"

    def year_rows(self) -> list[dict]:
        """One row per programme year with its three amount fields, for the table."""
        return [
            {"year": year, "fields": [self[self.year_field(year, n)] for n in self.AMOUNTS]}
            for year in self.years
        ]

    def clean(self):
        data = super().clean()
        if self.round is not None:
            for name, message in intervention_problems(self.round, data).items():
                if name not in self.errors:
                    self.add_error(name, message)
        return data

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}

    def years_data(self) -> dict:
        return {
            year: {
                name: self.cleaned_data.get(self.year_field(year, name)) or 0
                for name in self.AMOUNTS
            }
            for year in self.years
        }

    @classmethod
    def initial_for(cls, item: Intervention) -> dict:
        initial = {name: getattr(item, name) for name in cls.FIELDS} | {"revision": item.revision}
        for row in item.years.all():
            for name in cls.AMOUNTS:
                initial[cls.year_field(row.year, name)] = getattr(row, name)
        return initial


class InterventionEditForm(InterventionForm):
    revision = revision_field()


# --- Del 3 – Börläge, mål och effekter ------------------------------------------------------


class GoalForm(PortalForm):
    GUIDANCE = "goal"
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
    effects = checkboxes(
        field_label(Goal, "effects"),
        Effect.choices,
        help_text=_("Vilka av programmets fyra effekter på lång sikt bidrar målet till?"),
    )
    dimensions = checkboxes(
        field_label(Goal, "dimensions"),
        Dimension.choices,
        help_text=_("Vilka dimensioner av hållbarhet gäller målet?"),
    )
    follow_up = checkboxes(
        field_label(Goal, "follow_up"),
        FollowUp.choices,
        help_text=_(
            "Det intersektionella perspektivet: kryssa i det som indikatorn redovisas "
            "uppdelat på. Lämna tomt om den inte delas upp."
        ),
    )

    FIELDS = (
        "goal",
        "indicator",
        "target_value",
        "target_date",
        "effects",
        "dimensions",
        "follow_up",
    )

    def __init__(self, *args, interventions=(), round=None, **kwargs):
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
