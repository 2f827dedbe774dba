"""Fault tolerance: a Celery worker killed (SIGKILL) in the middle of a job. Its task goes
back to the queue (acks_late; Redis hands it out again after the visibility timeout), a new
worker takes it, and the job carries on with the same job id: every occurrence rostered or
generated once, no duplicate session, one notification per worker.

Real workers through Redis, sharing the tests' PostgreSQL database. Skipped without a broker
or on SQLite, except under CI=true where that is a failure."""

import collections
import datetime
import time
import uuid
import zoneinfo

import pytest
from django.db import transaction

from jobs.models import Job
from rostering import publishing
from rostering import services as rostering_services
from rostering.models import Notification, PeriodValidation
from scheduling import services, tasks
from scheduling.models import RosterOutcome
from sessions_app.models import Session, SessionWorker
from tests.factories import BaseRosterFactory, SiteFactory
from tests.rostering.conftest import add_pattern_session
from tests.scheduling.conftest import at, live, make  # noqa: F401 - fixtures
from tests.test_celery_worker import (  # noqa: F401 - broker_url: the fixture
    _database_url,
    broker_url,
    celery_worker,
    in_ci,
)

VISIBILITY = 2  # seconds: the test workers' Redis visibility timeout


@pytest.fixture
def workers(broker_url, tmp_path):  # noqa: F811 - the fixture
    """start(name, slow=True): a real worker on a private queue (this process sends to it
    too), whose jobs sleep a second after each chunk while `slow`; its log is tmp/name.log."""
    if _database_url() is None:
        if in_ci():
            pytest.fail("CI=true but the tests do not run on PostgreSQL")
        pytest.skip("the worker cannot share an SQLite test database")
    queue = f"test-{uuid.uuid4().hex}"
    conf = tasks.roster_job.app.conf

    def start(name, *, slow):
        env = {
            "DATABASE_URL": _database_url(),
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY),
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
            "JOB_TEST_CHUNK_DELAY": "1" if slow else "0",
            "GENERATION_CHUNK_SIZE": "2",
        }
        return celery_worker(queue=queue, log=tmp_path / f"{name}.log", env=env)

    conf.task_default_queue = queue
    try:
        yield start, tmp_path
    finally:
        conf.changes.pop("task_default_queue", None)


def _wait_for(condition, logs, seconds=90):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            text = "\n".join(p.read_text(errors="replace") for p in logs if p.exists())
            pytest.fail(f"timed out; worker logs:\n{text}")
        time.sleep(0.1)


def _kill_mid_job(start, tmp_path, job, *, progressed=lambda job: job.done > 0):
    """Run `job` on a slow worker; SIGKILL it once the job has progressed, not finished."""
    with start("first", slow=True) as proc:
        _wait_for(lambda: progressed(Job.objects.get(pk=job.pk)), [tmp_path / "first.log"])
        proc.kill()
        proc.wait(timeout=10)
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.done < job.total, (job.done, job.total)
    return job.done


@pytest.mark.django_db(transaction=True)
def test_save_and_roster_survives_a_worker_killed_mid_job(workers, make, live):  # noqa: F811
    start, tmp_path = workers
    first_day = datetime.date(2026, 12, 1)
    with transaction.atomic():  # the page's Save: 60 occurrences, the job after commit
        series = [
            make(at(f"{first_day + datetime.timedelta(days=i)}", "09:00"),
                 at(f"{first_day + datetime.timedelta(days=i)}", "11:00"),
                 workers=("wendy", "will"), employee_message="Gate code 1234.")
            for i in range(60)
        ]
        job = services.roster_request(session_ids=[s.pk for s in series])
    sessions_before = Session.objects.count()

    done_when_killed = _kill_mid_job(start, tmp_path, job)
    time.sleep(VISIBILITY + 0.5)  # Redis now hands the unacknowledged task out again
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    with start("second", slow=False):
        _wait_for(lambda: Job.objects.get(pk=job.pk).status == Job.Status.DONE, logs)
        _wait_for(lambda: Notification.objects.filter(job=job, sent_at__isnull=False)
                  .count() == 2, logs)
        time.sleep(1)  # a duplicate delivery, if any, would run now

    job.refresh_from_db()
    assert job.message == "Rostered 60 of 60 sessions.", job.message
    assert job.done == job.total == 60
    assert Job.objects.count() == 1  # the same job carried on; none was claimed again
    # Every occurrence rostered once; no session made, none lost; no link doubled.
    assert Session.objects.count() == sessions_before
    results = list(RosterOutcome.objects.filter(request_id=job.target_id)
                   .values_list("result", flat=True))
    assert results == ["rostered"] * 60
    assert set(Session.objects.filter(pk__in=[s.pk for s in series])
               .values_list("status", flat=True)) == {Session.Status.ROSTERED}
    assert SessionWorker.objects.filter(session__in=series).count() == 120
    # One notification per worker for the whole request, emailed once (by the second worker).
    per_worker = collections.Counter(
        Notification.objects.filter(job=job).values_list("worker_id", flat=True)
    )
    assert per_worker == {live["wendy"].pk: 1, live["will"].pk: 1}
    first, second = (p.read_text(errors="replace") for p in logs)
    assert "You are rostered to 60 new sessions:" not in first
    assert second.count("You are rostered to 60 new sessions:") == 2, second
    assert done_when_killed < 60


