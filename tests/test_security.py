"""Hardening: login throttling, security headers and the Content Security Policy, sessions that
end after inactivity, and production settings that refuse to start without their secrets."""

import datetime
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
LOGIN = "/accounts/login/"
LOCKED_OUT = (
    "Too many failed sign-in attempts. Try again in 15 minutes or ask an administrator to "
    "unlock your account."
)

pytestmark = pytest.mark.django_db


def attempt(client, username, password, ip="10.0.0.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def nurse(db):
    return User.objects.create_user("nurse", password="right-password-123")


# --- login throttling ----------------------------------------------------------------------


def test_thirty_wrong_passwords_lock_the_account_even_against_the_right_one(client, nurse):
    for _ in range(30):
        attempt(client, "nurse", "wrong")

    response = attempt(client, "nurse", "right-password-123")

    assert response.status_code == 429
    assert LOCKED_OUT in response.content.decode()
    assert '<h1>Log in</h1>' in response.content.decode()  # the login page, not a bare message
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("scheduling:dashboard")).status_code == 302


def test_the_fifth_wrong_password_locks_and_fewer_do_not(client, nurse):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "nurse", "wrong").status_code == 200  # "wrong password"

    assert attempt(client, "nurse", "right-password-123").status_code == 302  # logged in
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT):  # a success started the count again
        last = attempt(client, "nurse", "wrong")

    assert last.status_code == 429
    assert LOCKED_OUT in last.content.decode()


def test_the_lock_holds_one_username_from_one_address(client, nurse):
    User.objects.create_user("carer", password="carer-password-123")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "nurse", "wrong")

    assert attempt(client, "nurse", "right-password-123").status_code == 429
    assert attempt(client, "carer", "carer-password-123").status_code == 302
    client.logout()
    assert attempt(client, "nurse", "right-password-123", ip="10.0.0.8").status_code == 302


def test_the_lock_ends_after_the_cool_off(client, nurse):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "nurse", "wrong")
    assert attempt(client, "nurse", "right-password-123").status_code == 429
    # 16 minutes pass (Axes reads the time of the last failure from its table).
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=16))

    assert attempt(client, "nurse", "right-password-123").status_code == 302


def test_an_administrator_unlocks_in_the_django_admin(client, nurse):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "nurse", "wrong")
    admin = User.objects.create_superuser("boss", password="boss-password-123")
    lock = AccessAttempt.objects.get(username="nurse")
    client.force_login(admin)

    listing = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200 and "nurse" in listing.content.decode()
    client.post(reverse("admin:axes_accessattempt_delete", args=[lock.pk]), {"post": "yes"})
    client.logout()

    assert not AccessAttempt.objects.filter(username="nurse").exists()
    assert attempt(client, "nurse", "right-password-123").status_code == 302


# --- headers and the Content Security Policy -----------------------------------------------


def csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


@pytest.mark.parametrize("logged_in", [False, True], ids=["login page", "dashboard"])
def test_pages_carry_the_security_headers_and_policy(client, scheduler, logged_in):
    if logged_in:
        client.force_login(scheduler)
    response = client.get(reverse("scheduling:dashboard") if logged_in else LOGIN)

    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = csp(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["style-src"] == ["'self'"]
    assert policy["style-src-attr"] == ["'unsafe-inline'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]


# What a page must not contain under the policy: inline scripts, event-handler attributes,
# javascript: URLs, htmx attributes that evaluate code, <style> elements.
FORBIDDEN = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|javascript:|hx-on|hx-vars|<style\b",
    re.IGNORECASE,
)


def test_no_template_or_python_rendered_html_needs_inline_script():
    files = [*ROOT.glob("templates/**/*.html")] + [
        p for app in ("clients", "workforce", "sessions_app", "rostering", "scheduling", "jobs")
        for p in (ROOT / app).glob("**/*.py") if "migrations" not in p.parts
    ]
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)!r}"
        for path in files
        for match in FORBIDDEN.finditer(path.read_text())
    ]

    assert len(files) > 40
    assert offenders == []


# --- sessions end after inactivity ---------------------------------------------------------


