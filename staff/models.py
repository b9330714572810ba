"""What only staff keep about a region's case: internal notes and who handles it."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InternalNote(models.Model):
    """A handläggare's note on an inventory. Staff-only: never on a region's page, e-mail, PDF
    or export."""

    inventory = models.ForeignKey(
        "inventories.Inventory",
        on_delete=models.PROTECT,
        related_name="internal_notes",
        verbose_name=_("behovsinventering"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("skriven av"),
    )
    text = models.TextField(_("anteckning"))
    created_at = models.DateTimeField(_("skriven"), default=timezone.now)

    class Meta:
        verbose_name = _("intern anteckning")
        verbose_name_plural = _("interna anteckningar")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.inventory} – {self.created_at:%Y-%m-%d %H:%M}"


class Assignment(models.Model):
    """The handläggare who handles a region in a round (at most one)."""

    round = models.ForeignKey(
        "inventories.Round", on_delete=models.CASCADE, related_name="+", verbose_name=_("omgång")
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("region")
    )
    handlaggare = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("handläggare"),
    )
    assigned_at = models.DateTimeField(_("tilldelad"), default=timezone.now)

    class Meta:
        verbose_name = _("tilldelning")
        verbose_name_plural = _("tilldelningar")
        constraints = [
            models.UniqueConstraint(fields=["round", "region"], name="one_handlaggare_per_region")
        ]

    def __str__(self):
        return f"{self.region} – {self.round}: {self.handlaggare}"


class SynthesisReport(models.Model):
    """A synthesis report (PDF) of a round for one filter, rendered by a task into storage.

    ``file`` is set only together with ``status = READY`` and the file's SHA-256, after the whole
    file is stored: a render that crashes half-way leaves the report queued or rendering (and
    retryable), never a half file to download.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("I kö")
        RENDERING = "rendering", _("Skapas")
        READY = "ready", _("Klar")
        FAILED = "failed", _("Misslyckades")

    round = models.ForeignKey(
        "inventories.Round",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("omgång"),
    )
    #: The synthesis filter as a URL query string (``SynthesisFilter.query()``); empty: all.
    filters = models.CharField(_("filter"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("förlopp (procent)"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("beställd av"),
    )
    file = models.FileField(_("fil"), upload_to="synthesis-reports/", blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("storlek (byte)"), default=0)
    attempts = models.PositiveSmallIntegerField(_("försök"), default=0)
    error = models.TextField(_("fel"), blank=True)
    created_at = models.DateTimeField(_("beställd"), default=timezone.now)
    finished_at = models.DateTimeField(_("klar"), null=True, blank=True)

    class Meta:
        verbose_name = _("sammanställningsrapport")
        verbose_name_plural = _("sammanställningsrapporter")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="synthesis_report_progress_le_100"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="ready") | ~models.Q(sha256=""),
                name="synthesis_report_ready_has_hash",
            ),
        ]

    def __str__(self):
        return f"{self.round} – {self.created_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY and bool(self.file)

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RENDERING)
