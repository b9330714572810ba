"""Domain errors raised by the inventory services. Views turn them into Swedish messages."""

from django.core.exceptions import ValidationError


class InventoryLocked(ValidationError):
    """The inventory cannot be changed now (submitted, accepted, not open, or past its deadline)."""


class EditConflict(Exception):
    """Someone else saved the same record after this editor loaded it (optimistic check)."""

    def __init__(self, message, *, saved_by=None, saved_at=None):
        super().__init__(message)
        self.message = message
        self.saved_by = saved_by
        self.saved_at = saved_at
