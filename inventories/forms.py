"""Forms for the three parts. They check formats only; the services own the business rules.

Every message is Swedish and says what to do. Fields render through
``inventories/includes/field.html``; ``PortalBoundField`` adds the review-mode messages
(``?granska=1``) to the field's own errors so both show next to the field and in the summary.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from inventories.models import (
    ActivityArea,
    BudgetLine,
    CurrentState,
    Dimension,
    Goal,
    Intervention,
    TargetState,
)
from inventories.models.inventory import LONG_TEXT_MAX, SHORT_TEXT_MAX
from inventories.templatetags.inventory_tags import group_thousands

#: Larger amounts than this are surely a typo (and would not fit the database column).
KRONOR_MAX = 1_000_000_000_000

MONEY_INVALID = _("Ange ett heltal i hela kronor, utan decimaler, till exempel 25 000.")
MONEY_NEGATIVE = _("Beloppet kan inte vara negativt. Ange 0 eller mer.")
MONEY_TOO_LARGE = _("Beloppet är för stort. Ange högst %(max)s kr.")
DATE_INVALID = _("Ange datum som ÅÅÅÅ-MM-DD, till exempel 2020-03-01.")
NULL_CHARACTER = _(
    "Texten innehåller ett otillåtet tecken (nolltecken). Ta bort det och spara igen."
)
INVALID_CHOICE = _("Välj bland alternativen i listan.")


@deconstructible
class MaxCharacters:
    """Like Django's MaxLengthValidator, with a Swedish message that shows both numbers."""

    code = "max_length"

    def __init__(self, limit: int):
        self.limit = limit

    def __call__(self, value):
        if len(value) > self.limit:
            raise ValidationError(
                _("Texten får vara högst %(limit)s tecken (du skrev %(count)s)."),
                code=self.code,
                params={"limit": group_thousands(self.limit), "count": group_thousands(len(value))},
            )

    def __eq__(self, other):
        return isinstance(other, MaxCharacters) and other.limit == self.limit


class PortalBoundField(BoundField):
    """A bound field whose messages include the completeness message in review mode."""

    @property
    def messages(self) -> list[str]:
        if self.form.frozen:
            return []
        found = [str(error) for error in self.errors]
        extra = self.form.review_errors.get(self.name)
        if extra and str(extra) not in found:
            found.append(str(extra))
        return found

    @property
    def error_id(self) -> str:
        return f"{self.auto_id}_error"

    @property
    def aria_describedby(self):
        if self.field.widget.attrs.get("aria-describedby"):
            return None
        ids = []
        if self.auto_id and not self.is_hidden:
            if self.help_text:
                ids.append(f"{self.auto_id}_helptext")
            if self.messages:
                ids.append(self.error_id)
        return " ".join(ids)

    def build_widget_attrs(self, attrs, widget=None):
        widget = widget or self.field.widget
        attrs = super().build_widget_attrs(attrs, widget)
        if not widget.is_hidden and self.messages:
            attrs["aria-invalid"] = "true"
            classes = attrs.get("class") or widget.attrs.get("class", "")
            attrs["class"] = f"{classes} is-invalid".strip()
        return attrs


class PortalForm(forms.Form):
    """Base of the inventory forms: Swedish messages and review-mode messages per field."""

    bound_field_class = PortalBoundField
    #: Set when the inventory is locked: the input is shown read-only, not validated.
    frozen = False

    def __init__(self, *args, review_errors=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.review_errors = dict(review_errors or {})

    def freeze(self):
        """Show what was typed read-only, without checking it (nothing will be saved)."""
        self.frozen = True
        for form_field in self.fields.values():
            if getattr(form_field.widget, "input_type", "") == "checkbox":
                form_field.widget.attrs["disabled"] = True
            else:
                form_field.widget.attrs["readonly"] = True

    def error_items(self, label_prefix="") -> list[dict]:
        """``[{anchor, label, message}]`` for the error summary at the top of the page."""
        if self.frozen:
            return []
        items = [
            {"anchor": None, "label": "", "message": str(message)}
            for message in self.non_field_errors()
        ]
        for bound in self:
            for message in bound.messages:
                items.append(
                    {
                        "anchor": bound.auto_id if not bound.is_hidden else None,
                        "label": f"{label_prefix}{bound.label}",
                        "message": message,
                    }
                )
        return items


def text_field(label, *, max_length=LONG_TEXT_MAX, required=False, rows=5, help_text="", **kw):
    """A free-text answer with the Swedish length message; a one-line input when short."""
    widget = (
        forms.Textarea(attrs={"rows": rows, "class": "form-control", "data-maxlength": max_length})
        if rows
        else forms.TextInput(attrs={"class": "form-control", "data-maxlength": max_length})
    )
    messages = {"null_characters_not_allowed": NULL_CHARACTER, **kw.pop("error_messages", {})}
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=widget,
        validators=[MaxCharacters(max_length)],
        error_messages=messages,
        **kw,
    )


