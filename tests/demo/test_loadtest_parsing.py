"""The load test's parsing helpers (loadtest/locustfile.py) on pages the app renders here, through
the test client: what the load test reads off the board and posts back must be what the views
show and accept. No network; the module is loaded by its path (loadtest/ is not a package)."""

import datetime
import importlib.util
import zoneinfo
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from sessions_app.bookings import links_sync
from sessions_app.models import Session
from tests.factories import SessionFactory, SessionWorkerFactory
from tests.factories.users import make_user
from tests.scheduling.conftest import at, live, make  # noqa: F401 (fixtures)
from tests.sessions_app.conftest import world  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
SYD = zoneinfo.ZoneInfo("Australia/Sydney")
LOCUSTFILE = Path(__file__).resolve().parents[2] / "loadtest" / "locustfile.py"


def post_data(pairs) -> dict:
    """(name, value) pairs as the test client posts them (a list for a repeated name)."""
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data


@pytest.fixture(scope="module")
def lf():
    spec = importlib.util.spec_from_file_location("loadtest_locustfile", LOCUSTFILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_session_ids_and_filters_read_off_the_board(lf, scheduler_client, world):  # noqa: F811
    start = datetime.datetime(2026, 11, 3, 9, tzinfo=SYD)
    shown = [
        SessionFactory(site=world["parra"], start=start + datetime.timedelta(hours=3 * i),
                       end=start + datetime.timedelta(hours=3 * i + 2), status="rostered")
        for i in range(3)
    ]
    SessionWorkerFactory(session=shown[0], worker=world["wendy"])
    SessionWorkerFactory(session=shown[1], worker=world["wendy"])
    elsewhere = SessionFactory(site=world["chermside"], start=start,
                               end=start + datetime.timedelta(hours=2), status="rostered")
    url = reverse("scheduling:live")
    html = scheduler_client.get(
        url, {"site": world["parra"].pk, "date": "2026-11-03"}
    ).content.decode()

    assert sorted(lf.session_ids(html)) == sorted(s.pk for s in shown)
    assert elsewhere.pk not in lf.session_ids(html)
    # The site's region's sites (one here), and every region.
    assert lf.select_options(html, "site") == [(str(world["parra"].pk), "Parramatta Day Centre")]
    assert dict(lf.select_options(html, "region")) == {
        str(world["west"].pk): "Sydney West", str(world["north"].pk): "Brisbane North"}
    # A block opens the session form in the modal (htmx GET of /sessions/<pk>/edit/).
    modal = scheduler_client.get(reverse("sessions_app:edit", args=[shown[0].pk]),
                                 headers={"HX-Request": "true"})
    assert modal.status_code == 200 and 'id="session-form"' in modal.content.decode()


def test_login_page_gives_the_csrf_token(lf, client):
    html = client.get(reverse("login")).content.decode()
    token = lf.csrf_token(html)
    assert token and len(token) >= 32
    assert lf.csrf_token("<p>no form</p>") is None


def test_new_session_round_trip_as_the_load_test_posts_it(
    lf, scheduler_client, world, eager_celery,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """The load test's New Session: the form's fields as shown, a client and a worker picked
    from the option endpoints, then Save and Roster — a Rostered session and its job page."""
    url = reverse("scheduling:new_session")
    page = scheduler_client.get(url, {"date": "2026-12-01"}).content.decode()
    fields = lf.form_fields(page, "session-form")
    names = {n for n, _ in fields}
    assert {"csrfmiddlewaretoken", "form_token", "work_type", "billable", "session_type", "start",
            "end", "subject", "site", "act-TOTAL_FORMS", "act-INITIAL_FORMS", "rec-repeat"} <= names
    assert "_action" not in names  # buttons are not fields
    assert ("_action", "save_and_roster", "Save and Roster") in lf.parse_form(
        page, "session-form").buttons
    fields = lf.with_values(fields, site=world["parra"].pk, start="2026-12-01T09:00",
                            end="2026-12-01T11:00", region="")

    options = scheduler_client.get(reverse("sessions_app:client_options"),
                                   {"site": world["parra"].pk}, headers={"HX-Request": "true"})
    clients = lf.button_values(options.content.decode(), "add_client")
    assert sorted(clients) == sorted([str(world["ada"].pk), str(world["bea"].pk)])
    page = scheduler_client.post(
        url, post_data(lf.with_values(fields, add_client=world["ada"].pk)))
    assert page.status_code == 200
    fields = lf.form_fields(page.content.decode(), "session-form")
    assert ("clients", str(world["ada"].pk)) in fields
    assert any(n.endswith("-TOTAL_FORMS") and n != "act-TOTAL_FORMS" for n, _ in fields)

    workers = scheduler_client.get(
        reverse("sessions_app:worker_options"), {
            "worker_q": "w", "start": "2026-12-01T09:00", "end": "2026-12-01T11:00",
            "site": world["parra"].pk, "session_type": world["session_type"].pk,
        }, headers={"HX-Request": "true"},
    ).content.decode()
    free = lf.free_workers(workers)
    assert world["wendy"].pk in free
    page = scheduler_client.post(
        url, post_data(lf.with_values(fields, add_worker=world["wendy"].pk)))
    fields = lf.form_fields(page.content.decode(), "session-form")
    assert ("workers", str(world["wendy"].pk)) in fields

    with django_capture_on_commit_callbacks(execute=True):  # the job, in-process
        saved = scheduler_client.post(
            url, post_data(lf.with_values(fields, _action="save_and_roster")))
    assert saved.status_code == 302, lf._errors(saved.content.decode())
    job_id = lf.roster_job_id(saved["Location"])
    progress = scheduler_client.get(saved["Location"], headers={"HX-Request": "true"})
    assert f'data-job="{job_id}"' in progress.content.decode()
    assert not lf.roster_polling(progress.content.decode())  # the job is over
    session = Session.objects.get(site=world["parra"])
    assert session.status == Session.Status.ROSTERED
    assert list(session.session_workers.values_list("worker_id", flat=True)) == [
        world["wendy"].pk]


def test_workers_without_badges_come_first_and_those_with_problems_never(lf):
    html = (
        '<ul class="results"><li><button type="submit" name="add_worker" value="7" '
        'class="result">Ann Away</button> <span class="badge badge-error">Not active on Tue 1 '
        'Dec 2026.</span></li>\n<li><button type="submit" name="add_worker" value="8" '
        'class="result">Bo Far</button> <span class="badge badge-warn">Does not usually work '
        'in this region.</span></li>\n<li><button type="submit" name="add_worker" value="9" '
        'class="result">Cy Clear</button></li></ul>'
    )
    assert lf.free_workers(html) == [9, 8]
    assert lf.button_values(html, "add_worker") == ["7", "8", "9"]
    assert lf.roster_polling('<section hx-trigger="every 1s">')



def _coordinator_client(region):
    """A coordinator of one region only (as the demo's coordinator)."""
    client = Client()
    client.force_login(make_user("cora", "Coordinator", regions=[region]))
    return client


def _rostered(make_session, start, end):
    session = make_session(start, end)  # Wendy's, for Ada
    Session.objects.filter(pk=session.pk).update(status="rostered")
    links_sync(sessions=Session.objects.filter(pk=session.pk))
    session.refresh_from_db()
    return session


def test_session_menu_round_trip_as_the_load_test_posts_it(lf, live, make):  # noqa: F811
    """The coordinator's menu traffic: the menu's links, Modify Session Times moved 15 minutes
    with the modal's version (saved), the same form again (409: changed since), a move into the
    worker's next session (422: a clash), and a free worker added through Modify Workers."""
    htmx = {"HX-Request": "true"}
    cora = _coordinator_client(live["west"])
    first = _rostered(make, at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    _rostered(make, at("2026-12-01", "11:15"), at("2026-12-01", "13:00"))

    menu = cora.get(reverse("scheduling:session_menu", args=[first.pk]), headers=htmx)
    links = lf.menu_links(menu.content.decode())
    assert links["times"] == reverse("scheduling:modify_times", args=[first.pk])
    assert links["workers"] == reverse("scheduling:modify_workers", args=[first.pk])
    assert links["history"] == reverse("scheduling:session_history", args=[first.pk])
    assert cora.get(links["history"], headers=htmx).status_code == 200

    modal = cora.get(links["times"], headers=htmx).content.decode()
    fields = lf.form_fields(modal, "menu-form")
    assert dict(fields)["version"] == str(first.version)
    assert lf.shifted_times(fields, 15) == {"start": "2026-12-01T09:15",
                                            "end": "2026-12-01T11:15"}
    saved = cora.post(links["times"], post_data(lf.with_values(
        fields, _action="save", **lf.shifted_times(fields, 15))), headers=htmx)
    assert saved.status_code == 200, lf.alerts(saved.content.decode())
    assert "sessionSaved" in saved["HX-Trigger"]
    first.refresh_from_db()
    assert first.wall_start.strftime("%H:%M") == "09:15"

    stale = cora.post(links["times"], post_data(lf.with_values(
        fields, _action="save", **lf.shifted_times(fields, -15))), headers=htmx)
    assert stale.status_code == 409  # the form still had the version before the save
    assert lf.alerts(stale.content.decode()).startswith("Changed by cora at ")

    fields = lf.form_fields(cora.get(links["times"], headers=htmx).content.decode(), "menu-form")
    clash = cora.post(links["times"], post_data(lf.with_values(
        fields, _action="save", **lf.shifted_times(fields, 15))), headers=htmx)
    assert clash.status_code == 422  # Wendy would be in both sessions from 11:15
    assert "Wendy" in lf.alerts(clash.content.decode())
    first.refresh_from_db()
    assert first.wall_start.strftime("%H:%M") == "09:15"

    modal = cora.get(links["workers"], headers=htmx).content.decode()
    free = lf.free_candidates(modal)
    assert live["will"].pk in free and live["wendy"].pk not in free
    added = cora.post(links["workers"], post_data(lf.with_values(
        lf.form_fields(modal, "menu-form"), _action="save", add=live["will"].pk)), headers=htmx)
    assert added.status_code == 200, lf.alerts(added.content.decode())
    assert set(first.session_workers.values_list("worker_id", flat=True)) == {
        live["wendy"].pk, live["will"].pk}

def test_a_finished_sessions_menu_links_its_history_only(lf, world):  # noqa: F811
    done = SessionFactory(site=world["parra"], status="complete",
                          start=datetime.datetime(2026, 11, 2, 9, tzinfo=SYD),
                          end=datetime.datetime(2026, 11, 2, 11, tzinfo=SYD))
    url = reverse("scheduling:session_menu", args=[done.pk])
    menu = _coordinator_client(world["west"]).get(url, headers={"HX-Request": "true"})
    assert set(lf.menu_links(menu.content.decode())) == {"history"}


def test_shifted_times_and_alerts_read_plain_values(lf):
    assert lf.shifted_times([("start", "2026-12-01T23:50"), ("end", "2026-12-02T01:00")],
                            15) == {"start": "2026-12-02T00:05", "end": "2026-12-02T01:15"}
    assert lf.shifted_times([("start", "")], 15) is None
    assert lf.alerts('<div role="alert"><ul class="errorlist"><li>Wendy is busy.</li></ul>'
                     "</div>") == "Wendy is busy."
    assert lf.free_candidates(
        '<li class="candidate has-warnings">\n    <label class="check"><input type="checkbox" '
        'name="add" value="4"> A</label></li><li class="candidate">\n    <label class="check">'
        '<input type="checkbox" name="add" value="5"> B</label></li>') == [5]
