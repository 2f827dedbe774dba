"""Dashboard and the live schedule: scoped, paginated, constant queries."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

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



def live_sessions(n, *, site, day):
    for i in range(n):
        start = datetime.datetime.combine(day, datetime.time(7 + i % 10), tzinfo=SYD)
        session = SessionFactory(site=site, start=start, status="rostered")
        PlannedServiceFactory(session_client__session=session)
        SessionWorkerFactory(session=session)


def test_dashboard_counts_and_constant_queries(scheduler_client, django_assert_max_num_queries):
    today = timezone.localdate()
    site = SiteFactory()
    BaseRosterFactory(name="Weekly pattern")
    RosterPeriodFactory()
    live_sessions(3, site=site, day=today)
    SessionFactory(site=site, start=datetime.datetime.combine(
        today, datetime.time(18), tzinfo=SYD))  # no worker
    # Two workers: still one session on the live schedule.
    SessionWorkerFactory(session=SessionFactory(site=site, start=datetime.datetime.combine(
        today, datetime.time(6), tzinfo=SYD)))
    SessionWorkerFactory.create_batch(2, session=SessionFactory(
        site=site, start=datetime.datetime.combine(today, datetime.time(20), tzinfo=SYD)))
    with django_assert_max_num_queries(10):
        html = scheduler_client.get(reverse("scheduling:dashboard")).content.decode()
    assert "Weekly pattern" in html
    assert '<div class="num">6</div><div class="label">Sessions on the live' in html
    assert '<div class="num">1</div><div class="label">Live sessions this week with no' in html
    live_sessions(30, site=site, day=today)
    for _ in range(10):
        BaseRosterFactory()
        RosterPeriodFactory()
    with django_assert_max_num_queries(10):
        html = scheduler_client.get(reverse("scheduling:dashboard")).content.decode()
    assert '<div class="num">36</div><div class="label">Sessions on the live' in html


def test_live_schedule_is_scoped_by_week_and_site_and_paginated(
    scheduler_client, django_assert_max_num_queries
):
    day = datetime.date(2026, 11, 4)
    here, there = SiteFactory(name="Here"), SiteFactory(name="There")
    live_sessions(5, site=here, day=day)
    live_sessions(2, site=there, day=day)
    live_sessions(2, site=here, day=day + datetime.timedelta(days=14))  # another week
    draft = RosterPeriodFactory()
    SessionFactory(site=here, roster_period=draft, subject="Not published",
                   start=datetime.datetime.combine(day, datetime.time(9), tzinfo=SYD))
    url = reverse("scheduling:live")
    # 16: one of them reads the scheduler's permissions (the New Session button), one the
    # scheduler's roles and regions.
    with django_assert_max_num_queries(16):
        html = scheduler_client.get(url, {"week": "2026-11-04", "site": here.pk}).content.decode()
    assert html.count('<li class="block ') == 5  # one worker each: a row each
    assert "Not published" not in html
    live_sessions(60, site=here, day=day)
    with django_assert_max_num_queries(16):
        html = scheduler_client.get(url, {"week": "2026-11-04", "site": here.pk}).content.decode()
    assert "Page 1 of 3" in html and html.count('<div class="board-row') == 25
