"""Shared formatting: Swedish time, kronor, dates and the "days left" wording.

The one home of these; templates reach them through ``portal_tags`` and the inventory tags,
Python code imports them from here.
"""

import datetime
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext

#: The programme's deadlines are Swedish time: 20 January 2020 23:59:59 in Stockholm.
STOCKHOLM = ZoneInfo("Europe/Stockholm")

NBSP = "\u00a0"


def group_thousands(value) -> str:
    """``250000`` → ``"250 000"`` (non-breaking space between groups, as Swedish writes it)."""
    return f"{int(value):,}".replace(",", NBSP)


def kronor(value) -> str:
    """``250000`` → ``"250 000 kr"``; empty for no value."""
    if value is None or value == "":
        return ""
    return f"{group_thousands(value)}{NBSP}kr"


def file_size(size: int) -> str:
    """A file's size as Swedish writes it: ``"850 byte"``, ``"12 kB"``, ``"3,4 MB"``."""
    if size < 1024:
        return f"{size}{NBSP}byte"
    if size < 1024 * 1024:
        return f"{group_thousands(round(size / 1024))}{NBSP}kB"
    megabytes = size / (1024 * 1024)
    text = f"{megabytes:.1f}".replace(".", ",").removesuffix(",0")
    return f"{text}{NBSP}MB"


def date_time(value: datetime.datetime) -> str:
    """An aware datetime as Swedish people read it: ``20 januari 2020 kl. 23:59``."""
    return formats.date_format(timezone.localtime(value, STOCKHOLM), "j F Y \\k\\l. H:i")


def days_until(moment: datetime.datetime, *, now: datetime.datetime | None = None) -> int:
    """Whole calendar days (Stockholm time) from today until ``moment``; negative once passed."""
    now = now or timezone.now()
    return (moment.astimezone(STOCKHOLM).date() - now.astimezone(STOCKHOLM).date()).days


def days_left_text(deadline: datetime.datetime, *, now: datetime.datetime | None = None) -> str:
    """For the region: ``"12 dagar kvar"``, ``"Sista dagen är i dag"`` or
    ``"Sista dag har passerat"``."""
    now = now or timezone.now()
    if now > deadline:
        return gettext("Sista dag har passerat")
    days = days_until(deadline, now=now)
    if days <= 0:
        return gettext("Sista dagen är i dag")
    return ngettext("%(days)s dag kvar", "%(days)s dagar kvar", days) % {"days": days}


def days_label(days: int) -> str:
    """For staff: ``"12 dagar kvar"``, ``"Sista dagen är i dag"`` or
    ``"Passerad för 3 dagar sedan"``."""
    if days > 0:
        return ngettext("%(days)s dag kvar", "%(days)s dagar kvar", days) % {"days": days}
    if days == 0:
        return gettext("Sista dagen är i dag")
    return ngettext(
        "Passerad för %(days)s dag sedan", "Passerad för %(days)s dagar sedan", -days
    ) % {"days": -days}