@pytest.mark.django_db(transaction=True)
def test_generation_survives_a_worker_killed_mid_job(workers):
    start, tmp_path = workers
    syd = zoneinfo.ZoneInfo("Australia/Sydney")
    site = SiteFactory(time_zone="Australia/Sydney")
    roster = BaseRosterFactory(start_date=datetime.date(2026, 11, 2), cycle_weeks=1)
    for i in range(10):  # five chunks of two base-roster sessions (GENERATION_CHUNK_SIZE=2)
        add_pattern_session(
            roster, site=site, start=datetime.datetime(2026, 11, 2 + i % 5, 7 + i, tzinfo=syd)
        )
    period = rostering_services.roster_period_create(
        base_roster=roster, start_date=datetime.date(2026, 11, 16), cycles=2
    )
    assert rostering_services.roster_period_generation_request(period=period)
    job = Job.objects.get()

    _kill_mid_job(start, tmp_path, job)
    generated_when_killed = Session.objects.filter(roster_period=period).count()
    assert 0 < generated_when_killed < 20
    time.sleep(VISIBILITY + 0.5)
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    with start("second", slow=False):
        _wait_for(lambda: Job.objects.get(pk=job.pk).status == Job.Status.DONE, logs)
        time.sleep(1)

    job.refresh_from_db()
    assert Job.objects.count() == 1
    assert job.result["created"] == 20 - generated_when_killed, job.result
    generated = Session.objects.filter(roster_period=period)
    assert generated.count() == 20
    # One session per base-roster session and date, each with its one worker.
    assert len(set(generated.values_list("source_session_id", "occurrence_date"))) == 20
    assert SessionWorker.objects.filter(session__roster_period=period).count() == 20


@pytest.mark.django_db(transaction=True)
def test_validation_survives_a_worker_killed_mid_job(workers):
    """Killed while checking (after it counted the sessions, before the report): the next
    worker checks again and stores one report."""
    start, tmp_path = workers
    syd = zoneinfo.ZoneInfo("Australia/Sydney")
    site = SiteFactory(time_zone="Australia/Sydney")
    roster = BaseRosterFactory(start_date=datetime.date(2026, 11, 2), cycle_weeks=1)
    for day in (2, 4):
        add_pattern_session(roster, site=site, start=datetime.datetime(2026, 11, day, 9,
                                                                       tzinfo=syd))
    period = rostering_services.roster_period_create(
        base_roster=roster, start_date=datetime.date(2026, 11, 16), cycles=2
    )
    rostering_services.roster_period_generate(period=period)
    job = publishing.period_validation_request(period=period)

    _kill_mid_job(start, tmp_path, job, progressed=lambda j: j.status == "running" and j.total)
    assert not PeriodValidation.objects.exists()
    time.sleep(VISIBILITY + 0.5)
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    with start("second", slow=False):
        _wait_for(lambda: Job.objects.get(pk=job.pk).status == Job.Status.DONE, logs)
        time.sleep(1)
    job.refresh_from_db()
    assert job.message.startswith("Checked 4 sessions:"), job.message
    assert Job.objects.filter(kind=job.kind).count() == 1
    assert PeriodValidation.objects.filter(period=period).count() == 1
    assert PeriodValidation.objects.get().job_id == job.pk
