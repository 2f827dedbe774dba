"""No double booking: PostgreSQL's exclusion constraint on the attendee links, the race between
two Save and Roster jobs, publishing a period that would double-book, and the SQLite path."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction

from jobs.models import Job
from rostering import publishing
from scheduling import services
from scheduling.models import RosterOutcome
from sessions_app.bookings import ACTIVE_STATUSES, booking_clashes, links_sync
from sessions_app.models import Session, SessionAsset, SessionWorker
from sessions_app.services import session_update
from tests.concurrency import wait_until_a_transaction_waits_on_a_lock
from tests.scheduling.conftest import at

pytestmark = pytest.mark.django_db


def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's")


def book(session, status=Session.Status.ROSTERED):
    """Make a session Rostered (or In Progress) with its links booking, as the services do."""
    Session.objects.filter(pk=session.pk).update(status=status)
    links_sync(sessions=Session.objects.filter(pk=session.pk))
    session.refresh_from_db()
    return session


# --- the constraint itself --------------------------------------------------------------------
def test_the_database_refuses_two_overlapping_active_links_of_one_worker(make, live):
    postgres_only()
    book(make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00")))
    other = make(at("2026-12-01", "10:00"), at("2026-12-01", "12:00"), client="bea")
    with pytest.raises(IntegrityError, match="session_worker_no_overlap"), transaction.atomic():
        SessionWorker.objects.filter(session=other).update(
            active=True, start=other.start, end=other.end
        )
    # A direct INSERT of an active clashing link is refused too.
    with pytest.raises(IntegrityError, match="session_worker_no_overlap"), transaction.atomic():
        SessionWorker.objects.create(
            session=make(at("2026-12-01", "08:00"), at("2026-12-01", "09:30"), workers=(),
                         client="bea"),
            worker=live["wendy"], active=True, start=at("2026-12-01", "08:00"),
            end=at("2026-12-01", "09:30"),
        )


def test_back_to_back_and_inactive_links_are_fine(make, live):
    postgres_only()
    book(make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"), assets=("chair",)))
    after = make(at("2026-12-01", "11:00"), at("2026-12-01", "12:00"), client="bea",
                 assets=("chair",))
    book(after)  # starts as the other ends: no clash
    assert SessionWorker.objects.filter(active=True).count() == 2
    assert SessionAsset.objects.filter(active=True).count() == 2
    # A Draft session overlapping is no booking at all.
    draft = make(at("2026-12-01", "10:00"), at("2026-12-01", "11:30"), client="bea",
                 assets=("chair",))
    assert not SessionWorker.objects.get(session=draft).active
    # An active link must carry its range.
    with pytest.raises(IntegrityError, match="active_has_range"), transaction.atomic():
        SessionWorker.objects.filter(session=draft).update(active=True, start=None)


def test_the_asset_constraint(make):
    postgres_only()
    book(make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"), assets=("chair",)))
    other = make(at("2026-12-01", "10:00"), at("2026-12-01", "12:00"), client="bea",
                 workers=("will",), assets=("chair",))
    with pytest.raises(IntegrityError, match="session_asset_no_overlap"), transaction.atomic():
        book(other)


# --- services keep the links in step ---------------------------------------------------------
def test_moving_a_rostered_session_moves_its_booking_and_a_clash_is_a_message(make):
    a = book(make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"), subject="Morning"))
    b = book(make(at("2026-12-01", "12:00"), at("2026-12-01", "13:00"), client="bea",
                  subject="Lunch"))
    session_update(session=b, start=at("2026-12-01", "14:00"), end=at("2026-12-01", "15:00"))
    link = SessionWorker.objects.get(session=b)
    assert (link.start, link.end, link.active) == (
        at("2026-12-01", "14:00"), at("2026-12-01", "15:00"), True
    )
    with pytest.raises(ValidationError) as exc:
        session_update(session=b, start=at("2026-12-01", "10:00"), end=at("2026-12-01", "12:00"))
    assert exc.value.message_dict == {
        "workers": ["Wendy Walker is already rostered to Morning Tue 1 Dec 09:00–11:00."]
    }
    b.refresh_from_db()
    assert b.start == at("2026-12-01", "14:00")  # nothing half-saved
    # Cancelling frees the booking.
    session_update(session=a, status=Session.Status.CANCELLED)
    assert not SessionWorker.objects.get(session=a).active


def test_a_clash_the_service_check_missed_is_a_message_not_a_500(make, monkeypatch):
    """A rival committed between the check and the write: PostgreSQL refuses; the form gets
    the message naming the other session."""
    postgres_only()
    book(make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"), subject="Morning"))
    b = make(at("2026-12-01", "10:00"), at("2026-12-01", "12:00"), client="bea")
    import sessions_app.services as svc

    real = svc._add_clashes
    calls = []

    def blind_first_time(sessions, errors):
        calls.append(1)
        if len(calls) > 1:
            real(sessions, errors)

    monkeypatch.setattr(svc, "_add_clashes", blind_first_time)
    with pytest.raises(ValidationError) as exc:
        session_update(session=b, status=Session.Status.ROSTERED)
    assert exc.value.message_dict == {
        "workers": ["Wendy Walker is already rostered to Morning Tue 1 Dec 09:00–11:00."]
    }


# --- the race: two Save and Roster jobs at once ------------------------------------------------
def _race(run_first, run_second):
    """Run `run_second` on another connection while `run_first`'s transaction holds its
    (uncommitted) bookings; let the first commit once the second waits on it."""
    written, release = threading.Event(), threading.Event()
    errors = []

    def first():
        try:
            with transaction.atomic():
                run_first()
                written.set()
                release.wait(timeout=30)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
            written.set()
        finally:
            connections.close_all()

    def second():
        try:
            written.wait(timeout=30)
            run_second()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    written.wait(timeout=30)
    wait_until_a_transaction_waits_on_a_lock()  # the second one is blocked
    release.set()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors


@pytest.fixture
def not_sent(monkeypatch):
    """Jobs are claimed but not sent (no broker: they would run at once, at commit); the
    test runs them itself, at the same moment."""
    monkeypatch.setattr(services, "job_enqueue", lambda **kw: None)


def _two_clashing_requests(make, n):
    mine = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"), subject=f"Mine {n}",
                assets=("chair",))
    theirs = make(at("2026-12-01", "10:00"), at("2026-12-01", "12:00"), client="bea",
                  subject=f"Theirs {n}", assets=("chair",))
    return (
        services.roster_request(session_ids=[mine.pk]),
        services.roster_request(session_ids=[theirs.pk]),
        mine, theirs,
    )


def _assert_one_won(winner, loser):
    winner.refresh_from_db()
    loser.refresh_from_db()
    assert winner.status == Session.Status.ROSTERED
    assert loser.status == Session.Status.DRAFT
    # Nothing half-saved: the loser's links do not book, its outcome says why.
    assert not SessionWorker.objects.get(session=loser).active
    assert not SessionAsset.objects.get(session=loser).active
    lost = RosterOutcome.objects.get(session=loser)
    assert lost.result == RosterOutcome.Result.DRAFT
    assert lost.other_session_id == winner.pk
    return lost.reasons


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_jobs_rostering_clashing_sessions_at_once_one_wins(
    make, attempt, not_sent, monkeypatch
):
    postgres_only()
    job_a, job_b, mine, theirs = _two_clashing_requests(make, attempt)
    refused = []  # occurrences the database refused (their checks had passed)
    real = services._roster_one
    monkeypatch.setattr(services, "_roster_one", lambda o, **kw: (refused.append(o.session_id),
                                                                   real(o, **kw)))
    _race(lambda: services.roster_run(job_id=job_a.pk),
          lambda: services.roster_run(job_id=job_b.pk))
    assert refused == [theirs.pk]  # the loser's checks passed: the constraint decided
    reasons = _assert_one_won(mine, theirs)
    assert reasons == [
        f"Wendy Walker is already rostered to Mine {attempt} Tue 1 Dec 09:00–11:00.",
        f"Shower chair West is already booked for Mine {attempt} Tue 1 Dec 09:00–11:00.",
    ]
    assert booking_clashes(sessions=Session.objects.filter(status__in=ACTIVE_STATUSES)) == []


@pytest.mark.django_db(transaction=True)
def test_many_jobs_at_the_same_moment_never_double_book(make, not_sent):
    """Free-running: five rounds of two jobs started together; whoever wins, one wins."""
    postgres_only()
    for n in range(5):
        job_a, job_b, mine, theirs = _two_clashing_requests(make, n)
        Session.objects.filter(pk__in=[mine.pk, theirs.pk]).update(
            start=at("2026-12-01", "09:00") + datetime.timedelta(days=n),
            end=at("2026-12-01", "11:00") + datetime.timedelta(days=n),
        )
        go = threading.Barrier(2)

        def run(job, go=go):
            try:
                go.wait(timeout=30)
                services.roster_run(job_id=job.pk)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=(j,)) for j in (job_a, job_b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        statuses = sorted(Session.objects.filter(pk__in=[mine.pk, theirs.pk])
                          .values_list("status", flat=True))
        assert statuses == ["draft", "rostered"], (
            statuses, list(RosterOutcome.objects.filter(session__in=[mine, theirs])
                           .values_list("session__subject", "result", "reasons")),
            [j.message for j in Job.objects.filter(pk__in=[job_a.pk, job_b.pk])],
        )
    assert SessionWorker.objects.filter(active=True).count() == 5
    assert booking_clashes(sessions=Session.objects.filter(status__in=ACTIVE_STATUSES)) == []


# --- publishing a period that would double-book ---------------------------------------------
def test_publishing_into_a_clash_is_a_validation_error_naming_it(make, live, monkeypatch):
    """The live schedule changed after validation (another scheduler's Save and Roster): the
    database refuses, publishing says why, nothing is published."""
    postgres_only()
    from rostering import selectors
    from tests.factories import BaseRosterFactory, RosterPeriodFactory

    roster_ = BaseRosterFactory(start_date=datetime.date(2026, 11, 30), cycle_weeks=1)
    period = RosterPeriodFactory(base_roster=roster_, start_date=datetime.date(2026, 11, 30),
                                 end_date=datetime.date(2026, 12, 6))
    in_period = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"), roster_period=period,
                     subject="Period visit")
    book(make(at("2026-12-01", "10:00"), at("2026-12-01", "12:00"), client="bea",
              subject="Live visit"))
    monkeypatch.setattr(selectors, "publish_readiness", _ready)
    with pytest.raises(ValidationError) as exc:
        with transaction.atomic():
            publishing.roster_period_publish(
                period=period, acknowledged_warnings=True, acknowledged_earlier_unpublished=True
            )
    assert exc.value.messages[0] == (
        "Wendy Walker is already rostered to Live visit Tue 1 Dec 10:00–12:00, which overlaps "
        "“Period visit” Tue 1 Dec 09:00–11:00 in this period."
    )
    in_period.refresh_from_db()
    period.refresh_from_db()
    assert in_period.status == Session.Status.DRAFT and not period.is_published


def _ready(period, **kw):
    """Ready to publish, as if validated just before another scheduler's Save and Roster."""
    from rostering.selectors import Readiness

    return Readiness(validation=None)


def test_the_publish_page_shows_the_clash_with_422(make, live, monkeypatch, scheduler_client):
    postgres_only()
    from django.urls import reverse

    from rostering import selectors
    from tests.factories import BaseRosterFactory, RosterPeriodFactory

    roster_ = BaseRosterFactory(start_date=datetime.date(2026, 11, 30), cycle_weeks=1)
    period = RosterPeriodFactory(base_roster=roster_, start_date=datetime.date(2026, 11, 30),
                                 end_date=datetime.date(2026, 12, 6))
    make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"), roster_period=period,
         subject="Period visit")
    book(make(at("2026-12-01", "10:00"), at("2026-12-01", "12:00"), client="bea",
              subject="Live visit"))
    monkeypatch.setattr(selectors, "publish_readiness", _ready)
    r = scheduler_client.post(
        reverse("rostering:period_publish", args=[period.pk]),
        {"acknowledged_warnings": "on", "acknowledged_earlier_unpublished": "on"},
    )
    assert r.status_code == 422
    assert "Wendy Walker is already rostered to Live visit" in r.content.decode()


# --- SQLite: the service check is the guarantee ----------------------------------------------
def test_on_any_database_the_job_refuses_what_the_constraint_would(
    make, django_capture_on_commit_callbacks
):
    first = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"), subject="First")
    second = make(at("2026-12-01", "10:00"), at("2026-12-01", "12:00"), client="bea")
    for s in (first, second):
        with django_capture_on_commit_callbacks(execute=True):
            services.roster_request(session_ids=[s.pk])
    second.refresh_from_db()
    assert second.status == Session.Status.DRAFT
    assert RosterOutcome.objects.get(session=second).reasons == [
        "Wendy Walker is already rostered to First Tue 1 Dec 09:00–11:00."
    ]
    # And the session form refuses to roster it by hand.
    with pytest.raises(ValidationError, match="Wendy Walker is already rostered to First"):
        session_update(session=second, status=Session.Status.ROSTERED)
