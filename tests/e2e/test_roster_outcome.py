"""The Save and Roster panel in a browser: it polls while the job is queued, then shows each
occurrence (Rostered ✓, or Draft with the reason beside it); after the scheduler fixes the
clash, "Roster again" rosters the Draft one.

The "worker" is the test itself: the job is claimed but not sent, and the test runs it while
the browser polls.
"""

import os

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from jobs.models import Job
from scheduling import services
from scheduling.roles import ensure_roles
from sessions_app.models import Session
from tests.e2e.helpers import log_in, settle
from tests.factories import give_regions
from tests.scheduling.conftest import (  # noqa: F401 - fixtures (and in-process tasks)
    _tasks_in_process,
    at,
    live,
    make,
)

pytestmark = pytest.mark.django_db(transaction=True)
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


@pytest.fixture
def scheduler():
    user = User.objects.create_user("scheduler", password="scheduler")
    user.groups.add(ensure_roles()["Scheduler"])
    give_regions(user)
    return user


def test_the_outcome_panel_polls_shows_each_occurrence_and_rosters_again(
    live_server, page: Page, scheduler, make, monkeypatch, assert_no_axe_violations  # noqa: F811
):
    other = make(at("2026-12-08", "10:00"), at("2026-12-08", "12:00"), client="bea",
                 subject="Gym · Bea")
    Session.objects.filter(pk=other.pk).update(status=Session.Status.ROSTERED)
    series = [
        make(at(day, "09:00"), at(day, "11:00"), subject="Personal care · Ada")
        for day in ("2026-12-01", "2026-12-08", "2026-12-15")
    ]
    sent = []
    monkeypatch.setattr(services, "job_enqueue", lambda *, job, task: sent.append(job.pk))
    job = services.roster_request(session_ids=[s.pk for s in series])
    Job.objects.filter(pk=job.pk).update(sent_at=timezone.now())  # sent; no worker took it yet

    log_in(page, live_server, "scheduler")
    page.goto(f"{live_server.url}/scheduling/roster-jobs/{job.pk}/")
    panel = page.locator("#roster-outcome")
    expect(panel).to_have_attribute("data-status", "queued")
    expect(panel.get_by_text("Waiting for the background job to start")).to_be_visible()

    services.roster_run(job_id=job.pk)  # the worker; the panel's polling picks it up
    expect(panel).to_have_attribute("data-status", "done")
    expect(panel.get_by_role("status")).to_have_text("Rostered 2 of 3 sessions; 1 stays Draft.")
    clash = panel.locator(f'[data-session="{series[1].pk}"]')
    expect(clash).to_have_attribute("data-result", "draft")
    expect(clash).to_contain_text(
        "Wendy Walker is already rostered to Gym · Bea Tue 8 Dec 10:00–12:00."
    )
    expect(panel.locator('[data-result="rostered"]')).to_have_count(2)
    expect(panel.locator('[data-result="rostered"]').first).to_contain_text("Rostered ✓")
    settle(page)
    assert_no_axe_violations(page)
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/roster-outcome.png", full_page=True)

    # The scheduler moves the other session away, then rosters the Draft one again.
    Session.objects.filter(pk=other.pk).update(
        start=at("2026-12-08", "13:00"), end=at("2026-12-08", "14:00")
    )
    panel.get_by_role("button", name="Roster again").click()
    expect(panel).not_to_have_attribute("data-job", str(job.pk))
    again = int(panel.get_attribute("data-job"))
    assert again in sent
    services.roster_run(job_id=again)
    expect(panel).to_have_attribute("data-status", "done")
    expect(panel.get_by_role("status")).to_have_text("Rostered 1 of 1 session.")
    expect(panel.locator(f'[data-session="{series[1].pk}"]')).to_have_attribute(
        "data-result", "rostered"
    )
    expect(panel.get_by_role("button", name="Roster again")).to_have_count(0)
