"""Formatting for the inventory pages: Stockholm times, kronor and the days left."""

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from inventories.services.guards import format_deadline

register = template.Library()

NBSP = "\u00a0"


def group_thousands(value: int) -> str:
    """``250000`` → ``"250 000"`` (non-breaking space between groups, as Swedish writes it)."""
    return f"{int(value):,}".replace(",", NBSP)


@register.filter
def stockholm(value) -> str:
    """An aware datetime as Swedish people read it: ``20 januari 2020 kl. 23:59``."""
    if value is None:
        return ""
    return format_deadline(value)


@register.filter
def kronor(value) -> str:
    if value is None or value == "":
        return ""
    return f"{group_thousands(value)}{NBSP}kr"


@register.filter
def days_left(deadline) -> str:
    """``"12 dagar kvar"``, ``"Sista dagen är i dag"`` or ``"Sista dag har passerat"``."""
    now = timezone.now()
    if now > deadline:
        return _("Sista dag har passerat")
    days = (timezone.localtime(deadline).date() - timezone.localdate(now)).days
    if days <= 0:
        return _("Sista dagen är i dag")
    return ngettext("%(days)s dag kvar", "%(days)s dagar kvar", days) % {"days": days}


@register.filter
def missing_text(count: int) -> str:
    """``"Klar"`` or ``"3 saker saknas"``."""
    if not count:
        return _("Klar")
    return ngettext("%(count)s sak saknas", "%(count)s saker saknas", count) % {"count": count}
