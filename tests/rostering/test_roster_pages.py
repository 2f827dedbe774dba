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
    url = reverse("rostering:base_roster_detail", args=[roster.pk])
    week1 = scheduler_client.get(url).content.decode()
    assert "Week 1 of 2" in week1 and "Roster Session" in week1
    assert "{#" not in week1 and "{%" not in week1  # no template comment leaks onto the page
    # The chips and "+" links fill #modal-body; they must not inherit the grid's own swap.
    assert '<div id="grid" hx-disinherit="*"' in week1
    assert "Group 1:3" in week1 and "Early one" not in week1
    week2 = scheduler_client.get(url, {"week": "2"}).content.decode()
    assert "Week 2 of 2" in week2 and 'aria-label="Week 2"' in week2
    assert week2.index("Early one") < week2.index("Late one")
    assert "Group 1:3" not in week2


def period_with_sessions_in_weeks(**period_fields):
    """A 4-week period from Mon 16 Nov 2026 with one session in each week (week n: n+1 …)."""
    roster = BaseRosterFactory(start_date=datetime.date(2026, 11, 2), cycle_weeks=2)
    period = RosterPeriodFactory(
        base_roster=roster, start_date=datetime.date(2026, 11, 16),
        end_date=datetime.date(2026, 12, 13), **period_fields,
    )
    site = SiteFactory(name="Parramatta")
    for week in range(4):
        day = period.start_date + datetime.timedelta(days=7 * week + 2)
        SessionFactory(roster_period=period, site=site, subject=f"In week {week + 1}",
                       start=datetime.datetime.combine(day, datetime.time(9), tzinfo=SYD))
    return period


def test_the_period_grid_shows_one_week_with_a_navigator(scheduler_client):
    period = period_with_sessions_in_weeks()
    url = reverse("rostering:roster_period_detail", args=[period.pk])
    html = scheduler_client.get(url).content.decode()
    assert "Week 1 of 4" in html and "(Mon 16 Nov 2026 – Sun 22 Nov 2026)" in html
    assert "In week 1" in html and "In week 2" not in html
    assert "4 sessions in this period · 1 in week 1" in html
    assert 'href="?week=2"' in html and "Next week ›" in html
    assert 'aria-disabled="true">‹ Previous week' in html  # nothing before week 1
    html = scheduler_client.get(url, {"week": "4"}).content.decode()
    assert "Week 4 of 4 <span" in html and "In week 4" in html and "In week 1" not in html
    assert 'href="?week=3"' in html and 'aria-disabled="true">Next week ›' in html


def test_a_date_chooses_its_week(scheduler_client):
    period = period_with_sessions_in_weeks()
    url = reverse("rostering:roster_period_detail", args=[period.pk])
    html = scheduler_client.get(url, {"week": "2026-12-01"}).content.decode()
    assert "Week 3 of 4" in html and "In week 3" in html


@pytest.mark.parametrize(
    "week", ["", "0", "5", "999999", "-1", "abc", "2", "9999-12-31", "0001-01-01", "2026-11-15",
             "2026-13-40", "%00", "3.5"],
)
def test_a_bad_week_shows_the_first_week_never_an_error(scheduler_client, week):
    period = period_with_sessions_in_weeks()
    url = reverse("rostering:roster_period_detail", args=[period.pk])
    r = scheduler_client.get(url, {"week": week})
    assert r.status_code == 200
    expected = "Week 2 of 4" if week == "2" else "Week 1 of 4"
    assert expected in r.content.decode()


def test_the_week_navigator_swaps_the_grid_and_the_header_count(scheduler_client):
    period = period_with_sessions_in_weeks()
    site = period.sessions.first().site
    url = reverse("rostering:roster_period_detail", args=[period.pk])
    page = scheduler_client.get(url, {"site": site.pk}).content.decode()
    # htmx swaps the grid and keeps the week in the address; the href works without JavaScript.
    assert f'href="?week=2&amp;site={site.pk}"' in page
    assert f'hx-get="{url}?week=2&amp;site={site.pk}"' in page and 'hx-push-url="true"' in page
    assert '<input type="hidden" name="week" value="1">' in page  # the site selector keeps it
    grid = scheduler_client.get(
        url, {"week": "2", "site": site.pk}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in grid and "In week 2" in grid
    assert (
        f'hx-disinherit="*" hx-get="{url}?week=2&amp;site={site.pk}" '
        'hx-trigger="sessionSaved from:body"'
    ) in grid
    assert (
        '<span id="session-count" hx-swap-oob="true">4 sessions in this period · 1 in week 2 '
        "at Parramatta</span>"
    ) in grid
    # The back button restoring a page htmx has not cached gets the whole page.
    restored = scheduler_client.get(
        url, {"week": "2"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    ).content.decode()
    assert "<html" in restored and "In week 2" in restored


def test_a_one_week_grid_has_no_navigator(scheduler_client):
    roster = BaseRosterFactory(start_date=datetime.date(2026, 11, 2), cycle_weeks=1)
    SessionFactory(base_roster=roster, start=datetime.datetime(2026, 11, 3, 9, tzinfo=SYD))
    html = scheduler_client.get(
        reverse("rostering:base_roster_detail", args=[roster.pk])
    ).content.decode()
    assert "Next week" not in html and "Week 1 <span" in html
    assert "1 session in this base roster<" in html or "1 session in this base roster ·" in html


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
    add_sessions(5, site=site, **home)  # over both weeks (days 1–5 of week 1)
    for week in ("1", "2"):
        with django_assert_max_num_queries(13):
            assert scheduler_client.get(url, {"week": week}).status_code == 200
    add_sessions(40, site=site, **home)  # 45 in all: 26 in week 1, 19 in week 2
    with django_assert_max_num_queries(13):
        r = scheduler_client.get(url)
    assert r.content.decode().count("data-session-id=") == 26
    with django_assert_max_num_queries(13):
        r = scheduler_client.get(url, {"week": "2"})
    assert r.content.decode().count("data-session-id=") == 19
    assert "45 sessions in this " in r.content.decode()


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
