from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _

from portal.models import normalize_email_address

PASSWORD_HELP_TEXT = _(
    "Minst 12 tecken. Välj något som inte liknar ditt namn eller din e-postadress, som inte "
    "bara består av siffror och som inte är ett vanligt lösenord."
)


class NormalizedEmailField(forms.EmailField):
    """An e-mail address as the portal stores it: trimmed and lower-case (one account per address).

    Every form where someone types an address that names an account uses this field.
    """

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_email_address(value) if value else value


class EmailAuthenticationForm(AuthenticationForm):
    """Sign-in with e-mail address and password, with Swedish messages."""

    username = NormalizedEmailField(
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


class PortalSetPasswordForm(SetPasswordForm):
    """Choose a new password (password reset and invitations), in Swedish."""

    error_messages = {
        "password_mismatch": _("Lösenorden är inte likadana. Skriv samma lösenord två gånger."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("Nytt lösenord")
        self.fields["new_password1"].help_text = PASSWORD_HELP_TEXT
        self.fields["new_password1"].widget.attrs["autofocus"] = True
        self.fields["new_password2"].label = _("Upprepa det nya lösenordet")
        self.fields["new_password2"].help_text = ""


class PortalPasswordChangeForm(PortalSetPasswordForm, PasswordChangeForm):
    """Change the password while signed in (asks for the current one first)."""

    error_messages = {
        **PortalSetPasswordForm.error_messages,
        "password_incorrect": _("Det nuvarande lösenordet stämmer inte. Försök igen."),
    }
    field_order = ["old_password", "new_password1", "new_password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Nuvarande lösenord")
        self.fields["new_password1"].widget.attrs.pop("autofocus", None)


class AccessRequestForm(forms.Form):
    """'I cannot get in': asks for a password reset or a new invitation link by e-mail.

    Only the field: ``regions.forms.InvitationRequestForm`` adds ``save()``, which queues the
    request (the regions app decides between a reset link and a new invitation).
    """

    email = NormalizedEmailField(
        label=_("E-postadress"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Skriv din e-postadress."),
            "invalid": _("Skriv en e-postadress i formen namn@exempel.se."),
        },
    )


class SecondFactorForm(forms.Form):
    """The one-time code from the authenticator app (or a backup code)."""

    token = forms.CharField(
        label=_("Engångskod"),
        max_length=32,
        help_text=_("Sex siffror från autentiseringsappen, eller en av dina reservkoder."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "spellcheck": "false",
                "autocapitalize": "off",
            }
        ),
        error_messages={"required": _("Skriv koden från appen.")},
    )


class SecondFactorEnrolForm(SecondFactorForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"].help_text = _("Sex siffror som appen visar när kontot är tillagt.")
