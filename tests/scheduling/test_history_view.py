"""View History of a session (scheduling:session_history), and the history Save and Roster
records."""

import datetime
import re

import pytest
from django.db import transaction
from django.db.models import F
from django.urls import reverse

from scheduling import services
from sessions_app.history import session_history
from sessions_app.history_records import acting_as
from sessions_app.models import (
    PlannedService,
    Session,
    SessionActivity,
    SessionAsset,
    SessionClient,
    SessionWorker,
)
from sessions_app.services import session_update
from tests.scheduling.conftest import at

pytestmark = pytest.mark.django_db


def url(session):
    return reverse("scheduling:session_history", args=[session.pk])


def earlier(minutes=5):
    """What is recorded so far moves into the past: the next save is an entry of its own."""
    for model in (
        Session, SessionClient, PlannedService, SessionWorker, SessionAsset, SessionActivity
    ):
        model.history.model.objects.update(
            history_date=F("history_date") - datetime.timedelta(minutes=minutes)
        )


def test_the_page_lists_the_changes_newest_first(scheduler_client, scheduler, make, live):
    session = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    earlier()
    with acting_as(scheduler):
        session_update(session=session, workers=[live["will"]], start=at("2026-12-01", "10:00"),
                       end=at("2026-12-01", "12:00"))

    r = scheduler_client.get(url(session))
    assert r.status_code == 200
    html = r.content.decode()
    assert "<ol" in html and "<time datetime=" in html
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert re.search(r"\w{3} \d+ \w{3} \d\d:\d\d · sam Start: 09:00 → 10:00", text), text[-800:]
    assert "Workers: Wendy Walker → Will Wong" in html
    assert "Start: 09:00 → 10:00" in html
    assert html.index("Workers: Wendy Walker → Will Wong") < html.index("Created")
    assert "<html" in html  # a page of its own without htmx

    partial = scheduler_client.get(url(session), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and 'id="modal-title"' in partial
    assert "Workers: Wendy Walker → Will Wong" in partial and "data-close-modal" in partial


def test_the_session_form_links_to_its_history(scheduler_client, make):
    session = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    html = scheduler_client.get(reverse("sessions_app:edit", args=[session.pk])).content.decode()
    assert f'href="{url(session)}"' in html and "View History" in html


def test_unknown_session_is_404_and_only_get_is_allowed(scheduler_client, make):
    assert scheduler_client.get("/scheduling/sessions/999999/history/").status_code == 404
    huge = "/scheduling/sessions/99999999999999999999999/history/"  # beyond any integer column
    assert scheduler_client.get(huge).status_code == 404
    assert scheduler_client.get("/scheduling/sessions/abc/history/").status_code == 404
    session = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    assert scheduler_client.post(url(session)).status_code == 405


def test_login_and_the_view_permission_are_needed(client, django_user_model, make):
    session = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    r = client.get(url(session))
    assert r.status_code == 302 and reverse("login") in r["Location"]
    client.force_login(django_user_model.objects.create_user("nobody", password="x-12345-y"))
    assert client.get(url(session)).status_code == 403


@pytest.mark.parametrize("edits", [1, 10])
def test_the_page_takes_the_same_queries_whatever_the_length_of_the_history(
    scheduler_client, make, live, edits, django_assert_max_num_queries
):
    session = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    for i in range(edits):
        earlier()
        session_update(session=session, subject=f"Visit {i}",
                       workers=[live["will"] if i % 2 == 0 else live["wendy"]])
    # 13: one of them reads the user's roles and regions (clients.access).
    with django_assert_max_num_queries(13):
        r = scheduler_client.get(url(session))
    assert r.content.decode().count('<li class="history-entry">') == edits + 1


def test_save_and_roster_records_the_status_change_by_who_asked(
    scheduler, make, django_capture_on_commit_callbacks
):
    sessions = [
        make(at(f"2026-12-0{d}", "09:00"), at(f"2026-12-0{d}", "11:00")) for d in (1, 2)
    ]
    earlier()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            job = services.roster_request(session_ids=[s.pk for s in sessions], user=scheduler)
    job.refresh_from_db()
    assert job.result["rostered"] == 2, job.message

    rows = Session.history.model.objects.filter(history_change_reason="Save and Roster")
    assert sorted(rows.values_list("id", flat=True)) == sorted(s.pk for s in sessions)
    assert {(r.status, r.history_user_id) for r in rows} == {("rostered", scheduler.pk)}
    latest = session_history(session=Session.objects.select_related("site").get(
        pk=sessions[0].pk))[0]
    assert (latest.who, latest.reason, latest.changes) == (
        "sam", "Save and Roster", ["Status: Draft → Rostered"]
    )
