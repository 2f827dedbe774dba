"""Save and Roster through a real Celery worker and Redis (PostgreSQL: the worker shares the
tests' database). Skipped without a broker, except under CI=true where it must run."""

import time
import uuid

import pytest
from django.db import transaction

from jobs.models import Job
from rostering.models import Notification
from scheduling import services, tasks
from sessions_app.models import Session, SessionWorker
from tests.scheduling.conftest import at
from tests.test_celery_worker import (  # noqa: F401 - broker_url: the fixture
    _database_url,
    broker_url,
    celery_worker,
    in_ci,
)


@pytest.fixture
def worker_on_private_queue(broker_url, tmp_path):  # noqa: F811 - the fixture
    """A real `celery worker` whose tasks, and the tasks they send, use a queue of its own;
    this process sends to it too. Its emails go to its log (console backend)."""
    if _database_url() is None:
        if in_ci():
            pytest.fail("CI=true but the tests do not run on PostgreSQL")
        pytest.skip("the worker cannot share an SQLite test database")
    queue = f"test-{uuid.uuid4().hex}"
    log = tmp_path / "worker.log"
    env = {
        "DATABASE_URL": _database_url(),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    }
    conf = tasks.roster_job.app.conf
    with celery_worker(queue=queue, log=log, env=env):
        conf.task_default_queue = queue
        try:
            yield log
        finally:
            conf.changes.pop("task_default_queue", None)  # back to the settings' queue


def _wait_for(condition, log, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out; worker log:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_save_and_roster_runs_on_a_real_worker(worker_on_private_queue, make, live):
    log = worker_on_private_queue
    assert not tasks.roster_job.app.conf.task_always_eager
    with transaction.atomic():  # the page's Save: the sessions, then the job after commit
        series = [
            make(at(f"2026-12-{day:02d}", "09:00"), at(f"2026-12-{day:02d}", "11:00"),
                 workers=("wendy", "will"), employee_message="Gate code 1234.")
            for day in (1, 3, 8, 10)
        ]
        job = services.roster_request(session_ids=[s.pk for s in series])
        assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED

    _wait_for(lambda: Job.objects.get(pk=job.pk).status == Job.Status.DONE, log)
    job.refresh_from_db()
    assert job.message == "Rostered 4 of 4 sessions."
    assert set(Session.objects.filter(pk__in=[s.pk for s in series])
               .values_list("status", flat=True)) == {Session.Status.ROSTERED}
    assert SessionWorker.objects.filter(session__in=series, active=True).count() == 8
    # One message per worker, emailed by the worker (its console backend writes to its log).
    _wait_for(lambda: Notification.objects.filter(job=job, sent_at__isnull=False).count() == 2,
              log)
    text = log.read_text(errors="replace")
    assert text.count("Message: Gate code 1234.") == 2, text
    assert text.count("You are rostered to 4 new sessions:") == 2

    # The task again through the worker (a redelivery): nothing changes, nothing is sent.
    again = tasks.roster_job.apply_async(args=(job.pk,))
    assert again.get(timeout=60).startswith("done")
    resent = tasks.send_roster_notifications.apply_async(args=(job.pk,))
    assert resent.get(timeout=60) == 0
    assert Notification.objects.filter(job=job).count() == 2
    assert log.read_text(errors="replace").count("Message: Gate code 1234.") == 2