def test_a_request_after_the_idle_window_goes_to_the_login_page(client, scheduler):
    client.force_login(scheduler)
    dashboard = reverse("scheduling:dashboard")
    idle = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    minute = datetime.timedelta(minutes=1)
    now = timezone.now()

    # Each request renews the session: requests a minute inside the window apart stay in.
    for later in (now + idle - minute, now + 2 * (idle - minute)):
        with mock.patch("django.utils.timezone.now", return_value=later):
            assert client.get(dashboard).status_code == 200
    with mock.patch("django.utils.timezone.now", return_value=later + idle + minute):
        response = client.get(dashboard)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")


def test_an_htmx_request_after_the_idle_window_takes_the_whole_page_to_login(client, scheduler):
    client.force_login(scheduler)
    later = timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)

    with mock.patch("django.utils.timezone.now", return_value=later):
        response = client.get(
            reverse("scheduling:live"),
            headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/base-rosters/"},
        )

    # Not the login form swapped into the board: htmx loads the login page, then back here.
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{LOGIN}?next=/base-rosters/"
    assert response.content == b""


def test_sessions_are_idle_limited_and_end_with_the_browser():
    assert settings.SESSION_COOKIE_AGE == 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


def test_activity_renews_the_session_at_most_once_a_minute(client, scheduler):
    client.force_login(scheduler)
    dashboard = reverse("scheduling:dashboard")
    client.get(dashboard)
    with CaptureQueriesContext(connection) as fresh:
        client.get(dashboard)
    soon = timezone.now() + datetime.timedelta(seconds=30)
    with mock.patch("django.utils.timezone.now", return_value=soon):
        with CaptureQueriesContext(connection) as within:
            client.get(dashboard)
    later = timezone.now() + datetime.timedelta(seconds=61)
    with mock.patch("django.utils.timezone.now", return_value=later):
        with CaptureQueriesContext(connection) as after:
            client.get(dashboard)

    def session_writes(queries):
        return [q["sql"] for q in queries.captured_queries
                if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]]

    assert session_writes(fresh) == session_writes(within) == []
    assert len(session_writes(after)) == 1


# --- production settings refuse to start without their secrets -----------------------------

IMPORT_SETTINGS = "import django; django.setup(); from django.conf import settings; settings.DEBUG"


def start_production(**env_vars) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings_production", **env_vars)
    return subprocess.run([sys.executable, "-c", IMPORT_SETTINGS], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


GOOD_KEY = secrets.token_urlsafe(64)
GOOD_DB = "postgres://carewfm:secret@db:5432/carewfm"


@pytest.mark.parametrize(("env_vars", "message"), [
    ({"DATABASE_URL": GOOD_DB}, "SECRET_KEY is not set"),
    ({"DATABASE_URL": GOOD_DB, "SECRET_KEY": "  "}, "SECRET_KEY is not set"),
    ({"DATABASE_URL": GOOD_DB, "SECRET_KEY": "short-key"}, "SECRET_KEY is too weak"),
    ({"DATABASE_URL": GOOD_DB,
      "SECRET_KEY": "dev-only-insecure-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz"},
     "SECRET_KEY is too weak"),
    ({"SECRET_KEY": GOOD_KEY}, "DATABASE_URL is not set"),
], ids=["no key", "blank key", "short key", "development key", "no database"])
def test_production_refuses_to_start_without_its_secrets(env_vars, message):
    out = start_production(**env_vars)

    assert out.returncode != 0
    assert "ImproperlyConfigured" in out.stderr
    assert message in out.stderr


def test_production_starts_with_a_key_and_a_database():
    out = start_production(SECRET_KEY=GOOD_KEY, DATABASE_URL=GOOD_DB)

    assert out.returncode == 0, out.stderr


def test_no_secret_or_default_password_in_deployment_files():
    compose = (ROOT / "docker-compose.yml").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert ":-carewfm}" not in compose  # no default database password
    assert "${POSTGRES_PASSWORD:?" in compose
    assert not re.search(r"^[ \t]*SECRET_KEY:[ \t]*\S", compose, re.MULTILINE)  # passed through
    assert not re.search(r"SECRET_KEY=[A-Za-z0-9]", dockerfile)  # generated at build time
