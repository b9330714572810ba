"""The PDF copy of record of a submitted version, and the receipt e-mail that carries it.

``InventoryVersion`` never changes, so the state of its PDF lives here: pending until a task has
rendered and stored it, then ready (with the file's SHA-256 and size), or failed with the last
error for staff to see. A stored file is never replaced.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class VersionDocument(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Skapas")
        READY = "ready", _("Klar")
        FAILED = "failed", _("Kunde inte skapas")

    version = models.OneToOneField(
        "inventories.InventoryVersion",
        on_delete=models.PROTECT,
        related_name="document",
        verbose_name=_("inskickad version"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    file = models.FileField(_("PDF-fil"), max_length=300, blank=True)
    sha256 = models.CharField(_("SHA-256 för PDF-filen"), max_length=64, blank=True)
    expected_sha256 = models.CharField(
        _("SHA-256 för PDF-filen som lagras"),
        max_length=64,
        blank=True,
        help_text=_(
            "Sparas innan filen skrivs, så att en fil som aldrig registrerades känns igen."
        ),
    )
    size = models.PositiveBigIntegerField(_("storlek (byte)"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("försök att skapa PDF"), default=0)
    last_error = models.TextField(_("senaste fel"), blank=True)
    created_at = models.DateTimeField(_("skapad"), default=timezone.now)
    rendered_at = models.DateTimeField(_("PDF skapad"), null=True, blank=True)
    receipt_sent_at = models.DateTimeField(_("kvitto skickat"), null=True, blank=True)
    # Integrity: what the last check found (``inventories.services.integrity``).
    damage = models.TextField(
        _("skada"),
        blank=True,
        help_text=_("Tomt när innehållet och PDF-filen stämmer med sina SHA-256."),
    )
    damaged_at = models.DateTimeField(_("skada upptäckt"), null=True, blank=True, db_index=True)
    damage_reported_at = models.DateTimeField(
        _("skada anmäld till handläggarna"), null=True, blank=True
    )
    verified_at = models.DateTimeField(_("senast kontrollerad"), null=True, blank=True)

    class Meta:
        verbose_name = _("PDF-kopia")
        verbose_name_plural = _("PDF-kopior")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="ready")
                | (~models.Q(sha256="") & ~models.Q(file="") & models.Q(size__isnull=False)),
                name="document_ready_has_file_and_hash",
            ),
        ]

    def __str__(self):
        return f"{self.version} – {self.get_status_display()}"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY and bool(self.file)

    @property
    def is_damaged(self) -> bool:
        return bool(self.damage)

    @property
    def receipt_complete(self) -> bool:
        """Every receipt and the staff notice have left (the rows are in ``portal.outbox``)."""
        return self.receipt_sent_at is not None
