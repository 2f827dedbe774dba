"""Recurrence of a live-schedule session: RFC 5545 RRULEs, expanded at wall-clock time.

A rule is stored as the text of an RFC 5545 RRULE (``FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4``; an
``RRULE:`` prefix is accepted) and covers the options the session form offers:

* daily, every N days;
* weekly on chosen weekdays, every N weeks (``BYDAY=MO,TH``, ``WKST``);
* monthly on dates of the month (``BYMONTHDAY=2,15``; ``-1`` is the last day), or on the
  n-th weekday (``BYDAY=2TU``; ``-1FR`` is the last Friday), every N months;
* ending after N occurrences (``COUNT``) or on a date (``UNTIL``).

`expand` runs dateutil's rrule over the *naive wall-clock* time of the first start in the site's
zone and gives each occurrence its instant with `clients.wallclock.aware` (RFC 5545 §3.3.5: a
time in a DST gap takes the offset before the gap, an ambiguous time is its first occurrence).
So a 09:00 weekly session stays 09:00 across a DST change, and a 02:30 session on Sun 4 Oct
2026 in Sydney is 03:30 AEDT that week.

The first start must be an occurrence of its rule (RFC 5545 asks DTSTART to be "synchronized"
with the rule; dateutil would silently skip it otherwise): a rule that does not produce its
first start is refused, which also keeps an impossible rule from being iterated at all.

`occurrences` adds the upper bound of a series: it must end, and at most a year after its first
start and at most `MAX_OCCURRENCES` times.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from itertools import islice

from dateutil import rrule as du
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError

from clients import wallclock
from clients.formatting import nice_date

MAX_OCCURRENCES = 366
MAX_SPAN = relativedelta(years=1)
# The largest interval the form takes per frequency: beyond it a series of a year has one date.
MAX_INTERVAL = {"DAILY": 365, "WEEKLY": 52, "MONTHLY": 12}
FREQS = {"DAILY": du.DAILY, "WEEKLY": du.WEEKLY, "MONTHLY": du.MONTHLY}
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_NAMES_LONG = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th", -1: "last"}
UNITS = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month"}
ADVERBS = {"DAILY": "Daily", "WEEKLY": "Weekly", "MONTHLY": "Monthly"}


def _invalid(message: str, code: str = "invalid") -> ValidationError:
    return ValidationError(message, code=code)


@dataclass(frozen=True)
class Rule:
    """One parsed RRULE, restricted to the options above."""

    freq: str  # DAILY, WEEKLY or MONTHLY
    interval: int = 1
    weekdays: tuple[int, ...] = ()  # WEEKLY: BYDAY without ordinals (0 = Monday)
    nth: tuple[int, int] | None = None  # MONTHLY: BYDAY=2TU as (2, 1); -1 is the last
    month_days: tuple[int, ...] = ()  # MONTHLY: BYMONTHDAY; -1 is the last day
    count: int | None = None
    until: datetime.datetime | None = None  # naive wall-clock time, or aware (…Z) in UTC
    wkst: int | None = None

    def __str__(self) -> str:
        parts = [f"FREQ={self.freq}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.weekdays:
            parts.append("BYDAY=" + ",".join(DAY_CODES[d] for d in self.weekdays))
        if self.nth:
            parts.append(f"BYDAY={self.nth[0]}{DAY_CODES[self.nth[1]]}")
        if self.month_days:
            parts.append("BYMONTHDAY=" + ",".join(str(d) for d in self.month_days))
        if self.wkst is not None:
            parts.append(f"WKST={DAY_CODES[self.wkst]}")
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        if self.until is not None:
            if self.until.tzinfo is not None:
                parts.append(f"UNTIL={self.until.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}")
            else:
                parts.append(f"UNTIL={self.until:%Y%m%dT%H%M%S}")
        return ";".join(parts)

    def local_until(self, tz) -> datetime.datetime | None:
        """UNTIL as a naive wall-clock time in `tz` (a UTC UNTIL is read there)."""
        if self.until is None or self.until.tzinfo is None:
            return self.until
        return wallclock.to_local(self.until, tz)

    def matches(self, local: datetime.datetime) -> bool:
        """True when the wall-clock time `local` is a date the rule produces in its period."""
        day = local.date()
        if self.freq == "WEEKLY" and self.weekdays:
            return day.weekday() in self.weekdays
        if self.freq == "MONTHLY" and self.month_days:
            length = calendar.monthrange(day.year, day.month)[1]
            return any(d == day.day or length + d + 1 == day.day for d in self.month_days)
        if self.freq == "MONTHLY" and self.nth:
            n, weekday = self.nth
            length = calendar.monthrange(day.year, day.month)[1]
            position = (day.day - 1) // 7 + 1 if n > 0 else -((length - day.day) // 7 + 1)
            return day.weekday() == weekday and position == n
        return True  # DAILY, or a frequency that takes its day from the first start


def _parse_int(key: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise _invalid(f"{key} must be a whole number, not “{value[:20]}”.") from None
    if not low <= number <= high:
        raise _invalid(f"{key} must be from {low} to {high}.")
    return number


def _parse_day(code: str) -> int:
    try:
        return DAY_CODES.index(code)
    except ValueError:
        raise _invalid(f"“{code[:10]}” is not a weekday (MO … SU).") from None


def _parse_until(value: str) -> datetime.datetime:
    utc = value.endswith("Z")
    text = value.removesuffix("Z")
    for fmt in ("%Y%m%dT%H%M%S", "%Y%m%d"):
        try:
            until = datetime.datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    else:
        raise _invalid(f"UNTIL must be a date such as 20261218T235959, not “{value[:30]}”.")
    if len(text) == 8:  # a date alone: the whole of that day
        until = until.replace(hour=23, minute=59, second=59)
    return until.replace(tzinfo=datetime.UTC) if utc else until


def parse(rule: str | Rule) -> Rule:
    """The Rule of an RRULE text; ValidationError for anything outside the options."""
    if isinstance(rule, Rule):
        return rule
    text = str(rule or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text or len(text) > 500:
        raise _invalid("Give a recurrence rule such as FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4.")
    parts: dict[str, str] = {}
    for piece in text.split(";"):
        key, sep, value = piece.partition("=")
        key, value = key.strip().upper(), value.strip().upper()
        if not sep or not key or not value:
            raise _invalid(f"“{piece[:30]}” is not a NAME=VALUE part of a recurrence rule.")
        if key in parts:
            raise _invalid(f"{key} is given twice.")
        parts[key] = value
    unknown = set(parts) - {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "COUNT", "UNTIL", "WKST"}
    if unknown:
        raise _invalid(f"{', '.join(sorted(unknown))} is not supported here.")
    freq = parts.get("FREQ")
    if freq not in FREQS:
        raise _invalid(
            "A session repeats daily, weekly or monthly (FREQ=DAILY, WEEKLY or MONTHLY)."
        )
    interval = _parse_int("INTERVAL", parts.get("INTERVAL", "1"), 1, MAX_INTERVAL[freq])
    weekdays, nth, month_days = (), None, ()
    if "BYDAY" in parts:
        codes = [c.strip() for c in parts["BYDAY"].split(",")]
        if freq == "WEEKLY":
            weekdays = tuple(sorted({_parse_day(c) for c in codes}))
        elif freq == "MONTHLY" and len(codes) == 1 and codes[0][:-2]:
            n = _parse_int("The week of the month", codes[0][:-2], -5, 5)
            if n == 0 or n < -1:
                raise _invalid("The week of the month is 1 to 5, or -1 for the last.")
            nth = (n, _parse_day(codes[0][-2:]))
        else:
            raise _invalid(
                "BYDAY lists weekdays for a weekly rule, or one weekday with its week for a "
                "monthly rule (BYDAY=2TU)."
            )
    if "BYMONTHDAY" in parts:
        if freq != "MONTHLY" or nth:
            raise _invalid("BYMONTHDAY is for a monthly rule on dates of the month.")
        days = {_parse_int("A day of the month", d.strip(), -1, 31) for d in
                parts["BYMONTHDAY"].split(",")}
        if 0 in days:
            raise _invalid("A day of the month is 1 to 31, or -1 for the last day.")
        month_days = tuple(sorted(days, key=lambda d: (d < 0, d)))
    count = _parse_int("COUNT", parts["COUNT"], 1, 10**6) if "COUNT" in parts else None
    until = _parse_until(parts["UNTIL"]) if "UNTIL" in parts else None
    if count is not None and until is not None:
        raise _invalid("A recurrence ends after a number of times or on a date, not both.")
    wkst = _parse_day(parts["WKST"]) if "WKST" in parts else None
    return Rule(freq=freq, interval=interval, weekdays=weekdays, nth=nth,
                month_days=month_days, count=count, until=until, wkst=wkst)


def _rrule(rule: Rule, local_start: datetime.datetime, tz) -> du.rrule:
    byweekday = None
    if rule.weekdays:
        byweekday = [du.weekdays[d] for d in rule.weekdays]
    elif rule.nth:
        byweekday = [du.weekdays[rule.nth[1]](rule.nth[0])]
    return du.rrule(
        FREQS[rule.freq], dtstart=local_start, interval=rule.interval, byweekday=byweekday,
        bymonthday=list(rule.month_days) or None, count=rule.count,
        until=rule.local_until(tz), wkst=rule.wkst,
    )


def _start_mismatch(rule: Rule, local: datetime.datetime) -> str:
    day = nice_date(local)
    if rule.weekdays:
        return (f"The first session is on {day}, a {DAY_NAMES_LONG[local.weekday()]}: "
                f"choose {DAY_NAMES[local.weekday()]} among the days it repeats on, "
                "or start on one of them.")
    if rule.nth:
        return (f"The first session is on {day}, not on the {_nth_text(rule.nth)} of the "
                "month: start on such a day.")
    return f"The first session is on {day}, not on {_month_days_text(rule.month_days)}."


def expand(
    rule: str | Rule, first_start: datetime.datetime, *, limit: int
) -> list[datetime.datetime]:
    """The starts of a recurring session, at most `limit` of them, first one included.

    `first_start` is aware, in the site's zone (`ZoneInfo`); the rule is expanded at its wall-
    clock time there, and each occurrence made aware by RFC 5545 §3.3.5 (`clients.wallclock`).
    Raises ValidationError for a rule outside the supported options or one whose first
    occurrence is not `first_start`.
    """
    if first_start.tzinfo is None:
        raise ValueError("first_start must be aware, in the site's time zone")
    rule = parse(rule)
    tz = first_start.tzinfo
    local = wallclock.to_local(first_start, tz)
    if not rule.matches(local):
        raise _invalid(_start_mismatch(rule, local), code="start_not_an_occurrence")
    until = rule.local_until(tz)
    if until is not None and until < local:
        raise _invalid(f"It ends on {nice_date(until)}, before the first session.",
                       code="until_before_start")
    return [wallclock.aware(dt, tz) for dt in islice(_rrule(rule, local, tz), max(limit, 0))]


def last_allowed(first_start: datetime.datetime) -> datetime.datetime:
    """The latest wall-clock start of a series: a year after its first (naive)."""
    return wallclock.to_local(first_start, first_start.tzinfo) + MAX_SPAN


def occurrences(rule: str | Rule, first_start: datetime.datetime) -> list[datetime.datetime]:
    """All starts of a series, checked against the upper bound: the rule must end, within a
    year of the first start and after at most MAX_OCCURRENCES times. ValidationError (with a
    `code`: no_end, too_many, too_long …) otherwise."""
    rule = parse(rule)
    if rule.count is None and rule.until is None:
        raise _invalid("Choose when it ends: on a date, or after a number of times.", "no_end")
    if rule.count is not None and rule.count > MAX_OCCURRENCES:
        raise _invalid(f"A series has at most {MAX_OCCURRENCES} sessions.", "too_many")
    starts = expand(rule, first_start, limit=MAX_OCCURRENCES + 1)
    latest = last_allowed(first_start)
    if starts and wallclock.to_local(starts[-1], first_start.tzinfo) > latest:
        raise _invalid(
            f"A series runs for at most a year: end it by {nice_date(latest)}.", "too_long"
        )
    if len(starts) > MAX_OCCURRENCES:
        raise _invalid(
            f"That makes more than {MAX_OCCURRENCES} sessions: a series has at most "
            f"{MAX_OCCURRENCES}.", "too_many",
        )
    return starts


def shift_span(start: datetime.datetime, end: datetime.datetime, *, days: int,
               ) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) moved `days` days on the calendar of its zone (the site's), keeping its
    wall-clock times. When the end no longer follows the start (a start in a DST gap, an end
    just after it) the span keeps its length from the new start, as generated roster-period
    sessions do."""
    tz = start.tzinfo
    local_start, local_end = wallclock.to_local(start, tz), wallclock.to_local(end, tz)
    shift = datetime.timedelta(days=days)
    # In UTC: Python compares and adds datetimes of one zone by their wall-clock readings.
    new_start = wallclock.aware(local_start + shift, tz).astimezone(wallclock.UTC)
    new_end = wallclock.aware(local_end + shift, tz).astimezone(wallclock.UTC)
    if new_end <= new_start:
        length = max(local_end - local_start, end.astimezone(wallclock.UTC) - start)
        new_end = new_start + length
    return new_start.astimezone(tz), new_end.astimezone(tz)


