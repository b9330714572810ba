from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from regions import services
from regions.forms import InvitationAcceptForm, InvitationRequestForm
from regions.models import Invitation
from regions.selectors import (
    InvitationLinkInvalid,
    invitation_get_by_token,
)

# Invitations: a new contact person follows the link in the e-mail and chooses a password.

_UNUSABLE_STATUS = {
    # reason: HTTP status (410 Gone: the link existed but no longer works)
    "invalid": 400,
    Invitation.Status.USED: 410,
    Invitation.Status.REVOKED: 410,
    Invitation.Status.EXPIRED: 410,
}


def _invitation_unusable(request, reason, invitation=None):
    """The clear page for a link that does not work, with a form to ask for a new one."""
    initial = {}
    if invitation is not None and reason != Invitation.Status.USED:
        initial["email"] = invitation.contact_person.user.email
    return render(
        request,
        "regions/invitation_unusable.html",
        {
            "reason": str(reason),
            "form": InvitationRequestForm(initial=initial),
            "valid_days": settings.INVITATION_VALID_DAYS,
        },
        status=_UNUSABLE_STATUS.get(reason, 410),
    )


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
def invitation_accept(request, token):
    """Choose a password with an invitation link; then the contact person is signed in."""
    try:
        invitation = invitation_get_by_token(token=token)
    except InvitationLinkInvalid:
        return _invitation_unusable(request, "invalid")
    contact_person = invitation.contact_person
    if not invitation.is_usable:
        return _invitation_unusable(request, invitation.status, invitation)
    if not (contact_person.active and contact_person.user.is_active):
        return _invitation_unusable(request, Invitation.Status.REVOKED, invitation)

    form = InvitationAcceptForm(contact_person.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation, password=form.cleaned_data["new_password1"]
            )
        except services.InvitationUnusable as exc:
            return _invitation_unusable(request, exc.status, invitation)
        except ValidationError as exc:
            form.add_error("new_password2", exc)
        else:
            login(request, user, backend="portal.auth.ModelBackend")
            messages.success(request, _("Ditt lösenord är sparat och du är inloggad. Välkommen!"))
            return redirect("home")
    return render(
        request,
        "regions/invitation_accept.html",
        {"form": form, "contact_person": contact_person, "invitation": invitation},
    )


@never_cache
def invitation_request(request):
    """Ask for a new invitation link; the answer never reveals whether the address is known."""
    form = InvitationRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save(request=request)
        return redirect("password_reset_done")
    return render(
        request,
        "regions/invitation_request.html",
        {"form": form, "valid_days": settings.INVITATION_VALID_DAYS},
    )
