"""The portal's user: the e-mail address is the login."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

STAFF_GROUP_NAME = "Handläggare"


def normalize_email_address(email: str) -> str:
    """The one spelling of an address the portal stores and compares: trimmed and lower-case.

    Every entry point (sign-in, password reset, invitations, the admin, the staff forms) passes
    the address through here, so ``Kontakt@Region.SE`` and ``kontakt@region.se`` are one account.
    """
    return BaseUserManager.normalize_email((email or "").strip()).lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=normalize_email_address(email), **extra_fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email=normalize_email_address(username))


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-postadress"), unique=True)
    full_name = models.CharField(_("fullständigt namn"), max_length=150)
    language = models.CharField(
        _("språk"),
        max_length=8,
        choices=[("sv", _("Svenska")), ("en", _("English"))],
        default="sv",
        help_text=_("Språket i e-post som portalen skickar."),
    )
    is_staff = models.BooleanField(
        _("personal"),
        default=False,
        help_text=_("Får logga in i administrationen."),
    )
    is_active = models.BooleanField(_("aktiv"), default=True)
    date_joined = models.DateTimeField(_("skapad"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("användare")
        verbose_name_plural = _("användare")
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="portal_user_email_ci_unique"),
            # Stored as normalize_email_address() spells it, so an exact lookup finds the account.
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="portal_user_email_lowercase"
            ),
        ]

    def __str__(self):
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email

    def clean(self):
        super().clean()
        self.email = normalize_email_address(self.email)

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def needs_second_factor(self) -> bool:
        """Staff confirm every sign-in with a one-time code; contact persons use a password."""
        return self.is_active and (self.is_superuser or self.is_handlaggare)

    @property
    def is_handlaggare(self) -> bool:
        """Tillväxtverket staff: active staff users in the Handläggare group (or superusers)."""
        if not (self.is_active and self.is_staff):
            return False
        if self.is_superuser:
            return True
        cached = getattr(self, "_is_handlaggare", None)
        if cached is None:
            cached = self.groups.filter(name=STAFF_GROUP_NAME).exists()
            self._is_handlaggare = cached
        return cached


class OutboxMessage(models.Model):
    """One official e-mail to one recipient, written before it is sent and kept once sent.

    Domain services add rows (``portal.outbox.outbox_message_add``) inside the transaction that
    decides the e-mail, rendered in the recipient's language; ``portal.outbox`` claims each
    pending row, sends it and marks it sent in one short transaction of its own, so a crash at
    any instant leaves every row either sent (never sent again) or pending (sent later, with the
    same Message-ID). ``key`` makes adding a row idempotent; ``group`` ties the rows of one
    occasion together (e.g. the receipts of one submitted version and the staff notice).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Väntar på att skickas")
        SENT = "sent", _("Skickad")

    key = models.CharField(_("nyckel"), max_length=255, unique=True)
    group = models.CharField(_("grupp"), max_length=120, db_index=True)
    kind = models.CharField(_("typ"), max_length=40, db_index=True)
    to = models.CharField(_("mottagare"), max_length=254)
    from_email = models.CharField(_("avsändare"), max_length=254)
    reply_to = models.JSONField(_("svarsadress"), default=list, blank=True)
    subject = models.CharField(_("ämne"), max_length=998)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    headers = models.JSONField(_("rubriker"), default=dict, blank=True)
    attachment_name = models.CharField(_("bilaga"), max_length=255, blank=True)
    attachment_path = models.CharField(_("bilagans fil"), max_length=300, blank=True)
    attachment_sha256 = models.CharField(_("bilagans SHA-256"), max_length=64, blank=True)
    attachment_mimetype = models.CharField(max_length=100, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("försök"), default=0)
    next_attempt_at = models.DateTimeField(_("nästa försök"), default=timezone.now)
    last_error = models.TextField(_("senaste fel"), blank=True)
    created_at = models.DateTimeField(_("skapad"), default=timezone.now)
    sent_at = models.DateTimeField(_("skickad"), null=True, blank=True)

    class Meta:
        verbose_name = _("utgående e-post")
        verbose_name_plural = _("utgående e-post")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="outbox_pending_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="outbox_sent_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.kind} → {self.to} ({self.get_status_display()})"
