"""Project-wide pytest setup.

The environment decides what runs:

* Browser tests (``tests/e2e/``, marker ``e2e``) need Chromium at ``/usr/bin/chromium``.
* The Celery-worker test needs ``CELERY_BROKER_URL`` (Redis).
* ``DATABASE_URL`` picks the database; unset means SQLite.

On a developer machine a missing piece skips the tests that need it, with the reason.
Under ``CI=true`` nothing may be skipped for that reason: a missing piece is a failure.
"""

import os
from pathlib import Path

import pytest

from tests.factories import give_regions

# Playwright's sync API runs an event loop in the main thread; Django's ORM refuses to be
# called from there unless told it is safe (it is: the loop only drives the browser).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
E2E_DIR = Path(__file__).parent / "e2e"


def in_ci() -> bool:
    """True when running under CI (CI=true), where missing services are failures, not skips."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


# --------------------------------------------------------------------------------------------
# CI guards, markers, browser setup
# --------------------------------------------------------------------------------------------


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "e2e: browser test (Playwright + Chromium at /usr/bin/chromium)"
    )


def pytest_sessionstart(session):
    """Under CI the suite must run on PostgreSQL: the database-level guarantees are tested there."""
    if not in_ci():
        return
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if not engine.endswith("postgresql"):
        pytest.exit(
            "CI=true but the database is not PostgreSQL "
            f"(ENGINE={engine!r}). Set DATABASE_URL=postgres://… to run the suite in CI.",
            returncode=3,
        )


def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


def pytest_runtest_setup(item):
    if item.get_closest_marker("e2e") is None or CHROMIUM.exists():
        return
    reason = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    if in_ci():
        pytest.fail(f"CI=true and {reason}: browser tests must run in CI.", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Use Debian's Chromium (``playwright install`` cannot download browsers here)."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


# --------------------------------------------------------------------------------------------
# Shared fixtures — add project fixtures below this line (factories live in tests/factories/).
# --------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Logins in tests need no slow key stretching."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def scheduler(django_user_model):
    """A user in the Scheduler role."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("sam", password="pw-sam-12345")
    user.groups.add(Group.objects.get(name="Scheduler"))
    give_regions(user)  # every region: the tests of region scoping make their own users
    return user


@pytest.fixture
def scheduler_client(client, scheduler):
    client.force_login(scheduler)
    return client


@pytest.fixture
def eager_celery():
    """Run tasks in-process even when CELERY_BROKER_URL points at Redis (no worker in tests).

    Celery reads the Django settings when asked, so overriding the setting is enough (writing
    to app.conf would shadow the setting for the rest of the run).
    """
    from django.test import override_settings

    with override_settings(CELERY_TASK_ALWAYS_EAGER=True):
        yield


@pytest.fixture
def eager_tasks(eager_celery):
    """The same as eager_celery (the name the generation tests use)."""
    yield
