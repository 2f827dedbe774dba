"""clients.wallclock: wall-clock times at a site, by RFC 5545 §3.3.5."""

import datetime
import zoneinfo

import pytest

from clients import wallclock

SYD = zoneinfo.ZoneInfo("Australia/Sydney")
PER = zoneinfo.ZoneInfo("Australia/Perth")
BNE = zoneinfo.ZoneInfo("Australia/Brisbane")
UTC = datetime.UTC
D, T, DT = datetime.date, datetime.time, datetime.datetime


@pytest.mark.parametrize(
    "day, time, shown, utc",
    [
        # Sun 4 Oct 2026: clocks go forward 02:00 → 03:00. A gap time takes the offset before
        # the gap (+10:00): 02:30 is 16:30 UTC on Saturday, shown as 03:30 AEDT.
        (D(2026, 10, 4), T(2, 30), "2026-10-04 03:30:00+11:00", DT(2026, 10, 3, 16, 30)),
        (D(2026, 10, 4), T(2, 0), "2026-10-04 03:00:00+11:00", DT(2026, 10, 3, 16, 0)),
        (D(2026, 10, 4), T(2, 59), "2026-10-04 03:59:00+11:00", DT(2026, 10, 3, 16, 59)),
        (D(2026, 10, 4), T(1, 59), "2026-10-04 01:59:00+10:00", DT(2026, 10, 3, 15, 59)),
        (D(2026, 10, 4), T(3, 0), "2026-10-04 03:00:00+11:00", DT(2026, 10, 3, 16, 0)),
        # Sun 5 Apr 2026: clocks go back 03:00 → 02:00. An ambiguous time is its first
        # occurrence, still daylight time (+11:00).
        (D(2026, 4, 5), T(2, 30), "2026-04-05 02:30:00+11:00", DT(2026, 4, 4, 15, 30)),
        (D(2026, 4, 5), T(2, 0), "2026-04-05 02:00:00+11:00", DT(2026, 4, 4, 15, 0)),
        (D(2026, 4, 5), T(1, 59), "2026-04-05 01:59:00+11:00", DT(2026, 4, 4, 14, 59)),
        (D(2026, 4, 5), T(3, 0), "2026-04-05 03:00:00+10:00", DT(2026, 4, 4, 17, 0)),
    ],
)
def test_resolve_in_sydney_follows_rfc_5545(day, time, shown, utc):
    value = wallclock.resolve(day, time, SYD)
    assert str(value) == shown
    # (Compared in UTC: Python's == across zones is False for a time in a fold, PEP 495.)
    assert value.astimezone(UTC) == utc.replace(tzinfo=UTC)


@pytest.mark.parametrize("tz, offset", [(PER, "+08:00"), (BNE, "+10:00")])
@pytest.mark.parametrize("day", [D(2026, 4, 5), D(2026, 10, 4), D(2026, 7, 1)])
def test_perth_and_brisbane_have_no_gap_nor_fold(tz, offset, day):
    for minute in range(0, 24 * 60, 15):
        naive = DT.combine(day, T(minute // 60, minute % 60))
        assert not wallclock.is_in_gap(naive, tz)
        assert not wallclock.is_ambiguous(naive, tz)
        assert wallclock.gap(naive, tz) is None
        assert wallclock.aware(naive, tz).replace(tzinfo=None) == naive
    assert str(wallclock.resolve(day, T(2, 30), tz)) == f"{day} 02:30:00{offset}"


def test_gap_and_ambiguous_tests():
    assert wallclock.is_in_gap(DT(2026, 10, 4, 2, 0), SYD)
    assert wallclock.is_in_gap(DT(2026, 10, 4, 2, 59, 59), SYD)
    assert not wallclock.is_in_gap(DT(2026, 10, 4, 3, 0), SYD)
    assert not wallclock.is_in_gap(DT(2026, 10, 4, 1, 59), SYD)
    assert not wallclock.is_in_gap(DT(2026, 4, 5, 2, 30), SYD)

    assert wallclock.is_ambiguous(DT(2026, 4, 5, 2, 0), SYD)
    assert wallclock.is_ambiguous(DT(2026, 4, 5, 2, 59), SYD)
    assert not wallclock.is_ambiguous(DT(2026, 4, 5, 3, 0), SYD)
    assert not wallclock.is_ambiguous(DT(2026, 4, 5, 1, 59), SYD)
    assert not wallclock.is_ambiguous(DT(2026, 10, 4, 2, 30), SYD)  # a gap, not a fold


def test_gap_says_where_clocks_jump():
    assert wallclock.gap(DT(2026, 10, 4, 2, 30), SYD) == wallclock.Gap(
        DT(2026, 10, 4, 2, 0), DT(2026, 10, 4, 3, 0)
    )
    assert wallclock.gap(DT(2026, 10, 4, 3, 0), SYD) is None
    # Lord Howe Island moves its clocks by half an hour.
    lord_howe = zoneinfo.ZoneInfo("Australia/Lord_Howe")
    assert wallclock.gap(DT(2026, 10, 4, 2, 10), lord_howe) == wallclock.Gap(
        DT(2026, 10, 4, 2, 0), DT(2026, 10, 4, 2, 30)
    )


def test_to_local_reads_the_clock_at_the_site():
    instant = DT(2026, 4, 4, 15, 30, tzinfo=UTC)
    assert wallclock.to_local(instant, SYD) == DT(2026, 4, 5, 2, 30)
    assert wallclock.to_local(instant, PER) == DT(2026, 4, 4, 23, 30)


def hours(start, end):
    return (end.astimezone(UTC) - start.astimezone(UTC)) / datetime.timedelta(hours=1)


def test_local_day_bounds_are_the_sites_midnights():
    start, end = wallclock.local_day_bounds(D(2026, 10, 4), SYD)
    assert (str(start), str(end)) == (
        "2026-10-04 00:00:00+10:00", "2026-10-05 00:00:00+11:00"
    )
    assert hours(start, end) == 23
    start, end = wallclock.local_day_bounds(D(2026, 4, 5), SYD)
    assert hours(start, end) == 25
    start, end = wallclock.local_day_bounds(D(2026, 4, 5), PER)
    assert (start, hours(start, end)) == (DT(2026, 4, 4, 16, tzinfo=UTC), 24)


@pytest.mark.parametrize("day", [D(2026, 9, 28), D(2026, 10, 1), D(2026, 10, 4)])
def test_week_bounds_run_monday_to_monday_at_the_site(day):
    monday, start, end = wallclock.week_bounds(day, SYD)
    assert monday == D(2026, 9, 28)
    assert (str(start), str(end)) == (
        "2026-09-28 00:00:00+10:00", "2026-10-05 00:00:00+11:00"
    )
    _, start, end = wallclock.week_bounds(day, PER)
    assert (start, end) == (
        DT(2026, 9, 27, 16, tzinfo=UTC), DT(2026, 10, 4, 16, tzinfo=UTC)
    )
