"""The load test's parsing helpers (loadtest/locustfile.py) on pages the app renders here, through
the test client: what the load test reads off the board and posts back must be what the views
show and accept. No network; the module is loaded by its path (loadtest/ is not a package)."""

import datetime
import importlib.util
import zoneinfo
from pathlib import Path

import pytest
from django.urls import reverse

from sessions_app.models import Session
from tests.factories import SessionFactory, SessionWorkerFactory
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
