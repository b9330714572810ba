"""Every way a contact person or an invitation changes: one function per action.

An invitation is a one-time link that lets a newly registered contact person choose a password.
The link carries a signed (invitation id, nonce) pair; see ``invitation_link`` and
``regions.selectors.invitation_get_by_token``.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.emails import Email, send_email
from portal.models import normalize_email_address
from portal.queue import enqueue_on_commit
from portal.services import password_reset_send
from regions.models import ContactPerson, Invitation

logger = logging.getLogger(__name__)

# Someone may ask for a new invitation link at most this often (no mail bombing via the form).
INVITATION_REQUEST_INTERVAL = timedelta(minutes=5)
# The sweeper stops resending an invitation the mail server keeps refusing; staff see last_error
# in the admin and can send a new invitation.
INVITATION_MAX_SEND_ATTEMPTS = 10


class InvitationUnusable(ValidationError):
    """The invitation was used, revoked or has expired; ``status`` says which."""

    def __init__(self, status):
        self.status = status
        super().__init__(_("Inbjudningslänken går inte längre att använda."), code=status)


def _refuse_anonymised(contact_person, message) -> None:
    """An account the retention plan anonymised is never brought back (no reactivation, no
    invitation, no password): the person behind it is gone; register a new contact person."""
    if contact_person.is_anonymised:
        raise ValidationError(message, code="anonymised")


def _revoke_open_invitations(contact_person, now) -> int:
    return contact_person.invitations.filter(used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )


@transaction.atomic
def contact_person_register(*, full_name, email, region, role, invited_by) -> ContactPerson:
    """Create the user (no usable password), the contact person and a first invitation.

    The invitation e-mail is queued after commit; if the broker is down it stays unsent and
    ``invitations_send_unsent`` sends it later.
    """
    User = get_user_model()
    email = normalize_email_address(email)
    full_name = " ".join(full_name.split())
    if not full_name:
        raise ValidationError({"full_name": _("Ange kontaktpersonens namn.")}, code="required")
    if not region.active:
        raise ValidationError({"region": _("Regionen är inte aktiv.")}, code="inactive_region")
    if User.objects.filter(email=email).exists():
        raise ValidationError(
            {
                "email": ValidationError(
                    _("Det finns redan ett konto med e-postadressen %(email)s."),
                    code="email_taken",
                    params={"email": email},
                )
            }
        )
    user = User.objects.create_user(email=email, password=None, full_name=full_name)
    contact_person = ContactPerson.objects.create(user=user, region=region, role=role)
    invitation_create(contact_person=contact_person, created_by=invited_by)
    return contact_person


@transaction.atomic
def invitation_create(*, contact_person, created_by) -> Invitation:
    """A new invitation for ``contact_person``; every older unused one stops working."""
    from regions.tasks import invitation_send

    contact_person = ContactPerson.objects.select_for_update().get(pk=contact_person.pk)
    user = contact_person.user
    _refuse_anonymised(
        contact_person,
        _(
            "Kontaktpersonen är anonymiserad enligt gallringsplanen och kan inte bjudas in. "
            "Registrera en ny kontaktperson i stället."
        ),
    )
    if not (contact_person.active and user.is_active):
        raise ValidationError(
            _("%(name)s är inaktiverad och kan inte bjudas in."),
            code="inactive",
            params={"name": user.full_name},
        )
    if user.has_usable_password():
        raise ValidationError(
            _(
                "%(name)s har redan valt ett lösenord och kan logga in. Den som glömt "
                "lösenordet väljer ”Glömt lösenordet?” på inloggningssidan."
            ),
            code="has_password",
            params={"name": user.full_name},
        )
    now = timezone.now()
    _revoke_open_invitations(contact_person, now)
    invitation = Invitation.objects.create(
        contact_person=contact_person,
        created_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
        created_by=created_by,
    )
    enqueue_on_commit(invitation_send, invitation.pk)
    return invitation


def invitation_token(invitation) -> str:
    """The signed part of the link: the invitation's id and nonce."""
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=Invitation.SIGNING_SALT)


def invitation_link(invitation) -> str:
    """The absolute link in the invitation e-mail (a task has no request, hence SITE_URL)."""
    path = reverse("regions:invitation_accept", kwargs={"token": invitation_token(invitation)})
    return f"{settings.SITE_URL}{path}"


def invitation_message_id(invitation) -> str:
    """The same Message-ID for every attempt to send one invitation (a copy resent after a crash
    between the SMTP server's "250 OK" and the commit can be recognised as the same message)."""
    from portal.outbox import stable_message_id

    return stable_message_id(f"invitation:{invitation.pk}:{invitation.nonce}")


