"""Views of the portal itself: the landing redirect, health, and the static information pages."""

import logging

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import connections
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portal.forms import PortalSetPasswordForm

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
    from portal.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
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

    Sessions are saved on every request, so answering is enough to renew the expiry.
    """
    if not request.user.is_authenticated:
        return JsonResponse({"authenticated": False}, status=401)
    request.session.modified = True
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


def privacy_notice(request):
    return render(request, "portal/privacy.html")


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
