"""Files a region backs its inventory with: the regional strategy, a board decision, analyses.

An attachment is stored under a name of its own (``attachments/<round>/<region code>/<random>``)
that reveals nothing of what the region called it; the sanitised original name, the type found
in its content, its size and SHA-256 are recorded beside it. It is "being checked" until clamd
has scanned it: then clean (downloadable) or infected, moved to ``quarantine/`` and never served.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DESCRIPTION_MAX = 200


class FrozenAttachmentError(Exception):
    """An attachment that is part of a submitted version was about to be changed or deleted."""


class AttachmentQuerySet(models.QuerySet):
    """Refuses to change or delete an attachment a submitted version holds (``frozen_in``)."""

    def _refuse_frozen(self, what: str):
        if self.filter(frozen_in__isnull=False).exists():
            raise FrozenAttachmentError(f"Submitted attachments cannot be {what}.")

    def update(self, **kwargs):
        self._refuse_frozen("updated")
        return super().update(**kwargs)

    def delete(self):
        self._refuse_frozen("deleted")
        return super().delete()

    def bulk_update(self, objs, fields, batch_size=None):
        self.model.objects.filter(pk__in=[obj.pk for obj in objs])._refuse_frozen("updated")
        return super().bulk_update(objs, fields, batch_size=batch_size)


class Attachment(models.Model):
    class Kind(models.TextChoices):
        STRATEGY = "strategy", _("Regional utvecklingsstrategi")
        BOARD_DECISION = "board_decision", _("Beslut av styrelse eller nämnd")
        ANALYSIS = "analysis", _("Analys")
        START_CAPITAL = "start_capital", _("Redovisning av startkapitalet")
        OTHER = "other", _("Övrigt")

    class Status(models.TextChoices):
        CHECKING = "checking", _("Kontrolleras")
        CLEAN = "clean", _("Kontrollerad")
        INFECTED = "infected", _("Skadlig kod – i karantän")

    inventory = models.ForeignKey(
        "inventories.Inventory",
        on_delete=models.PROTECT,
        related_name="attachments",
        verbose_name=_("behovsinventering"),
    )
    kind = models.CharField(_("typ av bilaga"), max_length=20, choices=Kind.choices)
    description = models.CharField(_("kort beskrivning"), max_length=DESCRIPTION_MAX, blank=True)
    original_name = models.CharField(_("filnamn"), max_length=200)
    content_type = models.CharField(_("filtyp"), max_length=100)
    size = models.PositiveBigIntegerField(_("storlek (byte)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    file = models.FileField(_("lagrad fil"), max_length=300, unique=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.CHECKING,
        db_index=True,
    )
    signature = models.CharField(_("hittad skadlig kod"), max_length=200, blank=True)
    scan_attempts = models.PositiveIntegerField(_("försök att kontrollera"), default=0)
    last_scan_error = models.TextField(_("senaste fel vid kontroll"), blank=True)
    scanned_at = models.DateTimeField(_("kontrollerad"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uppladdad av"),
    )
    uploaded_at = models.DateTimeField(_("uppladdad"), default=timezone.now)
    # The first submitted version that holds the attachment; from then on it never changes.
    frozen_in = models.ForeignKey(
        "inventories.InventoryVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="frozen_attachments",
        verbose_name=_("inskickad i version"),
    )

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("bilaga")
        verbose_name_plural = _("bilagor")
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="infected") | ~models.Q(signature=""),
                name="attachment_infected_names_signature",
            ),
        ]

    def __str__(self):
        return self.original_name

    def save(self, *args, **kwargs):
        if (
            self.pk is not None
            and type(self).objects.filter(pk=self.pk, frozen_in__isnull=False).exists()
        ):
            raise FrozenAttachmentError("Submitted attachments cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.frozen_in_id is not None:
            raise FrozenAttachmentError("Submitted attachments cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_frozen(self) -> bool:
        return self.frozen_in_id is not None

    @property
    def is_clean(self) -> bool:
        return self.status == self.Status.CLEAN

    @property
    def is_checking(self) -> bool:
        return self.status == self.Status.CHECKING

    @property
    def is_infected(self) -> bool:
        return self.status == self.Status.INFECTED
