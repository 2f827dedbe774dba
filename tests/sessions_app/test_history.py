"""The history of a session: every change recorded with who and when, read as a timeline."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.db.models import F
from django.urls import reverse

from sessions_app.history import session_history
from sessions_app.history_records import acting_as
from sessions_app.models import (
    PlannedService,
    Session,
    SessionActivity,
    SessionAsset,
    SessionClient,
    SessionWorker,
)
from sessions_app.services import (
    ActivitySpec,
    ClientSpec,
    PlannedServiceSpec,
    session_create,
    session_update,
)
from tests.factories import ServiceTypeFactory
from tests.sessions_app.conftest import form_data

pytestmark = pytest.mark.django_db
SYD = zoneinfo.ZoneInfo("Australia/Sydney")


def at(day, hour, minute=0):
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=SYD)


def create(world, **overrides):
    kwargs = dict(
        work_type=Session.WorkType.APPOINTMENT,
        billable=True,
        session_type=world["session_type"],
        start=at(3, 9),
        end=at(3, 11),
        subject="Visit",
        site=world["parra"],
        clients=[ClientSpec(world["ada"], [PlannedServiceSpec(world["ada_line"], Decimal("2"))])],
        workers=[world["wendy"]],
        assets=[],
        activities=[],
        service_types=[],
    )
    kwargs.update(overrides)
    return session_create(**kwargs)


def age_history(minutes=5):
    """Move what is recorded so far into the past: the next save is a later entry (changes
    within a second of each other by the same person read as one save)."""
    for model in (
        Session, SessionClient, PlannedService, SessionWorker, SessionAsset, SessionActivity
    ):
        model.history.model.objects.update(
            history_date=F("history_date") - datetime.timedelta(minutes=minutes)
        )


def test_a_change_through_the_form_is_recorded_with_the_user_and_time(scheduler_client, world):
    url = reverse("rostering:base_roster_session_create", args=[world["roster"].pk])
    scheduler_client.post(url, form_data(world))
    session = Session.objects.select_related("site").get()
    age_history()
    edit = reverse("sessions_app:edit", args=[session.pk])
    r = scheduler_client.post(edit, form_data(
        world, start="2026-11-03T10:00", end="2026-11-03T12:00", workers=[world["will"].pk],
        version=session.version,
    ))
    assert r.status_code == 302

    latest, created = session_history(session=session)
    assert latest.who == "sam" and created.who == "sam"
    assert latest.when.tzinfo is not None and latest.when.utcoffset() == datetime.timedelta(
        hours=11
    )  # shown at the site (AEDT)
    assert "Start: 09:00 → 10:00" in latest.changes
    assert "End: 11:00 → 12:00" in latest.changes
    assert "Workers: Wendy Worker → Will Other" in latest.changes  # one line, not two
    assert created.changes[0] == "Created"
    assert "Clients: + Ada Lovelace" in created.changes


def test_a_worker_swap_through_the_service_reads_as_one_line(world, scheduler):
    session = create(world)
    age_history()
    with acting_as(scheduler):
        session_update(session=session, workers=[world["will"]])
    entry = session_history(session=session)[0]
    assert entry.who == "sam"
    assert entry.changes == ["Workers: Wendy Worker → Will Other"]
    # the booking copy on the link (start, end, active) is not recorded
    history = SessionWorker.history.model
    assert not hasattr(history, "active") and "start" not in {
        f.name for f in history._meta.fields
    }


def test_without_a_request_or_user_the_change_is_the_systems(world):
    session = create(world)
    age_history()
    session_update(session=session, subject="Morning visit")
    entry = session_history(session=session)[0]
    assert entry.who == "system"
    assert entry.changes == ["Subject: Visit → Morning visit"]


def test_planned_services_activities_status_and_service_types_read_plainly(world, scheduler):
    session = create(world)
    care = ServiceTypeFactory(name="Personal care")
    age_history()
    with acting_as(scheduler):
        session_update(
            session=session,
            status=Session.Status.ROSTERED,
            clients=[ClientSpec(world["ada"], [
                PlannedServiceSpec(world["ada_line"], Decimal("3"))
            ])],
            activities=[ActivitySpec("break", at(3, 10), at(3, 10, 30), paid=True)],
            service_types=[care],
        )
    changes = session_history(session=session)[0].changes
    assert "Status: Draft → Rostered" in changes
    assert "Planned services: Ada Lovelace 01_011_0107_1_1 × 2.00 → × 3.00" in changes
    assert "Activities: + Break 10:00–10:30" in changes
    assert "Service types: + Personal care" in changes


def test_an_unchanged_save_adds_no_entry(world):
    session = create(world)
    before = len(session_history(session=session))
    age_history()
    session_update(session=session, subject="Visit")
    assert len(session_history(session=session)) == before


@pytest.mark.parametrize("edits", [2, 12])
def test_reading_the_history_takes_the_same_queries_whatever_its_length(
    world, django_assert_max_num_queries, edits
):
    session = create(world, service_types=[ServiceTypeFactory(name="Transport")])
    for i in range(edits):
        age_history()
        session_update(
            session=session, subject=f"Visit {i}",
            workers=[world["will"] if i % 2 else world["wendy"]],
            activities=[ActivitySpec("break", at(3, 10), at(3, 10, 15 + i), paid=False)],
        )
    session = Session.objects.select_related("site").get(pk=session.pk)
    with django_assert_max_num_queries(7):
        entries = session_history(session=session)
    assert len(entries) == edits + 1


def test_the_admin_shows_the_history_read_only(admin_client, world):
    session = create(world)
    age_history()
    session_update(session=session, subject="Morning visit")
    history = reverse("admin:sessions_app_session_history", args=[session.pk])
    r = admin_client.get(history)
    assert r.status_code == 200 and "Morning visit" in r.content.decode()
    change = reverse("admin:sessions_app_session_change", args=[session.pk])
    assert history in admin_client.get(change).content.decode()  # the History button
    version = Session.history.model.objects.filter(id=session.pk).earliest("history_date")
    past = reverse(
        "admin:sessions_app_session_simple_history", args=[session.pk, version.history_id]
    )
    assert admin_client.get(past).status_code == 200
    assert "Revert" not in admin_client.get(past).content.decode()
    # a past version is never saved back (the services check every write)
    assert admin_client.post(past, {"subject": "Visit"}).status_code == 405
    session.refresh_from_db()
    assert session.subject == "Morning visit"


@pytest.mark.parametrize("name", ["baseroster", "rosterperiod"])
def test_base_rosters_and_roster_periods_have_a_history_button(admin_client, world, name):
    obj = world["roster"] if name == "baseroster" else world["period"]
    url = reverse(f"admin:rostering_{name}_history", args=[obj.pk])
    assert admin_client.get(url).status_code == 200


def test_two_saves_within_a_second_are_two_entries(world, scheduler):
    """A save of the session starts an entry: one person's quick changes (menu action after
    menu action) are not read as one."""
    session = create(world)
    age_history()
    with acting_as(scheduler):
        session_update(session=session, workers=[world["will"]], user=scheduler)
        session_update(session=session, subject="Morning visit", user=scheduler)
    entries = session_history(session=session)
    assert [e.changes for e in entries[:2]] == [
        ["Subject: Visit → Morning visit"], ["Workers: Wendy Worker → Will Other"]
    ]
