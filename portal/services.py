"""Account actions of the portal that are not tied to one app."""

import logging

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portal.emails import Email, send_email

logger = logging.getLogger(__name__)


def password_reset_send(*, user) -> None:
    """E-mail ``user`` Django's one-time link to choose a new password, in the user's language.

    Like Django's own password reset, a failure is logged, never shown: the page that asked
    answers the same whether or not an e-mail left.
    """
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    email = Email(
        template="emails/password_reset",
        to=[user.email],
        language=user.language,
        context={
            "full_name": user.full_name,
            "email": user.email,
            "reset_url": f"{settings.SITE_URL}{path}",
            "valid_days": settings.PASSWORD_RESET_TIMEOUT // (60 * 60 * 24),
        },
    )
    try:
        send_email(email)
    except Exception:
        logger.exception("Could not send the password reset e-mail to user %s.", user.pk)


def user_language_set(*, user, language: str) -> None:
    """Remember the language a user chose; e-mails to them are written in it."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"Unknown language {language!r}.")
    if user.language != language:
        from portal.models import User

        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language
