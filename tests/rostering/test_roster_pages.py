"""Base-roster and roster-period pages: lists, create forms, grids with constant queries."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from rostering.models import BaseRoster, RosterPeriod
from tests.factories import (
    BaseRosterFactory,
    PlannedServiceFactory,
    RosterPeriodFactory,
    SessionFactory,
    SessionWorkerFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db
SYD = zoneinfo.ZoneInfo("Australia/Sydney")



def add_sessions(n, *, site, **home):
    first_day = (home.get("base_roster") or home["roster_period"]).start_date
    for i in range(n):
        day = first_day + datetime.timedelta(days=i % 14)
        start = datetime.datetime.combine(day, datetime.time(8 + i % 8), tzinfo=SYD)
        session = SessionFactory(site=site, start=start, **home)
        PlannedServiceFactory(session_client__session=session)
        SessionWorkerFactory(session=session)


def test_pages_need_a_login(client):
    r = client.get(reverse("rostering:base_roster_list"))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_create_a_base_roster(scheduler_client):
    r = scheduler_client.post(
        reverse("rostering:base_roster_create"),
        {"name": "West fortnight", "active": "on", "cycle_weeks": "2",
         "start_date": "2026-11-02", "site": ""},
    )
    roster = BaseRoster.objects.get()
    assert r.status_code == 302
    assert r["Location"] == reverse("rostering:base_roster_detail", args=[roster.pk])
    assert roster.cycle_weeks == 2 and roster.site is None


def test_a_bad_cycle_length_comes_back_422_with_a_message(scheduler_client):
    r = scheduler_client.post(
        reverse("rostering:base_roster_create"),
        {"name": "Too long", "cycle_weeks": "13", "start_date": "2026-11-02"},
    )
    assert r.status_code == 422
    assert "Ensure this value is less than or equal to 12." in r.content.decode()
    assert not BaseRoster.objects.exists()


def test_create_a_roster_period_from_a_base_roster(scheduler_client):
    roster = BaseRosterFactory()
    r = scheduler_client.post(
        reverse("rostering:roster_period_create"),
        {"base_roster": roster.pk, "start_date": "2026-11-16", "cycles": "1"},
    )
    assert r.status_code == 302
    period = RosterPeriod.objects.get()
    assert period.status == "draft" and period.end_date == datetime.date(2026, 11, 29)


def test_base_roster_list_filters_and_paginates(scheduler_client):
    for i in range(30):
        BaseRosterFactory(name=f"Roster {i:02d}")
    BaseRosterFactory(name="Special West")
    html = scheduler_client.get(reverse("rostering:base_roster_list")).content.decode()
    assert "Page 1 of 2" in html
    html = scheduler_client.get(
        reverse("rostering:base_roster_list"), {"name": "west"}
    ).content.decode()
    assert "Special West" in html and "Roster 01" not in html


def test_the_base_roster_grid_places_sessions_by_day_and_time(scheduler_client):
    roster = BaseRosterFactory(start_date=datetime.date(2026, 11, 2), cycle_weeks=2)
    site = SiteFactory(name="Parramatta")
    SessionFactory(base_roster=roster, site=site, subject="Late one",
                   start=datetime.datetime(2026, 11, 10, 14, tzinfo=SYD))
    SessionFactory(base_roster=roster, site=site, subject="Early one",
                   start=datetime.datetime(2026, 11, 10, 8, tzinfo=SYD))
    SessionFactory(base_roster=roster, site=site, subject="Group one", work_type="group",
                   ratio="1:3", start=datetime.datetime(2026, 11, 3, 9, tzinfo=SYD))
    html = scheduler_client.get(
        reverse("rostering:base_roster_detail", args=[roster.pk])
    ).content.decode()
    assert "Week 1" in html and "Week 2" in html and "Roster Session" in html
    assert "{#" not in html and "{%" not in html  # no template comment leaks onto the page
    # The chips and "+" links fill #modal-body; they must not inherit the grid's own swap.
    assert '<div id="grid" hx-disinherit="*"' in html
    week1, week2 = html.split('aria-label="Week 2"')
    assert week2.index("Early one") < week2.index("Late one")
    assert "Group 1:3" in week1 and "Group 1:3" not in week2


@pytest.mark.parametrize("place", ["base_roster", "roster_period"])
def test_grid_queries_stay_constant_as_sessions_grow(
    scheduler_client, django_assert_max_num_queries, place
):
    roster = BaseRosterFactory(start_date=datetime.date(2026, 11, 2), cycle_weeks=2)
    site = SiteFactory()
    if place == "base_roster":
        home = {"base_roster": roster}
        url = reverse("rostering:base_roster_detail", args=[roster.pk])
    else:
        period = RosterPeriodFactory(base_roster=roster)
        home = {"roster_period": period}
        url = reverse("rostering:roster_period_detail", args=[period.pk])
    add_sessions(5, site=site, **home)
    with django_assert_max_num_queries(12):
        assert scheduler_client.get(url).status_code == 200
    add_sessions(40, site=site, **home)
    with django_assert_max_num_queries(12):
        r = scheduler_client.get(url)
    assert r.content.decode().count("data-session-id=") == 45


def test_grid_shows_each_sessions_wall_clock_time_at_its_site(scheduler_client):
    roster = BaseRosterFactory(start_date=datetime.date(2026, 11, 2), cycle_weeks=1)
    perth = SiteFactory(name="Mandurah", time_zone="Australia/Perth")
    SessionFactory(
        base_roster=roster, site=perth, subject="Perth morning",
        start=datetime.datetime(2026, 11, 3, 9, tzinfo=zoneinfo.ZoneInfo("Australia/Perth")),
    )
    html = scheduler_client.get(
        reverse("rostering:base_roster_detail", args=[roster.pk])
    ).content.decode()
    assert "09:00–11:00" in html  # not 12:00–14:00, Sydney's clock


def test_a_big_base_roster_grid_shows_one_site_at_a_time(scheduler_client, monkeypatch):
    import rostering.views

    monkeypatch.setattr(rostering.views, "GRID_SESSION_LIMIT", 3)
    roster = BaseRosterFactory(start_date=datetime.date(2026, 11, 2), cycle_weeks=1)
    alpha, beta = SiteFactory(name="Alpha House"), SiteFactory(name="Beta House")
    for i, site in enumerate([alpha, alpha, beta, beta]):
        SessionFactory(base_roster=roster, site=site, subject=f"S{i} at {site.name}",
                       start=datetime.datetime(2026, 11, 3, 8 + i, tzinfo=SYD))
    url = reverse("rostering:base_roster_detail", args=[roster.pk])
    html = scheduler_client.get(url).content.decode()
    assert "This base roster has 4 sessions, too many to show at once: showing Alpha" in html
    assert html.count("data-session-id=") == 2
    html = scheduler_client.get(url, {"site": beta.pk}).content.decode()
    assert "S2 at Beta House" in html and "S0 at Alpha House" not in html