class KronorField(forms.CharField):
    """Whole kronor ≥ 0. Accepts what people type: ``25000``, ``25 000``, ``25 000 kr``."""

    default_error_messages = {
        "invalid": MONEY_INVALID,
        "negative": MONEY_NEGATIVE,
        "too_large": MONEY_TOO_LARGE,
    }

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"class": "form-control", "inputmode": "numeric", "autocomplete": "off"}
            ),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            return f"{value:,}".replace(",", " ")
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        compact = re.sub(r"\s+", "", text)
        compact = re.sub(r"(?i)(kr|kronor|sek)\.?$", "", compact)
        if compact.startswith(("-", "−")) and re.fullmatch(r"[-−]\d+([.,]\d*)?", compact):
            raise ValidationError(self.error_messages["negative"], code="negative")
        if not re.fullmatch(r"\d+", compact):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        amount = int(compact)
        if amount > KRONOR_MAX:
            raise ValidationError(
                self.error_messages["too_large"],
                code="too_large",
                params={"max": group_thousands(KRONOR_MAX)},
            )
        return amount


class SwedishDateField(forms.DateField):
    input_formats = ["%Y-%m-%d"]
    default_error_messages = {"invalid": DATE_INVALID}

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        )
        kwargs.setdefault("help_text", _("Skriv som ÅÅÅÅ-MM-DD."))
        super().__init__(**kwargs)


def checkboxes(label, choices, *, help_text=""):
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        help_text=help_text,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"invalid_choice": INVALID_CHOICE, "invalid_list": INVALID_CHOICE},
    )


def revision_field():
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={
            "required": _("Sidan saknar uppgift om vilken version du ändrar. Ladda om sidan."),
            "invalid": _("Sidan saknar uppgift om vilken version du ändrar. Ladda om sidan."),
            "min_value": _("Sidan saknar uppgift om vilken version du ändrar. Ladda om sidan."),
        },
    )


def _label(model, name):
    return model._meta.get_field(name).verbose_name


# --- Del 1 – Nuläge -------------------------------------------------------------------------

CURRENT_STATE_HELP = {
    "context": _(
        "Kort om regionen: geografi, befolkning, näringsliv och särskilda förutsättningar."
    ),
    "work_economic": _("Hur arbetar regionen i dag med ekonomisk hållbarhet i tillväxtarbetet?"),
    "work_social": _("Hur arbetar regionen i dag med social hållbarhet i tillväxtarbetet?"),
    "work_environmental": _(
        "Hur arbetar regionen i dag med miljömässig hållbarhet i tillväxtarbetet?"
    ),
    "needs_challenges": _("Vilka behov och utmaningar ser regionen?"),
    "collaboration": _("Vilken samverkan och vilka strukturer finns redan?"),
}


class CurrentStateForm(PortalForm):
    revision = revision_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in CurrentState.TEXT_FIELDS:
            self.fields[name] = text_field(
                _label(CurrentState, name), help_text=CURRENT_STATE_HELP[name]
            )

    def text_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in CurrentState.TEXT_FIELDS}


class BudgetLineForm(PortalForm):
    description = text_field(_label(BudgetLine, "description"), max_length=SHORT_TEXT_MAX, rows=0)
    amount = KronorField(label=_label(BudgetLine, "amount"), required=False)

    def clean(self):
        data = super().clean()
        description, amount = data.get("description"), data.get("amount")
        if description and amount is None and "amount" not in self.errors:
            self.add_error("amount", _("Ange beloppet i hela kronor."))
        if amount is not None and not description and "description" not in self.errors:
            self.add_error("description", _("Skriv vad beloppet används till."))
        return data

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("description") and data.get("amount") is None


class BaseBudgetFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Ta bort raden")
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def lines(self) -> list[dict]:
        """The filled-in rows, in order, without the ones marked for removal."""
        return [
            {"description": form.cleaned_data["description"], "amount": form.cleaned_data["amount"]}
            for form in self.forms
            if not self._should_delete_form(form) and not form.is_blank
        ]

    def error_items(self) -> list[dict]:
        items = []
        for number, form in enumerate(self.forms, start=1):
            if form.frozen or self._should_delete_form(form):
                continue
            items.extend(form.error_items(label_prefix=_("Budgetrad %(n)s: ") % {"n": number}))
        return items


