"""The reminder ledger: one row per (round, region or staff, step, recipient), never sent twice.

Rows are created under the unique constraint before anything is sent; the sweeper claims pending
rows with ``select_for_update(skip_locked=True)`` and records what happened to each one.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reminders import schedule as schedule


class Reminder(models.Model):
    #: ``scope`` of the rows addressed to Tillväxtverket's staff mailbox.
    STAFF_SCOPE = "staff"

    class Kind(models.TextChoices):
        REMINDER = schedule.REMINDER, _("Påminnelse")
        DEADLINE_PASSED = schedule.DEADLINE_PASSED, _("Sista dag har passerat")
        EXTENSION_NOTICE = schedule.EXTENSION_NOTICE, _("Besked om förlängd sista dag")
        STAFF_SUMMARY = schedule.STAFF_SUMMARY, _("Sammanställning till handläggare")
        STAFF_ESCALATION = schedule.STAFF_ESCALATION, _("Eskalering till handläggare")

    class Status(models.TextChoices):
        PENDING = "pending", _("Väntar")
        SENT = "sent", _("Skickad")
        FAILED = "failed", _("Misslyckades")
        SKIPPED = "skipped", _("Skickas inte")

    round = models.ForeignKey(
        "inventories.Round",
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("omgång"),
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.CASCADE,
        related_name="reminders",
        null=True,
        blank=True,
        verbose_name=_("region"),
    )
    scope = models.CharField(
        _("mottagargrupp"),
        max_length=20,
        help_text=_("Regionens länskod, eller ”staff” för handläggarna."),
    )
    step = models.CharField(_("steg"), max_length=80)
    kind = models.CharField(_("typ"), max_length=20, choices=Kind.choices)
    recipient = models.EmailField(_("mottagare"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("användare"),
    )
    deadline = models.DateTimeField(_("sista dag som steget gäller"))
    due_at = models.DateTimeField(_("ska skickas"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("försök"), default=0)
    next_attempt_at = models.DateTimeField(_("nästa försök"))
    last_error = models.TextField(_("senaste fel"), blank=True)
    note = models.CharField(_("anteckning"), max_length=300, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255)
    sent_at = models.DateTimeField(_("skickad"), null=True, blank=True)
    created_at = models.DateTimeField(_("skapad"), default=timezone.now)
    updated_at = models.DateTimeField(_("ändrad"), default=timezone.now)

    class Meta:
        # The table keeps the name it had when the ledger lived in the inventories app.
        db_table = "inventories_reminder"
        verbose_name = _("påminnelse")
        verbose_name_plural = _("påminnelser")
        ordering = ["-due_at", "scope", "recipient"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "scope", "step", "recipient"],
                name="one_reminder_per_step_and_recipient",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="reminder_pending_due",
            ),
            models.Index(fields=["round", "step"], name="reminder_round_step"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.step} → {self.recipient}"

    @property
    def is_staff_row(self) -> bool:
        return self.scope == self.STAFF_SCOPE