def invitation_email(invitation) -> Email:
    contact_person = invitation.contact_person
    user = contact_person.user
    return Email(
        template="emails/invitation",
        to=[user.email],
        language=user.language,
        headers={"Message-ID": invitation_message_id(invitation)},
        context={
            "full_name": user.full_name,
            "email": user.email,
            "region": contact_person.region,
            "role": contact_person.get_role_display(),
            "link": invitation_link(invitation),
            "expires_at": invitation.expires_at,
            "request_url": settings.SITE_URL + reverse("regions:invitation_request"),
        },
    )


def invitation_deliver(*, invitation_id) -> bool:
    """E-mail the invitation unless it has left already or can no longer be used.

    Returns True when this call sent it. Each attempt is counted and a failure is recorded in
    ``last_error`` before the error propagates (so the task retries). Not wrapped in one
    ``transaction.atomic``: the record of a failed attempt must commit although the send failed.
    """
    error = None
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("contact_person__user", "contact_person__region")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None or invitation.sent_at is not None or not invitation.is_usable:
            return False
        contact_person = invitation.contact_person
        if not (contact_person.active and contact_person.user.is_active):
            return False
        invitation.send_attempts += 1
        try:
            send_email(invitation_email(invitation))
        except Exception as exc:  # noqa: BLE001 - recorded here, raised again below
            invitation.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
            error = exc
        else:
            invitation.sent_at = timezone.now()
            invitation.last_error = ""
        invitation.save(update_fields=["send_attempts", "sent_at", "last_error"])
    if error is not None:
        logger.warning("Invitation %s could not be sent: %s", invitation_id, error)
        raise error
    return True


def invitations_unsent():
    """Invitations that can still be used but whose e-mail has not left."""
    return Invitation.objects.filter(
        sent_at__isnull=True,
        used_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
        send_attempts__lt=INVITATION_MAX_SEND_ATTEMPTS,
        contact_person__active=True,
        contact_person__user__is_active=True,
    ).order_by("created_at")


@transaction.atomic
def invitation_accept(*, invitation, password):
    """Set the contact person's password from the invitation and use the invitation up (once)."""
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("contact_person__user")
        .get(pk=invitation.pk)
    )
    contact_person = invitation.contact_person
    if not invitation.is_usable:
        raise InvitationUnusable(invitation.status)
    if contact_person.is_anonymised or not (
        contact_person.active and contact_person.user.is_active
    ):
        raise InvitationUnusable(Invitation.Status.REVOKED)
    user = contact_person.user
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    return user


@transaction.atomic
def contact_person_deactivate(*, contact_person) -> ContactPerson:
    """The contact person no longer speaks for the region; open invitation links stop working."""
    contact_person = ContactPerson.objects.select_for_update().get(pk=contact_person.pk)
    if not contact_person.active:
        raise ValidationError(
            _("%(name)s är redan inaktiverad."),
            code="already_inactive",
            params={"name": contact_person.user.full_name},
        )
    contact_person.active = False
    contact_person.save(update_fields=["active"])
    _revoke_open_invitations(contact_person, timezone.now())
    return contact_person


@transaction.atomic
def contact_person_reactivate(*, contact_person) -> ContactPerson:
    """The contact person speaks for the region again (send a new invitation if needed).

    Not an anonymised one: that account stays inactive for good.
    """
    contact_person = ContactPerson.objects.select_for_update().get(pk=contact_person.pk)
    _refuse_anonymised(
        contact_person,
        _(
            "Kontaktpersonen är anonymiserad enligt gallringsplanen och kan inte återaktiveras. "
            "Registrera en ny kontaktperson i stället."
        ),
    )
    if contact_person.active:
        raise ValidationError(
            _("%(name)s är redan aktiv."),
            code="already_active",
            params={"name": contact_person.user.full_name},
        )
    contact_person.active = True
    contact_person.save(update_fields=["active"])
    return contact_person


@transaction.atomic
def account_access_request(*, email) -> None:
    """Someone who cannot sign in asks for a link, and always gets the same answer.

    - an active user with a password gets Django's password reset e-mail;
    - an active contact person who has not chosen a password yet gets a new invitation
      (at most one per ``INVITATION_REQUEST_INTERVAL``);
    - anyone else gets nothing. The caller shows the same neutral message in every case.
    """
    User = get_user_model()
    user = User.objects.filter(email=normalize_email_address(email), is_active=True).first()
    if user is None:
        return
    if user.has_usable_password():
        password_reset_send(user=user)
        return
    contact_person = ContactPerson.objects.filter(
        user=user, active=True, region__active=True
    ).first()
    if contact_person is None:
        return
    latest = contact_person.invitations.order_by("-created_at").first()
    if (
        latest is not None
        and latest.is_usable
        and timezone.now() - latest.created_at < INVITATION_REQUEST_INTERVAL
    ):
        return
    invitation_create(contact_person=contact_person, created_by=None)
