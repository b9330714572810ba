"""The confirm step before an inventory is submitted."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .common import PortalForm


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
