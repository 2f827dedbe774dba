"""Faults, as a scheduler sees them in the browser: Save and Roster while the background
service (Redis) is down says rostering is queued; a click whose request meets a database that
is not reachable leaves the page as it was and says so, and the next click works."""

import pytest
from django.db import OperationalError
from django.urls import reverse
from playwright.sync_api import expect

from config.faults import HEADLINE, MESSAGE
from jobs.models import Job
from scheduling import selectors
from scheduling import services as scheduling_services
from tests.e2e.helpers import log_in, settle
from tests.scheduling.conftest import at, live, make  # noqa: F401 - fixtures
from tests.test_faults_broker_down import QUEUED, WAITING, dead_redis_url, sending_to
from tests.test_faults_database import roles  # noqa: F401 - the fixture

SHOTS = "/work/notes/shots"


@pytest.fixture
def scheduler_user(roles, scheduler):  # noqa: F811
    return scheduler


@pytest.mark.django_db(transaction=True)
def test_save_and_roster_with_redis_down_says_it_is_queued(
    page, live_server, scheduler_user, make  # noqa: F811
):
    with sending_to(dead_redis_url()):
        sessions = [make(at(f"2026-12-0{d}", "09:00"), at(f"2026-12-0{d}", "11:00"))
                    for d in (1, 3)]
        job = scheduling_services.roster_request(session_ids=[s.pk for s in sessions])
    assert Job.objects.get(pk=job.pk).unsent
    log_in(page, live_server, "sam", "pw-sam-12345")
    page.goto(live_server.url + reverse("scheduling:roster_job", args=[job.pk]))
    expect(page.get_by_text(QUEUED)).to_be_visible()
    expect(page.get_by_text(WAITING)).to_be_visible()
    page.screenshot(path=f"{SHOTS}/faults-queued.png", full_page=True)


@pytest.mark.django_db(transaction=True)
def test_a_click_while_the_database_is_down_keeps_the_page_and_says_so(
    page, live_server, scheduler_user, monkeypatch
):
    log_in(page, live_server, "sam", "pw-sam-12345")
    page.goto(live_server.url + reverse("scheduling:live") + "?date=2026-12-01")
    settle(page)
    heading = page.locator("#live").inner_text()
    original = selectors.live_board

    def down(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(selectors, "live_board", down)
    page.locator("#live-next").click()
    alert = page.locator("#fault-message")
    expect(alert).to_have_text(MESSAGE)
    assert page.locator("#live").inner_text() == heading  # the page stayed as it was
    page.screenshot(path=f"{SHOTS}/faults-database-toast.png", full_page=True)

    monkeypatch.setattr(selectors, "live_board", original)  # the database is back
    page.locator("#live-next").click()
    settle(page)
    expect(alert).to_have_count(0)
    assert page.locator("#live").inner_text() != heading

    page.goto(live_server.url + reverse("scheduling:dashboard"))
    monkeypatch.setattr(selectors, "dashboard_stats", down)
    page.reload()
    expect(page.get_by_role("heading", name=HEADLINE)).to_be_visible()
    page.screenshot(path=f"{SHOTS}/faults-503.png", full_page=True)
