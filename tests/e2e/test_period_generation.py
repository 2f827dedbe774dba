"""A scheduler creates a roster period from the base roster, generates it and watches it fill.

The Generate button claims the job and enqueues the Celery task. Here the "worker" is the test
itself: it runs the task while the browser polls, and after every batch waits until the page
shows that batch's progress — so the test watches the htmx-polled progress bar move, reach done,
and the page reload with the sessions in the grid.
"""

import datetime
import os
import zoneinfo
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from jobs.models import Job
from rostering import generation, tasks
from rostering.models import RosterPeriod
from scheduling.roles import ensure_roles
from sessions_app.models import Session
from tests.factories import (
    BaseRosterFactory,
    ClientFactory,
    RegionFactory,
    ServiceAgreementLineFactory,
    SiteFactory,
    SupportItemFactory,
    give_regions,
)
from tests.rostering.conftest import add_pattern_session

pytestmark = pytest.mark.django_db(transaction=True)
SYD = zoneinfo.ZoneInfo("Australia/Sydney")
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")  # set it to keep screenshots of the page


@pytest.fixture
def base_roster():
    groups = ensure_roles()
    user = User.objects.create_user("scheduler", password="scheduler")
    user.groups.add(groups["Scheduler"])
    give_regions(user)
    site = SiteFactory(
        name="Parramatta Day Centre", region=RegionFactory(name="Sydney West", code="syd-west")
    )
    today = timezone.localdate()
    # A fortnight pattern whose first cycle began two weeks before this week's Monday, so the
    # form offers a start in this cycle; agreements cover the year around today.
    monday = today - datetime.timedelta(days=today.weekday())
    roster = BaseRosterFactory(
        name="West fortnight", start_date=monday - datetime.timedelta(days=14), cycle_weeks=2
    )
    item = SupportItemFactory(item_number="01_011_0107_1_1")
    for i, name in enumerate(["Ada", "Bea", "Cal", "Dot", "Eve", "Flo"]):
        client = ClientFactory(first_name=name, last_name="Example", sites=[site])
        line = ServiceAgreementLineFactory(
            agreement__client=client, support_item=item,
            agreement__start_date=today - datetime.timedelta(days=365),
            agreement__end_date=today + datetime.timedelta(days=365),
        )
        day = roster.start_date + datetime.timedelta(days=i * 2)
        add_pattern_session(
            roster, site=site, client=client, line=line,
            start=datetime.datetime.combine(day, datetime.time(9 + i), tzinfo=SYD),
            subject=f"Personal Care · {name}",
        )
    return roster


def shot(page: Page, name: str):
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=True)


def test_create_generate_and_watch_progress(live_server, page: Page, base_roster, monkeypatch):
    enqueued = []
    monkeypatch.setattr(tasks.generation_job, "delay", enqueued.append)
    monkeypatch.setattr(generation, "MAX_BATCH_SESSIONS", 2)  # 6 sessions → 3 batches

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("scheduler")
    page.get_by_label("Password").fill("scheduler")
    page.get_by_role("button", name="Log in").click()

    # Roster Periods → New roster period, from the base roster.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Roster Periods").click()
    page.get_by_role("link", name="New roster period").click()
    page.get_by_label("Base roster").select_option(label="West fortnight")
    start = page.get_by_label("Start date")
    expect(start.locator("option")).not_to_have_count(0)
    first = base_roster.start_date + datetime.timedelta(days=14)  # this cycle
    expect(start).to_have_value(first.isoformat())
    expect(page.locator("#period-end")).to_contain_text(
        f"Ends {(first + datetime.timedelta(days=13)).strftime('%a %-d %b %Y')}"
    )
    page.get_by_label("Number of cycles").fill("1")
    shot(page, "period-form.png")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("6 sessions to generate from West fortnight")).to_be_visible()
    period = RosterPeriod.objects.get()
    assert (period.start_date, period.end_date) == (first, first + datetime.timedelta(days=13))
    shot(page, "period-before-generation.png")

    # Generate: the job is queued; the panel polls.
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_text("Waiting for the background job to start")).to_be_visible()
    job = Job.objects.get()
    assert enqueued == [job.pk] and job.target == period
    progress = page.get_by_role("progressbar")

    # The worker picks the job up; after each batch the browser shows how far it got.
    real_chunk = generation._generate_chunk
    seen = []

    def chunk_and_watch(period_id, lo, hi, **kwargs):
        result = real_chunk(period_id, lo, hi, **kwargs)
        done = Job.objects.get(pk=job.pk).done
        expect(page.get_by_text(f"{done} of 6")).to_be_visible(timeout=5000)
        seen.append(progress.get_attribute("aria-valuenow"))
        if done == 4:
            shot(page, "period-generation-running.png")
        return result

    monkeypatch.setattr(generation, "_generate_chunk", chunk_and_watch)
    assert tasks.generation_job(job.pk) == "created 6"
    assert seen == ["33", "66", "100"]

    # Done: the last poll reloads the page, with the outcome and the sessions in the grid.
    expect(page.get_by_role("status").filter(has_text="Generated 6 sessions.")).to_be_visible(
        timeout=5000
    )
    expect(page.get_by_text("Every base-roster session is in this period.")).to_be_visible()
    # The grid shows the first week: days 1, 3, 5 and 7 of the fortnight's pattern.
    expect(page.locator("#session-count")).to_have_text("6 sessions in this period · 4 in week 1")
    expect(page.locator(".chip")).to_have_count(4)
    expect(page.get_by_text("Personal Care · Ada")).to_be_visible()
    expect(page.locator("#generation[hx-trigger]")).to_have_count(0)  # polling stopped
    shot(page, "period-generation-done.png")
    assert Session.objects.filter(roster_period=period).count() == 6


def test_bring_in_sessions_added_to_the_base_roster(live_server, page: Page, base_roster):
    from rostering import services

    period = services.roster_period_create(
        base_roster=base_roster, start_date=base_roster.start_date, cycles=1
    )
    services.roster_period_generate(period=period)
    site = base_roster.sessions.first().site
    add_pattern_session(
        base_roster, site=site, subject="Personal Care · Gus",
        start=datetime.datetime.combine(
            base_roster.start_date + datetime.timedelta(days=3), datetime.time(15), tzinfo=SYD
        ),
    )

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("scheduler")
    page.get_by_label("Password").fill("scheduler")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/roster-periods/{period.pk}/")
    expect(page.get_by_text("1 base-roster session is not in this period yet.")).to_be_visible()

    page.get_by_role("link", name="Preview").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Not in this period yet")).to_be_visible()
    expect(dialog.get_by_role("cell", name="Personal Care · Gus")).to_be_visible()
    shot(page, "period-bring-in-preview.png")

    # No worker here: the job runs in-process at commit.
    with override_settings(CELERY_TASK_ALWAYS_EAGER=True):
        dialog.get_by_role("button", name="Bring in").click()
        expect(page.get_by_role("status").filter(has_text="Brought in 1 session.")).to_be_visible()
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.locator("#session-count")).to_have_text("7 sessions in this period · 5 in week 1")
    expect(page.locator(".chip")).to_have_count(5)
    expect(page.get_by_text("not in this period yet")).to_have_count(0)
    shot(page, "period-bring-in-done.png")
