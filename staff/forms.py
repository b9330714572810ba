"""Forms of the staff area. They validate input only; the services decide what is allowed."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventories.models import (
    DIALOGUE_TEXT_MAX,
    ActivityArea,
    Dimension,
    Effect,
    FollowUp,
    Priority,
)
from inventories.services.registration import REGISTRATION_NUMBER_MAX
from inventories.services.review import ACCEPT_MESSAGE_MAX, RETURN_MESSAGE_MAX
from portal.formatting import STOCKHOLM
from portal.forms import NormalizedEmailField
from regions.models import ContactPerson
from staff.services import NOTE_MAX
from staff.synthesis import (
    DEFAULT_COMPARE_FIELD,
    NO_PRIORITY,
    STATUS_GROUPS,
    SynthesisFilter,
    comparable_field_choices,
)


class RegistrationNumberForm(forms.Form):
    number = forms.CharField(
        label=_("Diarienummer"),
        help_text=_(
            "Diarienumret från myndighetens diarium. Det kan inte ändras när det är sparat "
            "och visas på regionens kvitton, i PDF-kopiorna och i e-postens ämnesrad."
        ),
        max_length=REGISTRATION_NUMBER_MAX,
        error_messages={
            "required": _("Ange diarienumret."),
            "max_length": _("Diarienumret får vara högst %(limit_value)d tecken."),
        },
    )


class AcceptForm(forms.Form):
    message = forms.CharField(
        label=_("Meddelande till regionen (valfritt)"),
        help_text=_(
            "Regionens kontaktpersoner får beslutet med e-post, med ditt meddelande om du "
            "skriver ett."
        ),
        required=False,
        max_length=ACCEPT_MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"max_length": _("Meddelandet får vara högst %(limit_value)d tecken.")},
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Ny intern anteckning"),
        help_text=_("Syns bara för handläggare, aldrig för regionen."),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("Skriv anteckningen."),
            "max_length": _("Anteckningen får vara högst %(limit_value)d tecken."),
        },
    )


class AssignForm(forms.Form):
    handlaggare: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Handläggare för regionen i omgången"),
        queryset=None,
        required=False,
        empty_label=_("Ingen"),
    )

    def __init__(self, *args, **kwargs):
        from staff.selectors import handlaggare_all

        super().__init__(*args, **kwargs)
        field = self.fields["handlaggare"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = handlaggare_all()
        field.label_from_instance = lambda user: user.full_name or user.email


class ReturnForm(forms.Form):
    """The general part of a completion request: a message and the completion date."""

    message = forms.CharField(
        label=_("Allmänt meddelande till regionen"),
        help_text=_(
            "Valfritt om du har skrivit minst en punkt. Meddelandet och punkterna e-postas till "
            "regionens kontaktpersoner och visas när de loggar in."
        ),
        required=False,
        max_length=RETURN_MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": _("Meddelandet får vara högst %(limit_value)d tecken.")},
    )
    due_date = forms.DateField(
        label=_("Komplettera senast"),
        help_text=_(
            "Valfritt. Svensk tid, till exempel 2020-02-10. Ett datum efter omgångens sista dag "
            "blir regionens förlängda sista dag."
        ),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Ange ett datum som ÅÅÅÅ-MM-DD.")},
    )

    def clean(self):
        cleaned = super().clean()
        day = cleaned.get("due_date")
        cleaned["due_at"] = (
            datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=STOCKHOLM)
            if day
            else None
        )
        if day and cleaned["due_at"] <= timezone.now():
            self.add_error("due_date", _("Datumet för kompletteringen måste ligga i framtiden."))
        return cleaned


class CompletionItemForm(forms.Form):
    """One item of a completion request: what it concerns and what the region should do."""

    anchor = forms.ChoiceField(label=_("Gäller"), required=False)
    text = forms.CharField(
        label=_("Vad ska kompletteras?"),
        required=False,
        max_length=DIALOGUE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("Punkten får vara högst %(limit_value)d tecken.")},
    )

    def __init__(self, *args, anchors=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["anchor"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Välj vad punkten gäller"))] + [(a.value, a.label) for a in anchors]

    def clean(self):
        cleaned = super().clean()
        anchor, text = cleaned.get("anchor"), (cleaned.get("text") or "").strip()
        if anchor and not text and "text" not in self.errors:
            self.add_error("text", _("Skriv vad som ska kompletteras."))
        if text and not anchor and "anchor" not in self.errors:
            self.add_error("anchor", _("Välj vad punkten gäller."))
        return cleaned

    @property
    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not data.get("anchor") and not (data.get("text") or "").strip()


class BaseCompletionItemFormSet(forms.BaseFormSet):
    def items(self) -> list[dict]:
        """The filled-in items, in the order of the form (after ``is_valid``)."""
        return [
            {"anchor": form.cleaned_data["anchor"], "text": form.cleaned_data["text"]}
            for form in self.forms
            if not form.is_blank
        ]


ITEMS_PREFIX = "punkter"
ITEMS_MAX = 30


def completion_item_formset(*, extra=3):
    return forms.formset_factory(
        CompletionItemForm,
        formset=BaseCompletionItemFormSet,
        extra=extra,
        max_num=ITEMS_MAX,
        absolute_max=ITEMS_MAX,
        validate_max=True,
    )


class ExtendForm(forms.Form):
    new_date = forms.DateField(
        label=_("Ny sista dag"),
        help_text=_("Svensk tid. Till exempel 2020-01-31."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Ange den nya sista dagen."),
            "invalid": _("Ange ett datum som ÅÅÅÅ-MM-DD."),
        },
    )
    new_time = forms.TimeField(
        label=_("Klockslag"),
        help_text=_("Svensk tid. 23:59 betyder till och med den dagen."),
        initial=datetime.time(23, 59),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": _("Ange klockslaget."),
            "invalid": _("Ange ett klockslag som TT:MM."),
        },
    )
    reason = forms.CharField(
        label=_("Skäl"),
        help_text=_("Skälet sparas i historiken och skickas till regionen."),
        max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("Ange skälet till förlängningen."),
            "max_length": _("Skälet får vara högst %(limit_value)d tecken."),
        },
    )

    def clean(self):
        cleaned = super().clean()
        day, time = cleaned.get("new_date"), cleaned.get("new_time")
        if day is None or time is None:
            return cleaned
        # 23:59 means the whole minute: the deadline is the last second of it.
        if (time.hour, time.minute, time.second) == (23, 59, 0):
            time = time.replace(second=59)
        moment = datetime.datetime.combine(day, time, tzinfo=STOCKHOLM)
        if moment <= timezone.now():
            self.add_error("new_date", _("Den nya sista dagen måste ligga i framtiden."))
        cleaned["new_deadline"] = moment
        return cleaned


class ContactPersonForm(forms.Form):
    full_name = forms.CharField(
        label=_("Namn"),
        max_length=150,
        error_messages={"required": _("Ange kontaktpersonens namn.")},
    )
    email = NormalizedEmailField(
        label=_("E-postadress"),
        help_text=_("Inbjudan skickas hit."),
        error_messages={
            "required": _("Ange kontaktpersonens e-postadress."),
            "invalid": _("Ange en giltig e-postadress, till exempel namn@region.se."),
        },
    )
    role = forms.ChoiceField(
        label=_("Roll"),
        choices=ContactPerson.Role.choices,
        initial=ContactPerson.Role.MAIN,
        error_messages={"required": _("Välj en roll.")},
    )


class SynthesisFilterForm(forms.Form):
    """The synthesis page's filters (a GET form, so a filtered view can be shared as a link)."""

    region = forms.ChoiceField(label=_("Region"), required=False)
    area = forms.ChoiceField(label=_("Insatsområde"), required=False)
    dimension = forms.ChoiceField(label=_("Hållbarhetsdimension"), required=False)
    effect = forms.ChoiceField(label=_("Effekt på lång sikt"), required=False)
    priority = forms.ChoiceField(label=_("Prioritet"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    ground = forms.ChoiceField(label=_("Intersektionellt perspektiv"), required=False)
    drafts = forms.BooleanField(label=_("Ta med utkast"), required=False)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("Alla"))]
        self.fields["region"].choices = everything + [(r.slug, r.name) for r in regions]
        self.fields["area"].choices = everything + list(ActivityArea.choices)
        self.fields["dimension"].choices = everything + list(Dimension.choices)
        self.fields["effect"].choices = everything + list(Effect.choices)
        self.fields["priority"].choices = (
            everything + list(Priority.choices) + [(NO_PRIORITY, _("Ej angiven"))]
        )
        self.fields["status"].choices = everything + list(STATUS_GROUPS)
        self.fields["ground"].choices = everything + list(FollowUp.choices)

    def synthesis_filter(self):
        """The valid choices as a ``SynthesisFilter`` (all when the form is invalid)."""
        if not self.is_valid():
            return SynthesisFilter()
        return SynthesisFilter(**self.cleaned_data)


