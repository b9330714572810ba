"""What every inventory form shares: the base form and bound field, the fields and messages.

``PortalBoundField`` adds the review-mode messages (``?granska=1``) to the field's own errors so
both show next to the field and in the summary.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from inventories.models.inventory import LONG_TEXT_MAX
from portal.formatting import group_thousands
from portal.forms_rendering import AccessibleBoundField

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


class PortalBoundField(AccessibleBoundField):
    """A bound field whose messages include the completeness message in review mode."""

    form: "PortalForm"

    def extra_messages(self) -> list[str]:
        extra = self.form.review_errors.get(self.name)
        return [str(extra)] if extra else []

    @property
    def messages(self) -> list[str]:
        return [] if self.form.frozen else super().messages


class PortalForm(forms.Form):
    """Base of the inventory forms: Swedish messages and review-mode messages per field."""

    bound_field_class = PortalBoundField
    #: Set when the inventory is locked: the input is shown read-only, not validated.
    frozen = False

    def __init__(self, *args, review_errors=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.review_errors = dict(review_errors or {})

    #: The key of this form's help texts in ``inventories.guidance.FIELD_HELP``.
    GUIDANCE = ""

    def apply_guidance(self, guidance: dict):
        """Set each field's help text and example (``{field: (help, example)}``)."""
        for name, (help_text, example) in guidance.items():
            if name in self.fields:
                if help_text:
                    self.fields[name].help_text = help_text
                self.fields[name].example = example  # type: ignore[attr-defined]  # read by the field template
                # A bound field copies the help text when first made: make it again.
                self._bound_fields_cache.pop(name, None)  # type: ignore[attr-defined]  # Django's own cache, not in the stubs

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
        # Only real errors: what review mode finds missing is listed once, by the checklist.
        for bound in self:
            for message in bound.errors:
                items.append(
                    {
                        "anchor": bound.auto_id if not bound.is_hidden else None,
                        "label": f"{label_prefix}{bound.label}",
                        "message": str(message),
                    }
                )
        return items


class TextAnswerField(forms.CharField):
    """Free text with line breaks stored as ``\n`` (browsers send ``\r\n`` from a textarea)."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value


def text_field(label, *, max_length=LONG_TEXT_MAX, required=False, rows=5, help_text="", **kw):
    """A free-text answer with the Swedish length message; a one-line input when short."""
    widget = (
        forms.Textarea(attrs={"rows": rows, "class": "form-control", "data-maxlength": max_length})
        if rows
        else forms.TextInput(attrs={"class": "form-control", "data-maxlength": max_length})
    )
    messages = {"null_characters_not_allowed": NULL_CHARACTER, **kw.pop("error_messages", {})}
    return TextAnswerField(
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
        # Python refuses int() of more than 4,300 digits: compare the length first.
        digits = compact.lstrip("0") or "0"
        amount = int(digits) if len(digits) <= len(str(KRONOR_MAX)) else None
        if amount is None or amount > KRONOR_MAX:
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


def field_label(model, name):
    return model._meta.get_field(name).verbose_name
