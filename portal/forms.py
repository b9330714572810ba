from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class EmailAuthenticationForm(AuthenticationForm):
    """Sign-in with e-mail address and password, with Swedish messages."""

    username = forms.EmailField(
        label=_("E-postadress"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    error_messages = {
        "invalid_login": _(
            "Fel e-postadress eller lösenord. Kontrollera stavningen och försök igen."
        ),
        "inactive": _("Kontot är inaktiverat. Kontakta Tillväxtverket."),
    }
