"""The session menu's views: the items by session and user, each action's modal, hostile input."""

import datetime
import json

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from scheduling.board import build_board
from scheduling.selectors import live_board, live_sessions_in_days
from sessions_app.models import Session, SessionSeries
from tests.factories import WorkerFactory, give_regions
from tests.factories.rostering import BaseRosterFactory, RosterPeriodFactory
from tests.scheduling.conftest import at, menu_post

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _login(client, django_user_model, role, name=None):
    user = give_regions(
        django_user_model.objects.create_user(name or role.lower(), password="pw-12345678")
    )
    if role != "none":
        user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return user


@pytest.fixture
def session(make):
    return make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))


def _menu(client, s):
    return client.get(reverse("scheduling:session_menu", args=[s.pk]), **HTMX)


def test_the_menu_has_the_six_items_as_real_links(client, django_user_model, session):
    _login(client, django_user_model, "Coordinator")
    html = _menu(client, session).content.decode()
    assert 'role="menu"' in html
    for label in ("Modify Workers", "Modify Clients &amp; Services", "Modify Session Times",
                  "Modify Activities", "Cancel Session", "View History"):
        assert f">{label}</a>" in html
    for name in ("modify_workers", "modify_clients", "modify_times", "modify_activities",
                 "cancel_session", "session_history"):
        assert f'href="{reverse(f"scheduling:{name}", args=[session.pk])}"' in html
    assert 'aria-disabled="true"' not in html


def test_a_complete_session_shows_the_modify_items_off_with_the_reason(
    client, django_user_model, session
):
    _login(client, django_user_model, "Coordinator")
    Session.objects.filter(pk=session.pk).update(status="complete")
    html = _menu(client, session).content.decode()
    assert html.count('aria-disabled="true"') == 5  # all but View History
    assert "only Draft, Rostered and In Progress" in html
    assert f'href="{reverse("scheduling:session_history", args=[session.pk])}"' in html


def test_a_pattern_session_is_off_for_a_coordinator_and_cancel_is_off_for_all(
    client, django_user_model, live, make
):
    roster = BaseRosterFactory(site=live["site"], start_date=datetime.date(2026, 11, 30))
    s = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"), base_roster=roster)
    _login(client, django_user_model, "Coordinator")
    html = _menu(client, s).content.decode()
    assert "Only a scheduler" in html and html.count('aria-disabled="true"') == 5
    _login(client, django_user_model, "Scheduler")
    html = _menu(client, s).content.decode()
    assert html.count('aria-disabled="true"') == 1 and "pattern sessions are not cancelled" in html


