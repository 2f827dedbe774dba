"""Settings come from the environment: embedded defaults when unset, hardened in production."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, unset=(), **env_vars) -> subprocess.CompletedProcess:
    """Run ``python *args`` in the project root with a modified environment."""
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by tests/conftest.py for Playwright only
    env.update(env_vars)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deployment_checklist():
    out = run(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        "--settings=config.settings_production",
        SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL="postgres://carewfm:secret@db:5432/carewfm",
    )

    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout + out.stderr


PRINT_SETTINGS = (
    "import json, django; django.setup()\n"
    "from django.conf import settings\n"
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'],"
    " 'eager': settings.CELERY_TASK_ALWAYS_EAGER,"
    " 'broker': settings.CELERY_BROKER_URL,"
    " 'backend': settings.CELERY_RESULT_BACKEND}))"
)


def test_no_database_url_means_sqlite_and_no_broker_means_eager_tasks():
    out = run(
        "-c",
        PRINT_SETTINGS,
        unset=("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"),
        DJANGO_SETTINGS_MODULE="config.settings",
    )

    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["engine"] == "django.db.backends.sqlite3"
    assert got["eager"] is True
    assert got["broker"] == ""


def test_database_url_and_broker_url_switch_to_postgres_and_redis():
    out = run(
        "-c",
        PRINT_SETTINGS,
        unset=("CELERY_RESULT_BACKEND",),
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/carewfm",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/15",
    )

    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["engine"] == "django.db.backends.postgresql"
    assert got["eager"] is False
    assert got["backend"] == "redis://127.0.0.1:6379/15"
