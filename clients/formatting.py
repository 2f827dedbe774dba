"""How dates read on screen: one format in messages and headings, "Mon 7 Dec 2026".

English names are spelled out here so the text does not depend on the machine's locale.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.utils import timezone

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def nice_date(value: datetime.date | datetime.datetime, tz: zoneinfo.ZoneInfo | None = None) -> str:
    """'Mon 7 Dec 2026': weekday, day without a leading zero, month, year.

    An aware datetime is read in `tz` (a site's zone), or in the current time zone.
    """
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(tz) if tz else timezone.localtime(value)
        value = value.date()
    return f"{WEEKDAYS[value.weekday()]} {value.day} {MONTHS[value.month - 1]} {value.year}"


def nice_date_range(start: datetime.date, end: datetime.date) -> str:
    """'Mon 16 Nov 2026 – Sun 29 Nov 2026'."""
    return f"{nice_date(start)} – {nice_date(end)}"
