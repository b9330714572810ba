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
