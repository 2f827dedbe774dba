"""Fault tolerance: the database not reachable (PostgreSQL restarting). A request in flight
whose connection dies, or a request while nothing answers, gets a plain 503 page ("Your last
change was not saved"), with Retry-After, never a 500; htmx requests get the message alone and
no swap. The next request once the database answers works again, with nothing restarted.

Against PostgreSQL through a real server (`live_server`: Django's request handling as in
production, a fresh connection per request): a request's backend is terminated in flight
(`pg_terminate_backend`, what a restart does to every connection), and the server is pointed
at a port where nothing listens for a while (PostgreSQL down). The shared server itself is
never restarted."""

import socket

import psycopg
import pytest
import requests
from django.db import OperationalError, connection, connections
from django.test import Client
from django.urls import reverse

from config.faults import ADVICE, HEADLINE, MESSAGE
from scheduling import selectors
from scheduling.roles import ensure_roles

IS_POSTGRES = connection.vendor == "postgresql"


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the page, whatever the database ---------------------------------------------------------


@pytest.mark.django_db
def test_a_view_whose_database_fails_answers_503_not_500(scheduler_client, monkeypatch):
    def down(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(selectors, "dashboard_stats", down)
    r = scheduler_client.get(reverse("scheduling:dashboard"))
    assert r.status_code == 503 and r["Retry-After"] == "30"
    html = r.content.decode()
    assert f">{HEADLINE}</h1>" in html and ADVICE in html and "Try again" in html

    r = scheduler_client.get(reverse("scheduling:dashboard"), headers={"HX-Request": "true"})
    assert r.status_code == 503 and r["HX-Reswap"] == "none"
    assert r.content.decode() == MESSAGE  # app.js shows it; the page stays as it was


@pytest.mark.django_db
def test_other_errors_are_still_500(scheduler, monkeypatch):
    def broken(**kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(selectors, "dashboard_stats", broken)
    client = Client(raise_request_exception=False)
    client.force_login(scheduler)
    assert client.get(reverse("scheduling:dashboard")).status_code == 500


# -- a real server and PostgreSQL ------------------------------------------------------------


@pytest.fixture
def roles():
    """The role groups, which an earlier transactional test may have flushed."""
    ensure_roles()


@pytest.fixture
def logged_in(live_server, roles, scheduler):
    """A `requests` session logged in as the scheduler, and the live server's URL."""
    if not IS_POSTGRES:
        pytest.skip("terminating a connection needs PostgreSQL")
    client = Client()
    client.force_login(scheduler)
    http = requests.Session()
    http.cookies.set("sessionid", client.cookies["sessionid"].value)
    return http, live_server.url


def _terminate(pid: int):
    s = connection.settings_dict
    dsn = f"host={s['HOST'] or '127.0.0.1'} port={s['PORT'] or 5432} user={s['USER']} " \
          f"dbname={s['NAME']}"
    with psycopg.connect(dsn, autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)


@pytest.mark.django_db(transaction=True)
def test_a_request_in_flight_when_its_connection_dies_fails_cleanly_then_all_is_well(
    logged_in, monkeypatch
):
    http, url = logged_in
    page = url + reverse("scheduling:dashboard")
    assert http.get(page).status_code == 200
    original = selectors.dashboard_stats
    killed = []

    def restart_mid_request(**kwargs):
        # The server restarts while this request is half-way: its connection is cut.
        if not killed:
            pid = connections["default"].cursor().connection.info.backend_pid
            _terminate(pid)
            killed.append(pid)
        return original(**kwargs)

    monkeypatch.setattr(selectors, "dashboard_stats", restart_mid_request)
    r = http.get(page)
    assert killed and r.status_code == 503, r.text[:500]
    assert HEADLINE in r.text and ADVICE in r.text and r.headers["Retry-After"] == "30"
    # The next request: a new connection, the page as usual. Nobody restarted anything.
    r = http.get(page)
    assert r.status_code == 200 and "Dashboard" in r.text


@pytest.mark.django_db(transaction=True)
def test_while_the_database_is_down_pages_are_503_and_come_back_by_themselves(logged_in):
    http, url = logged_in
    page = url + reverse("scheduling:live")
    assert http.get(page).status_code == 200
    settings = connections.settings["default"]  # what the server's new connections use
    port = settings["PORT"]
    settings["PORT"] = str(_dead_port())  # PostgreSQL down: nothing listens
    try:
        r = http.get(page)  # fails in the middleware loading the user: handler500's path
        assert r.status_code == 503, r.text[:500]
        assert HEADLINE in r.text and ADVICE in r.text and r.headers["Retry-After"] == "30"
        r = http.get(page, headers={"HX-Request": "true"})
        assert r.status_code == 503 and r.headers["HX-Reswap"] == "none" and r.text == MESSAGE
    finally:
        settings["PORT"] = port  # back up
    r = http.get(page)
    assert r.status_code == 200 and "Scheduling" in r.text
