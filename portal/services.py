"""Account actions of the portal that are not tied to one app."""

import logging

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

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


# The second factor of staff: a TOTP app, and one-time backup codes for a lost phone.

SECOND_FACTOR_APP_NAME = "Autentiseringsapp"
SECOND_FACTOR_BACKUP_NAME = "Reservkoder"


def second_factor_pending_device(*, user):
    """The unconfirmed TOTP device being enrolled (the same secret on every reload)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=SECOND_FACTOR_APP_NAME, confirmed=False)
    return device


@transaction.atomic
def second_factor_enrol(*, user, device, token: str) -> list[str]:
    """Confirm ``device`` with a code from the app; returns the new backup codes (shown once).

    Refused once the user has a confirmed app: a second one is added only after a superuser's
    reset (``second_factor_reset``), so a stolen password alone never enrols a new phone.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError(_("Tvåstegsverifieringen är redan aktiverad."), code="enrolled")
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user, confirmed=False)
    if not device.verify_token(token):
        raise ValidationError(
            _("Koden stämmer inte. Skriv den kod som appen visar just nu."), code="invalid"
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return second_factor_backup_codes_replace(user=user)


@transaction.atomic
def second_factor_backup_codes_replace(*, user) -> list[str]:
    """New one-time backup codes for ``user``; every older one stops working."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=SECOND_FACTOR_BACKUP_NAME)
    codes = [StaticToken.random_token() for _ in range(settings.SECOND_FACTOR_BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def second_factor_verify(*, user, token: str):
    """The confirmed device (app or backup code) that accepts ``token``, or None.

    Each device throttles wrong codes itself (OTP_*_THROTTLE_FACTOR); a backup code works once.
    """
    from django_otp import devices_for_user

    token = "".join((token or "").split()).lower()
    if not token:
        return None
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if device.verify_token(token):
                return device
    return None


@transaction.atomic
def second_factor_reset(*, user, actor) -> int:
    """A superuser removes a lost phone (and the backup codes); the next sign-in enrols anew.

    Written to the admin's log (who, whom, when) like every other change of an account.
    """
    from django.contrib.admin.models import CHANGE, LogEntry
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if actor is None or not actor.is_superuser:
        raise PermissionDenied(_("Endast en superanvändare kan återställa tvåstegsverifieringen."))
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    removed += StaticDevice.objects.filter(user=user).delete()[0]
    LogEntry.objects.log_actions(
        user_id=actor.pk,
        queryset=[user],
        action_flag=CHANGE,
        change_message=_("Tvåstegsverifieringen återställd (telefon och reservkoder borttagna)."),
        single_object=True,
    )
    return removed
