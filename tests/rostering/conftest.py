"""Fixtures for roster-period generation: a base roster whose sessions have every kind of child."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.conf import settings

from tests.factories import (
    AssetFactory,
    BaseRosterFactory,
    ClientFactory,
    RegionFactory,
    ServiceAgreementLineFactory,
    ServiceTypeFactory,
    SessionActivityFactory,
    SessionAssetFactory,
    SessionClientFactory,
    SessionFactory,
    SessionTypeFactory,
    SessionWorkerFactory,
    SiteFactory,
    SupportItemFactory,
    WorkerFactory,
)

SYD = zoneinfo.ZoneInfo("Australia/Sydney")
IS_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")



def add_pattern_session(
    roster,
    *,
    site,
    start: datetime.datetime,
    hours: float = 2,
    client=None,
    line=None,
    worker=None,
    asset=True,
    activity=True,
    service_type=None,
    **fields,
):
    """A base-roster session with a client, planned service, worker, asset, break and type."""
    from sessions_app.models import PlannedService

    session = SessionFactory(
        base_roster=roster,
        site=site,
        start=start,
        end=start + datetime.timedelta(hours=hours),
        session_type=SessionTypeFactory(name="Personal Care"),
        **fields,
    )
    client = client or ClientFactory(sites=[site])
    sc = SessionClientFactory(session=session, client=client)
    if line is None:
        line = ServiceAgreementLineFactory(
            agreement__client=client,
            support_item=SupportItemFactory(item_number="01_011_0107_1_1"),
        )
    if line is not False:
        PlannedService.objects.create(
            session_client=sc, agreement_line=line, support_item=line.support_item,
            quantity=Decimal(str(hours)), unit_price=line.support_item.price,
        )
    SessionWorkerFactory(session=session, worker=worker or WorkerFactory())
    if asset:
        SessionAssetFactory(session=session, asset=AssetFactory(region=site.region))
    if activity:
        SessionActivityFactory(
            session=session,
            start=start + datetime.timedelta(minutes=30),
            end=start + datetime.timedelta(minutes=60),
        )
    if service_type is not False:
        session.service_types.add(service_type or ServiceTypeFactory(name="Personal care"))
    return session


@pytest.fixture
def syd_site():
    return SiteFactory(
        name="Parramatta Day Centre",
        region=RegionFactory(name="Sydney West", code="syd-west"),
        time_zone="Australia/Sydney",
    )


@pytest.fixture
def fortnight(syd_site):
    """A 2-week base roster from Mon 2 Nov 2026 with three full pattern sessions."""
    roster = BaseRosterFactory(
        name="Fortnight", start_date=datetime.date(2026, 11, 2), cycle_weeks=2
    )
    sessions = [
        add_pattern_session(
            roster, site=syd_site, start=datetime.datetime(2026, 11, 2 + i * 4, 9, tzinfo=SYD)
        )
        for i in range(3)
    ]
    return roster, sessions
