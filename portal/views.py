"""Views of the portal itself: the landing redirect, health, and the static information pages."""

import base64
import logging
from typing import cast
from urllib.parse import urlencode

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.db import connections
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from portal.forms import PortalSetPasswordForm
from portal.middleware import session_refresh

logger = logging.getLogger(__name__)


@login_required
def home(request):
    """Send staff to the staff area and a contact person to the region's start page."""
    user = request.user
    if user.is_handlaggare:
        return redirect("staff:home")
    contact = getattr(user, "contact_person", None)
    if contact is not None and contact.active and contact.region.active:
        return redirect("inventories:start", slug=contact.region.slug)
    return render(request, "portal/no_region.html", status=403)


def _database_ok(alias="default") -> tuple[bool, str]:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return False, exc.__class__.__name__
    return True, "ok"


def _broker_status() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL:
        return "inline"
    from kombu import Connection

    from portal.celery import app

    try:
        # A connection from Celery's pool, kept open between checks: no new TCP connection and
        # handshake per call. The ping is a round trip, so a broker that went away is reported.
        # (celery-types calls the pool's resources producers; they are kombu connections.)
        with cast(Connection, app.pool.acquire(block=True, timeout=2)) as conn:
            try:
                conn.ensure_connection(max_retries=1, timeout=2)
                client = getattr(conn.default_channel, "client", None)
                if client is not None:
                    client.ping()
            except Exception:
                conn.close()  # the next check connects afresh
                raise
    except Exception as exc:  # noqa: BLE001
        return f"down ({exc.__class__.__name__})"
    return "ok"


@never_cache
@require_GET
def healthz(request):
    """JSON health: 200 when the database answers, 503 when it does not; the broker is reported."""
    db_ok, db_detail = _database_ok()
    body = {"status": "ok" if db_ok else "error", "database": db_detail, "broker": _broker_status()}
    return JsonResponse(body, status=200 if db_ok else 503)


@require_POST
def language_set(request):
    """Django's language switch; a signed-in user's choice also becomes their e-mail language."""
    from django.views.i18n import set_language

    response = set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        from portal.services import user_language_set

        user_language_set(user=request.user, language=language)
    return response


@never_cache
@require_POST
def session_extend(request):
    """Keep a signed-in user's session alive (the warning dialog's "Förläng" button).

    Renews the expiry at once (other requests renew it only when it is due).
    """
    if not request.user.is_authenticated:
        return JsonResponse({"authenticated": False}, status=401)
    session_refresh(request.session, force=True)
    return JsonResponse({"authenticated": True, "expires_in": request.session.get_expiry_age()})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset confirmation, in Swedish; a new password also lifts a sign-in lockout.

    The lockout page tells a locked-out user to choose a new password; whoever can read the
    account's e-mail may then sign in at once instead of waiting for the cool-off.
    """

    form_class = PortalSetPasswordForm

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.email)
        return response


def accessibility_statement(request):
    return render(request, "portal/accessibility.html")


def bad_request(request, exception):
    """400, or 413 when the body was larger (or had more fields) than the settings allow."""
    if isinstance(exception, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
        return render(request, "413.html", status=413)
    return render(request, "400.html", status=400)


def permission_denied(request, exception):
    return render(request, "403.html", status=403)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the Swedish 403 page, telling how to send the form again."""
    return render(request, "403.html", {"csrf_failure": True}, status=403)


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)


# The second factor of staff: verify a sign-in, enrol an authenticator app, show backup codes.

BACKUP_CODES_SESSION_KEY = "second_factor_backup_codes"


def _next_url(request, default="home"):
    """The page to continue to: a ``next`` on this site, else ``default``.

    Only a path ("/...") is taken: anything else ("²", "x") would be read by ``redirect`` as a
    URL name and fail to reverse (a server error).
    """
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(default)


def _with_next(request, name):
    url = reverse(name)
    next_url = request.POST.get("next") or request.GET.get("next")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _qr_code_data_uri(text: str) -> str:
    """``text`` as a QR code: an SVG image in a data: URI (the CSP allows data: images)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


def _grouped(secret: str, size: int = 4) -> str:
    return " ".join(secret[i : i + size] for i in range(0, len(secret), size))


@never_cache
@login_required
@sensitive_post_parameters("token")
def second_factor_verify(request):
    """Confirm this sign-in with a code from the app or a backup code (staff only)."""
    from django_otp import login as otp_login
    from django_otp import user_has_device
    from django_otp.plugins.otp_static.models import StaticDevice

    from portal.forms import SecondFactorForm
    from portal.services import second_factor_verify as verify

    user = request.user
    if not user.needs_second_factor or user.is_verified():
        return redirect(_next_url(request))
    if not user_has_device(user, confirmed=True):
        return redirect(_with_next(request, "second_factor_enrol"))
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = verify(user=user, token=form.cleaned_data["token"])
        if device is None:
            form.add_error(
                "token",
                _(
                    "Koden stämmer inte. Skriv den kod som appen visar just nu, eller en "
                    "reservkod du inte har använt. Efter flera fel måste du vänta en stund."
                ),
            )
        else:
            request.session.cycle_key()
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    ngettext(
                        "Du loggade in med en reservkod. Du har %(count)d reservkod kvar.",
                        "Du loggade in med en reservkod. Du har %(count)d reservkoder kvar.",
                        left,
                    )
                    % {"count": left},
                )
            return redirect(_next_url(request))
    return render(
        request,
        "registration/second_factor_verify.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
    )


@never_cache
@login_required
@sensitive_post_parameters("token")
def second_factor_enrol(request):
    """Add an authenticator app: scan the QR code (or type the key), confirm with a code."""
    from django_otp import login as otp_login
    from django_otp import user_has_device

    from portal.forms import SecondFactorEnrolForm
    from portal.services import second_factor_enrol as enrol
    from portal.services import second_factor_pending_device

    user = request.user
    if not user.needs_second_factor:
        raise Http404
    if user_has_device(user, confirmed=True):
        # Already enrolled: prove it with a code; a lost phone is reset by a superuser.
        return redirect(_with_next(request, "second_factor_verify"))
    device = second_factor_pending_device(user=user)
    form = SecondFactorEnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = enrol(user=user, device=device, token=form.cleaned_data["token"])
        except ValidationError as exc:
            form.add_error("token", exc)
        else:
            device.refresh_from_db()
            request.session.cycle_key()
            otp_login(request, device)
            request.session[BACKUP_CODES_SESSION_KEY] = codes
            return redirect(_with_next(request, "second_factor_backup_codes"))
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "registration/second_factor_enrol.html",
        {
            "form": form,
            "qr_code": _qr_code_data_uri(device.config_url),
            "secret": _grouped(secret),
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
    )


@never_cache
@login_required
def second_factor_backup_codes(request):
    """The backup codes, shown once right after enrolment."""
    codes = request.session.pop(BACKUP_CODES_SESSION_KEY, None)
    if not codes:
        return redirect(_next_url(request))
    return render(
        request,
        "registration/second_factor_backup_codes.html",
        {"codes": codes, "next_url": _next_url(request)},
    )
