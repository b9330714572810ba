"""Who may do what: the one check for staff actions, for views and services alike."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _


def ensure_staff(actor) -> None:
    """Only members of the Handläggare group review inventories."""
    if actor is None or not getattr(actor, "is_handlaggare", False):
        raise PermissionDenied(_("Endast handläggare kan göra detta."))


def second_factor_redirect(request):
    """Send a signed-in staff member who has not passed the second factor to do so now."""
    from django.contrib.auth.views import redirect_to_login
    from django.urls import reverse

    return redirect_to_login(request.get_full_path(), reverse("second_factor_verify"))


def second_factor_required(view):
    """View decorator for pages every signed-in user has (e.g. changing the password): staff
    must have confirmed this sign-in with the second factor first; others pass."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if request.user.needs_second_factor and not request.user.is_verified():
            return second_factor_redirect(request)
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view):
    """View decorator: only signed-in members of the Handläggare group; others get 404.

    Anonymous users are sent to sign in, staff who have not confirmed this sign-in with their
    second factor to do so. A 404 rather than a 403 does not reveal the staff area.
    """

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_handlaggare:
            raise Http404
        if not request.user.is_verified():
            return second_factor_redirect(request)
        return view(request, *args, **kwargs)

    return wrapper
