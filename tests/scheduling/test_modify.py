"""The session menu's actions as services (scheduling.modify): each rule, refused or applied."""

import datetime
import zoneinfo

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from rostering.models import Notification
from scheduling.changes import Scope
from scheduling.modify import (
    session_activities_modify,
    session_times_modify,
    session_workers_modify,
)
from sessions_app.bookings import links_sync
from sessions_app.models import Session, SessionActivity, SessionSeries
from sessions_app.services import ActivitySpec
from tests.factories import (
    QualificationFactory,
    WorkerFactory,
    WorkerQualificationFactory,
    WorkerUnavailabilityFactory,
    give_regions,
)
from tests.factories.rostering import BaseRosterFactory
from tests.scheduling.conftest import at

pytestmark = pytest.mark.django_db
SYD = zoneinfo.ZoneInfo("Australia/Sydney")


@pytest.fixture
def coordinator(django_user_model):
    user = give_regions(django_user_model.objects.create_user("coord", password="pw-12345678"))
    user.groups.add(Group.objects.get(name="Coordinator"))
    return user


@pytest.fixture
def scheduler(django_user_model):
    user = give_regions(django_user_model.objects.create_user("sched", password="pw-12345678"))
    user.groups.add(Group.objects.get(name="Scheduler"))
    return user


def _rostered(make, *args, **kw):
    s = make(*args, **kw)
    Session.objects.filter(pk=s.pk).update(status="rostered")
    links_sync(sessions=Session.objects.filter(pk=s.pk))
    s.refresh_from_db()
    return s


def _series(make, n=4, status="rostered", **kw):
    first = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"), **kw)
    series = SessionSeries.objects.create(rule=f"FREQ=WEEKLY;COUNT={n}", first_start=first.start)
    sessions = [first] + [
        make(at(f"2026-12-{1 + 7 * i:02d}", "09:00"), at(f"2026-12-{1 + 7 * i:02d}", "11:00"),
             **kw)
        for i in range(1, n)
    ]
    Session.objects.filter(pk__in=[s.pk for s in sessions]).update(series=series, status=status)
    links_sync(sessions=Session.objects.filter(series=series))
    return [Session.objects.select_related("site").get(pk=s.pk) for s in sessions]


def _workers(session):
    return sorted(session.session_workers.values_list("worker__first_name", flat=True))


