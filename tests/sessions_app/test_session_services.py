"""The session invariants: bad input raises a clear ValidationError and saves nothing."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from sessions_app.models import PlannedService, Session, SessionActivity, SessionClient
from sessions_app.services import (
    ActivitySpec,
    ClientSpec,
    PlannedServiceSpec,
    session_create,
    session_update,
)
from tests.factories import (
    AssetFactory,
    BaseRosterFactory,
    ClientFactory,
    GroupTemplateFactory,
    GroupTemplateItemFactory,
    RegionFactory,
    RosterPeriodFactory,
    ServiceAgreementFactory,
    ServiceAgreementLineFactory,
    ServiceTypeFactory,
    SessionTypeFactory,
    SiteFactory,
    WorkerFactory,
)

pytestmark = pytest.mark.django_db
SYD = zoneinfo.ZoneInfo("Australia/Sydney")


def at(day, hour, minute=0):
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=SYD)


@pytest.fixture
def world():
    region = RegionFactory(name="West", code="west")
    site = SiteFactory(name="Parramatta", region=region)
    client = ClientFactory(first_name="Ada", last_name="Lovelace", sites=[site])
    line = ServiceAgreementLineFactory(agreement__client=client)
    return {
        "region": region,
        "site": site,
        "client": client,
        "line": line,
        "session_type": SessionTypeFactory(name="Personal Care"),
        "worker": WorkerFactory(regions=[region]),
        "asset": AssetFactory(region=region, name="Shower chair 1"),
    }


def create(world, **overrides):
    kwargs = dict(
        work_type=Session.WorkType.APPOINTMENT,
        billable=True,
        session_type=world["session_type"],
        start=at(3, 9),
        end=at(3, 11),
        subject="Parramatta · Personal Care · Ada Lovelace",
        site=world["site"],
        clients=[ClientSpec(world["client"], [PlannedServiceSpec(world["line"], Decimal("2"))])],
        workers=[world["worker"]],
        assets=[world["asset"]],
        activities=[ActivitySpec("break", at(3, 10), at(3, 10, 30), paid=False)],
        service_types=[ServiceTypeFactory(name="Personal care")],
    )
    kwargs.update(overrides)
    return session_create(**kwargs)


def assert_nothing_saved():
    assert Session.objects.count() == 0
    assert SessionClient.objects.count() == 0
    assert PlannedService.objects.count() == 0
    assert SessionActivity.objects.count() == 0


def test_a_complete_session_is_saved_with_everything(world):
    session = create(world)
    session.refresh_from_db()
    assert session.home == "live"
    assert session.region == world["region"]  # defaults to the site's region
    assert [sc.client for sc in session.session_clients.all()] == [world["client"]]
    ps = PlannedService.objects.get()
    assert ps.agreement_line == world["line"] and ps.quantity == Decimal("2")
    assert ps.unit_price == world["line"].support_item.price
    assert session.session_workers.get().worker == world["worker"]
    assert session.session_assets.get().asset == world["asset"]
    assert session.activities.get().paid is False
    assert session.service_types.count() == 1


def test_end_must_follow_start(world):
    with pytest.raises(ValidationError) as exc:
        create(world, start=at(3, 11), end=at(3, 11), activities=[])
    assert "End must be after start." in exc.value.message_dict["end"]
    assert_nothing_saved()


def test_an_overnight_session_is_allowed(world):
    session = create(world, start=at(3, 22), end=at(4, 6), activities=[])
    assert session.duration == datetime.timedelta(hours=8)


def test_activities_lie_inside_the_session(world):
    with pytest.raises(ValidationError) as exc:
        create(world, activities=[ActivitySpec("break", at(3, 10, 30), at(3, 11, 30))])
    assert "inside the session" in str(exc.value.message_dict["activities"])
    assert_nothing_saved()


def test_a_client_from_another_site_is_refused(world):
    elsewhere = ClientFactory(first_name="Bob", last_name="Brown", sites=[SiteFactory()])
    with pytest.raises(ValidationError) as exc:
        create(world, clients=[ClientSpec(elsewhere)])
    assert exc.value.message_dict["clients"] == ["Bob Brown is not associated with Parramatta."]
    assert_nothing_saved()


def test_an_asset_of_another_region_is_refused(world):
    far = AssetFactory(name="Minibus 9", region=RegionFactory(name="North", code="north"))
    with pytest.raises(ValidationError) as exc:
        create(world, assets=[far])
    assert exc.value.message_dict["assets"] == ["Minibus 9 is not in the session's region."]
    assert_nothing_saved()


def test_a_planned_service_from_another_clients_agreement_is_refused(world):
    other_line = ServiceAgreementLineFactory()
    with pytest.raises(ValidationError) as exc:
        create(world, clients=[ClientSpec(world["client"], [PlannedServiceSpec(other_line, 1)])])
    assert "is not Ada Lovelace's" in str(exc.value.message_dict["planned_services"])
    assert_nothing_saved()


def test_a_planned_service_needs_an_agreement_active_on_the_session_date(world):
    expired = ServiceAgreementLineFactory(
        agreement=ServiceAgreementFactory(
            client=world["client"],
            start_date=datetime.date(2025, 1, 1),
            end_date=datetime.date(2025, 12, 31),
        )
    )
    with pytest.raises(ValidationError) as exc:
        create(world, clients=[ClientSpec(world["client"], [PlannedServiceSpec(expired, 1)])])
    assert "is not active on Tue 3 Nov 2026" in str(exc.value.message_dict["planned_services"])
    assert_nothing_saved()


@pytest.mark.parametrize("count", [0, 2])
def test_an_appointment_has_exactly_one_client(world, count):
    extra = ClientFactory(sites=[world["site"]])
    specs = [ClientSpec(world["client"]), ClientSpec(extra)][:count]
    with pytest.raises(ValidationError) as exc:
        create(world, clients=specs)
    assert "An Appointment has exactly one client." in exc.value.message_dict["clients"]
    assert_nothing_saved()


def test_a_group_session_takes_several_clients(world):
    second = ClientFactory(sites=[world["site"]])
    session = create(
        world,
        work_type=Session.WorkType.GROUP,
        ratio="1:3",
        clients=[ClientSpec(world["client"]), ClientSpec(second)],
    )
    assert session.session_clients.count() == 2


def test_a_session_has_one_home(world):
    roster = BaseRosterFactory()
    period = RosterPeriodFactory(base_roster=roster)
    with pytest.raises(ValidationError) as exc:
        create(world, base_roster=roster, roster_period=period)
    assert "belongs to one place" in str(exc.value)
    assert_nothing_saved()


def test_a_base_roster_session_is_dated_in_the_first_cycle(world):
    roster = BaseRosterFactory(start_date=datetime.date(2026, 11, 2), cycle_weeks=1)
    assert create(world, base_roster=roster).home == "base_roster"
    with pytest.raises(ValidationError) as exc:
        create(world, base_roster=roster, start=at(10, 9), end=at(10, 11), activities=[])
    assert "first cycle (Mon 2 Nov 2026 – Sun 8 Nov 2026)" in exc.value.message_dict["start"][0]


def test_a_region_that_is_not_the_sites_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        create(world, region=RegionFactory(name="North", code="north"))
    assert exc.value.message_dict["region"] == ["Parramatta is not in the North region."]
    assert_nothing_saved()


def test_an_inactive_worker_is_refused(world):
    gone = WorkerFactory(
        first_name="Old", last_name="Hand", active_to=datetime.date(2026, 6, 30)
    )
    with pytest.raises(ValidationError) as exc:
        create(world, workers=[gone])
    assert exc.value.message_dict["workers"] == ["Old Hand is not active on Tue 3 Nov 2026."]
    assert_nothing_saved()


def test_a_bad_recurrence_rule_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        create(world, recurrence="FREQ=SOMETIMES")
    assert "Not a valid recurrence rule" in exc.value.message_dict["recurrence"][0]
    assert_nothing_saved()


def test_a_failed_update_leaves_the_session_as_it_was(world):
    session = create(world)
    elsewhere = ClientFactory(sites=[SiteFactory()])
    with pytest.raises(ValidationError):
        session_update(session=session, subject="Changed", clients=[ClientSpec(elsewhere)])
    session.refresh_from_db()
    assert session.subject.startswith("Parramatta")
    assert session.session_clients.get().client == world["client"]
    assert PlannedService.objects.count() == 1


def test_group_template_fills_members_and_services(world):
    from sessions_app.services import group_template_clients

    template = GroupTemplateFactory(site=world["site"], members=[world["client"]])
    GroupTemplateItemFactory(template=template, support_item=world["line"].support_item)
    specs = group_template_clients(template, day=datetime.date(2026, 11, 3))
    assert specs[0].client == world["client"]
    assert specs[0].services[0].agreement_line == world["line"]
