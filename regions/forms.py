from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from portal.forms import AccessRequestForm, NormalizedEmailField, PortalSetPasswordForm
from portal.queue import enqueue_on_commit
from portal.throttling import access_request_allowed
from regions.models import ContactPerson, Region


class InvitationAcceptForm(PortalSetPasswordForm):
    """The new contact person chooses a password (validated like every password)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("Välj ett lösenord")
        self.fields["new_password2"].label = _("Upprepa lösenordet")


class InvitationRequestForm(AccessRequestForm):
    """Ask for a new invitation link (or a password reset link) by e-mail address.

    Serves "Ny länk" and "Glömt lösenordet?" (Django's PasswordResetView calls ``save``).
    """

    def save(self, request=None, **kwargs):
        """Queue the request unless it is over the limit; the answer is the same either way.

        The request does the same work for a known and an unknown address (check the limits,
        queue a task after commit): the worker looks the address up and sends whatever e-mail
        applies, so neither the answer nor its timing tells whether an account exists.
        """
        from regions.tasks import account_access_request_send

        email = self.cleaned_data["email"]
        if request is not None and not access_request_allowed(request, email):
            return
        enqueue_on_commit(account_access_request_send, email)


class ContactPersonRegisterForm(forms.ModelForm):
    """Staff register a contact person in one form; the admin calls contact_person_register."""

    full_name = forms.CharField(label=_("Fullständigt namn"), max_length=150)
    email = NormalizedEmailField(
        label=_("E-postadress"),
        max_length=254,
        help_text=_("Inbjudan skickas hit. Adressen blir kontaktpersonens inloggning."),
    )

    class Meta:
        model = ContactPerson
        fields = ["region", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.filter(active=True)

    def clean_full_name(self):
        full_name = " ".join(self.cleaned_data["full_name"].split())
        if not full_name:
            raise forms.ValidationError(_("Ange kontaktpersonens namn."))
        return full_name

    def clean_email(self):
        email = self.cleaned_data["email"]
        if get_user_model().objects.filter(email=email).exists():
            raise forms.ValidationError(
                _("Det finns redan ett konto med e-postadressen %(email)s."),
                code="email_taken",
                params={"email": email},
            )
        return email
