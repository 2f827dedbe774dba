"""Short-notice cancellations: the arithmetic of clear days and clear business days.

Pure functions of dates, a notice window and a state (no database): the cancellation service
(`scheduling.cancellations`) calls them with the site's local dates.

"Clear days" are the whole days between the day notice is given and the day of service,
excluding both: notice on Monday for a Thursday session is 2 clear days. Clear business days
skip Saturdays, Sundays and the public holidays of the site's state (the `holidays` package's
Australian subdivisions). A cancellation is short notice when the clear days given are fewer
than the window asks for.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

import holidays
from django.conf import settings


@dataclass(frozen=True)
class NoticeWindow:
    days: int
    business_days: bool = False

    def __str__(self):
        kind = "business day" if self.business_days else "day"
        return f"{self.days} clear {kind}{'s' if self.days != 1 else ''}"


def default_window() -> NoticeWindow:
    """The organisation's window for support items that do not say theirs."""
    conf = settings.CANCELLATION_NOTICE_DEFAULT
    return NoticeWindow(int(conf["days"]), bool(conf.get("business_days", False)))


def window_of(days: int | None, business_days: bool) -> NoticeWindow:
    """A support item's window (`cancellation_notice_days`, `notice_in_business_days`)."""
    if days is None:
        return default_window()
    return NoticeWindow(days, business_days)


@functools.lru_cache(maxsize=64)
def _holidays(state: str, year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("AU", subdiv=state, years=year))


def is_business_day(day: datetime.date, *, state: str) -> bool:
    return day.weekday() < 5 and day not in _holidays(state, day.year)


def clear_days(given: datetime.date, service: datetime.date) -> int:
    """Whole days strictly between the notice and the service (0 when given on or after)."""
    return max((service - given).days - 1, 0)


def clear_business_days(given: datetime.date, service: datetime.date, *, state: str,
                        limit: int | None = None) -> int:
    """Business days at `state` strictly between the notice and the service (counting stops
    at `limit`, if given: enough to tell short notice from not)."""
    count, day = 0, given + datetime.timedelta(days=1)
    while day < service and (limit is None or count < limit):
        count += is_business_day(day, state=state)
        day += datetime.timedelta(days=1)
    return count


def clear_notice(given: datetime.date, service: datetime.date, *, window: NoticeWindow,
                 state: str, limit: int | None = None) -> int:
    """The clear days (or business days, as the window counts) of notice given."""
    if window.business_days:
        return clear_business_days(given, service, state=state, limit=limit)
    return clear_days(given, service)


def is_short_notice(given: datetime.date, service: datetime.date, *, window: NoticeWindow,
                    state: str) -> bool:
    """Whether notice given on `given` for a service on `service` is short for `window`."""
    if window.days <= 0:
        return False
    return clear_notice(given, service, window=window, state=state, limit=window.days) \
        < window.days
