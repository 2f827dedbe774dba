"""Live-schedule weeks are cut at each site's midnight, not the organisation's."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from scheduling import selectors
from tests.factories import SessionFactory, SiteFactory

pytestmark = pytest.mark.django_db
PERTH = zoneinfo.ZoneInfo("Australia/Perth")
SYD = zoneinfo.ZoneInfo("Australia/Sydney")
MONDAY = datetime.date(2026, 11, 2)


@pytest.fixture
def edges():
    perth = SiteFactory(name="Fremantle", time_zone="Australia/Perth")
    sydney = SiteFactory(name="Parramatta", time_zone="Australia/Sydney")

    def at(site, tz, day, hour, subject):
        start = datetime.datetime(2026, 11, day, hour, tzinfo=tz)
        return SessionFactory(site=site, start=start, end=start + datetime.timedelta(minutes=30),
                              subject=subject, status="rostered")

    return {
        # Sun 8 Nov 23:00 in Perth is Mon 9 Nov 02:00 in Sydney: still Perth's week of 2 Nov.
        "perth_sunday_late": at(perth, PERTH, 8, 23, "Perth Sunday late"),
        # Mon 2 Nov 00:30 in Perth (Sun 1 Nov 03:30 UTC): the first thing of Perth's week.
        "perth_monday_early": at(perth, PERTH, 2, 0, "Perth Monday early"),
        # Sun 1 Nov 23:00 in Sydney: the week before.
        "sydney_sunday_before": at(sydney, SYD, 1, 23, "Sydney Sunday before"),
        # Mon 9 Nov 00:00 in Sydney: the week after.
        "sydney_next_monday": at(sydney, SYD, 9, 0, "Sydney next Monday"),
        "perth": perth,
    }


def test_each_session_is_in_the_week_of_its_own_site(edges):
    week = {s.subject for s in selectors.live_schedule(monday=MONDAY)}
    assert week == {"Perth Sunday late", "Perth Monday early"}
    following = {s.subject for s in selectors.live_schedule(monday=MONDAY + datetime.timedelta(7))}
    assert following == {"Sydney next Monday"}
    perth_only = selectors.live_schedule(monday=MONDAY, site=edges["perth"])
    assert {s.subject for s in perth_only} == {"Perth Sunday late", "Perth Monday early"}


def test_the_live_page_and_dashboard_count_the_sites_weeks(scheduler_client, scheduler, edges):
    html = scheduler_client.get(reverse("scheduling:live"), {"week": "2026-11-08"}).content.decode()
    assert "Perth Sunday late" in html and "Sydney next Monday" not in html
    stats = selectors.dashboard_stats(today=datetime.date(2026, 11, 5), user=scheduler)
    assert stats["live_this_week"] == 2


def test_week_bounds_gives_the_monday():
    assert selectors.week_bounds(datetime.date(2026, 11, 8)) == MONDAY
    assert selectors.week_bounds(MONDAY) == MONDAY
