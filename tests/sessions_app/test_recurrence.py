"""Recurrence: RFC 5545's own examples (§3.8.5.3, DTSTART;TZID=America/New_York, across the
1997 change back to EST), the Sydney DST changeovers, the upper bound and the summaries."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from sessions_app import recurrence
from sessions_app.recurrence import build, choices, expand, occurrences, parse, summary

NY = zoneinfo.ZoneInfo("America/New_York")
SYD = zoneinfo.ZoneInfo("Australia/Sydney")


def ny(y, m, d, hh=9, mm=0):
    return datetime.datetime(y, m, d, hh, mm, tzinfo=NY)


def days(starts):
    """(month, day) of each start, checking every one is at 09:00 New York wall-clock time."""
    assert all(s.astimezone(NY).time() == datetime.time(9, 0) for s in starts)
    return [(s.month, s.day) for s in starts]


def lasts(start, end):
    """The real length of [start, end) (Python subtracts one zone's times by wall clock)."""
    return end.astimezone(datetime.UTC) - start.astimezone(datetime.UTC)


def utc_offsets(starts):
    return {s.utcoffset() for s in starts}


# --- RFC 5545 §3.8.5.3 -----------------------------------------------------------------------
def test_daily_for_10_occurrences():
    starts = expand("RRULE:FREQ=DAILY;COUNT=10", ny(1997, 9, 2), limit=100)
    assert days(starts) == [(9, d) for d in range(2, 12)]


def test_daily_until_december_24_1997_keeps_9am_across_the_change_to_est():
    starts = expand("FREQ=DAILY;UNTIL=19971224T000000Z", ny(1997, 9, 2), limit=500)
    assert len(starts) == 113
    assert days(starts)[0] == (9, 2) and days(starts)[-1] == (12, 23)
    assert utc_offsets(starts) == {datetime.timedelta(hours=-4), datetime.timedelta(hours=-5)}
    assert starts[0].utcoffset() == datetime.timedelta(hours=-4)  # EDT
    assert starts[-1].utcoffset() == datetime.timedelta(hours=-5)  # EST


def test_every_other_day_forever_is_cut_at_the_limit():
    starts = expand("FREQ=DAILY;INTERVAL=2", ny(1997, 9, 2), limit=5)
    assert days(starts) == [(9, 2), (9, 4), (9, 6), (9, 8), (9, 10)]


def test_every_10_days_5_occurrences():
    starts = expand("FREQ=DAILY;INTERVAL=10;COUNT=5", ny(1997, 9, 2), limit=100)
    assert days(starts) == [(9, 2), (9, 12), (9, 22), (10, 2), (10, 12)]


def test_weekly_for_10_occurrences():
    starts = expand("FREQ=WEEKLY;COUNT=10", ny(1997, 9, 2), limit=100)
    assert days(starts) == [(9, 2), (9, 9), (9, 16), (9, 23), (9, 30), (10, 7), (10, 14),
                            (10, 21), (10, 28), (11, 4)]
    assert starts[7].utcoffset() == datetime.timedelta(hours=-4)  # Oct 21: EDT
    assert starts[8].utcoffset() == datetime.timedelta(hours=-5)  # Oct 28: EST


def test_weekly_until_december_24_1997():
    starts = expand("FREQ=WEEKLY;UNTIL=19971224T000000Z", ny(1997, 9, 2), limit=100)
    assert len(starts) == 17 and days(starts)[-1] == (12, 23)


def test_every_other_week_forever():
    starts = expand("FREQ=WEEKLY;INTERVAL=2;WKST=SU", ny(1997, 9, 2), limit=13)
    assert [(s.year, s.month, s.day) for s in starts] == [
        (1997, 9, 2), (1997, 9, 16), (1997, 9, 30), (1997, 10, 14), (1997, 10, 28),
        (1997, 11, 11), (1997, 11, 25), (1997, 12, 9), (1997, 12, 23), (1998, 1, 6),
        (1998, 1, 20), (1998, 2, 3), (1998, 2, 17),
    ]


@pytest.mark.parametrize("rule", [
    "FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH",
    "FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH",
])
def test_weekly_on_tuesday_and_thursday_for_five_weeks(rule):
    starts = expand(rule, ny(1997, 9, 2), limit=100)
    assert days(starts) == [(9, 2), (9, 4), (9, 9), (9, 11), (9, 16), (9, 18), (9, 23),
                            (9, 25), (9, 30), (10, 2)]


def test_every_other_week_on_monday_wednesday_and_friday_until_december_24():
    starts = expand("FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR",
                    ny(1997, 9, 1), limit=100)
    assert days(starts) == (
        [(9, 1), (9, 3), (9, 5), (9, 15), (9, 17), (9, 19), (9, 29), (10, 1), (10, 3),
         (10, 13), (10, 15), (10, 17)]
        + [(10, 27), (10, 29), (10, 31), (11, 10), (11, 12), (11, 14), (11, 24), (11, 26),
           (11, 28), (12, 8), (12, 10), (12, 12), (12, 22)]
    )
    assert {s.utcoffset() for s in starts[:12]} == {datetime.timedelta(hours=-4)}
    assert {s.utcoffset() for s in starts[12:]} == {datetime.timedelta(hours=-5)}


def test_every_other_week_on_tuesday_and_thursday_for_8_occurrences():
    starts = expand("FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH", ny(1997, 9, 2),
                    limit=100)
    assert days(starts) == [(9, 2), (9, 4), (9, 16), (9, 18), (9, 30), (10, 2), (10, 14),
                            (10, 16)]


def test_monthly_on_the_first_friday_for_10_occurrences():
    starts = expand("FREQ=MONTHLY;COUNT=10;BYDAY=1FR", ny(1997, 9, 5), limit=100)
    assert [(s.year, s.month, s.day) for s in starts] == [
        (1997, 9, 5), (1997, 10, 3), (1997, 11, 7), (1997, 12, 5), (1998, 1, 2),
        (1998, 2, 6), (1998, 3, 6), (1998, 4, 3), (1998, 5, 1), (1998, 6, 5),
    ]


def test_monthly_on_the_2nd_and_15th_for_10_occurrences():
    starts = expand("FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15", ny(1997, 9, 2), limit=100)
    assert days(starts) == [(9, 2), (9, 15), (10, 2), (10, 15), (11, 2), (11, 15), (12, 2),
                            (12, 15), (1, 2), (1, 15)]


def test_monthly_on_the_first_and_last_day_for_10_occurrences():
    starts = expand("FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1", ny(1997, 9, 30), limit=100)
    assert days(starts) == [(9, 30), (10, 1), (10, 31), (11, 1), (11, 30), (12, 1), (12, 31),
                            (1, 1), (1, 31), (2, 1)]


def test_monthly_on_the_31st_skips_shorter_months():
    starts = expand("FREQ=MONTHLY;COUNT=4;BYMONTHDAY=31", ny(2026, 1, 31), limit=100)
    assert [(s.month, s.day) for s in starts] == [(1, 31), (3, 31), (5, 31), (7, 31)]


def test_monthly_on_the_last_friday():
    starts = expand("FREQ=MONTHLY;COUNT=3;BYDAY=-1FR", ny(2026, 10, 30), limit=100)
    assert [(s.month, s.day) for s in starts] == [(10, 30), (11, 27), (12, 25)]


def test_every_3_weeks():
    starts = expand("FREQ=WEEKLY;INTERVAL=3;COUNT=3", ny(2026, 11, 3), limit=100)
    assert [(s.month, s.day) for s in starts] == [(11, 3), (11, 24), (12, 15)]


# --- DST at the site ---------------------------------------------------------------------------
def test_a_0230_weekly_session_over_the_october_gap_is_0330_aedt_that_week():
    first = datetime.datetime(2026, 9, 27, 2, 30, tzinfo=SYD)  # AEST
    starts = expand("FREQ=WEEKLY;COUNT=3", first, limit=10)
    gap_week = starts[1]
    assert (gap_week.month, gap_week.day, gap_week.hour, gap_week.minute) == (10, 4, 3, 30)
    assert gap_week.utcoffset() == datetime.timedelta(hours=11)
    assert gap_week.astimezone(datetime.UTC) == datetime.datetime(
        2026, 10, 3, 16, 30, tzinfo=datetime.UTC)  # 02:30 at the offset before the gap
    assert (starts[2].day, starts[2].hour, starts[2].minute) == (11, 2, 30)


def test_a_0230_session_on_the_april_change_is_the_first_0230():
    first = datetime.datetime(2026, 3, 29, 2, 30, tzinfo=SYD)
    starts = expand("FREQ=WEEKLY;COUNT=2", first, limit=10)
    assert (starts[1].day, starts[1].hour) == (5, 2)
    assert starts[1].utcoffset() == datetime.timedelta(hours=11)  # still daylight time


@pytest.mark.parametrize("first", [
    datetime.datetime(2026, 3, 25, 9, 0, tzinfo=SYD),  # over Sun 5 Apr 2026 (AEDT → AEST)
    datetime.datetime(2026, 9, 23, 9, 0, tzinfo=SYD),  # over Sun 4 Oct 2026 (AEST → AEDT)
])
def test_a_0900_weekly_session_stays_0900_local_across_both_changes(first):
    starts = expand("FREQ=WEEKLY;COUNT=4", first, limit=10)
    assert [s.astimezone(SYD).time() for s in starts] == [datetime.time(9, 0)] * 4
    assert len(utc_offsets(starts)) == 2
    assert [s.date() - first.date() for s in starts] == [
        datetime.timedelta(days=d) for d in (0, 7, 14, 21)]


def test_a_span_shifted_onto_the_gap_keeps_its_length():
    start = datetime.datetime(2026, 9, 27, 2, 30, tzinfo=SYD)
    end = datetime.datetime(2026, 9, 27, 3, 15, tzinfo=SYD)
    new_start, new_end = recurrence.shift_span(start, end, days=7)
    assert lasts(new_start, new_end) == datetime.timedelta(minutes=45)


def test_a_sleepover_shifted_onto_the_change_night_keeps_its_wall_clock_end():
    start = datetime.datetime(2026, 9, 26, 22, 0, tzinfo=SYD)
    end = datetime.datetime(2026, 9, 27, 6, 0, tzinfo=SYD)
    new_start, new_end = recurrence.shift_span(start, end, days=7)
    assert new_end.astimezone(SYD).time() == datetime.time(6, 0)
    assert lasts(new_start, new_end) == datetime.timedelta(hours=7)


# --- the first start and the upper bound ------------------------------------------------------
def test_the_first_start_must_be_an_occurrence():
    with pytest.raises(ValidationError) as exc:
        expand("FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4", ny(2026, 11, 2), limit=10)  # a Monday
    assert "Mon 2 Nov 2026, a Monday" in exc.value.messages[0]
    with pytest.raises(ValidationError, match="2nd Tuesday"):
        expand("FREQ=MONTHLY;BYDAY=2TU;COUNT=4", ny(2026, 11, 3), limit=10)


def test_an_end_before_the_start_is_refused():
    with pytest.raises(ValidationError, match="before the first session"):
        expand("FREQ=DAILY;UNTIL=20261101T235959", ny(2026, 11, 3), limit=10)


def test_a_series_must_end():
    with pytest.raises(ValidationError, match="Choose when it ends"):
        occurrences("FREQ=DAILY", ny(2026, 11, 3))


def test_daily_for_a_whole_year_is_366_occurrences_at_most():
    first = datetime.datetime(2026, 1, 1, 9, 0, tzinfo=SYD)
    assert len(occurrences("FREQ=DAILY;UNTIL=20270101T235959", first)) == 366
    with pytest.raises(ValidationError, match="at most a year") as exc:
        occurrences("FREQ=DAILY;UNTIL=20270102T235959", first)
    assert exc.value.code == "too_long"
    assert "Fri 1 Jan 2027" in exc.value.messages[0]


@pytest.mark.parametrize("rule, code", [
    ("FREQ=DAILY;COUNT=367", "too_many"),
    ("FREQ=WEEKLY;COUNT=54", "too_long"),
    ("FREQ=MONTHLY;COUNT=14", "too_long"),  # 13 is exactly a year: allowed
])
def test_more_than_366_occurrences_or_a_year_is_refused(rule, code):
    with pytest.raises(ValidationError) as exc:
        occurrences(rule, datetime.datetime(2026, 1, 5, 9, 0, tzinfo=SYD))
    assert exc.value.code == code


@pytest.mark.parametrize("rule", [
    "FREQ=HOURLY;COUNT=3", "FREQ=DAILY;INTERVAL=0", "FREQ=DAILY;INTERVAL=9999",
    "FREQ=WEEKLY;BYDAY=XX", "FREQ=MONTHLY;BYMONTHDAY=32", "FREQ=MONTHLY;BYMONTHDAY=0",
    "FREQ=DAILY;COUNT=2;UNTIL=20261201T000000", "FREQ=DAILY;BYSETPOS=1", "FREQ=DAILY;COUNT=x",
    "FREQ=DAILY;UNTIL=tomorrow", "", "FREQ", "FREQ=DAILY;FREQ=DAILY", "FREQ=MONTHLY;BYDAY=TU",
    "FREQ=MONTHLY;BYDAY=0TU", "FREQ=DAILY;BYMONTHDAY=3",
])
def test_rules_outside_the_options_are_refused_with_a_message(rule):
    with pytest.raises(ValidationError) as exc:
        parse(rule)
    assert exc.value.messages[0]


# --- the form's choices and the summary ---------------------------------------------------------
@pytest.mark.parametrize("kwargs, text, rule", [
    (dict(repeat="weekly", interval=2, weekdays=[3, 0], count=6),
     "Every 2 weeks on Mon and Thu, 6 times", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=6"),
    (dict(repeat="daily", until=datetime.date(2026, 12, 18)),
     "Daily until Fri 18 Dec 2026", "FREQ=DAILY;UNTIL=20261218T235959"),
    (dict(repeat="monthly_weekday", nth=2, nth_weekday=1, count=10),
     "Monthly on the 2nd Tuesday, 10 times", "FREQ=MONTHLY;BYDAY=2TU;COUNT=10"),
    (dict(repeat="monthly_weekday", nth=-1, nth_weekday=4, count=1),
     "Monthly on the last Friday, once", "FREQ=MONTHLY;BYDAY=-1FR;COUNT=1"),
    (dict(repeat="monthly_date", month_days=[15, 2], count=4),
     "Monthly on the 2nd and 15th, 4 times", "FREQ=MONTHLY;BYMONTHDAY=2,15;COUNT=4"),
    (dict(repeat="monthly_date", month_days=[-1, 1], interval=3, count=4),
     "Every 3 months on the 1st and last day, 4 times",
     "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1,-1;COUNT=4"),
    (dict(repeat="weekly", weekdays=[0, 2, 4], count=3),
     "Weekly on Mon, Wed and Fri, 3 times", "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=3"),
])
def test_form_choices_make_a_rule_that_reads_in_plain_language_and_parses_back(
    kwargs, text, rule
):
    built = build(**kwargs)
    assert str(built) == rule
    assert summary(rule) == text
    back = choices(rule)
    assert build(**{k: v for k, v in back.items() if k != "ends"}) == parse(rule)


def test_does_not_repeat_is_no_rule():
    assert build(repeat="") is None


def test_a_utc_until_reads_on_the_site_calendar():
    first = datetime.datetime(2026, 11, 3, 9, 0, tzinfo=SYD)
    # 13:00Z on 17 Dec is Fri 18 Dec 00:00 in Sydney.
    assert summary("FREQ=DAILY;UNTIL=20261217T130000Z", first) == "Daily until Fri 18 Dec 2026"
