"""bench_generation's yardstick copies exactly the rows the generation service writes."""

import datetime
import zoneinfo

import pytest
from django.db import transaction

from demo.management.commands.bench_generation import TABLES, measure, sql_copy
from rostering import services
from sessions_app.models import Session, SessionActivity
from tests.conftest import in_ci
from tests.factories import (
    BaseRosterFactory,
    SessionActivityFactory,
    SiteFactory,
    WorkerFactory,
)
from tests.rostering.conftest import IS_POSTGRES, SYD, add_pattern_session

pytestmark = pytest.mark.django_db


def test_measure_counts_queries_and_time():
    from rostering.models import BaseRoster

    with measure("count") as m:
        list(BaseRoster.objects.all())
        list(BaseRoster.objects.all())
    assert m.queries == 2 and m.seconds > 0


@pytest.mark.skipif(
    not IS_POSTGRES and not in_ci(), reason="the SQL yardstick is PostgreSQL SQL; runs in CI"
)
def test_the_sql_copy_writes_the_same_rows_as_the_service(syd_site):
    roster = BaseRosterFactory(start_date=datetime.date(2026, 11, 2), cycle_weeks=1)
    leaver = WorkerFactory(
        active_from=datetime.date(2025, 1, 1), active_to=datetime.date(2026, 11, 20)
    )
    for i in range(5):
        add_pattern_session(
            roster, site=syd_site, worker=leaver if i == 0 else None,
            start=datetime.datetime(2026, 11, 2 + i, 9, tzinfo=SYD),
        )
    period = services.roster_period_create(
        base_roster=roster, start_date=datetime.date(2026, 11, 16), cycles=2
    )

    class RollBack(Exception):
        pass

    with pytest.raises(RollBack), transaction.atomic():
        copied = sql_copy(period=period, roster=roster, cycles=2)
        raise RollBack
    generated = services.roster_period_generate(period=period).rows
    assert {t: copied[t] for t in TABLES} == {t: generated[t] for t in TABLES}
    assert copied["sessions_app_session"] == 10 and copied["sessions_app_sessionworker"] == 9


@pytest.mark.skipif(
    not IS_POSTGRES and not in_ci(), reason="the SQL yardstick is PostgreSQL SQL; runs in CI"
)
def test_the_sql_copy_puts_wall_clock_times_where_the_service_does():
    """Both follow RFC 5545 §3.3.5 on Sydney's changeover nights (a gap time takes the offset
    before the gap, an ambiguous time its first occurrence), and Perth and Brisbane have none."""
    sites = {
        name: SiteFactory(name=name, time_zone=f"Australia/{name}")
        for name in ("Sydney", "Perth", "Brisbane")
    }
    roster = BaseRosterFactory(start_date=datetime.date(2026, 3, 16), cycle_weeks=1)
    for name, site in sites.items():
        tz = zoneinfo.ZoneInfo(site.time_zone)
        for day, hour, minute, hours in (
            (21, 22, 0, 8),  # Sat 22:00 → Sun 06:00, over the change
            (22, 2, 30, 2),  # Sun 02:30, in the gap (Oct) or the repeated hour (Apr)
            (22, 2, 45, 0.5),  # Sun 02:45–03:15: in the gap, ending after it
            (22, 1, 30, 1.25),  # Sun 01:30–02:45
            (16, 9, 0, 2),
        ):
            start = datetime.datetime(2026, 3, day, hour, minute, tzinfo=tz)
            base = add_pattern_session(
                roster, site=site, start=start, hours=hours, asset=False, activity=False,
                subject=f"{name} {start:%a %H:%M}",
            )
            SessionActivityFactory(  # the middle of the session
                session=base, start=start + datetime.timedelta(hours=hours / 4),
                end=start + datetime.timedelta(hours=hours * 3 / 4),
            )
    for start_date in (datetime.date(2026, 3, 30), datetime.date(2026, 9, 28)):
        period = services.roster_period_create(base_roster=roster, start_date=start_date, cycles=2)

        class RollBack(Exception):
            pass

        with pytest.raises(RollBack), transaction.atomic():
            sql_copy(period=period, roster=roster, cycles=2)
            copied = _times(period)
            raise RollBack
        services.roster_period_generate(period=period)
        generated = _times(period)
        assert copied == generated
        assert len(generated["sessions"]) == 30 and len(generated["activities"]) == 30

    # The RFC 5545 times themselves, in Sydney.
    syd = zoneinfo.ZoneInfo("Australia/Sydney")
    shown = {
        (s.subject, s.occurrence_date.isoformat()): (
            f"{s.start.astimezone(syd):%H:%M%z}", f"{s.end.astimezone(syd):%H:%M%z}"
        )
        for s in Session.objects.filter(roster_period__isnull=False, site=sites["Sydney"])
    }
    assert shown[("Sydney Sun 02:30", "2026-10-04")] == ("03:30+1100", "04:30+1100")
    assert shown[("Sydney Sun 02:45", "2026-10-04")] == ("03:45+1100", "04:15+1100")
    assert shown[("Sydney Sun 01:30", "2026-10-04")] == ("01:30+1000", "03:45+1100")
    assert shown[("Sydney Sun 02:30", "2026-04-05")] == ("02:30+1100", "04:30+1000")
    assert shown[("Sydney Sun 01:30", "2026-04-05")] == ("01:30+1100", "02:45+1100")


def _times(period):
    """The period's sessions and activities as (base session, date, start, end) in UTC."""
    sessions = sorted(
        (s.source_session_id, s.occurrence_date, s.start, s.end)
        for s in Session.objects.filter(roster_period=period)
    )
    activities = sorted(
        (a.session.source_session_id, a.session.occurrence_date, a.start, a.end)
        for a in SessionActivity.objects.filter(session__roster_period=period)
        .select_related("session")
    )
    return {"sessions": sessions, "activities": activities}
