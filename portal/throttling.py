"""Limits on guessing and on e-mail sending: who counts as the same account, and how often.

django-axes counts failed sign-ins per (account, client address). It must count an account once
whatever the spelling of its address, so it keys on :func:`axes_username`.
"""

from portal.models import normalize_email_address


def axes_username(request, credentials) -> str:
    """AXES_USERNAME_CALLABLE: the normalised address, so every spelling shares one counter."""
    username = None
    if credentials:
        username = credentials.get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    return normalize_email_address(username or "")
