"""Limits on guessing and on e-mail sending: who counts as the same account, and how often.

django-axes counts failed sign-ins per (account, client address). It must count an account once
whatever the spelling of its address, so it keys on :func:`axes_username`. Asking for a password
reset or a new invitation link is limited per address and per client
(:func:`access_request_allowed`).
"""

from django.conf import settings

from portal.models import normalize_email_address


def axes_username(request, credentials) -> str:
    """AXES_USERNAME_CALLABLE: the normalised address, so every spelling shares one counter."""
    username = None
    if credentials:
        username = credentials.get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    return normalize_email_address(username or "")


def client_address(request) -> str:
    """The client's IP address, read the same way django-axes reads it (proxy count and all)."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR", "") or "unknown"


def access_request_allowed(request, email: str) -> bool:
    """May this request ask for a password reset or invitation link to ``email`` right now?

    Counted per address (normalised, so every spelling counts once) and per client address in
    the shared cache (``CACHES["default"]``: Redis in production). A refused request gets the
    same neutral answer as any other; only no e-mail is queued. Both counters are incremented
    on every request, so a flood from one client also uses up that client's allowance.
    """
    from django_ratelimit.core import is_ratelimited

    address = normalize_email_address(email)
    by_address = is_ratelimited(
        request,
        group="access-request-address",
        key=lambda group, request: address,
        rate=settings.ACCESS_REQUEST_RATE_PER_ADDRESS,
        increment=True,
    )
    by_client = is_ratelimited(
        request,
        group="access-request-client",
        key=lambda group, request: client_address(request),
        rate=settings.ACCESS_REQUEST_RATE_PER_CLIENT,
        increment=True,
    )
    return not (by_address or by_client)
