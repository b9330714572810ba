"""Regions, their contact persons, and the invitations that let a contact person in."""

import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: The domain of the address that replaces an anonymised contact person's (``.invalid`` is
#: reserved: no mail can ever be delivered there). The retention plan (``records.retention``)
#: anonymises; the services here never bring an anonymised account back.
ANONYMISED_EMAIL_DOMAIN = "anonymiserad.invalid"

county_code_validator = RegexValidator(
    r"^(0[1-9]|1[0-9]|2[0-5])$", _("Länskoden består av två siffror, 01–25.")
)


class Region(models.Model):
    code = models.CharField(
        _("länskod"), max_length=2, unique=True, validators=[county_code_validator]
    )
    name = models.CharField(_("namn"), max_length=100, unique=True)
    county_name = models.CharField(_("län"), max_length=100)
    slug = models.SlugField(_("kortnamn"), max_length=100, unique=True)
    active = models.BooleanField(_("aktiv"), default=True)
    #: Set only where a query prefetches them with ``to_attr="active_contacts"`` (staff board).
    active_contacts: "list[ContactPerson]"

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regioner")
        ordering = ["code"]

    def __str__(self):
        return self.name


class ContactPerson(models.Model):
    class Role(models.TextChoices):
        MAIN = "main", _("Kontaktperson")
        DEPUTY = "deputy", _("Ersättare")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="contact_person",
        verbose_name=_("användare"),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="contact_persons",
        verbose_name=_("region"),
    )
    role = models.CharField(_("roll"), max_length=10, choices=Role.choices, default=Role.MAIN)
    active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(_("registrerad"), default=timezone.now)

    class Meta:
        verbose_name = _("kontaktperson")
        verbose_name_plural = _("kontaktpersoner")
        ordering = ["region__code", "role", "user__full_name"]

    def __str__(self):
        return f"{self.user.full_name} ({self.region.name})"

    @property
    def is_anonymised(self) -> bool:
        """Anonymised by the retention plan: the person behind the account is gone for good."""
        return self.user.email.endswith("@" + ANONYMISED_EMAIL_DOMAIN)


class Invitation(models.Model):
    """A one-time link for a new contact person to choose a password.

    The link carries a signed (invitation id, nonce); the nonce is compared here. A link works
    once (``used_at``) and until ``expires_at``. ``sent_at`` stays empty until the e-mail has left,
    so a sweeper can send again what a broken broker or SMTP server held back.
    """

    # The salt of the signed link (django.core.signing); see regions.services.invitation_link.
    SIGNING_SALT = "regions.invitation"

    contact_person = models.ForeignKey(
        ContactPerson,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("kontaktperson"),
    )
    nonce = models.CharField(max_length=64, default=secrets.token_urlsafe, editable=False)
    created_at = models.DateTimeField(_("skapad"), default=timezone.now)
    expires_at = models.DateTimeField(_("gäller till"))
    used_at = models.DateTimeField(_("använd"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("återkallad"), null=True, blank=True)
    sent_at = models.DateTimeField(_("skickad"), null=True, blank=True)
    send_attempts = models.PositiveIntegerField(_("sändningsförsök"), default=0)
    last_error = models.TextField(_("senaste fel"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("skapad av"),
    )

    class Meta:
        verbose_name = _("inbjudan")
        verbose_name_plural = _("inbjudningar")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.contact_person} – {self.created_at:%Y-%m-%d}"

    class Status(models.TextChoices):
        USED = "used", _("Använd")
        REVOKED = "revoked", _("Ersatt eller återkallad")
        EXPIRED = "expired", _("Har gått ut")
        SENT = "sent", _("Skickad")
        FAILED = "failed", _("Kunde inte skickas")
        PENDING = "pending", _("Väntar på att skickas")

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.revoked_at is None and not self.is_expired

    @property
    def status(self) -> "Invitation.Status":
        """Where the invitation stands, as staff see it in the admin."""
        if self.used_at is not None:
            return self.Status.USED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.is_expired:
            return self.Status.EXPIRED
        if self.sent_at is not None:
            return self.Status.SENT
        if self.send_attempts:
            return self.Status.FAILED
        return self.Status.PENDING