def days_between(first: datetime.datetime, other: datetime.datetime) -> int:
    """Whole days on the calendar of `first`'s zone from `first` to `other`."""
    tz = first.tzinfo
    return (wallclock.to_local(other, tz).date() - wallclock.to_local(first, tz).date()).days


# --- the form's choices ----------------------------------------------------------------------
REPEAT_NONE, DAILY, WEEKLY, MONTHLY_DATE, MONTHLY_WEEKDAY = (
    "", "daily", "weekly", "monthly_date", "monthly_weekday")
ENDS_COUNT, ENDS_UNTIL = "count", "until"


def build(*, repeat: str, interval: int = 1, weekdays=(), month_days=(), nth=None,
          nth_weekday=None, count: int | None = None, until: datetime.date | None = None,
          ) -> Rule | None:
    """The Rule of the form's choices (None for "Does not repeat"). `until` is a date: the
    series ends at the end of that day, at the site."""
    if repeat == REPEAT_NONE:
        return None
    until_at = datetime.datetime.combine(until, datetime.time(23, 59, 59)) if until else None
    common = dict(interval=interval, count=None if until_at else count, until=until_at)
    if repeat == DAILY:
        return Rule(freq="DAILY", **common)
    if repeat == WEEKLY:
        return Rule(freq="WEEKLY", weekdays=tuple(sorted(set(weekdays))), **common)
    if repeat == MONTHLY_DATE:
        return Rule(freq="MONTHLY", month_days=tuple(sorted(set(month_days),
                                                          key=lambda d: (d < 0, d))), **common)
    if repeat == MONTHLY_WEEKDAY:
        return Rule(freq="MONTHLY", nth=(nth, nth_weekday), **common)
    raise ValueError(f"unknown repeat option {repeat!r}")


