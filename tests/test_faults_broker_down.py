"""Fault tolerance: Redis down when a scheduler presses Save and Roster. The sessions are
saved, the page says rostering is queued (no error page), the job stays queued; once Redis is
back the sweep (`jobs_sweep`: beat every minute or `manage.py sweep_jobs` from cron) sends it
and a worker rosters it.

Redis down is a broker URL on a port where nothing listens: this process sends there. The
part with a real worker runs on PostgreSQL with a broker (CI=true: must run)."""

import contextlib
import datetime
import socket
import time
import uuid

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from jobs.models import Job
from jobs.services import jobs_sweep
from sessions_app.models import Session, SessionSeries
from tests.scheduling.test_new_session import weekly_tue_thu
from tests.sessions_app.conftest import world  # noqa: F401 - the fixture
from tests.test_celery_worker import (  # noqa: F401 - broker_url: the fixture
    _database_url,
    broker_url,
    celery_worker,
    in_ci,
)
from tests.test_faults_database import roles  # noqa: F401 - the fixture

URL = reverse("scheduling:new_session")
QUEUED = "Saved. Rostering is queued and will start when the background service is back."
WAITING = "Queued — waiting for the background service."


def dead_redis_url() -> str:
    """A Redis URL on a local port where nothing listens (Redis down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def _forget_connections():
    """Celery keeps its broker pool and result store per process: drop them, so the next
    send connects to whatever the settings say now."""
    app._pool = None
    app.amqp._producer_pool = None
    app._local.__dict__.pop("backend", None)


@contextlib.contextmanager
def sending_to(url: str, **settings):
    """This process sends tasks through the broker at `url` (no eager in-process run)."""
    _forget_connections()
    try:
        with override_settings(CELERY_BROKER_URL=url, CELERY_RESULT_BACKEND=url,
                               CELERY_TASK_ALWAYS_EAGER=False, **settings):
            yield
    finally:
        _forget_connections()


def save_and_roster_with_redis_down(client, world, after_commit=None):  # noqa: F811
    """POST New Session → Save and Roster while Redis is down; the page it leads to.
    `after_commit`: django_capture_on_commit_callbacks where the test holds a transaction."""
    started = time.monotonic()
    with sending_to(dead_redis_url()):
        with after_commit(execute=True) if after_commit else contextlib.nullcontext():
            r = client.post(URL, weekly_tue_thu(world, _action="save_and_roster"))
        assert r.status_code == 302, r.content.decode()[:2000]
        assert time.monotonic() - started < 10  # a quick answer, not a hanging request
        page = client.get(r["Location"])
    return r, page


@pytest.mark.django_db
def test_redis_down_saves_the_sessions_and_says_rostering_is_queued(
    scheduler_client, world, django_capture_on_commit_callbacks  # noqa: F811
):
    r, page = save_and_roster_with_redis_down(
        scheduler_client, world, django_capture_on_commit_callbacks
    )
    job = Job.objects.get()
    assert r["Location"] == reverse("scheduling:roster_job", args=[job.pk])
    assert page.status_code == 200
    html = page.content.decode()
    assert QUEUED in html and WAITING in html
    assert 'hx-trigger="every 1s"' in html  # the page keeps looking for the job to start
    # The save stands; the job waits, queued and unsent, for the sweep.
    sessions = list(SessionSeries.objects.get().sessions.all())
    assert len(sessions) == 4 and {s.status for s in sessions} == {Session.Status.DRAFT}
    assert (job.status, job.sent_at, job.message) == (Job.Status.QUEUED, None, "")

    # Still down a minute later: the sweep sends nothing and leaves the job as it was.
    with sending_to(dead_redis_url()):
        assert jobs_sweep(now=timezone.now() + datetime.timedelta(minutes=1)) == []
    job.refresh_from_db()
    assert job.unsent and job.status == Job.Status.QUEUED


@pytest.mark.django_db
def test_redis_down_with_htmx_redirects_to_the_queued_job(
    scheduler_client, world, django_capture_on_commit_callbacks  # noqa: F811
):
    with sending_to(dead_redis_url()):
        with django_capture_on_commit_callbacks(execute=True):
            r = scheduler_client.post(URL, weekly_tue_thu(world, _action="save_and_roster"),
                                      headers={"HX-Request": "true"})
        job = Job.objects.get()
        assert r.status_code == 200
        assert r["HX-Redirect"] == reverse("scheduling:roster_job", args=[job.pk])
        partial = scheduler_client.get(r["HX-Redirect"], headers={"HX-Request": "true"})
    assert QUEUED in partial.content.decode()
    assert Session.objects.count() == 4 and job.unsent


@pytest.fixture
def shared_database():
    """The test database, which a worker process can use too (PostgreSQL)."""
    if _database_url() is None:
        if in_ci():
            pytest.fail("CI=true but the tests do not run on PostgreSQL")
        pytest.skip("the worker cannot share an SQLite test database")


@pytest.mark.django_db(transaction=True)
def test_once_redis_is_back_the_sweep_sends_the_job_and_a_worker_rosters_it(
    shared_database, broker_url, roles, scheduler_client, world, tmp_path  # noqa: F811
):
    _, page = save_and_roster_with_redis_down(scheduler_client, world)
    assert QUEUED in page.content.decode()
    job = Job.objects.get()
    assert job.unsent

    queue = f"test-{uuid.uuid4().hex}"
    env = {"DATABASE_URL": _database_url(), "CELERY_TASK_DEFAULT_QUEUE": queue}
    log = tmp_path / "worker.log"
    with sending_to(broker_url, CELERY_TASK_DEFAULT_QUEUE=queue), \
            celery_worker(queue=queue, log=log, env=env):
        # A minute later (the sweep leaves a just-claimed job to its own send).
        assert jobs_sweep(now=timezone.now() + datetime.timedelta(minutes=1)) == [job.pk]
        deadline = time.monotonic() + 60
        while Job.objects.get(pk=job.pk).status != Job.Status.DONE:
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.2)
        # The next sweep: the job is done, nothing is sent again.
        assert jobs_sweep(now=timezone.now() + datetime.timedelta(minutes=2)) == []
    job.refresh_from_db()
    assert job.message == "Rostered 4 of 4 sessions."
    assert set(Session.objects.values_list("status", flat=True)) == {Session.Status.ROSTERED}
    html = scheduler_client.get(reverse("scheduling:roster_job", args=[job.pk])).content.decode()
    assert QUEUED not in html and WAITING not in html and "Rostered 4 of 4 sessions." in html
