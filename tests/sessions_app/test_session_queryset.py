"""Session.objects.live() and .overlapping(start, end)."""

import datetime
import zoneinfo

import pytest

from sessions_app.models import Session
from tests.factories import BaseRosterFactory, RosterPeriodFactory, SessionFactory, SiteFactory

pytestmark = pytest.mark.django_db
SYD = zoneinfo.ZoneInfo("Australia/Sydney")


def at(hour, minute=0, day=3):
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=SYD)


def test_live_is_published_periods_and_sessions_made_on_the_live_schedule():
    site = SiteFactory()
    roster = BaseRosterFactory()
    published = RosterPeriodFactory(base_roster=roster, status="published")
    draft = RosterPeriodFactory(
        base_roster=roster, start_date=published.end_date + datetime.timedelta(days=1)
    )
    made_live = SessionFactory(site=site)
    from_published = SessionFactory(site=site, roster_period=published)
    SessionFactory(site=site, roster_period=draft)
    SessionFactory(site=site, base_roster=roster)
    assert set(Session.objects.live()) == {made_live, from_published}


@pytest.mark.parametrize(
    "start, end, overlaps",
    [
        (at(9), at(11), True),  # the same span
        (at(10), at(10, 30), True),  # inside
        (at(8), at(12), True),  # around
        (at(8), at(9, 1), True),  # one minute into the start
        (at(10, 59), at(12), True),  # one minute before the end
        (at(7), at(9), False),  # ends as it starts: back to back
        (at(11), at(13), False),  # starts as it ends: back to back
        (at(6), at(8), False),
        (at(9, day=4), at(11, day=4), False),  # the next day
    ],
)
def test_overlapping_is_half_open(start, end, overlaps):
    session = SessionFactory(start=at(9), end=at(11))
    assert list(Session.objects.overlapping(start, end)) == ([session] if overlaps else [])


def test_overlapping_sees_an_overnight_session_on_both_days():
    night = SessionFactory(start=at(22), end=at(6, day=4))
    assert list(Session.objects.overlapping(at(0, day=4), at(0, day=5))) == [night]
    assert list(Session.objects.overlapping(at(0), at(0, day=4))) == [night]
    assert not Session.objects.overlapping(at(6, day=4), at(0, day=5)).exists()
