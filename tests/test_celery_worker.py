"""Celery: a real worker through Redis when a broker is configured, eager in-process otherwise."""

import contextlib
import datetime
import os
import subprocess
import sys
import time
import uuid
import zoneinfo
from pathlib import Path

import pytest
from celery.result import EagerResult
from django.conf import settings
from django.db import connection
from django.test import override_settings

from jobs.models import Job
from rostering import services, tasks
from scheduling.tasks import ping
from sessions_app.models import Session
from tests.factories import BaseRosterFactory, SiteFactory
from tests.rostering.conftest import add_pattern_session

ROOT = Path(__file__).resolve().parent.parent
CELERY = Path(sys.executable).with_name("celery")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def _redis_reachable(url: str) -> str | None:
    """None if Redis answers PING at ``url``, otherwise why not."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not usable"
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture
def broker_url() -> str:
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url:
        if in_ci():
            pytest.fail("CI=true but CELERY_BROKER_URL is not set: the worker test must run in CI.")
        pytest.skip("CELERY_BROKER_URL is not set (no broker: tasks run eagerly)")
    problem = _redis_reachable(url)
    if problem:
        if in_ci():
            pytest.fail(f"CI=true but Redis at {url} is unreachable: {problem}")
        pytest.skip(f"Redis at {url} is unreachable: {problem}")
    return url


def _database_url() -> str | None:
    """The URL of the database the tests use (the test database), for the worker; None when
    the worker cannot share it (SQLite's test database lives in this process's memory)."""
    s = connection.settings_dict
    if connection.vendor != "postgresql":
        return None
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@contextlib.contextmanager
def celery_worker(*, queue: str, log: Path, env: dict | None = None):
    """A real ``celery worker`` subprocess on `queue`, ready when the block starts, stopped when
    it ends; its output goes to `log`. `env` is added to this process's environment."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **(env or {})}
    cmd = [
        str(CELERY), "-A", "config", "worker",
        "-P", "solo", "-c", "1",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        "-Q", queue, "-n", f"{queue}@%h", "-l", "info",
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text(errors="replace"):
            if proc.poll() is not None:
                pytest.fail(f"celery worker exited with {proc.returncode}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"celery worker not ready after 60 s:\n{log.read_text()}")
            time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture
def celery_worker_queue(broker_url, tmp_path):
    """Start a real ``celery worker`` subprocess on a queue of its own; stop it afterwards.

    On PostgreSQL the worker uses the tests' database, so it can run jobs the test claimed.
    """
    queue = f"test-{uuid.uuid4().hex}"
    log = tmp_path / "worker.log"
    env = {"DATABASE_URL": _database_url()} if _database_url() else {}
    with celery_worker(queue=queue, log=log, env=env) as proc:
        yield queue, proc, log


def test_ping_round_trips_through_a_real_worker(celery_worker_queue):
    queue, proc, log = celery_worker_queue
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    assert ping.app.conf.result_backend.startswith("redis://")

    result = ping.apply_async(args=(41,), queue=queue)

    assert not isinstance(result, EagerResult)
    try:
        value = result.get(timeout=30)
    except Exception:
        pytest.fail(f"no result from the worker:\n{log.read_text(errors='replace')}")
    assert value == 42
    assert result.successful()
    assert type(result.backend).__name__ == "RedisBackend"
    # The worker logs "succeeded" just after storing the result; give it a moment.
    deadline = time.monotonic() + 10
    while f"{result.id}] succeeded" not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.1)
    assert proc.poll() is None


@pytest.mark.django_db(transaction=True)
def test_a_generation_job_runs_on_a_real_worker(celery_worker_queue):
    """Claim a job here, run it on the worker: the worker records progress and the outcome on
    the job, and the sessions are in the period."""
    if _database_url() is None:
        if in_ci():
            pytest.fail("CI=true but the tests do not run on PostgreSQL")
        pytest.skip("the worker cannot share an SQLite test database")
    queue, proc, log = celery_worker_queue
    syd = zoneinfo.ZoneInfo("Australia/Sydney")
    site = SiteFactory(time_zone="Australia/Sydney")
    roster = BaseRosterFactory(start_date=datetime.date(2026, 11, 2), cycle_weeks=1)
    for day in (3, 5):
        add_pattern_session(
            roster, site=site, start=datetime.datetime(2026, 11, day, 9, tzinfo=syd)
        )
    period = services.roster_period_create(
        base_roster=roster, start_date=datetime.date(2026, 11, 16), cycles=2
    )
    job = services.roster_period_generation_claim(period=period)

    result = tasks.generation_job.apply_async(args=(job.pk,), queue=queue)
    try:
        assert result.get(timeout=60) == "created 4"
    except Exception:
        pytest.fail(f"no result from the worker:\n{log.read_text(errors='replace')}")
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (Job.Status.DONE, 4, 4)
    assert job.message == "Generated 4 sessions." and job.result["created"] == 4
    assert Session.objects.filter(roster_period=period).count() == 4
    # The task again (a redelivery): the job is finished, nothing happens.
    again = tasks.generation_job.apply_async(args=(job.pk,), queue=queue)
    assert again.get(timeout=60) == "not active"
    assert Session.objects.filter(roster_period=period).count() == 4


@override_settings(CELERY_TASK_ALWAYS_EAGER=True)
def test_ping_runs_eagerly_without_a_broker():
    result = ping.delay(41)

    assert isinstance(result, EagerResult)
    assert result.get() == 42


def test_no_broker_means_eager_in_process():
    """With CELERY_BROKER_URL unset, ``delay`` runs the task in the calling process."""
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    code = (
        "import django; django.setup()\n"
        "from scheduling.tasks import ping\n"
        "r = ping.delay(1)\n"
        "print(type(r).__name__, r.get())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["EagerResult", "2"]