BUDGET_PREFIX = "budget"
BUDGET_MAX_ROWS = 50


def budget_formset_class(extra=3):
    return forms.formset_factory(
        BudgetLineForm,
        formset=BaseBudgetFormSet,
        extra=extra,
        can_delete=True,
        max_num=BUDGET_MAX_ROWS,
        validate_max=True,
        absolute_max=BUDGET_MAX_ROWS * 2,
    )


BudgetFormSet = budget_formset_class()


# --- Del 2 – Insatser -----------------------------------------------------------------------


class InterventionForm(PortalForm):
    title = text_field(
        _label(Intervention, "title"),
        max_length=SHORT_TEXT_MAX,
        rows=0,
        required=True,
        error_messages={"required": _("Ge insatsen en rubrik.")},
    )
    description = text_field(_label(Intervention, "description"))
    activity_areas = checkboxes(
        _label(Intervention, "activity_areas"),
        ActivityArea.choices,
        help_text=_("Välj minst ett av programmets fem insatsområden."),
    )
    dimensions = checkboxes(
        _label(Intervention, "dimensions"),
        Dimension.choices,
        help_text=_("Välj minst en dimension."),
    )
    perspective_gender = text_field(_label(Intervention, "perspective_gender"), rows=3)
    perspective_age = text_field(_label(Intervention, "perspective_age"), rows=3)
    perspective_background = text_field(_label(Intervention, "perspective_background"), rows=3)
    actors = text_field(_label(Intervention, "actors"), rows=3)
    start_date = SwedishDateField(label=_label(Intervention, "start_date"), required=False)
    end_date = SwedishDateField(label=_label(Intervention, "end_date"), required=False)
    cost = KronorField(
        label=_label(Intervention, "cost"),
        required=False,
        help_text=_("I hela kronor, utan decimaler."),
    )

    FIELDS = (
        "title",
        "description",
        "activity_areas",
        "dimensions",
        "perspective_gender",
        "perspective_age",
        "perspective_background",
        "actors",
        "start_date",
        "end_date",
        "cost",
    )

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}

    @classmethod
    def initial_for(cls, item: Intervention) -> dict:
        return {name: getattr(item, name) for name in cls.FIELDS} | {"revision": item.revision}


class InterventionEditForm(InterventionForm):
    revision = revision_field()


# --- Del 3 – Börläge, mål och effekter ------------------------------------------------------

TARGET_STATE_HELP = {
    "target_state": _("Hur ser det ut när regionen har nått dit den vill? Beskriv börläget."),
    "short_term_effects": _("Vilka effekter väntar ni er på kort sikt av insatserna?"),
}


class TargetStateForm(PortalForm):
    revision = revision_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in TargetState.TEXT_FIELDS:
            self.fields[name] = text_field(
                _label(TargetState, name),
                rows=5 if name not in TargetState.EFFECT_FIELDS else 3,
                help_text=TARGET_STATE_HELP.get(name, ""),
            )

    def text_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in TargetState.TEXT_FIELDS}

    def effect_fields(self):
        return [self[name] for name in TargetState.EFFECT_FIELDS]


class GoalForm(PortalForm):
    goal = text_field(
        _label(Goal, "goal"),
        max_length=2_000,
        rows=3,
        required=True,
        error_messages={"required": _("Beskriv målet.")},
    )
    indicator = text_field(
        _label(Goal, "indicator"),
        max_length=SHORT_TEXT_MAX * 2,
        rows=0,
        help_text=_("Hur mäter ni att målet nås?"),
    )
    target_value = text_field(_label(Goal, "target_value"), max_length=SHORT_TEXT_MAX, rows=0)
    target_date = SwedishDateField(label=_label(Goal, "target_date"), required=False)
    interventions = checkboxes(
        _label(Goal, "interventions"),
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


class SubmitForm(PortalForm):
    """The confirm step before "Skicka in"."""

    confirm = forms.BooleanField(
        label=_(
            "Jag bekräftar att uppgifterna är korrekta och får skickas in för regionens räkning"
        ),
        required=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        error_messages={
            "required": _("Kryssa i rutan för att bekräfta att uppgifterna får skickas in.")
        },
    )
