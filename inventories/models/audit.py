"""Who did what to an inventory, and when. Written by the services, read by staff.

Append-only: the ORM refuses to update or delete an entry (on PostgreSQL a trigger refuses it
too, whatever the client). What happens after an entry, such as the e-mails it caused, is
recorded elsewhere (``portal.models.OutboxMessage``).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImmutableAuditEventError(Exception):
    """An audit entry was about to be changed or deleted."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if kwargs.keys() == {"actor"} and kwargs["actor"] is None:
            # The one change allowed: a deleted user account (on_delete=SET_NULL).
            return super().update(**kwargs)
        raise ImmutableAuditEventError("Audit events cannot be updated.")

    def delete(self):
        raise ImmutableAuditEventError("Audit events cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise ImmutableAuditEventError("Audit events cannot be updated.")

    def bulk_create(self, objs, *args, update_conflicts=False, **kwargs):
        if update_conflicts:
            raise ImmutableAuditEventError("Audit events cannot be updated.")
        return super().bulk_create(objs, *args, **kwargs)


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
        REGISTRATION_NUMBER_SET = "registration_number_set", _("Diarienummer angivet")
        ATTACHMENT_ADDED = "attachment_added", _("Bilaga uppladdad")
        ATTACHMENT_DELETED = "attachment_deleted", _("Bilaga borttagen")
        ATTACHMENT_INFECTED = "attachment_infected", _("Bilaga med skadlig kod")
        ASSIGNED = "assigned", _("Handläggare utsedd")
        MESSAGE_POSTED = "message_posted", _("Meddelande i dialogen")
        ITEM_RESOLVED = "item_resolved", _("Kompletteringspunkt åtgärdad")
        ITEM_REOPENED = "item_reopened", _("Kompletteringspunkt öppnad igen")

    # PROTECT: the history outlives nothing it describes (a trigger refuses deletes anyway).
    inventory = models.ForeignKey(
        "inventories.Inventory",
        on_delete=models.PROTECT,
        related_name="audit_events",
        null=True,
        blank=True,
    )
    round = models.ForeignKey(
        "inventories.Round", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("händelse"), max_length=40, choices=Action.choices)
    message = models.TextField(_("beskrivning"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("tidpunkt"), default=timezone.now, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("händelse")
        verbose_name_plural = _("händelselogg")
        ordering = ["created_at", "id"]
        base_manager_name = "objects"
        indexes = [models.Index(fields=["inventory", "created_at"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableAuditEventError("Audit events cannot be updated.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableAuditEventError("Audit events cannot be deleted.")
