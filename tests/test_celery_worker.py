"""Celery: a real worker through Redis when a broker is configured, eager in-process otherwise."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery.result import EagerResult
from django.conf import settings
from django.test import override_settings

from scheduling.tasks import ping

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


@pytest.fixture
def celery_worker_queue(broker_url, tmp_path):
    """Start a real ``celery worker`` subprocess on a queue of its own; stop it afterwards."""
    queue = f"test-{uuid.uuid4().hex}"
    log = tmp_path / "worker.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
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
        yield queue, proc, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


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
