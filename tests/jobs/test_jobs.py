"""Background jobs (jobs.Job): one active job per kind and target, guaranteed by the database;
progress and heartbeat; one rule for a lost ("stale") job; the outcome; enqueueing at commit."""

import datetime
import threading
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from jobs import selectors
from jobs.models import STALE_AFTER, Job
from jobs.services import (
    LOST_MESSAGE,
    job_claim,
    job_enqueue,
    job_fail,
    job_finish,
    job_progress,
    job_start,
)
from tests.conftest import in_ci

pytestmark = pytest.mark.django_db
IS_POSTGRES = connection.vendor == "postgresql"
KIND = "test.work"


@pytest.fixture
def target(django_user_model):
    """Any model row can be a job's target; a user keeps these tests free of the domain."""
    return django_user_model.objects.create_user("target")


@pytest.fixture
def other(django_user_model):
    return django_user_model.objects.create_user("other")


def silent_for(job, delta):
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - delta)


# -- one active job per kind and target ---------------------------------------------------------


def test_a_claim_makes_a_queued_job_and_a_second_claim_gets_nothing(target, other):
    job = job_claim(kind=KIND, target=target, requested_by=other)
    assert (job.kind, job.target, job.status, job.requested_by) == (KIND, target, "queued", other)
    assert job.busy and not job.stale and job.heartbeat_at == job.created_at
    assert job_claim(kind=KIND, target=target) is None
    # Another target, or another kind of work on the same target, is not in the way.
    assert job_claim(kind=KIND, target=other) is not None
    assert job_claim(kind="test.other", target=target) is not None
    assert Job.objects.active().count() == 3


def test_the_database_refuses_a_second_active_job(target):
    job_claim(kind=KIND, target=target)
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(kind=KIND, target=target)


def test_a_finished_job_frees_the_target(target):
    first = job_claim(kind=KIND, target=target)
    job_finish(job_id=first.pk)
    second = job_claim(kind=KIND, target=target)
    assert second is not None and second.pk != first.pk
    job_fail(job_id=second.pk, message="no")
    assert job_claim(kind=KIND, target=target) is not None
    assert selectors.latest_job(kind=KIND, target=target).status == "queued"
    assert Job.objects.for_target(target, KIND).count() == 3


def test_an_anonymous_requester_is_recorded_as_nobody(target):
    from django.contrib.auth.models import AnonymousUser

    assert job_claim(kind=KIND, target=target, requested_by=AnonymousUser()).requested_by is None


@pytest.mark.skipif(
    not IS_POSTGRES and not in_ci(),
    reason="needs PostgreSQL (concurrent transactions on one database); runs in CI",
)
@pytest.mark.django_db(transaction=True)
def test_two_claims_at_the_same_moment_make_one_job(target):
    """A claims inside an open transaction; B claims meanwhile and must wait on A's row in the
    unique index; A commits; B's INSERT then fails and B gets None. One active job, enforced by
    PostgreSQL itself, not by a read-then-write in Python."""
    claimed = threading.Event()
    release = threading.Event()
    results, errors = {}, []

    def first():
        try:
            with transaction.atomic():
                results["a"] = job_claim(kind=KIND, target=target)
                claimed.set()
                assert release.wait(timeout=30)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            claimed.set()
        finally:
            connections.close_all()

    def second():
        try:
            results["b_pid"] = connections["default"].cursor().connection.info.backend_pid
            results["b"] = job_claim(kind=KIND, target=target)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    a = threading.Thread(target=first)
    a.start()
    assert claimed.wait(timeout=30)
    b = threading.Thread(target=second)
    b.start()
    # Wait until PostgreSQL reports B blocked on a lock (A's uncommitted index entry).
    deadline = timezone.now() + datetime.timedelta(seconds=30)
    waiting = False
    while not waiting and timezone.now() < deadline and b.is_alive():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                [results.get("b_pid", -1)],
            )
            row = cursor.fetchone()
        waiting = bool(row) and row[0] == "Lock"
    release.set()
    a.join(timeout=30)
    b.join(timeout=30)
    assert errors == []
    assert waiting, "the second claim never waited for the first"
    assert results["a"] is not None and results["b"] is None
    assert Job.objects.for_target(target, KIND).count() == 1


# -- the one rule for a lost job -------------------------------------------------------------------


def test_a_silent_job_is_stale_and_can_be_claimed_again(target):
    lost = job_claim(kind=KIND, target=target)
    job_start(job_id=lost.pk, total=10)
    silent_for(lost, STALE_AFTER + datetime.timedelta(seconds=1))
    lost.refresh_from_db()
    assert lost.stale and not lost.busy and lost.is_active
    assert list(Job.objects.stale()) == [lost] and not Job.objects.busy().exists()
    assert not selectors.is_busy(kind=KIND, target=target)

    fresh = job_claim(kind=KIND, target=target)
    assert fresh is not None and fresh.pk != lost.pk
    lost.refresh_from_db()
    assert (lost.status, lost.message) == ("failed", LOST_MESSAGE)
    assert lost.finished_at is not None
    # The lost job's worker, should it wake up, can no longer write anything.
    assert job_progress(job_id=lost.pk, advance=5) is False
    assert job_finish(job_id=lost.pk, message="late") is False
    assert job_start(job_id=lost.pk) is False
    lost.refresh_from_db()
    assert (lost.status, lost.done, lost.message) == ("failed", 0, LOST_MESSAGE)


