"""Cancelling clients and sessions, and undoing it (scheduling.cancellations)."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F

from rostering.models import Notification
from scheduling.cancellations import (
    cancellation_undo,
    session_cancel,
    session_clients_cancel,
)
from sessions_app.bookings import links_sync
from sessions_app.models import CancellationReason, Session, SessionClient, SessionWorker
from sessions_app.selectors import agreement_line_usage
from sessions_app.services import ClientSpec, PlannedServiceSpec, session_create
from tests.factories import BaseRosterFactory, SessionClientFactory, SessionFactory, give_regions
from tests.scheduling.conftest import at

pytestmark = pytest.mark.django_db

SESSION_DAY = "2026-12-01"  # a Tuesday
SHORT = at("2026-11-30", "10:00")  # the day before: no clear day
MINUTE = datetime.timedelta(minutes=1)
AHEAD = at("2026-11-20", "10:00")  # ten clear days, six of them business days


@pytest.fixture
def coordinator(django_user_model):
    user = give_regions(django_user_model.objects.create_user("cora", password="pw-cora-12345"))
    user.groups.add(Group.objects.get(name="Coordinator"))
    return user


@pytest.fixture
def nsdh():
    return CancellationReason.objects.get(code="NSDH")


def book(session, status=Session.Status.ROSTERED):
    Session.objects.filter(pk=session.pk).update(status=status)
    links_sync(sessions=Session.objects.filter(pk=session.pk))
    session.refresh_from_db()
    return session


@pytest.fixture
def group(live):
    """A Rostered Group session of Ada and Bea with Wendy, Tue 1 Dec 09:00–11:00."""
    session = session_create(
        work_type=Session.WorkType.GROUP, ratio="1:2", session_type=live["type"],
        start=at(SESSION_DAY, "09:00"), end=at(SESSION_DAY, "11:00"),
        subject="Group outing", site=live["site"],
        clients=[
            ClientSpec(live[c], [PlannedServiceSpec(live[f"{c}_line"], Decimal("2"))])
            for c in ("ada", "bea")
        ],
        workers=[live["wendy"]], assets=[live["chair"]],
    )
    return book(session)


def notes_of(session):
    return Notification.objects.filter(change_key__contains=f":{session.pk}:")


def links(session):
    return {sc.client.first_name: sc for sc in session.session_clients.select_related("client")}


def test_the_ndis_reasons_come_with_the_product():
    assert set(CancellationReason.objects.values_list("code", flat=True)) >= {
        "NSDH", "NSDF", "NSDT", "NSDO"
    }
    assert str(CancellationReason.objects.get(code="NSDT")) == (
        "NSDT — No show due to the unavailability of transport"
    )


def test_one_client_of_a_group_is_cancelled_and_the_session_goes_on(
    group, live, coordinator, nsdh
):
    before = group.version
    result = session_clients_cancel(session=group, client_ids=[live["ada"].pk], reason=nsdh,
                                    details="Flu", user=coordinator, now=SHORT)
    assert not result.session_cancelled
    group.refresh_from_db()
    assert group.status == Session.Status.ROSTERED
    # An open session form is told someone changed the session meanwhile.
    assert (group.version, group.updated_by) == (before + 1, coordinator)
    ada, bea = links(group)["Ada"], links(group)["Bea"]
    assert ada.status == SessionClient.Status.CANCELLED
    assert (ada.reason, ada.cancellation_reason, ada.cancelled_by) == (nsdh, "Flu", coordinator)
    assert ada.cancelled_at == SHORT
    assert bea.status == SessionClient.Status.SCHEDULED
    assert SessionWorker.objects.get(session=group).active  # Wendy still booked
    assert not Notification.objects.exists()


def test_cancelling_the_last_client_cancels_the_session(group, live, coordinator, nsdh):
    session_clients_cancel(session=group, client_ids=[live["ada"].pk], reason=nsdh,
                           user=coordinator, now=AHEAD)
    result = session_clients_cancel(session=group, client_ids=[live["bea"].pk], reason="nsdf",
                                    user=coordinator, now=AHEAD)
    assert result.session_cancelled
    group.refresh_from_db()
    assert group.status == Session.Status.CANCELLED
    assert group.status_before_cancel == Session.Status.ROSTERED
    assert links(group)["Bea"].reason.code == "NSDF"


def test_an_appointments_only_client_cancelled_cancels_it(make, live, coordinator, nsdh):
    appt = make(at(SESSION_DAY), at(SESSION_DAY, "11:00"))
    session_clients_cancel(session=appt, client_ids=[live["ada"].pk], reason=nsdh,
                           user=coordinator, now=AHEAD)
    appt.refresh_from_db()
    assert appt.status == Session.Status.CANCELLED
    assert appt.status_before_cancel == Session.Status.DRAFT


@pytest.mark.parametrize("reason", [None, "", "NOPE", "99999", 2**70])
def test_a_reason_is_required_and_must_be_known(group, live, coordinator, reason):
    with pytest.raises(ValidationError) as exc:
        session_clients_cancel(session=group, client_ids=[live["ada"].pk], reason=reason,
                               user=coordinator, now=AHEAD)
    assert "reason" in exc.value.message_dict
    assert not SessionClient.objects.filter(status=SessionClient.Status.CANCELLED).exists()


def test_a_retired_reason_is_refused(group, live, coordinator):
    CancellationReason.objects.filter(code="NSDO").update(active=False)
    with pytest.raises(ValidationError, match="not a cancellation reason in use"):
        session_cancel(session=group, reason="NSDO", user=coordinator, now=AHEAD)


@pytest.mark.parametrize("ids", [[], ["x"], [10**9]])
def test_clients_must_be_the_sessions(group, coordinator, nsdh, ids):
    with pytest.raises(ValidationError) as exc:
        session_clients_cancel(session=group, client_ids=ids, reason=nsdh, user=coordinator,
                               now=AHEAD)
    assert "clients" in exc.value.message_dict


def test_short_notice_is_flagged_and_stays_claimable_in_the_budget(
    group, live, coordinator, nsdh
):
    line = live["ada_line"].pk
    assert agreement_line_usage(line_ids=[line]) == {line: Decimal("2")}
    result = session_clients_cancel(session=group, client_ids=[live["ada"].pk], reason=nsdh,
                                    user=coordinator, now=SHORT)
    notice = result.notices[live["ada"].pk]
    assert notice.short_notice and notice.claimable
    ada = links(group)["Ada"]
    assert ada.short_notice and ada.claimable
    assert agreement_line_usage(line_ids=[line]) == {line: Decimal("2")}


def test_a_cancellation_with_notice_releases_the_budget(group, live, coordinator, nsdh):
    line, other = live["ada_line"].pk, live["bea_line"].pk
    session_clients_cancel(session=group, client_ids=[live["ada"].pk], reason=nsdh,
                           user=coordinator, now=AHEAD)
    ada = links(group)["Ada"]
    assert not ada.short_notice and not ada.claimable
    assert agreement_line_usage(line_ids=[line, other]) == {other: Decimal("2")}


def test_a_support_items_seven_day_window(group, live, coordinator, nsdh):
    item = live["ada_line"].support_item
    item.cancellation_notice_days = 7
    item.save()
    # 23 Nov (Mon) for 1 Dec: 24 … 30 Nov are seven clear days; 24 Nov leaves six.
    session_clients_cancel(session=group, client_ids=[live["ada"].pk], reason=nsdh,
                           user=coordinator, now=at("2026-11-23", "16:00"))
    session_clients_cancel(session=group, client_ids=[live["bea"].pk], reason=nsdh,
                           user=coordinator, now=at("2026-11-24", "08:00"))
    got = links(group)
    assert not got["Ada"].short_notice
    assert got["Bea"].short_notice  # the same item for Bea: six clear days


def test_cancelling_a_session_releases_bookings_and_notifies_each_worker_once(
    group, live, coordinator, nsdh, django_capture_on_commit_callbacks, mailoutbox
):
    SessionWorker.objects.create(session=group, worker=live["will"])
    links_sync(sessions=Session.objects.filter(pk=group.pk))
    with django_capture_on_commit_callbacks(execute=True):
        result = session_cancel(session=group, reason=nsdh, user=coordinator, now=AHEAD)
    assert result.session_cancelled and result.workers_notified == 2
    assert not SessionWorker.objects.filter(session=group, active=True).exists()
    assert not group.session_assets.filter(active=True).exists()
    assert all(sc.status == "cancelled" for sc in links(group).values())
    notes = notes_of(group)
    assert sorted(n.worker.first_name for n in notes) == ["Wendy", "Will"]
    assert notes[0].subject.startswith("Cancelled: Group outing, Tue 1 Dec 2026 09:00–11:00")
    assert len(mailoutbox) == 2
    # A retry changes nothing and notifies nobody again.
    with pytest.raises(ValidationError, match="Cancelled session cannot be cancelled"):
        session_cancel(session=group, reason=nsdh, user=coordinator, now=AHEAD)
    assert notes_of(group).count() == 2


def test_undo_before_the_start_restores_and_books_again(group, live, coordinator, nsdh):
    session_cancel(session=group, reason=nsdh, user=coordinator, now=SHORT)
    result = cancellation_undo(session=group, user=coordinator, now=SHORT)
    assert result.session_restored and result.workers_notified == 1
    group.refresh_from_db()
    assert group.status == Session.Status.ROSTERED and group.status_before_cancel == ""
    assert all(sc.status == "scheduled" and not sc.claimable and sc.reason is None
               for sc in links(group).values())
    assert SessionWorker.objects.get(session=group).active
    assert group.session_assets.get().active
    line = live["ada_line"].pk
    assert agreement_line_usage(line_ids=[line]) == {line: Decimal("2")}
    subjects = list(notes_of(group).values_list("subject", flat=True))
    assert sorted(s.split(":")[0] for s in subjects) == ["Back on", "Cancelled"]


def test_undo_of_one_client_of_a_group(group, live, coordinator, nsdh):
    session_clients_cancel(session=group, client_ids=[live["ada"].pk], reason=nsdh,
                           user=coordinator, now=SHORT)
    result = cancellation_undo(session=group, client_ids=[live["ada"].pk], user=coordinator,
                               now=SHORT)
    assert result.client_ids == [live["ada"].pk] and not result.session_restored
    assert links(group)["Ada"].status == "scheduled"


def test_undo_after_the_start_is_refused(group, coordinator, nsdh):
    session_cancel(session=group, reason=nsdh, user=coordinator, now=SHORT)
    with pytest.raises(ValidationError, match="has started"):
        cancellation_undo(session=group, user=coordinator, now=at(SESSION_DAY, "09:00"))
    group.refresh_from_db()
    assert group.status == Session.Status.CANCELLED


def test_undo_is_refused_naming_the_clash_when_a_worker_was_booked_meanwhile(
    group, make, live, coordinator, nsdh
):
    session_cancel(session=group, reason=nsdh, user=coordinator, now=SHORT)
    other = book(make(at(SESSION_DAY, "10:00"), at(SESSION_DAY, "12:00"), client="bea",
                      subject="Shopping"))
    with pytest.raises(ValidationError) as exc:
        cancellation_undo(session=group, user=coordinator, now=SHORT)
    assert "Wendy Walker is already rostered to Shopping Tue 1 Dec 10:00–12:00" in str(exc.value)
    group.refresh_from_db()
    assert group.status == Session.Status.CANCELLED  # nothing changed
    assert SessionWorker.objects.get(session=other).active


@pytest.mark.parametrize("status", [Session.Status.COMPLETE, Session.Status.CANCELLED])
def test_a_complete_or_cancelled_session_cannot_be_cancelled(group, coordinator, nsdh, status):
    Session.objects.filter(pk=group.pk).update(status=status)
    with pytest.raises(ValidationError, match="cannot be cancelled"):
        session_cancel(session=group, reason=nsdh, user=coordinator, now=AHEAD)


def test_an_in_progress_session_can_be_cancelled(group, coordinator, nsdh):
    book(group, Session.Status.IN_PROGRESS)
    result = session_cancel(session=group, reason=nsdh, user=coordinator,
                            now=at(SESSION_DAY, "09:30"))
    assert result.session_cancelled
    assert all(n.short_notice for n in result.notices.values())


def test_a_base_roster_pattern_cannot_be_cancelled(coordinator, nsdh):
    pattern = SessionFactory(base_roster=BaseRosterFactory(), start=at("2026-11-03"))
    sc = SessionClientFactory(session=pattern)
    with pytest.raises(ValidationError, match="pattern"):
        session_clients_cancel(session=pattern, client_ids=[sc.client_id], reason=nsdh,
                               user=coordinator, now=AHEAD)


def test_a_user_without_the_permission_is_refused(group, live, django_user_model, nsdh):
    nobody = give_regions(
        django_user_model.objects.create_user("nobody", password="pw-nobody-12345")
    )
    with pytest.raises(PermissionDenied):
        session_cancel(session=group, reason=nsdh, user=nobody, now=AHEAD)
    with pytest.raises(PermissionDenied):
        cancellation_undo(session=group, user=nobody, now=AHEAD)
    group.refresh_from_db()
    assert group.status == Session.Status.ROSTERED


def test_on_postgresql_the_constraint_refuses_an_undo_that_lost_a_race(
    group, make, live, coordinator, nsdh, monkeypatch
):
    """The check before writing saw no clash (another coordinator's booking committed just
    after it): the exclusion constraint refuses, and the message names the clash."""
    from django.db import connection

    from scheduling import cancellations

    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's")
    session_cancel(session=group, reason=nsdh, user=coordinator, now=SHORT)
    book(make(at(SESSION_DAY, "10:00"), at(SESSION_DAY, "12:00"), client="bea",
              subject="Shopping"))
    real = cancellations.booking_clashes
    calls = []

    def late(**kwargs):
        calls.append(1)
        return [] if len(calls) == 1 else real(**kwargs)

    monkeypatch.setattr(cancellations, "booking_clashes", late)
    with pytest.raises(ValidationError, match="Wendy Walker is already rostered to Shopping"):
        cancellation_undo(session=group, user=coordinator, now=SHORT)
    assert len(calls) == 2
    group.refresh_from_db()
    assert group.status == Session.Status.CANCELLED


def test_a_cancellation_and_its_undo_are_in_the_sessions_history(group, live, coordinator, nsdh):
    """The clients' rows are written in bulk (no signal): their history is recorded all the
    same, and reads as one line each, with who did it."""
    from sessions_app.history import session_history
    from sessions_app.history_records import CHANGED, SAVE_AND_ROSTER, record_history

    # `book` set the status in bulk: recorded as Save and Roster records it, a minute ago.
    record_history(queryset=Session.objects.filter(pk=group.pk), history_type=CHANGED,
                   reason=SAVE_AND_ROSTER)
    age()
    session_clients_cancel(session=group, client_ids=[live["ada"].pk], reason=nsdh,
                           details="Flu", user=coordinator, now=SHORT)
    entry = session_history(session=group)[0]
    assert entry.who == "cora"
    assert entry.changes == [f"Clients: {live['ada']} cancelled (NSDH, short notice): Flu"]

    age()
    cancellation_undo(session=group, client_ids=[live["ada"].pk], user=coordinator, now=SHORT)
    entries = session_history(session=group)
    assert entries[0].who == "cora"
    assert entries[0].changes == [f"Clients: {live['ada']} back on (cancellation undone)"]
    assert entries[1].changes == [f"Clients: {live['ada']} cancelled (NSDH, short notice): Flu"]
    assert entries[2].changes == ["Status: Draft → Rostered"]


def age():
    """What is recorded so far moves a minute back: the next change is an entry of its own."""
    from django.apps import apps

    for name in ("Session", "SessionClient", "PlannedService", "SessionWorker", "SessionAsset",
                 "SessionActivity"):
        model = apps.get_model("sessions_app", name)
        model.history.model.objects.update(history_date=F("history_date") - MINUTE)
