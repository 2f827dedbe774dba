"""Short-notice arithmetic: clear days, clear business days across weekends and a state's
public holidays (clients.notice)."""

import datetime

import pytest

from clients.notice import (
    NoticeWindow,
    clear_business_days,
    clear_days,
    default_window,
    is_short_notice,
    window_of,
)

D = datetime.date
SEVEN = NoticeWindow(7)
TWO_BUSINESS = NoticeWindow(2, business_days=True)


def test_clear_days_exclude_both_ends():
    # Notice on Monday 16 Nov for Thursday 19 Nov: Tuesday and Wednesday are clear.
    assert clear_days(D(2026, 11, 16), D(2026, 11, 19)) == 2
    assert clear_days(D(2026, 11, 16), D(2026, 11, 17)) == 0
    assert clear_days(D(2026, 11, 16), D(2026, 11, 16)) == 0
    assert clear_days(D(2026, 11, 20), D(2026, 11, 16)) == 0  # after the service


def test_seven_clear_days_edge():
    service = D(2026, 11, 20)
    exactly_seven = D(2026, 11, 12)  # 13 … 19 between
    assert clear_days(exactly_seven, service) == 7
    assert not is_short_notice(exactly_seven, service, window=SEVEN, state="NSW")
    six = D(2026, 11, 13)
    assert clear_days(six, service) == 6
    assert is_short_notice(six, service, window=SEVEN, state="NSW")


def test_two_clear_business_days_across_a_weekend():
    thursday = D(2026, 11, 12)
    # For Monday: Friday, Saturday and Sunday are clear, but only Friday is a business day.
    assert clear_days(thursday, D(2026, 11, 16)) == 3
    assert clear_business_days(thursday, D(2026, 11, 16), state="NSW") == 1
    assert is_short_notice(thursday, D(2026, 11, 16), window=TWO_BUSINESS, state="NSW")
    # For Tuesday: Friday and Monday.
    assert clear_business_days(thursday, D(2026, 11, 17), state="NSW") == 2
    assert not is_short_notice(thursday, D(2026, 11, 17), window=TWO_BUSINESS, state="NSW")


def test_a_state_public_holiday_is_not_a_business_day_there_only():
    # Melbourne Cup Day, Tuesday 3 Nov 2026, is a public holiday in Victoria, not in NSW.
    monday, thursday = D(2026, 11, 2), D(2026, 11, 5)
    assert clear_business_days(monday, thursday, state="VIC") == 1
    assert is_short_notice(monday, thursday, window=TWO_BUSINESS, state="VIC")
    assert clear_business_days(monday, thursday, state="NSW") == 2
    assert not is_short_notice(monday, thursday, window=TWO_BUSINESS, state="NSW")


def test_a_national_holiday_counts_everywhere_and_counting_stops_at_the_limit():
    # Christmas Friday 25 Dec and Boxing Day observed Monday 28 Dec 2026.
    assert clear_business_days(D(2026, 12, 24), D(2026, 12, 30), state="QLD") == 1
    assert clear_business_days(D(2026, 1, 1), D(2099, 1, 1), state="NSW", limit=3) == 3


def test_windows_of_support_items(settings):
    settings.CANCELLATION_NOTICE_DEFAULT = {"days": 3, "business_days": True}
    assert window_of(None, False) == default_window() == NoticeWindow(3, True)
    assert window_of(7, False) == SEVEN
    assert str(SEVEN) == "7 clear days" and str(TWO_BUSINESS) == "2 clear business days"


@pytest.mark.parametrize("days", [0])
def test_no_window_is_never_short(days):
    assert not is_short_notice(D(2026, 11, 16), D(2026, 11, 16), window=NoticeWindow(days),
                               state="NSW")