def choices(rule: str | Rule, tz=None) -> dict:
    """The form's choices for a rule: the inverse of `build`."""
    rule = parse(rule)
    if rule.freq == "DAILY":
        repeat = DAILY
    elif rule.freq == "WEEKLY":
        repeat = WEEKLY
    else:
        repeat = MONTHLY_WEEKDAY if rule.nth else MONTHLY_DATE
    until = rule.local_until(tz or datetime.UTC)
    return {
        "repeat": repeat,
        "interval": rule.interval,
        "weekdays": list(rule.weekdays),
        "month_days": list(rule.month_days),
        "nth": rule.nth[0] if rule.nth else None,
        "nth_weekday": rule.nth[1] if rule.nth else None,
        "ends": ENDS_UNTIL if until else ENDS_COUNT,
        "count": rule.count,
        "until": until.date() if until else None,
    }


# --- in plain language ---------------------------------------------------------------------------
def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _ordinal(n: int) -> str:
    if n == -1:
        return "last day"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _month_days_text(days) -> str:
    named = [_ordinal(d) for d in days]
    return "the " + _and(named)


def _nth_text(nth) -> str:
    return f"{ORDINALS[nth[0]]} {DAY_NAMES_LONG[nth[1]]}"


def summary(rule: str | Rule, first_start: datetime.datetime | None = None) -> str:
    """The rule in plain language: "Every 2 weeks on Mon and Thu, 6 times",
    "Daily until Fri 18 Dec 2026", "Monthly on the 2nd Tuesday, 10 times"."""
    rule = parse(rule)
    tz = first_start.tzinfo if first_start is not None else None
    if rule.interval == 1:
        text = ADVERBS[rule.freq]
    else:
        text = f"Every {rule.interval} {UNITS[rule.freq]}s"
    if rule.weekdays:
        text += " on " + _and([DAY_NAMES[d] for d in rule.weekdays])
    elif rule.nth:
        text += f" on the {_nth_text(rule.nth)}"
    elif rule.month_days:
        text += " on " + _month_days_text(rule.month_days)
    elif first_start is not None and rule.freq == "WEEKLY":
        text += " on " + DAY_NAMES[wallclock.to_local(first_start, tz).weekday()]
    elif first_start is not None and rule.freq == "MONTHLY":
        text += " on " + _month_days_text([wallclock.to_local(first_start, tz).day])
    if rule.count is not None:
        text += ", once" if rule.count == 1 else f", {rule.count} times"
    elif rule.until is not None:
        text += f" until {nice_date(rule.local_until(tz or datetime.UTC))}"
    return text
