"""The part forms: Del 1 – Nuläge (with its budget rows) and the texts of Del 3 – Börläge."""

from django import forms
from django.utils.translation import gettext_lazy as _

from inventories.models import BudgetLine, CurrentState, TargetState
from inventories.models.inventory import SHORT_TEXT_MAX

from .common import KronorField, PortalForm, field_label, revision_field, text_field

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
    "perspective": _(
        "Hur ser nuläget ut för kvinnor och män, för olika åldrar och för personer med "
        "utländsk bakgrund i regionen?"
    ),
}


class CurrentStateForm(PortalForm):
    GUIDANCE = "current_state"
    #: The part whose fields this form shows (completion items are shown at them).
    PART = 1
    revision = revision_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in CurrentState.TEXT_FIELDS:
            self.fields[name] = text_field(
                field_label(CurrentState, name), help_text=CURRENT_STATE_HELP[name]
            )

    def text_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in CurrentState.TEXT_FIELDS}


class BudgetLineForm(PortalForm):
    description = text_field(
        field_label(BudgetLine, "description"), max_length=SHORT_TEXT_MAX, rows=0
    )
    amount = KronorField(label=field_label(BudgetLine, "amount"), required=False)
    spent = KronorField(label=field_label(BudgetLine, "spent"), required=False)

    def clean(self):
        data = super().clean()
        description, amount = data.get("description"), data.get("amount")
        if data.get("spent") is not None and amount is None and "amount" not in self.errors:
            self.add_error("amount", _("Ange det planerade beloppet i hela kronor."))
            return data
        if description and amount is None and "amount" not in self.errors:
            self.add_error("amount", _("Ange beloppet i hela kronor."))
        if amount is not None and not description and "description" not in self.errors:
            self.add_error("description", _("Skriv vad beloppet används till."))
        return data

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return (
            not data.get("description") and data.get("amount") is None and data.get("spent") is None
        )


class BaseBudgetFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Ta bort raden")
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def _marked_for_removal(self, form) -> bool:
        """Whether the row's "Ta bort raden" box is ticked (as Django's own formset decides)."""
        return bool(form.cleaned_data.get(forms.formsets.DELETION_FIELD_NAME, False))

    def lines(self) -> list[dict]:
        """The filled-in rows, in order, without the ones marked for removal."""
        return [
            {
                "description": form.cleaned_data["description"],
                "amount": form.cleaned_data["amount"],
                "spent": form.cleaned_data.get("spent"),
            }
            for form in self.forms
            if not self._marked_for_removal(form) and not form.is_blank
        ]

    def error_items(self) -> list[dict]:
        items = []
        for number, form in enumerate(self.forms, start=1):
            if form.frozen or self._marked_for_removal(form):
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


# --- Del 3 – Börläge, mål och effekter ------------------------------------------------------

TARGET_STATE_HELP = {
    "target_state": _("Hur ser det ut när regionen har nått dit den vill? Beskriv börläget."),
    "short_term_effects": _("Frivilligt: vilka effekter väntar ni er på kort sikt av insatserna?"),
}


class TargetStateForm(PortalForm):
    GUIDANCE = "target_state"
    PART = 3
    revision = revision_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in TargetState.TEXT_FIELDS:
            self.fields[name] = text_field(
                field_label(TargetState, name),
                rows=5 if name not in TargetState.EFFECT_FIELDS else 3,
                help_text=TARGET_STATE_HELP.get(name, ""),
            )

    def text_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in TargetState.TEXT_FIELDS}

    def effect_fields(self):
        return [self[name] for name in TargetState.EFFECT_FIELDS]
