"""bench_generation's yardstick copies exactly the rows the generation service writes."""

import datetime

import pytest
from django.db import transaction

from demo.management.commands.bench_generation import TABLES, measure, sql_copy
from rostering import services
from tests.conftest import in_ci
from tests.factories import BaseRosterFactory, WorkerFactory
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
