"""session_series_create: a recurring session saved as one session per occurrence, all or
nothing, at the site's wall-clock times, billing the agreement line active on each date."""

import datetime
import uuid
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from sessions_app.models import PlannedService, Session, SessionActivity, SessionSeries
from sessions_app.services import (
    ActivitySpec,
    ClientSpec,
    PlannedServiceSpec,
    session_series_create,
)
from tests.factories import (
    AssetFactory,
    ClientFactory,
    RegionFactory,
    ServiceAgreementLineFactory,
    SessionTypeFactory,
    SiteFactory,
    WorkerFactory,
)

pytestmark = pytest.mark.django_db
SYD = zoneinfo.ZoneInfo("Australia/Sydney")
UTC = datetime.UTC


def at(month, day, hour, minute=0):
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=SYD)


@pytest.fixture
def world():
    region = RegionFactory(name="West", code="west")
    site = SiteFactory(name="Parramatta", region=region)
    client = ClientFactory(first_name="Ada", last_name="Lovelace", sites=[site])
    line = ServiceAgreementLineFactory(
        agreement__client=client, agreement__start_date=datetime.date(2026, 1, 1),
        agreement__end_date=datetime.date(2026, 12, 31),
    )
    return {
        "region": region, "site": site, "client": client, "line": line,
        "session_type": SessionTypeFactory(name="Personal Care"),
        "worker": WorkerFactory(regions=[region]),
        "asset": AssetFactory(region=region, name="Shower chair 1"),
    }


def create(world, *, rule="FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4", first_start=None, **overrides):
    first_start = first_start or at(11, 3, 9)  # Tue 3 Nov 2026
    kwargs = dict(
        work_type=Session.WorkType.APPOINTMENT, billable=True,
        session_type=world["session_type"], end=first_start + datetime.timedelta(hours=2),
        subject="Parramatta · Personal Care · Ada Lovelace", site=world["site"],
        clients=[ClientSpec(world["client"], [PlannedServiceSpec(world["line"], Decimal("2"))])],
        workers=[world["worker"]], assets=[world["asset"]],
        activities=[ActivitySpec("break", first_start + datetime.timedelta(hours=1),
                                 first_start + datetime.timedelta(hours=1, minutes=30),
                                 paid=False)],
        employee_message="Ring the bell twice.",
    )
    kwargs.update(overrides)
    return session_series_create(rule=rule, first_start=first_start, **kwargs)


def test_weekly_on_tue_and_thu_four_times_makes_four_sessions_in_the_series(world):
    series = create(world)
    sessions = list(series.sessions.order_by("start"))
    assert [s.local_start.strftime("%a %d %b %H:%M") for s in sessions] == [
        "Tue 03 Nov 09:00", "Thu 05 Nov 09:00", "Tue 10 Nov 09:00", "Thu 12 Nov 09:00"]
    assert {s.status for s in sessions} == {Session.Status.DRAFT}
    assert all(s.duration == datetime.timedelta(hours=2) for s in sessions)
    assert all(s.home == "live" and s.employee_message == "Ring the bell twice."
               for s in sessions)
    assert series.rule == "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4"
    assert str(series) == "Weekly on Tue and Thu, 4 times"
    assert series.first_start == at(11, 3, 9)
    assert PlannedService.objects.filter(session_client__session__series=series).count() == 4
    for s in sessions:
        act = s.activities.get()
        assert act.start.astimezone(SYD).time() == datetime.time(10, 0)
        assert act.start.astimezone(SYD).date() == s.local_date
        assert s.session_workers.get().worker == world["worker"]
        assert s.session_assets.get().asset == world["asset"]


def test_a_0900_series_stays_0900_across_the_october_change(world):
    series = create(world, rule="FREQ=WEEKLY;COUNT=3", first_start=at(9, 24, 9))
    starts = [s.start.astimezone(SYD) for s in series.sessions.order_by("start")]
    assert [s.time() for s in starts] == [datetime.time(9)] * 3
    assert starts[0].utcoffset() != starts[2].utcoffset()


def test_a_line_not_active_on_an_occurrence_date_names_the_date_and_saves_nothing(world):
    agreement = world["line"].agreement
    agreement.end_date = datetime.date(2026, 11, 9)
    agreement.save()
    with pytest.raises(ValidationError) as exc:
        create(world)
    messages = exc.value.message_dict["planned_services"]
    assert any("Tue 10 Nov 2026" in m for m in messages)
    assert any("Thu 12 Nov 2026" in m for m in messages)
    assert not any("Thu 5 Nov 2026" in m for m in messages)
    assert Session.objects.count() == 0
    assert SessionSeries.objects.count() == 0
    assert PlannedService.objects.count() == 0 and SessionActivity.objects.count() == 0


def test_a_renewed_agreement_bills_the_line_active_on_each_date(world):
    old = world["line"]
    old.agreement.end_date = datetime.date(2026, 11, 9)
    old.agreement.save()
    new = ServiceAgreementLineFactory(
        agreement__client=world["client"], agreement__start_date=datetime.date(2026, 11, 10),
        agreement__end_date=datetime.date(2027, 11, 9), support_item=old.support_item,
        delivery_ratio=old.delivery_ratio,
    )
    series = create(world)
    lines = [ps.agreement_line for ps in PlannedService.objects.filter(
        session_client__session__series=series).order_by("session_client__session__start")]
    assert lines == [old, old, new, new]


def test_a_worker_leaving_mid_series_fails_the_whole_series(world):
    worker = world["worker"]
    worker.active_to = datetime.date(2026, 11, 6)
    worker.save()
    with pytest.raises(ValidationError) as exc:
        create(world)
    assert any("Tue 10 Nov 2026" in m for m in exc.value.message_dict["workers"])
    assert Session.objects.count() == 0 and SessionSeries.objects.count() == 0


def test_a_problem_of_the_first_session_is_reported_as_for_one_session(world):
    with pytest.raises(ValidationError) as exc:
        create(world, clients=[])
    assert exc.value.message_dict["clients"] == ["An Appointment has exactly one client."]
    assert Session.objects.count() == 0 and SessionSeries.objects.count() == 0


@pytest.mark.parametrize("rule, text", [
    ("FREQ=DAILY;COUNT=400", "at most 366"),
    ("FREQ=WEEKLY;UNTIL=20271231T235959", "at most a year"),
    ("FREQ=WEEKLY;BYDAY=MO;COUNT=2", "a Tuesday"),
    ("FREQ=SOMETIMES", "daily, weekly or monthly"),
])
def test_a_rule_beyond_the_bound_or_outside_the_options_is_refused(world, rule, text):
    with pytest.raises(ValidationError) as exc:
        create(world, rule=rule)
    assert text in " ".join(exc.value.message_dict["recurrence"])
    assert Session.objects.count() == 0


def test_the_same_form_token_returns_the_same_series(world):
    token = uuid.uuid4()
    first = create(world, form_token=token)
    again = create(world, form_token=token)
    assert again.pk == first.pk
    assert Session.objects.count() == 4


def test_the_gap_week_starts_at_0330_and_keeps_the_activity_inside(world):
    series = create(world, rule="FREQ=WEEKLY;COUNT=2", first_start=at(9, 27, 2, 30))
    gap_week = series.sessions.order_by("start").last()
    local = gap_week.start.astimezone(SYD)
    assert (local.day, local.hour, local.minute) == (4, 3, 30)
    act = gap_week.activities.get()
    assert gap_week.start <= act.start < act.end <= gap_week.end
