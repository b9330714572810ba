"""Records management's models: the retention plan of a round and a round's archival packages."""

from django.conf import settings
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
