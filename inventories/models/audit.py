"""Who did what to an inventory, and when. Written by the services, read by staff."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        OPENED = "opened", _("Påbörjad")
        PART_SAVED = "part_saved", _("Del sparad")
        SUBMITTED = "submitted", _("Inskickad")
        RETURNED = "returned", _("Återsänd för komplettering")
        ACCEPTED = "accepted", _("Godkänd")
        DEADLINE_EXTENDED = "deadline_extended", _("Sista dag förlängd")
        REMINDER_SENT = "reminder_sent", _("Påminnelse skickad")
        RECEIPT_SENT = "receipt_sent", _("Kvitto skickat")
        CONTACT_CHANGED = "contact_changed", _("Kontaktperson ändrad")

    inventory = models.ForeignKey(
        "inventories.Inventory",
        on_delete=models.CASCADE,
        related_name="audit_events",
        null=True,
        blank=True,
    )
    round = models.ForeignKey(
        "inventories.Round", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("händelse"), max_length=40, choices=Action.choices)
    message = models.TextField(_("beskrivning"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("tidpunkt"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("händelse")
        verbose_name_plural = _("händelselogg")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["inventory", "created_at"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()}"