def test_without_htmx_the_menu_is_a_page_of_links(client, django_user_model, session):
    _login(client, django_user_model, "Coordinator")
    response = client.get(reverse("scheduling:session_menu", args=[session.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html and 'role="menu"' not in html
    assert f'href="{reverse("scheduling:modify_workers", args=[session.pk])}"' in html


@pytest.mark.parametrize("name", ["session_menu", "modify_workers", "modify_times",
                                  "modify_activities", "modify_workers_options"])
def test_an_unknown_or_huge_pk_is_a_404(client, django_user_model, name):
    _login(client, django_user_model, "Coordinator")
    assert client.get(reverse(f"scheduling:{name}", args=[999999])).status_code == 404
    assert client.get(f"/scheduling/sessions/{'9' * 30}/menu/").status_code == 404


def test_the_board_blocks_and_grid_chips_open_the_menu(client, django_user_model, live, make):
    s = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    menu_url = reverse("scheduling:session_menu", args=[s.pk])
    data = live_board(live_sessions_in_days(Session.objects.all(),
                                            first_day=datetime.date(2026, 11, 30), num_days=7),
                      rows="worker", page_number=1)
    html = build_board(data, first_day=datetime.date(2026, 11, 30), num_days=7).rows[0].blocks_html
    assert f'data-menu-url="{menu_url}"' in html and 'aria-haspopup="menu"' in html
    period = RosterPeriodFactory(base_roster=BaseRosterFactory(site=live["site"]),
                                 start_date=datetime.date(2026, 11, 30),
                                 end_date=datetime.date(2026, 12, 13))
    p = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"), roster_period=period,
             client="bea")
    _login(client, django_user_model, "Scheduler")
    page = client.get(period.get_absolute_url()).content.decode()
    assert f'data-menu-url="{reverse("scheduling:session_menu", args=[p.pk])}"' in page


# --- Modify Workers ---------------------------------------------------------------------------
def test_modify_workers_swaps_and_triggers_the_refresh(client, django_user_model, live, session):
    _login(client, django_user_model, "Coordinator")
    url = reverse("scheduling:modify_workers", args=[session.pk])
    form = client.get(url, **HTMX).content.decode()
    assert "Will Wong" in form and "Free and qualified" in form and "<html" not in form
    response = menu_post(client, url, {"add": [live["will"].pk], "remove": [live["wendy"].pk],
                                 "_action": "save"}, **HTMX)
    assert response.status_code == 200
    assert "sessionSaved" in json.loads(response["HX-Trigger"])
    assert list(session.session_workers.values_list("worker__first_name", flat=True)) == ["Will"]


def test_modify_workers_without_javascript_redirects_with_a_message(
    client, django_user_model, live, session
):
    _login(client, django_user_model, "Coordinator")
    url = reverse("scheduling:modify_workers", args=[session.pk])
    assert "<html" in client.get(url).content.decode()
    response = menu_post(client, url, {"add": [live["will"].pk]})
    assert response.status_code == 302 and "date=2026-12-01" in response["Location"]


@pytest.mark.parametrize("value", ["abc", "NaN", "-3", "1e5", "9" * 40, ""])
def test_hostile_worker_ids_are_a_422_with_a_message(client, django_user_model, session, value):
    _login(client, django_user_model, "Coordinator")
    url = reverse("scheduling:modify_workers", args=[session.pk])
    response = menu_post(client, url, {"add": [value], "scope": "nonsense"}, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Choose workers from the list" in html or "Choose a worker" in html


def test_a_foreign_worker_id_is_a_422(client, django_user_model, session):
    _login(client, django_user_model, "Coordinator")
    url = reverse("scheduling:modify_workers", args=[session.pk])
    response = menu_post(client, url, {"add": ["424242"]}, **HTMX)
    assert response.status_code == 422 and "does not exist" in response.content.decode()


def test_a_refused_session_answers_403_with_the_reason(client, django_user_model, session):
    _login(client, django_user_model, "none", name="nobody")
    for name in ("modify_workers", "modify_times", "modify_activities"):
        response = client.get(reverse(f"scheduling:{name}", args=[session.pk]), **HTMX)
        # A user without a role sees only the page saying so (scheduling.middleware).
        assert response.status_code == 403 and "has no role yet" in response.content.decode()
    Session.objects.filter(pk=session.pk).update(status="complete")
    _login(client, django_user_model, "Coordinator", name="cora")
    for name in ("modify_workers", "modify_times", "modify_activities"):
        response = client.get(reverse(f"scheduling:{name}", args=[session.pk]), **HTMX)
        assert response.status_code == 403
        assert "only Draft, Rostered and In Progress" in response.content.decode()


def test_the_ranked_list_puts_free_workers_first_and_says_why_others_are_not(
    client, django_user_model, live, make, session
):
    busy = WorkerFactory(first_name="Aaron", last_name="Aardvark", regions=[live["west"]])
    make(at("2026-12-01", "10:00"), at("2026-12-01", "12:00"), workers=[busy], client="bea")
    _login(client, django_user_model, "Coordinator")
    html = client.get(reverse("scheduling:modify_workers_options", args=[session.pk]),
                      **HTMX).content.decode()
    assert html.index("Will Wong") < html.index("Aaron Aardvark")
    assert "Already in an overlapping session at 10:00–12:00" in html


def _candidates_queries(client, live, session, n):
    for i in range(n):
        WorkerFactory(first_name=f"W{i}", last_name="Many", regions=[live["west"]])
    return reverse("scheduling:modify_workers", args=[session.pk])


@pytest.mark.parametrize("n", [3, 40])
def test_modify_workers_runs_a_constant_number_of_queries(
    client, django_user_model, live, session, django_assert_max_num_queries, n
):
    _login(client, django_user_model, "Coordinator")
    url = _candidates_queries(client, live, session, n)
    # 16: the one selector of the menu (scheduling.selectors.session_for_menu) also reads the
    # clients and their planned services, which Modify Clients & Services shows; and one query
    # reads the user's roles and regions (clients.access).
    with django_assert_max_num_queries(16):
        response = client.get(url, **HTMX)
    assert response.content.decode().count('name="add"') == min(n + 1, 20)


# --- Modify Session Times and Activities ---------------------------------------------------------
def test_modify_times_saves_and_refuses_bad_values(client, django_user_model, session):
    _login(client, django_user_model, "Coordinator")
    url = reverse("scheduling:modify_times", args=[session.pk])
    assert 'value="2026-12-01T09:00"' in client.get(url, **HTMX).content.decode()
    for start, message in (("9999-01-01T09:00", "between 2000 and 2100"),
                           ("NaN", "Enter a date and time"),
                           ("2026-10-04T02:30", "does not exist")):
        response = menu_post(client, url, {"start": start, "end": "2026-10-04T06:00"}, **HTMX)
        assert response.status_code == 422 and message in response.content.decode()
    response = menu_post(client, url, {"start": "2026-12-01T13:00", "end": "2026-12-01T15:00"},
                         **HTMX)
    assert response.status_code == 200
    session.refresh_from_db()
    assert session.start == at("2026-12-01", "13:00")


def test_a_series_session_offers_the_scope_and_applies_it(client, django_user_model, make):
    a = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    b = make(at("2026-12-08", "09:00"), at("2026-12-08", "11:00"))
    series = SessionSeries.objects.create(rule="FREQ=WEEKLY;COUNT=2", first_start=a.start)
    Session.objects.filter(pk__in=[a.pk, b.pk]).update(series=series)
    _login(client, django_user_model, "Coordinator")
    url = reverse("scheduling:modify_times", args=[a.pk])
    html = client.get(url, **HTMX).content.decode()
    assert "<legend>Which sessions of the series?</legend>" in html and "This and following" in html
    assert menu_post(client, url, {"start": "2026-12-01T10:00", "end": "2026-12-01T12:00",
                             "scope": "nonsense"}, **HTMX).status_code == 422
    menu_post(client, url, {"start": "2026-12-01T10:00", "end": "2026-12-01T12:00",
                      "scope": "following"}, **HTMX)
    b.refresh_from_db()
    assert b.start == at("2026-12-08", "10:00")
    single = reverse("scheduling:modify_times", args=[make(
        at("2026-12-02", "09:00"), at("2026-12-02", "11:00"), client="bea").pk])
    assert "Which sessions" not in client.get(single, **HTMX).content.decode()


def test_modify_activities_adds_a_row_saves_and_refuses_garbage(
    client, django_user_model, session
):
    _login(client, django_user_model, "Coordinator")
    url = reverse("scheduling:modify_activities", args=[session.pk])
    mgmt = {"act-TOTAL_FORMS": "1", "act-INITIAL_FORMS": "0"}
    html = menu_post(client, url, {**mgmt, "act-TOTAL_FORMS": "0", "_action": "add_activity"},
                       **HTMX).content.decode()
    assert 'name="act-0-kind"' in html
    bad = menu_post(client, url, {**mgmt, "act-0-kind": "break", "act-0-start": "NaN",
                            "act-0-end": "2026-12-01T10:30", "_action": "save"}, **HTMX)
    assert bad.status_code == 422 and "Enter a date and time" in bad.content.decode()
    no_mgmt = menu_post(client, url, {"_action": "save"}, **HTMX)
    assert no_mgmt.status_code == 422
    outside = menu_post(client, url, {**mgmt, "act-0-kind": "break",
                                      "act-0-start": "2026-12-01T10:45",
                                "act-0-end": "2026-12-01T11:30", "act-0-paid": "false"}, **HTMX)
    assert outside.status_code == 422 and "inside the session" in outside.content.decode()
    ok = menu_post(client, url, {**mgmt, "act-0-kind": "break", "act-0-start": "2026-12-01T10:00",
                           "act-0-end": "2026-12-01T10:30", "act-0-paid": "false"}, **HTMX)
    assert ok.status_code == 200 and session.activities.count() == 1


# --- the session form refuses a coordinator a pattern session ---------------------------------
def test_the_session_form_refuses_a_coordinator_a_pattern_session(
    client, django_user_model, live, make
):
    roster = BaseRosterFactory(site=live["site"], start_date=datetime.date(2026, 11, 30))
    s = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"), base_roster=roster)
    url = reverse("sessions_app:edit", args=[s.pk])
    _login(client, django_user_model, "Coordinator")
    assert client.get(url).status_code == 403
    assert menu_post(client, url, {"subject": "Changed", "_action": "save"}).status_code == 403
    _login(client, django_user_model, "Scheduler")
    assert client.get(url).status_code == 200
