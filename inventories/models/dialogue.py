"""The case dialogue between a region and Tillväxtverket: completion requests and the thread.

A ``CompletionRequest`` is what a handläggare sends when returning an inventory: a general
message, a completion date and ``CompletionItem`` rows, each anchored to what it concerns (a part,
a field of a part, an intervention or a goal). The anchor keeps the object's id and a copy of its
title as it was, so an item still reads right after the intervention is deleted.

A ``ThreadMessage`` is one entry of the inventory's thread: a contact person's reply (to an item
or in general), a handläggare's answer, or the receipt of a decision (return, accept).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: Longest text of one item, one thread message, or a request's general message.
DIALOGUE_TEXT_MAX = 5_000


class CompletionRequest(models.Model):
    """One return for completion: the handläggare's items, message and completion date."""

    inventory = models.ForeignKey(
        "inventories.Inventory",
        on_delete=models.PROTECT,
        related_name="completion_requests",
        verbose_name=_("behovsinventering"),
    )
    version = models.PositiveIntegerField(_("återsänd version"), null=True, blank=True)
    message = models.TextField(_("meddelande"), blank=True)
    due_at = models.DateTimeField(_("komplettera senast"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("återsänd av"),
    )
    created_at = models.DateTimeField(_("återsänd"), default=timezone.now)

    class Meta:
        verbose_name = _("begäran om komplettering")
        verbose_name_plural = _("begäran om komplettering")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.inventory} – {self.created_at:%Y-%m-%d}"


class CompletionItem(models.Model):
    """One thing the region is asked to complete, next to what it concerns."""

    class Kind(models.TextChoices):
        PART = "part", _("Del")
        FIELD = "field", _("Fält")
        INTERVENTION = "intervention", _("Insats")
        GOAL = "goal", _("Mål")

    class Status(models.TextChoices):
        OPEN = "open", _("Öppen")
        RESOLVED = "resolved", _("Åtgärdad")

    request = models.ForeignKey(
        CompletionRequest, on_delete=models.CASCADE, related_name="items", verbose_name=_("begäran")
    )
    # Denormalised from the request, so a page loads an inventory's open items in one query.
    inventory = models.ForeignKey(
        "inventories.Inventory",
        on_delete=models.PROTECT,
        related_name="completion_items",
        verbose_name=_("behovsinventering"),
    )
    kind = models.CharField(_("gäller"), max_length=20, choices=Kind.choices)
    part = models.PositiveSmallIntegerField(_("del"))
    field = models.CharField(_("fält"), max_length=60, blank=True)
    # No foreign key: the intervention or goal may be deleted; the item and its label stay.
    object_id = models.PositiveBigIntegerField(_("insats eller mål"), null=True, blank=True)
    label = models.CharField(_("gäller (som det hette då)"), max_length=300)
    text = models.TextField(_("vad som ska kompletteras"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    resolved_at = models.DateTimeField(_("åtgärdad"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("markerad åtgärdad av"),
    )
    position = models.PositiveSmallIntegerField(default=0)

    #: The thread's replies to this item (set by ``inventories.selectors.thread_of``).
    replies: list

    class Meta:
        verbose_name = _("kompletteringspunkt")
        verbose_name_plural = _("kompletteringspunkter")
        ordering = ["request", "position", "id"]
        indexes = [models.Index(fields=["inventory", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(part__in=(1, 2, 3)), name="completion_item_part_1_to_3"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind__in=("intervention", "goal"), object_id__isnull=False)
                    | models.Q(kind__in=("part", "field"), object_id__isnull=True)
                ),
                name="completion_item_object_matches_kind",
            ),
        ]

    def __str__(self):
        return f"{self.label}: {self.text[:60]}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def anchor_id(self) -> str:
        """The element id of the item where it is shown (the thread links here)."""
        return f"komplettering-{self.pk}"


class ThreadMessage(models.Model):
    """One entry of an inventory's thread between the region and the handläggare."""

    class Kind(models.TextChoices):
        MESSAGE = "message", _("Meddelande")
        DECISION = "decision", _("Beslut")

    inventory = models.ForeignKey(
        "inventories.Inventory",
        on_delete=models.PROTECT,
        related_name="thread_messages",
        verbose_name=_("behovsinventering"),
    )
    item = models.ForeignKey(
        CompletionItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("svar på punkt"),
    )
    kind = models.CharField(_("typ"), max_length=20, choices=Kind.choices, default=Kind.MESSAGE)
    from_staff = models.BooleanField(_("från Tillväxtverket"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("skrivet av"),
    )
    # The name as it was: the thread reads right after an account is removed.
    author_name = models.CharField(_("namn"), max_length=150, blank=True)
    text = models.TextField(_("meddelande"))
    created_at = models.DateTimeField(_("skrivet"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("meddelande i dialogen")
        verbose_name_plural = _("meddelanden i dialogen")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.inventory} – {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def anchor_id(self) -> str:
        return f"meddelande-{self.pk}"
