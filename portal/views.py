"""Views of the portal itself: the landing redirect, health, and the static information pages."""

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connections
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@login_required
def home(request):
    """Send staff to the staff area and a contact person to the region's start page."""
    user = request.user
    if user.is_handlaggare:
        return redirect("staff_home")
    contact = getattr(user, "contact_person", None)
    if contact is not None and contact.active and contact.region.active:
        return redirect("regions:start", slug=contact.region.slug)
    return render(request, "portal/no_region.html", status=403)


def staff_required(view):
    """Only Tillväxtverket staff (the Handläggare group); others get 404, anonymous sign in."""
    from functools import wraps

    from django.http import Http404

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_handlaggare:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@staff_required
def staff_home(request):
    """The staff area's entry point: the admin until the progress board exists."""
    return redirect("admin:index")


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


def accessibility_statement(request):
    return render(request, "portal/accessibility.html")


def privacy_notice(request):
    return render(request, "portal/privacy.html")


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
