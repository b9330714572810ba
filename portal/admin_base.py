"""Shared pieces of the admin."""

from django.contrib import admin


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """A record of what happened (versions, ledgers, logs): staff read it, nobody edits it.

    Changes go through the services; admin actions that call them stay possible.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def shorten(text: str, limit: int = 120) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, for list columns."""
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"
