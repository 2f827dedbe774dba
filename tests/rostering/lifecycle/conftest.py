"""A roster period to validate and publish, and a helper that puts sessions in it."""

import datetime
import zoneinfo

import pytest

from rostering.checks import check_period
from tests.factories import (
    AssetFactory,
    BaseRosterFactory,
    ClientFactory,
    RegionFactory,
    RosterPeriodFactory,
    SessionAssetFactory,
    SessionClientFactory,
    SessionFactory,
    SessionTypeFactory,
    SessionWorkerFactory,
    SiteFactory,
    WorkerFactory,
)

SYD = zoneinfo.ZoneInfo("Australia/Sydney")


def at(day: str, hhmm: str, tz=SYD) -> datetime.datetime:
    """An aware datetime from '2026-11-17' and '09:00', wall-clock time in `tz`."""
    return datetime.datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=tz)


@pytest.fixture
def pw(db):
    """Period world: one Sydney site, a fortnight period (16–29 Nov 2026), people and things."""
    west = RegionFactory(name="Sydney West", code="sydney-west")
    site = SiteFactory(name="Parramatta", region=west, time_zone="Australia/Sydney")
    roster = BaseRosterFactory(name="Fortnight", start_date=datetime.date(2026, 11, 2))
    period = RosterPeriodFactory(
        base_roster=roster, start_date=datetime.date(2026, 11, 16),
        end_date=datetime.date(2026, 11, 29),
    )
    return {
        "region": west,
        "site": site,
        "roster": roster,
        "period": period,
        "type": SessionTypeFactory(name="Personal Care"),
        "wendy": WorkerFactory(first_name="Wendy", last_name="Walker", regions=[west]),
        "will": WorkerFactory(first_name="Will", last_name="Weaver", regions=[west]),
        "ada": ClientFactory(first_name="Ada", last_name="Lovelace", sites=[site]),
        "chair": AssetFactory(name="Shower chair 1", region=west),
    }


@pytest.fixture
def add_session(pw):
    """add_session('2026-11-17', '09:00', hours=2, workers=[...], clients=[...], assets=[...])

    Puts a session in the period (or on the live schedule with period=None, or in another
    period with period=<RosterPeriod>).
    """

    def make(day, hhmm, *, hours=2.0, workers=(), clients=(), assets=(), period="default",
             site=None, session_type=None, **fields):
        start = at(day, hhmm, (site or pw["site"]).tzinfo)
        session = SessionFactory(
            roster_period=pw["period"] if period == "default" else period,
            site=site or pw["site"],
            session_type=session_type or pw["type"],
            start=start,
            end=start + datetime.timedelta(hours=hours),
            **fields,
        )
        for worker in workers:
            SessionWorkerFactory(session=session, worker=worker)
        for client in clients:
            SessionClientFactory(session=session, client=client)
        for asset in assets:
            SessionAssetFactory(session=session, asset=asset)
        return session

    return make


@pytest.fixture
def issues(pw):
    """issues(rule=None) -> the period's issues (of one rule)."""

    def run(rule=None):
        found = check_period(pw["period"])
        return [i for i in found if rule is None or i.rule == rule]

    return run



@pytest.fixture
def validate(pw, django_capture_on_commit_callbacks, eager_celery):
    """validate(period=None) -> the finished validation job (jobs.Job), run through the task;
    its report is `job.period_validation`."""
    from rostering.publishing import period_validation_request

    def run(period=None):
        period = period or pw["period"]
        with django_capture_on_commit_callbacks(execute=True):
            validation = period_validation_request(period=period)
        validation.refresh_from_db()
        return validation

    return run


