from django.conf import settings


def portal(request):
    user = getattr(request, "user", None)
    return {
        "STAFF_MAILBOX": settings.STAFF_MAILBOX,
        "user_is_handlaggare": bool(user and user.is_authenticated and user.is_handlaggare),
    }
