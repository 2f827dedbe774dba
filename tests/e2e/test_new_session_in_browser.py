"""The third seed procedure with recurrence: Scheduling → New Session → fill → weekly on Tue
and Thu, 4 times (summary and preview shown) → Save and Roster → four sessions in one series."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from scheduling.roles import ensure_roles
from sessions_app.models import Session, SessionSeries
from tests.e2e.helpers import log_in, settle
from tests.factories import (
    ClientFactory,
    RegionFactory,
    ServiceAgreementLineFactory,
    SessionTypeFactory,
    SiteFactory,
    SupportItemFactory,
    WorkerFactory,
    give_regions,
)

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def data():
    groups = ensure_roles()
    user = User.objects.create_user("scheduler", password="scheduler")
    user.groups.add(groups["Scheduler"])
    give_regions(user)
    west = RegionFactory(name="Sydney West", code="sydney-west")
    parra = SiteFactory(name="Parramatta Day Centre", region=west)
    ada = ClientFactory(first_name="Ada", last_name="Lovelace", sites=[parra])
    item = SupportItemFactory(item_number="01_011_0107_1_1", name="Self-care – weekday")
    ServiceAgreementLineFactory(agreement__client=ada, support_item=item)
    WorkerFactory(first_name="Wendy", last_name="Walker", regions=[west])
    SessionTypeFactory(name="Personal Care")


def open_new_session(page: Page, live_server):
    log_in(page, live_server, "scheduler")
    page.get_by_role("link", name="Scheduling", exact=True).first.click()
    expect(page.get_by_role("heading", name="Scheduling", exact=True)).to_be_visible()
    page.get_by_role("link", name="New Session", exact=True).click()
    form = page.locator("#session-form")
    expect(form.get_by_role("heading", name="New Session")).to_be_visible()
    settle(page)
    return form


def fill_session(page: Page, form):
    form.get_by_label("Session type").select_option(label="Personal Care")
    form.get_by_label("Start", exact=True).fill("2026-12-08T09:00")  # a Tuesday
    settle(page)
    form.get_by_label("End", exact=True).fill("2026-12-08T11:00")
    settle(page)
    form.get_by_label("Site", exact=True).select_option(label="Parramatta Day Centre")
    settle(page)
    form.get_by_label("Clients", exact=True).fill("ada")
    form.locator("#client-results").get_by_role("button", name=re.compile("Ada Lovelace")).click()
    expect(form.get_by_role("heading", name="Ada Lovelace")).to_be_visible()
    settle(page)
    form.get_by_label("Workers", exact=True).fill("wend")
    form.locator("#worker-results").get_by_role("button", name="Wendy Walker").click()
    expect(form.get_by_role("list", name="Chosen workers")).to_contain_text("Wendy Walker")
    settle(page)
    form.get_by_label(re.compile("^01_011_0107_1_1")).check()
    settle(page)


def choose_weekly_tue_thu_4_times(page: Page, form):
    recurrence = form.locator("#recurrence")
    expect(recurrence.get_by_text("Does not repeat: one session.")).to_be_visible()
    recurrence.get_by_label("Repeats").select_option(label="Weekly, on chosen days")
    settle(page)
    # The start's weekday is chosen already; add Thursday.
    expect(recurrence.get_by_label("Tue", exact=True)).to_be_checked()
    recurrence.get_by_label("Thu", exact=True).check()
    settle(page)
    recurrence.get_by_label("Number of times").fill("4")
    recurrence.get_by_label("Number of times").dispatch_event("change")
    settle(page)
    preview = form.locator("#recurrence-preview")
    expect(preview).to_contain_text("Weekly on Tue and Thu, 4 times")
    expect(preview).to_contain_text("4 sessions, the last on Thu 17 Dec 2026")
    dates = preview.get_by_role("list", name="The dates of the series").get_by_role("listitem")
    expect(dates).to_have_text([
        "Tue 8 Dec 2026 09:00–11:00", "Thu 10 Dec 2026 09:00–11:00",
        "Tue 15 Dec 2026 09:00–11:00", "Thu 17 Dec 2026 09:00–11:00",
    ])


def test_new_session_weekly_on_tue_and_thu_4_times(
    page: Page, live_server, data, assert_no_axe_violations, eager_celery
):
    form = open_new_session(page, live_server)
    fill_session(page, form)
    choose_weekly_tue_thu_4_times(page, form)
    assert_no_axe_violations(page)
    expect(form.get_by_role("button", name="Save", exact=True)).to_be_visible()
    form.get_by_role("button", name="Save and Roster").click()
    # The job ran in-process (no broker): its outcome is on the page at once.
    expect(page.get_by_role("heading", name="Save and Roster", exact=True)).to_be_visible()
    outcome = page.locator("#roster-outcome")
    expect(outcome.locator('[data-result="rostered"]')).to_have_count(4)
    # Four Rostered blocks on the schedule.
    page.get_by_role("link", name="Open in Scheduling").click()
    board = page.get_by_role("region", name=re.compile(r"^Schedule"))
    expect(board.locator("a[data-session-id][title*='Rostered']")).to_have_count(2)
    page.get_by_role("link", name=re.compile("^Next")).first.click()
    settle(page)
    expect(board.locator("a[data-session-id][title*='Rostered']")).to_have_count(2)
    series = SessionSeries.objects.get()
    sessions = list(series.sessions.all())
    assert [s.local_start.strftime("%a %d %b %H:%M") for s in sessions] == [
        "Tue 08 Dec 09:00", "Thu 10 Dec 09:00", "Tue 15 Dec 09:00", "Thu 17 Dec 09:00"]
    assert all(s.session_workers.count() == 1 for s in sessions)
    assert Session.objects.count() == 4
    assert {s.status for s in sessions} == {Session.Status.ROSTERED}


def test_nonsense_recurrence_is_refused_beside_the_field(page: Page, live_server, data):
    form = open_new_session(page, live_server)
    fill_session(page, form)
    choose_weekly_tue_thu_4_times(page, form)
    form.locator("#recurrence").get_by_label("Every").fill("0")
    form.get_by_role("button", name="Save and Roster").click()
    expect(form.locator("#field-rec-interval")).to_contain_text("greater than or equal to 1")
    expect(page.get_by_text("Nothing was saved.", exact=False)).to_be_visible()
    assert Session.objects.count() == 0


def test_new_session_fits_a_phone(page: Page, live_server, data, assert_no_axe_violations):
    page.set_viewport_size(PHONE)
    form = open_new_session(page, live_server)
    fill_session(page, form)
    choose_weekly_tue_thu_4_times(page, form)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    form.locator("#recurrence").screenshot(path="/tmp/recur_phone.png")
    assert_no_axe_violations(page)
