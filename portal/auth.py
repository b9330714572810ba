"""The sign-in backend: Django's ``ModelBackend`` with the signed-in user read by a compiled query.

Every signed-in request reads its user (``django.contrib.auth.get_user`` → the session's backend's
``get_user``). Django's ``ModelBackend`` builds and compiles the same ``User`` queryset each time,
which cost far more than running it; ``ModelBackend`` here runs it compiled once per process
(``portal.compiled.CompiledQuery``). Signing in (``authenticate``, one password hash per attempt),
the session's hash check and what an inactive user gets are Django's, unchanged.

A session names the backend that signed it in, and Django accepts it only if that backend is in
``AUTHENTICATION_BACKENDS``: ``LegacyBackendPathMiddleware`` moves the sessions signed in through
Django's own class to this one, once each, so nobody is signed out when the setting changes.

The same query tells whether the user is in the Handläggare group (``User.is_handlaggare``
then asks nothing more), and ``OTPMiddleware`` reads the session's second-factor device with a
compiled query too: a staff page no longer builds three querysets before its own.
"""

from contextlib import suppress

from django.apps import apps
from django.contrib.auth import BACKEND_SESSION_KEY, backends
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef
from django_otp import middleware as otp_middleware
from django_otp.models import Device

from .compiled import CompiledQuery
from .models import STAFF_GROUP_NAME, User

BACKEND_PATH = "portal.auth.ModelBackend"
LEGACY_BACKEND_PATH = "django.contrib.auth.backends.ModelBackend"

_user_by_id = CompiledQuery(
    lambda user_id: User.objects.filter(pk=user_id).annotate(
        in_staff_group=Exists(Group.objects.filter(user=OuterRef("pk"), name=STAFF_GROUP_NAME))
    ),
    user_id=int,
)


class ModelBackend(backends.ModelBackend):
    """Django's ``ModelBackend``; ``get_user`` runs a compiled query (see the module)."""

    def get_user(self, user_id):
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        user = _user_by_id.first(user_id=user_id)
        if user is not None:
            user._is_handlaggare = user.in_staff_group  # what User.is_handlaggare asks
        return user if user is not None and self.user_can_authenticate(user) else None


class LegacyBackendPathMiddleware:
    """Rename Django's ``ModelBackend`` to ours in a session signed in before the change.

    Must come after ``SessionMiddleware`` and before ``AuthenticationMiddleware``. The session is
    saved once (it is marked modified); afterwards this only reads one key.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get(BACKEND_SESSION_KEY) == LEGACY_BACKEND_PATH:
            session[BACKEND_SESSION_KEY] = BACKEND_PATH
        return self.get_response(request)


_DEVICE_QUERIES: dict[type, CompiledQuery] = {}


def _device_query(model: type) -> CompiledQuery:
    if model not in _DEVICE_QUERIES:
        _DEVICE_QUERIES[model] = CompiledQuery(
            lambda device_id: model.objects.filter(id=device_id),  # type: ignore[attr-defined]
            device_id=int,
        )
    return _DEVICE_QUERIES[model]


class OTPMiddleware(otp_middleware.OTPMiddleware):
    """django-otp's middleware (``request.user.otp_device``, ``is_verified()``), with the
    session's device read by a compiled query. What it accepts is django-otp's: a device of the
    signed-in user, confirmed (checked by the middleware after the read), else none."""

    def _device_from_persistent_id(self, persistent_id: str):
        persistent_id = self._normalize_persistent_id(persistent_id)
        # As Device.from_persistent_id: "app_label.model/id" of a Device model, else no device.
        with suppress(ValueError, LookupError):
            model_label, device_id = persistent_id.rsplit("/", 1)
            app_label, model_name = model_label.split(".")
            model = apps.get_model(app_label, model_name)
            if issubclass(model, Device):
                return _device_query(model).first(device_id=int(device_id))
        return None