class SynthesisSearchForm(forms.Form):
    """Search across a round's inventories (a GET form)."""

    q = forms.CharField(label=_("Sök i inventeringarna"), required=False, max_length=200)
    region = forms.ChoiceField(label=_("Region"), required=False)
    drafts = forms.BooleanField(label=_("Sök även i utkast"), required=False)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("Alla"))] + [(r.slug, r.name) for r in regions]

    def search(self) -> tuple[str, SynthesisFilter]:
        """The query and the filter to search with (nothing when the form is invalid)."""
        if not self.is_valid():
            return "", SynthesisFilter()
        data = self.cleaned_data
        return data["q"], SynthesisFilter(region=data["region"], drafts=data["drafts"])


class SynthesisCompareForm(forms.Form):
    """One free-text field of chosen regions side by side (a GET form, shareable as a link)."""

    field = forms.ChoiceField(label=_("Fält"))
    region = forms.MultipleChoiceField(
        label=_("Regioner"), widget=forms.CheckboxSelectMultiple, required=True
    )
    drafts = forms.BooleanField(label=_("Ta med utkast"), required=False)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = comparable_field_choices()
        self.fields["field"].initial = DEFAULT_COMPARE_FIELD
        self.fields["region"].choices = [(r.slug, f"{r.code} {r.name}") for r in regions]
        self.fields["region"].error_messages["required"] = _("Välj minst en region att jämföra.")
