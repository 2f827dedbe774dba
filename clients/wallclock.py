"""Wall-clock times at a site: the one place that turns a local date and time into an instant.

Times in this app are wall-clock times in the site's time zone (`Site.time_zone`, IANA). Two
local times need a rule, and every caller follows the same one, RFC 5545 §3.3.5 (as calendar
clients do; it is also Python's `fold=0`, PEP 495):

* a time inside a DST gap (clocks go forward: 02:00–02:59 on Sun 4 Oct 2026 in Sydney) takes
  the UTC offset from before the gap — 02:30 is 02:30+10:00, which clocks show as 03:30 AEDT;
* an ambiguous time (clocks go back: 02:00–02:59 on Sun 5 Apr 2026 in Sydney happens twice)
  is its first occurrence — 02:30+11:00, still daylight time.

Where a person types a time (the session form), a gap time is refused instead: `gap()` says
whether a time is in one and where the gap lies, for the message.

Days and weeks are cut at the site's midnight (`local_day_bounds`, `week_bounds`).

The aware datetimes returned are in the site's zone, as its clocks show them. Order them
freely, but compare them for equality with datetimes of another zone in UTC
(`.astimezone(UTC)`): Python's `==` across zones is always False for a time in a fold (PEP 495).
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

UTC = datetime.UTC
ONE_MINUTE = datetime.timedelta(minutes=1)
ONE_DAY = datetime.timedelta(days=1)


def zone(name: str) -> zoneinfo.ZoneInfo:
    """The IANA zone of this name (ZoneInfo caches its instances)."""
    return zoneinfo.ZoneInfo(name)


def _naive(value: datetime.datetime) -> datetime.datetime:
    return value.replace(tzinfo=None, fold=0)


def to_local(instant: datetime.datetime, tz) -> datetime.datetime:
    """The naive wall-clock time that clocks in `tz` show at `instant` (an aware datetime)."""
    return instant.astimezone(tz).replace(tzinfo=None)


def is_in_gap(naive: datetime.datetime, tz) -> bool:
    """True when clocks in `tz` never show `naive`: it falls in a DST gap."""
    naive = _naive(naive)
    return naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive


def is_ambiguous(naive: datetime.datetime, tz) -> bool:
    """True when clocks in `tz` show `naive` twice (clocks go back)."""
    naive = _naive(naive)
    first, second = naive.replace(tzinfo=tz), naive.replace(tzinfo=tz, fold=1)
    return first.utcoffset() != second.utcoffset() and not is_in_gap(naive, tz)


def aware(naive: datetime.datetime, tz) -> datetime.datetime:
    """The instant of the wall-clock time `naive` in `tz`, by RFC 5545 §3.3.5, as clocks in
    `tz` show it (a gap time comes out after the gap: 02:30 → 03:30+11:00)."""
    return _naive(naive).replace(tzinfo=tz).astimezone(UTC).astimezone(tz)


def resolve(day: datetime.date, time: datetime.time, tz) -> datetime.datetime:
    """The instant at which `time` on `day` happens in `tz` (RFC 5545 §3.3.5, see `aware`)."""
    return aware(datetime.datetime.combine(day, time.replace(tzinfo=None)), tz)


@dataclass(frozen=True)
class Gap:
    """A DST gap as wall-clock times: clocks go forward from `start` to `end`."""

    start: datetime.datetime  # naive: the first wall-clock time that does not exist
    end: datetime.datetime  # naive: the wall-clock time clocks jump to


def gap(naive: datetime.datetime, tz) -> Gap | None:
    """The DST gap `naive` falls in, or None when clocks in `tz` show it."""
    naive = _naive(naive)
    if not is_in_gap(naive, tz):
        return None
    before = naive.replace(tzinfo=tz).utcoffset()
    after = naive.replace(tzinfo=tz, fold=1).utcoffset()
    # The instant of the change lies between the two readings of `naive`; clocks show
    # `instant + before` up to it and `instant + after` from it.
    lo, hi = naive - after, naive - before  # as UTC wall times
    while hi - lo > ONE_MINUTE / 60:  # to the second
        mid = lo + (hi - lo) / 2
        if mid.replace(tzinfo=UTC).astimezone(tz).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    change = hi.replace(microsecond=0)
    return Gap(start=change + before, end=change + after)


def local_day_bounds(day: datetime.date, tz) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of `day` at the site: from its midnight to the next one (23, 24 or 25 h)."""
    return resolve(day, datetime.time.min, tz), resolve(day + ONE_DAY, datetime.time.min, tz)


def week_bounds(
    day: datetime.date, tz
) -> tuple[datetime.date, datetime.datetime, datetime.datetime]:
    """(Monday, start, end) of the Monday–Sunday week of `day`, cut at the site's midnight."""
    monday = day - datetime.timedelta(days=day.weekday())
    return (
        monday,
        resolve(monday, datetime.time.min, tz),
        resolve(monday + datetime.timedelta(days=7), datetime.time.min, tz),
    )
