"""The rules every session-menu action shares (scheduling.changes)."""

import datetime
import uuid
import zoneinfo

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied

from rostering.models import Notification
from scheduling.changes import (
    Scope,
    check_can_modify,
    modify_refusal,
    notify_workers,
    sessions_in_scope,
)
from sessions_app.models import Session, SessionSeries
from tests.factories import give_regions
from tests.factories.clients import SiteFactory
from tests.factories.rostering import BaseRosterFactory, WorkerFactory
from tests.factories.sessions import SessionFactory

pytestmark = pytest.mark.django_db
SYD = zoneinfo.ZoneInfo("Australia/Sydney")


def _user(django_user_model, name, role=None):
    user = give_regions(django_user_model.objects.create_user(name, password="pw-12345678"))
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.mark.parametrize("status", ["draft", "rostered", "in_progress"])
def test_open_statuses_can_be_changed_by_a_coordinator(django_user_model, status):
    session = SessionFactory(status=status)
    assert modify_refusal(session=session, user=_user(django_user_model, "c", "Coordinator")) \
        is None


@pytest.mark.parametrize("status", ["complete", "cancelled"])
def test_closed_statuses_are_refused_with_the_reason(django_user_model, status):
    session = SessionFactory(status=status)
    user = _user(django_user_model, "c", "Coordinator")
    assert "only Draft, Rostered and In Progress" in modify_refusal(session=session, user=user)
    with pytest.raises(PermissionDenied):
        check_can_modify(session=session, user=user)


def test_pattern_sessions_are_the_schedulers(django_user_model):
    site = SiteFactory()
    roster = BaseRosterFactory(site=site)
    session = SessionFactory(
        base_roster=roster, site=site,
        start=datetime.datetime.combine(roster.start_date, datetime.time(9), SYD),
        end=datetime.datetime.combine(roster.start_date, datetime.time(11), SYD),
    )
    coordinator = _user(django_user_model, "c", "Coordinator")
    scheduler = _user(django_user_model, "s", "Scheduler")
    assert "Only a scheduler" in modify_refusal(session=session, user=coordinator)
    assert modify_refusal(session=session, user=scheduler) is None


def test_a_user_without_a_role_is_refused(django_user_model):
    with pytest.raises(PermissionDenied):
        check_can_modify(session=SessionFactory(), user=_user(django_user_model, "x"))


def _series(n=4):
    first = SessionFactory(status="rostered")
    series = SessionSeries.objects.create(rule="FREQ=WEEKLY;COUNT=4", first_start=first.start)
    sessions = [first] + [
        SessionFactory(
            site=first.site, status="rostered",
            start=first.start + datetime.timedelta(weeks=i),
            end=first.end + datetime.timedelta(weeks=i),
        )
        for i in range(1, n)
    ]
    Session.objects.filter(pk__in=[s.pk for s in sessions]).update(series=series)
    for s in sessions:
        s.refresh_from_db()
    return sessions


def test_scope_reaches_this_following_or_all_open_sessions_of_the_series():
    a, b, c, d = _series()
    Session.objects.filter(pk=d.pk).update(status="complete")
    assert sessions_in_scope(session=b, scope=Scope.THIS) == [b]
    assert sessions_in_scope(session=b, scope=Scope.FOLLOWING) == [b, c]
    assert sessions_in_scope(session=b, scope=Scope.ALL) == [a, b, c]


def test_a_session_in_no_series_is_only_itself_and_a_bad_scope_is_refused():
    session = SessionFactory()
    assert sessions_in_scope(session=session, scope=Scope.ALL) == [session]
    with pytest.raises(PermissionDenied):
        sessions_in_scope(session=session, scope="everything")


def test_a_worker_is_told_once_per_change_even_when_retried(django_capture_on_commit_callbacks):
    w1, w2 = WorkerFactory(email="a@example.org"), WorkerFactory(email="b@example.org")
    key = uuid.uuid4().hex
    with django_capture_on_commit_callbacks(execute=True):
        assert notify_workers(
            change_key=key, notices={w1.pk: ["Removed from X"], w2.pk: ["Added to X"]},
            subject="Session changed",
        ) == 2
        notify_workers(change_key=key, notices={w1.pk: ["Removed from X"]}, subject="again")
    assert Notification.objects.filter(change_key=key).count() == 2
    assert len(mail.outbox) == 2
    assert "Removed from X" in Notification.objects.get(worker=w1).body