def test_a_job_heard_from_recently_cannot_be_claimed_again(target):
    job = job_claim(kind=KIND, target=target)
    job_start(job_id=job.pk)
    silent_for(job, STALE_AFTER - datetime.timedelta(minutes=1))
    assert job_claim(kind=KIND, target=target) is None
    # A heartbeat resets the clock, however long the job has been running.
    Job.objects.filter(pk=job.pk).update(started_at=timezone.now() - 3 * STALE_AFTER)
    job_progress(job_id=job.pk)
    job.refresh_from_db()
    assert job.busy and selectors.is_busy(kind=KIND, target=target)
    assert job_claim(kind=KIND, target=target) is None
    assert selectors.active_job(kind=KIND, target=target) == job


def test_a_queued_job_that_never_started_goes_stale_too(target):
    job = job_claim(kind=KIND, target=target)
    silent_for(job, STALE_AFTER + datetime.timedelta(seconds=1))
    assert job_claim(kind=KIND, target=target) is not None


# -- progress and heartbeat ------------------------------------------------------------------------


def test_progress_and_heartbeat(target):
    job = job_claim(kind=KIND, target=target)
    assert job.percent == 0
    assert job_start(job_id=job.pk, total=8) is True
    started = Job.objects.get(pk=job.pk)
    assert (started.status, started.done, started.total) == ("running", 0, 8)
    assert started.started_at is not None and started.heartbeat_at >= job.heartbeat_at
    beats = [started.heartbeat_at]
    for step in (3, 3):
        assert job_progress(job_id=job.pk, advance=step)
        job.refresh_from_db()
        beats.append(job.heartbeat_at)
    assert (job.done, job.total, job.percent) == (6, 8, 75)
    assert beats == sorted(beats) and beats[-1] > beats[0]
    assert job_progress(job_id=job.pk, done=1, total=2)
    job.refresh_from_db()
    assert (job.done, job.total, job.percent) == (1, 2, 50)
    # A redelivered task starts the job again from zero.
    assert job_start(job_id=job.pk)
    again = Job.objects.get(pk=job.pk)
    assert (again.status, again.done, again.total) == ("running", 0, 2)


# -- the outcome ---------------------------------------------------------------------------------


def test_the_outcome_of_a_finished_job(target):
    job = job_claim(kind=KIND, target=target)
    job_start(job_id=job.pk, total=4)
    job_progress(job_id=job.pk, advance=3)
    assert job_finish(job_id=job.pk, message="Did 4 things.", result={"things": 4})
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.percent) == ("done", 4, 4, 100)
    assert (job.message, job.result) == ("Did 4 things.", {"things": 4})
    assert job.is_done and not job.is_active and not job.busy and not job.stale
    assert job.finished_at == job.heartbeat_at and job.started_at <= job.finished_at
    # Finished is final: a second outcome is refused.
    assert job_fail(job_id=job.pk, message="late") is False
    assert job_finish(job_id=job.pk, message="again") is False
    job.refresh_from_db()
    assert job.message == "Did 4 things."


def test_the_outcome_of_a_failed_job(target):
    job = job_claim(kind=KIND, target=target)
    assert job_fail(job_id=job.pk, message="It broke.", result={"at": 2})
    job.refresh_from_db()
    assert (job.status, job.message, job.result) == ("failed", "It broke.", {"at": 2})
    assert job.is_failed and job.finished_at is not None


# -- enqueueing at commit --------------------------------------------------------------------------


class FakeTask:
    """A task's `delay` and its app's `task_always_eager` (False: a broker; True: in-process)."""

    def __init__(self, error=None, *, eager=False):
        self.sent, self.error = [], error
        self.app = SimpleNamespace(conf=SimpleNamespace(task_always_eager=eager))

    def delay(self, pk):
        if self.error:
            raise self.error
        self.sent.append(pk)


def test_the_task_is_sent_once_the_claim_is_committed(target, django_capture_on_commit_callbacks):
    task = FakeTask()
    with django_capture_on_commit_callbacks(execute=True):
        job = job_claim(kind=KIND, target=target)
        job_enqueue(job=job, task=task)
        assert task.sent == []
    assert task.sent == [job.pk]
    job.refresh_from_db()
    assert job.sent_at is not None and not job.unsent


def test_a_broker_that_cannot_be_reached_leaves_the_job_queued(
    target, django_capture_on_commit_callbacks
):
    """Redis down: no error page, the job stays queued and unsent (the sweep sends it)."""
    task = FakeTask(error=KombuOperationalError("Error 111 connecting to 127.0.0.1:6399."))
    with django_capture_on_commit_callbacks(execute=True):
        job = job_claim(kind=KIND, target=target)
        job_enqueue(job=job, task=task)
    job.refresh_from_db()
    assert (job.status, job.sent_at, job.message) == ("queued", None, "")
    assert job.unsent and job.waiting and job.busy
    assert job_claim(kind=KIND, target=target) is None  # still the one active job


def test_a_task_that_crashed_in_process_fails_the_job(target, django_capture_on_commit_callbacks):
    task = FakeTask(error=ValueError("broke"), eager=True)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_claim(kind=KIND, target=target)
        job_enqueue(job=job, task=task)
    job.refresh_from_db()
    assert job.status == "failed" and "broke" in job.message
    assert job_claim(kind=KIND, target=target) is not None
