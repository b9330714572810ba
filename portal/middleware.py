"""The portal's own middleware: Swedish first; sessions that slide without a write per request."""

import datetime

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone


class NullCharacterInQuery(SuspiciousOperation):
    """A query string with a NUL character: no page reads one, and PostgreSQL refuses it."""


class NullCharacterRefusalMiddleware:
    """Answer a query string with a NUL character ("%00") with the Swedish 400 page.

    PostgreSQL refuses a NUL in any text it is given, so a filter or search term that reaches a
    query with one (the admin's search, its list filters) would be a server error. The portal's
    own forms refuse NUL in what is posted (Django's CharField does), so only the query string is
    checked here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                raise NullCharacterInQuery("A NUL character in the query string.")
        return self.get_response(request)


class SwedishFirstMiddleware:
    """Ignore the browser's Accept-Language so the default is always Swedish.

    A user who picks English with the language switcher gets a cookie that Django's
    LocaleMiddleware (which must come after this one) honours.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


def session_refresh(session, *, force: bool = False) -> None:
    """Move the session's end to ``SESSION_COOKIE_AGE`` plus a margin from now, when due.

    A session ends ``SESSION_COOKIE_AGE`` after the last request at the earliest (never sooner:
    the pages' warning dialog counts down from ``get_expiry_age()``, which is the true time left
    because the end is stored as an absolute time) and at most ``SESSION_REFRESH_MARGIN`` later.
    Saving only when less than ``SESSION_COOKIE_AGE`` is left costs one session write per margin
    and user instead of a transaction and an UPDATE on every request.
    """
    age = settings.SESSION_COOKIE_AGE
    if force or "_session_expiry" not in session or session.get_expiry_age() < age:
        margin = settings.SESSION_REFRESH_MARGIN
        session.set_expiry(timezone.now() + datetime.timedelta(seconds=age + margin))


class SessionRefreshMiddleware:
    """Keep a session alive while it is used: the sliding inactivity timeout, saved sparingly.

    Must come right after ``SessionMiddleware``, which saves the session when this marked it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            session_refresh(session)
        return response
