"""Template filters for the inventory pages (the formatting itself is ``portal.formatting``)."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal import formatting

register = template.Library()


@register.filter
def stockholm(value) -> str:
    """An aware datetime as Swedish people read it: ``20 januari 2020 kl. 23:59``."""
    if value is None:
        return ""
    return formatting.date_time(value)


@register.filter
def kronor(value) -> str:
    return formatting.kronor(value)


@register.filter
def days_left(deadline) -> str:
    """``"12 dagar kvar"``, ``"Sista dagen är i dag"`` or ``"Sista dag har passerat"``."""
    return formatting.days_left_text(deadline)


@register.filter
def part_state(missing: int, to_complete: int = 0) -> str:
    """``"Klar"``, ``"3 saker saknas"``, ``"2 att komplettera"`` or both: a part with items
    Tillväxtverket asks the region to complete is never "Klar"."""
    texts = [missing_text(missing)] if missing or not to_complete else []
    if to_complete:
        texts.append(
            ngettext("%(count)s att komplettera", "%(count)s att komplettera", to_complete)
            % {"count": to_complete}
        )
    return ", ".join(texts)


@register.filter
def missing_text(count: int) -> str:
    """``"Klar"`` or ``"3 saker saknas"``."""
    if not count:
        return _("Klar")
    return ngettext("%(count)s sak saknas", "%(count)s saker saknas", count) % {"count": count}
