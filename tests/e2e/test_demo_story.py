"""Issue 4's story from the demo data, in one browser session: a scheduler creates a 2-week
period from the demo base roster, generates it, validates it, publishes it, and finds the
sessions Rostered on the live schedule."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.db.models import Q
from playwright.sync_api import Page, expect

from demo import seed as demo
from rostering.models import RosterPeriod
from scheduling.roles import ensure_roles
from sessions_app.models import Session
from tests.e2e.helpers import settle

pytestmark = pytest.mark.django_db(transaction=True)


def problem_workers(period):
    """Workers on leave during the period or whose qualifications lapse by its end."""
    from workforce.models import Worker

    return Worker.objects.filter(
        Q(unavailability__start__lt=period_end(period),
          unavailability__end__gt=period_start(period))
        | Q(qualifications__expires_on__lte=period.end_date)
    ).distinct()


def period_start(period):
    return datetime.datetime.combine(period.start_date, datetime.time.min, tzinfo=datetime.UTC)


def period_end(period):
    return datetime.datetime.combine(
        period.end_date + datetime.timedelta(days=2), datetime.time.min, tzinfo=datetime.UTC
    )


def free_worker(session):
    """A worker of the session's region, fit for it, with nothing else that day."""
    from workforce.models import Worker

    period = session.roster_period
    day_start = session.start - datetime.timedelta(hours=14)
    day_end = session.end + datetime.timedelta(hours=14)
    busy = Session.objects.filter(
        roster_period=period, start__lt=day_end, end__gt=day_start
    ).values("session_workers__worker")
    candidates = (
        Worker.objects.filter(regions=session.site.region_id)
        .exclude(pk__in=busy)
        .exclude(pk__in=problem_workers(period))
    )
    for qualification in session.session_type.required_qualifications.all():
        candidates = candidates.filter(qualifications__qualification=qualification)
    return candidates.order_by("last_name", "first_name").first()


def test_demo_period_from_base_roster_to_live_schedule(live_server, page: Page, eager_celery):
    ensure_roles()
    demo.seed_demo()
    assert User.objects.filter(username="scheduler").exists()

    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill("scheduler")
    page.get_by_label("Password").fill("scheduler")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Roster Periods").click()
    page.get_by_role("link", name="New roster period").click()
    page.get_by_label("Base roster").select_option(label="Demo base roster – fortnight")
    settle(page)
    start = page.get_by_label("Start date")
    expect(start.locator("option").nth(1)).to_be_attached()
    start.select_option(index=0)  # the first free start: after the two seed_demo made
    settle(page)
    page.get_by_label("Number of cycles").fill("1")
    settle(page)
    expect(page.get_by_label("Number of cycles")).to_have_value("1")
    page.get_by_role("button", name="Save").click()

    # Generate (no broker in this test: the job runs at once) — the grid fills.
    page.get_by_role("button", name="Generate").click()
    expect(page.locator("#generation")).to_contain_text("Generated 150 sessions", timeout=30_000)
    # seed_demo published this fortnight and left the next as a draft: this is a third.
    period = RosterPeriod.objects.latest("pk")
    assert RosterPeriod.objects.count() == 3
    assert period.sessions.count() == 150

    # Validate, then publish once nothing is in the way.
    panel = page.locator("#period-validation")
    panel.get_by_role("button", name="Validate").click()
    expect(panel.get_by_role("status")).to_contain_text(
        re.compile(r"Checked 150 sessions"), timeout=30_000
    )
    # (the demo data has a few problems in its next period: leave, a lapsed screening)
    expect(panel.get_by_role("status")).to_contain_text("error", timeout=30_000)

    # Fix each problem the way a scheduler does: open the session from the report, take
    # off the worker who is on leave or whose screening lapsed, and roster a free one.
    hrefs = [
        a.get_attribute("href")
        for a in panel.locator("section.vgroup-error a[href*='/sessions/']").all()
    ]
    fixed = 0
    for href in dict.fromkeys(hrefs):
        session = Session.objects.get(pk=int(re.search(r"/sessions/(\d+)/", href).group(1)))
        to_replace = list(session.session_workers.filter(worker__in=problem_workers(period)))
        if not to_replace:
            continue
        page.goto(live_server.url + href)  # the session form as a page of its own
        form = page.locator("#session-form")
        for sw in to_replace:
            form.get_by_role("button", name=f"Remove {sw.worker}").click()
            expect(form.get_by_role("button", name=f"Remove {sw.worker}")).to_have_count(0)
            free = free_worker(session)
            form.get_by_label("Workers", exact=True).fill(free.last_name)
            form.locator("#worker-results").get_by_role("button", name=str(free)).click()
            expect(form.get_by_role("list", name="Chosen workers")).to_contain_text(str(free))
        form.get_by_role("button", name="Save", exact=True).click()
        expect(page).to_have_url(re.compile(r"/roster-periods/\d+/$"))  # back at the period
        fixed += 1
    if fixed:
        expect(panel).to_contain_text("changed after the last validation")

    panel.get_by_role("button", name="Validate").click()
    expect(panel.get_by_role("status")).to_contain_text("no errors", timeout=30_000)
    panel.get_by_role("button", name="Publish").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("can no longer be generated again")
    for ack in (re.compile("I have read"), "Publish before the earlier period"):
        if dialog.get_by_label(ack).count():
            dialog.get_by_label(ack).check()
    dialog.get_by_role("button", name="Publish").click()
    expect(page.locator("h1 .badge")).to_have_text("Published")

    period.refresh_from_db()
    assert period.status == RosterPeriod.Status.PUBLISHED
    assert set(period.sessions.values_list("status", flat=True)) == {Session.Status.ROSTERED}
    page.get_by_role("link", name="Open in Scheduling").click()
    expect(page.get_by_role("heading", name="Scheduling")).to_be_visible()
    board = page.get_by_role("region", name=re.compile(r"^Schedule"))
    expect(board.locator("a[data-session-id][title*='Rostered']").first).to_be_visible()
