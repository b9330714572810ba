"""The copy of record: an immutable snapshot of every submitted version of an inventory."""

from django.conf import settings
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class ImmutableVersionError(Exception):
    """A stored version was about to be changed or deleted."""


class InventoryVersionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableVersionError("Submitted versions cannot be updated.")

    def delete(self):
        raise ImmutableVersionError("Submitted versions cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise ImmutableVersionError("Submitted versions cannot be updated.")

    def bulk_create(self, objs, *args, update_conflicts=False, **kwargs):
        if update_conflicts:
            raise ImmutableVersionError("Submitted versions cannot be updated.")
        return super().bulk_create(objs, *args, **kwargs)


class InventoryVersion(models.Model):
    """Version n of an inventory as submitted: canonical JSON of all three parts and its SHA-256.

    ``snapshot_json`` holds the exact bytes (UTF-8 text) that were hashed, so the hash can be
    checked against the stored text at any time.
    """

    inventory = models.ForeignKey(
        "inventories.Inventory",
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("behovsinventering"),
    )
    number = models.PositiveIntegerField(_("version"))
    snapshot_json = models.TextField(_("innehåll (JSON)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    submitted_at = models.DateTimeField(_("inskickad"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("inskickad av"),
    )
    submitted_by_name = models.CharField(_("inskickad av (namn)"), max_length=150)
    deadline = models.DateTimeField(_("gällande sista dag vid inlämning"))

    objects = InventoryVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("inskickad version")
        verbose_name_plural = _("inskickade versioner")
        ordering = ["inventory", "number"]
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["inventory", "number"], name="one_version_number"),
        ]

    def __str__(self):
        return f"{self.inventory} v{self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableVersionError("Submitted versions cannot be updated.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableVersionError("Submitted versions cannot be deleted.")

    @property
    def snapshot(self) -> dict:
        """The stored JSON parsed afresh (the caller may change or keep it).

        Parsing a realistic inventory's snapshot costs about a millisecond, so the small values
        read from it are kept with the instance (a version never changes): after one parse,
        ``registration_number`` costs nothing. The whole parse is not kept: exports go through
        every version of a round and would hold all of them.
        """
        import json

        snapshot = json.loads(self.snapshot_json)
        self.__dict__["registration_number"] = snapshot.get("registration_number") or ""
        return snapshot

    @cached_property
    def registration_number(self) -> str:
        """The registration number stored with this version; empty for versions before it."""
        return self.snapshot.get("registration_number") or ""

    @property
    def on_time(self) -> bool:
        return self.submitted_at <= self.deadline
