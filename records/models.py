"""Records management's models: the retention plan of a round and a round's archival packages."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ArchivalPackage(models.Model):
    """A round's BagIt package for the archive: every region's submitted versions as stored.

    Built by the task ``records.tasks.archival_package_build`` in a temporary folder, validated
    with ``bagit`` and packed into one tar file in storage with its own SHA-256. Only a package
    marked ready (file, SHA-256 and size recorded together) is ever offered for download; a
    half-built one never is, and building again starts from an empty folder.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Väntar")
        BUILDING = "building", _("Byggs")
        READY = "ready", _("Klar")
        FAILED = "failed", _("Misslyckades")

    round = models.ForeignKey(
        "inventories.Round",
        on_delete=models.PROTECT,
        related_name="archival_packages",
        verbose_name=_("omgång"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("klart (procent)"), default=0)
    file = models.FileField(_("paketfil"), max_length=300, blank=True)
    sha256 = models.CharField(_("SHA-256 för paketfilen"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("paketfilens storlek (byte)"), null=True, blank=True)
    payload_size = models.PositiveBigIntegerField(
        _("innehållets storlek (byte)"), null=True, blank=True
    )
    region_count = models.PositiveIntegerField(_("regioner"), default=0)
    version_count = models.PositiveIntegerField(_("versioner"), default=0)
    pdf_count = models.PositiveIntegerField(_("PDF-kopior"), default=0)
    missing_pdf_count = models.PositiveIntegerField(_("PDF-kopior som saknas"), default=0)
    attachment_count = models.PositiveIntegerField(_("bilagefiler"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("beställt av"),
    )
    attempts = models.PositiveIntegerField(_("försök att bygga"), default=0)
    error = models.TextField(_("fel"), blank=True)
    created_at = models.DateTimeField(_("beställt"), default=timezone.now)
    started_at = models.DateTimeField(_("påbörjat"), null=True, blank=True)
    finished_at = models.DateTimeField(_("klart"), null=True, blank=True)

    class Meta:
        verbose_name = _("arkivpaket")
        verbose_name_plural = _("arkivpaket")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="ready")
                | (
                    ~models.Q(file="")
                    & ~models.Q(sha256="")
                    & models.Q(size__isnull=False)
                    & models.Q(finished_at__isnull=False)
                ),
                name="archival_package_ready_has_file_and_hash",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="archival_package_progress_percent"
            ),
            # One package of a round in the making at a time: starting twice starts once.
            models.UniqueConstraint(
                fields=["round"],
                condition=models.Q(status__in=["pending", "building"]),
                name="archival_package_one_active_per_round",
            ),
        ]

    def __str__(self):
        return f"{self.round} – {self.get_status_display()} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY and bool(self.file)

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.BUILDING)


# Retention by plan (gallring) -----------------------------------------------------------------

#: The periods a round follows when it has no plan of its own.
DEFAULT_CONTACT_INACTIVE_MONTHS = 24
DEFAULT_DRAFT_MONTHS = 12
DEFAULT_SIGN_IN_DAYS = 30


class RetentionPlan(models.Model):
    """How long a round keeps what is not a public record (the retention plan, gallringsplan).

    Drafts are the round's own; contact persons and sign-in records belong to no round, so for
    them the strictest (shortest) period of all rounds' plans applies: every period the privacy
    notice lists is then kept. A round without a plan follows the defaults above. Submitted
    versions, their PDFs, attachments, receipts and the audit history are public records and
    are never purged by the portal, whatever the plan says.
    """

    round = models.OneToOneField(
        "inventories.Round",
        on_delete=models.CASCADE,
        related_name="retention_plan",
        verbose_name=_("omgång"),
    )
    contact_inactive_months = models.PositiveSmallIntegerField(
        _("kontaktpersoner: anonymiseras efter (månader)"),
        default=DEFAULT_CONTACT_INACTIVE_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text=_(
            "Namn och e-postadress för en inaktiverad kontaktperson som inte har loggat in på så "
            "här många månader ersätts med anonyma uppgifter. Kontot kan sedan inte användas."
        ),
    )
    draft_months = models.PositiveSmallIntegerField(
        _("utkast: raderas efter (månader)"),
        default=DEFAULT_DRAFT_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text=_(
            "Innehållet i en behovsinventering som aldrig skickades in raderas så här många "
            "månader efter att omgången stängde (sista dag och alla förlängningar passerade)."
        ),
    )
    sign_in_days = models.PositiveSmallIntegerField(
        _("inloggningsuppgifter: raderas efter (dagar)"),
        default=DEFAULT_SIGN_IN_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_(
            "Misslyckade inloggningar och spärrar för felaktiga koder sparas så här många dagar. "
            "Utgångna sessioner raderas alltid."
        ),
    )
    updated_at = models.DateTimeField(_("senast ändrad"), auto_now=True)

    class Meta:
        verbose_name = _("gallringsplan")
        verbose_name_plural = _("gallringsplaner")
        ordering = ["-round__opens_at"]

    def __str__(self):
        return str(self.round)


class ImmutablePurgeRecordError(Exception):
    """A record of a purge was about to be changed or deleted."""


class PurgeRecordQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutablePurgeRecordError("Purge records cannot be updated.")

    def delete(self):
        raise ImmutablePurgeRecordError("Purge records cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise ImmutablePurgeRecordError("Purge records cannot be updated.")


class PurgeRecord(models.Model):
    """What the retention plan purged: one row per contact person or draft, one per batch of
    sign-in records (with their ids). Append-only, like the audit history."""

    class Kind(models.TextChoices):
        CONTACT_PERSON = "contact_person", _("Kontaktperson anonymiserad")
        DRAFT = "draft", _("Utkast raderat")
        ACCESS_ATTEMPT = "access_attempt", _("Inloggningsförsök raderade")
        ACCESS_FAILURE = "access_failure", _("Misslyckade inloggningar raderade")
        ACCESS_LOG = "access_log", _("Inloggningslogg raderad")
        SESSION = "session", _("Utgångna sessioner raderade")
        OTP_THROTTLE = "otp_throttle", _("Spärrar för felaktiga koder nollställda")

    kind = models.CharField(_("vad"), max_length=20, choices=Kind.choices, db_index=True)
    round = models.ForeignKey(
        "inventories.Round",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("omgång"),
    )
    object_ids = models.JSONField(_("id:n"), default=list)
    count = models.PositiveIntegerField(_("antal"))
    reason = models.TextField(_("skäl"))
    data = models.JSONField(default=dict, blank=True)
    trigger = models.CharField(_("startad av"), max_length=20)
    created_at = models.DateTimeField(_("tidpunkt"), default=timezone.now, db_index=True)

    objects = PurgeRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("gallring")
        verbose_name_plural = _("gallringslogg")
        ordering = ["-created_at", "-id"]
        base_manager_name = "objects"

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_kind_display()} ({self.count})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutablePurgeRecordError("Purge records cannot be updated.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutablePurgeRecordError("Purge records cannot be deleted.")