# --- Modify Workers ---------------------------------------------------------------------------
def test_a_swap_on_a_rostered_session_tells_each_worker_once(
    live, make, coordinator, django_capture_on_commit_callbacks
):
    s = _rostered(make, at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    with django_capture_on_commit_callbacks(execute=True):
        session_workers_modify(session=s, add_ids=[live["will"].pk],
                               remove_ids=[live["wendy"].pk], scope=Scope.THIS, user=coordinator)
    assert _workers(s) == ["Will"]
    will = Notification.objects.get(worker=live["will"])
    wendy = Notification.objects.get(worker=live["wendy"])
    assert "You are now rostered to" in will.body and "Tue 1 Dec 2026 09:00–11:00" in will.body
    assert "You are no longer rostered to" in wendy.body
    assert len(mail.outbox) == 2


def test_a_draft_session_notifies_nobody(live, make, coordinator):
    s = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    session_workers_modify(session=s, add_ids=[live["will"].pk], remove_ids=[],
                           scope=Scope.THIS, user=coordinator)
    assert _workers(s) == ["Wendy", "Will"]
    assert not Notification.objects.exists()


def test_a_worker_on_leave_is_refused_on_a_rostered_session_with_the_reason(
    live, make, coordinator
):
    s = _rostered(make, at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    WorkerUnavailabilityFactory(worker=live["will"], start=at("2026-11-30"),
                                end=at("2026-12-03"), reason="Annual leave")
    with pytest.raises(ValidationError) as exc:
        session_workers_modify(session=s, add_ids=[live["will"].pk], remove_ids=[],
                               scope=Scope.THIS, user=coordinator)
    assert "Will Wong is on leave" in str(exc.value) and "Annual leave" in str(exc.value)
    assert _workers(s) == ["Wendy"]


def test_a_draft_takes_a_worker_on_leave_it_is_only_a_warning_there(live, make, coordinator):
    s = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    WorkerUnavailabilityFactory(worker=live["will"], start=at("2026-11-30"),
                                end=at("2026-12-03"))
    session_workers_modify(session=s, add_ids=[live["will"].pk], remove_ids=[],
                           scope=Scope.THIS, user=coordinator)
    assert "Will" in _workers(s)


def test_an_unqualified_worker_is_refused_on_a_rostered_session(live, make, coordinator):
    first_aid = QualificationFactory(name="First Aid")
    live["type"].required_qualifications.add(first_aid)
    WorkerQualificationFactory(worker=live["wendy"], qualification=first_aid)
    s = _rostered(make, at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    with pytest.raises(ValidationError, match="does not hold First Aid"):
        session_workers_modify(session=s, add_ids=[live["will"].pk], remove_ids=[],
                               scope=Scope.THIS, user=coordinator)


def test_an_inactive_worker_is_refused(live, make, coordinator):
    s = _rostered(make, at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    gone = WorkerFactory(first_name="Gus", last_name="Gone", active_to=datetime.date(2026, 6, 1))
    with pytest.raises(ValidationError, match="not active"):
        session_workers_modify(session=s, add_ids=[gone.pk], remove_ids=[], scope=Scope.THIS,
                               user=coordinator)


def test_a_double_booking_on_the_live_schedule_is_a_message(live, make, coordinator):
    _rostered(make, at("2026-12-01", "10:00"), at("2026-12-01", "12:00"), workers=["will"],
              client="bea")
    s = _rostered(make, at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    with pytest.raises(ValidationError, match="Will Wong is already rostered"):
        session_workers_modify(session=s, add_ids=[live["will"].pk], remove_ids=[],
                               scope=Scope.THIS, user=coordinator)
    assert _workers(s) == ["Wendy"]


def test_foreign_or_unknown_ids_are_messages(live, make, coordinator):
    s = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    with pytest.raises(ValidationError, match="does not exist"):
        session_workers_modify(session=s, add_ids=[987654], remove_ids=[], scope=Scope.THIS,
                               user=coordinator)
    with pytest.raises(ValidationError, match="not in this session"):
        session_workers_modify(session=s, add_ids=[], remove_ids=[live["will"].pk],
                               scope=Scope.THIS, user=coordinator)
    with pytest.raises(ValidationError, match="Choose a worker"):
        session_workers_modify(session=s, add_ids=[], remove_ids=[], scope=Scope.THIS,
                               user=coordinator)


def test_following_in_a_series_changes_those_and_tells_each_worker_once(
    live, make, coordinator, django_capture_on_commit_callbacks
):
    a, b, c, d = _series(make)
    with django_capture_on_commit_callbacks(execute=True):
        changed = session_workers_modify(session=b, add_ids=[live["will"].pk],
                                         remove_ids=[live["wendy"].pk], scope=Scope.FOLLOWING,
                                         user=coordinator)
    assert [s.pk for s in changed] == [b.pk, c.pk, d.pk]
    assert _workers(a) == ["Wendy"] and _workers(d) == ["Will"]
    will = Notification.objects.get(worker=live["will"])
    assert will.body.count("You are now rostered to") == 3
    assert Notification.objects.count() == 2 and len(mail.outbox) == 2


def test_a_problem_on_one_date_of_the_series_rolls_back_all_and_names_it(
    live, make, coordinator
):
    a, b, c, d = _series(make)
    WorkerUnavailabilityFactory(worker=live["will"], start=at("2026-12-15", "00:00"),
                                end=at("2026-12-16", "00:00"))
    with pytest.raises(ValidationError) as exc:
        session_workers_modify(session=a, add_ids=[live["will"].pk], remove_ids=[],
                               scope=Scope.ALL, user=coordinator)
    assert "Tue 15 Dec 2026" in str(exc.value)
    assert all(_workers(s) == ["Wendy"] for s in (a, b, c, d))
    assert not Notification.objects.exists()


# --- who may ------------------------------------------------------------------------------------
def _pattern(live, make):
    roster = BaseRosterFactory(site=live["site"], start_date=datetime.date(2026, 11, 30))
    return make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"), base_roster=roster)


@pytest.mark.parametrize("action", ["workers", "times", "activities"])
def test_every_action_is_refused_to_a_coordinator_on_a_pattern_session(
    live, make, coordinator, scheduler, action
):
    s = _pattern(live, make)
    call = _call(action, s, live)
    with pytest.raises(PermissionDenied, match="Only a scheduler"):
        call(coordinator)
    call(scheduler)  # the scheduler may


@pytest.mark.parametrize("action", ["workers", "times", "activities"])
def test_every_action_is_refused_on_a_complete_session_and_without_a_role(
    live, make, coordinator, django_user_model, action
):
    s = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    nobody = give_regions(django_user_model.objects.create_user("nobody", password="pw-12345678"))
    with pytest.raises(PermissionDenied, match="Your role"):
        _call(action, s, live)(nobody)
    Session.objects.filter(pk=s.pk).update(status="complete")
    s.refresh_from_db()
    with pytest.raises(PermissionDenied, match="Complete session cannot be changed"):
        _call(action, s, live)(coordinator)


def _call(action, s, live):
    def run(user):
        if action == "workers":
            return session_workers_modify(session=s, add_ids=[live["will"].pk], remove_ids=[],
                                          scope=Scope.THIS, user=user)
        if action == "times":
            return session_times_modify(session=s, start=datetime.datetime(2026, 12, 1, 10),
                                        end=datetime.datetime(2026, 12, 1, 12), scope=Scope.THIS,
                                        user=user)
        return session_activities_modify(
            session=s, activities=[ActivitySpec("break", at("2026-12-01", "10:00"),
                                                at("2026-12-01", "10:30"), False)],
            scope=Scope.THIS, user=user)
    return run


# --- Modify Session Times ------------------------------------------------------------------------
def test_new_times_move_the_session_and_its_activities_and_tell_its_workers(
    live, make, coordinator, django_capture_on_commit_callbacks
):
    s = _rostered(make, at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    SessionActivity.objects.create(session=s, kind="break", start=at("2026-12-01", "10:00"),
                                   end=at("2026-12-01", "10:30"), paid=False)
    with django_capture_on_commit_callbacks(execute=True):
        session_times_modify(session=s, start=datetime.datetime(2026, 12, 1, 13),
                             end=datetime.datetime(2026, 12, 1, 15, 30), scope=Scope.THIS,
                             user=coordinator)
    s.refresh_from_db()
    assert s.wall_start == datetime.datetime(2026, 12, 1, 13)
    assert s.wall_end == datetime.datetime(2026, 12, 1, 15, 30)
    act = s.activities.get()
    assert act.start == at("2026-12-01", "14:00")
    body = Notification.objects.get(worker=live["wendy"]).body
    assert "09:00–11:00 → now Tue 1 Dec 2026 13:00–15:30" in body


def test_a_series_keeps_each_date_and_takes_the_new_wall_clock_times_across_dst(
    live, make, coordinator
):
    # Sydney's clocks go forward on Sun 4 Oct 2026: 09:00 stays 09:00 on each side.
    first = make(at("2026-09-29", "09:00"), at("2026-09-29", "11:00"))
    second = make(at("2026-10-06", "09:00"), at("2026-10-06", "11:00"))
    series = SessionSeries.objects.create(rule="FREQ=WEEKLY;COUNT=2", first_start=first.start)
    Session.objects.filter(pk__in=[first.pk, second.pk]).update(series=series)
    first.refresh_from_db()
    session_times_modify(session=first, start=datetime.datetime(2026, 9, 29, 8),
                         end=datetime.datetime(2026, 9, 29, 10), scope=Scope.ALL,
                         user=coordinator)
    second.refresh_from_db()
    assert second.wall_start == datetime.datetime(2026, 10, 6, 8)
    assert second.wall_end == datetime.datetime(2026, 10, 6, 10)


def test_a_typed_time_in_a_dst_gap_is_a_message(live, make, coordinator):
    s = make(at("2026-10-03", "22:00"), at("2026-10-04", "06:00"))
    with pytest.raises(ValidationError, match="does not exist"):
        session_times_modify(session=s, start=datetime.datetime(2026, 10, 4, 2, 30),
                             end=datetime.datetime(2026, 10, 4, 6), scope=Scope.THIS,
                             user=coordinator)


def test_times_that_would_double_book_a_worker_are_refused(live, make, coordinator):
    _rostered(make, at("2026-12-01", "13:00"), at("2026-12-01", "15:00"), client="bea")
    s = _rostered(make, at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    with pytest.raises(ValidationError, match="already rostered"):
        session_times_modify(session=s, start=datetime.datetime(2026, 12, 1, 12),
                             end=datetime.datetime(2026, 12, 1, 14), scope=Scope.THIS,
                             user=coordinator)
    s.refresh_from_db()
    assert s.start == at("2026-12-01", "09:00")


def test_new_times_into_a_workers_leave_are_refused_on_a_rostered_session(
    live, make, coordinator
):
    s = _rostered(make, at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    WorkerUnavailabilityFactory(worker=live["wendy"], kind="unavailable",
                                start=at("2026-12-01", "12:00"), end=at("2026-12-01", "18:00"),
                                reason="School pickup")
    with pytest.raises(ValidationError, match="Wendy Walker is unavailable"):
        session_times_modify(session=s, start=datetime.datetime(2026, 12, 1, 13),
                             end=datetime.datetime(2026, 12, 1, 15), scope=Scope.THIS,
                             user=coordinator)


def test_end_before_start_is_a_message(live, make, coordinator):
    s = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    with pytest.raises(ValidationError, match="End must be after start"):
        session_times_modify(session=s, start=datetime.datetime(2026, 12, 1, 13),
                             end=datetime.datetime(2026, 12, 1, 12), scope=Scope.THIS,
                             user=coordinator)


# --- Modify Activities ---------------------------------------------------------------------------
def test_activities_are_added_changed_and_removed(live, make, coordinator):
    s = make(at("2026-12-01", "09:00"), at("2026-12-01", "13:00"))
    old = SessionActivity.objects.create(session=s, kind="break", start=at("2026-12-01", "10:00"),
                                         end=at("2026-12-01", "10:30"), paid=False)
    session_activities_modify(session=s, activities=[
        ActivitySpec("break", at("2026-12-01", "11:00"), at("2026-12-01", "11:30"), False,
                     id=old.pk),
        ActivitySpec("overtime", at("2026-12-01", "12:00"), at("2026-12-01", "13:00"), True),
    ], scope=Scope.THIS, user=coordinator)
    rows = list(s.activities.order_by("start").values_list("pk", "kind"))
    assert rows == [(old.pk, "break"), (rows[1][0], "overtime")]
    session_activities_modify(session=s, activities=[], scope=Scope.THIS, user=coordinator)
    assert not s.activities.exists()


def test_an_activity_outside_the_session_is_a_message(live, make, coordinator):
    s = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    with pytest.raises(ValidationError, match="inside the session's times"):
        session_activities_modify(session=s, activities=[
            ActivitySpec("break", at("2026-12-01", "10:30"), at("2026-12-01", "11:30"), False)],
            scope=Scope.THIS, user=coordinator)


def test_activities_for_all_in_the_series_land_on_each_date(live, make, coordinator):
    a, b, c, d = _series(make, status="draft")
    session_activities_modify(session=b, activities=[
        ActivitySpec("break", at("2026-12-08", "10:00"), at("2026-12-08", "10:30"), False)],
        scope=Scope.ALL, user=coordinator)
    assert d.activities.get().start == at("2026-12-22", "10:00")
    assert a.activities.get().start == at("2026-12-01", "10:00")
