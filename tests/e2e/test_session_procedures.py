"""The seed procedures, walked in a browser exactly as written in create-a-session.txt:
create a session on a base roster, and on a roster period (incl. a group session)."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from scheduling.roles import ensure_roles
from sessions_app.models import PlannedService, Session
from tests.e2e.helpers import log_in, settle
from tests.factories import (
    AssetFactory,
    BaseRosterFactory,
    ClientFactory,
    RegionFactory,
    RosterPeriodFactory,
    ServiceAgreementLineFactory,
    ServiceTypeFactory,
    SessionTypeFactory,
    SiteFactory,
    SupportItemFactory,
    WorkerFactory,
    give_regions,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def data():
    groups = ensure_roles()
    user = User.objects.create_user("scheduler", password="scheduler")
    user.groups.add(groups["Scheduler"])
    give_regions(user)
    west = RegionFactory(name="Sydney West", code="sydney-west")
    north = RegionFactory(name="Brisbane North", code="brisbane-north")
    parra = SiteFactory(name="Parramatta Day Centre", region=west)
    SiteFactory(name="Chermside Hub", region=north, time_zone="Australia/Brisbane")
    item = SupportItemFactory(
        item_number="01_011_0107_1_1",
        name="Assistance With Self-Care Activities - Standard - Weekday Daytime",
    )
    group_item = SupportItemFactory(
        item_number="04_102_0136_6_1", name="Group Activities - Standard - Weekday Daytime"
    )
    ada = ClientFactory(first_name="Ada", last_name="Lovelace", sites=[parra])
    bea = ClientFactory(first_name="Bea", last_name="Arthur", sites=[parra])
    ClientFactory(first_name="Cal", last_name="Northern", sites=[])  # at no site of ours
    ServiceAgreementLineFactory(agreement__client=ada, support_item=item)
    ServiceAgreementLineFactory(agreement__client=ada, support_item=group_item,
                                delivery_ratio="1:3")
    ServiceAgreementLineFactory(agreement__client=bea, support_item=group_item,
                                delivery_ratio="1:3")
    AssetFactory(name="Shower chair 1", region=west)
    AssetFactory(name="Minibus Brisbane", region=north, kind="minibus")
    WorkerFactory(first_name="Wendy", last_name="Walker", regions=[west])
    SessionTypeFactory(name="Community Access")
    SessionTypeFactory(name="Personal Care")
    ServiceTypeFactory(name="Personal care")
    return {"parra": parra}


def fill_session(page: Page, *, day: str, group: bool = False):
    """Fill in every field of the open session form, step by step as in the seed."""
    form = page.locator("#modal #session-form")
    expect(form).to_be_visible()
    settle(page)  # the form is swapped in and live
    # Work type, billable, session type
    form.get_by_role("radio", name="Group" if group else "Appointment", exact=True).check()
    if group:
        expect(form.get_by_label("Worker:client ratio")).to_be_visible()
        form.get_by_label("Worker:client ratio").fill("1:3")
    settle(page)
    form.get_by_role("radio", name="Billable", exact=True).check()
    form.get_by_label("Session type").select_option(label="Personal Care")
    # Start and end, then the site (clients and assets follow it) and region.
    form.get_by_label("Start", exact=True).fill(f"{day}T09:00")
    form.get_by_label("End", exact=True).fill(f"{day}T12:00")
    form.get_by_label("Site", exact=True).select_option(label="Parramatta Day Centre")
    settle(page)
    expect(form.get_by_text("Shower chair 1")).to_be_visible()
    expect(form.get_by_text("Minibus Brisbane")).to_have_count(0)
    form.get_by_label("Region", exact=True).select_option(label="Sydney West")
    settle(page)
    # Attendees: assets, clients (only those of the site), workers.
    form.get_by_label("Shower chair 1").check()
    clients = form.get_by_label("Clients", exact=True)
    clients.fill("a")  # Cal Northern matches too, but is not at this site
    results = form.locator("#client-results")
    expect(results.get_by_role("button", name=re.compile("Ada Lovelace"))).to_be_visible()
    expect(results.get_by_text("Cal Northern")).to_have_count(0)
    results.get_by_role("button", name=re.compile("Ada Lovelace")).click()
    expect(form.get_by_role("heading", name="Ada Lovelace")).to_be_visible()
    settle(page)
    if group:
        clients.fill("arthur")
        form.locator("#client-results").get_by_role("button", name=re.compile("Bea")).click()
        expect(form.get_by_role("heading", name="Bea Arthur")).to_be_visible()
        settle(page)
    form.get_by_label("Workers", exact=True).fill("wend")
    form.locator("#worker-results").get_by_role("button", name="Wendy Walker").click()
    expect(form.get_by_role("list", name="Chosen workers")).to_contain_text("Wendy Walker")
    expect(form.locator("#worker-results").get_by_role("button")).to_have_count(0)
    settle(page)
    # Planned services from each client's agreement (the 1:3 group line, or self-care).
    item = "04_102_0136_6_1" if group else "01_011_0107_1_1"
    form.get_by_label(re.compile(f"^{item}")).first.check()
    if group:
        form.get_by_label(re.compile(f"^{item}")).nth(1).check()
    expect(form.get_by_label(f"Quantity of {item} for Ada Lovelace")).to_have_value("3")
    settle(page)
    # Session activities: a break inside the session.
    form.get_by_role("button", name="Add activity").click()
    expect(form.get_by_label("Activity", exact=True)).to_have_value("break")
    settle(page)
    form.get_by_label("From").fill(f"{day}T10:30")
    form.get_by_label("To").fill(f"{day}T11:00")
    # Optional service types, comments and an employee message.
    form.get_by_label("Personal care", exact=True).check()
    form.get_by_label("Comments").fill("Bring the blue folder.")
    form.get_by_label("Employee message").fill("Ring the bell twice.")
    expect(form.get_by_label("Subject")).to_have_value(re.compile("Parramatta Day Centre"))
    form.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("dialog#modal")).not_to_be_visible()


def test_create_a_session_on_a_base_roster(live_server, page: Page, data):
    log_in(page, live_server, "scheduler")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Base Rosters").click()
    page.get_by_role("link", name="Create a base roster").first.click()
    page.get_by_label("Name").fill("West fortnight")
    page.get_by_label("Cycle length (weeks)").fill("2")
    page.get_by_label("Start date").fill("2026-11-02")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="West fortnight")).to_be_visible()
    expect(page.locator("#session-count")).to_have_text(
        "0 sessions in this base roster · 0 in week 1"
    )

    page.get_by_role("link", name="Roster Session", exact=True).click()
    fill_session(page, day="2026-11-03")

    chip = page.locator("#grid .chip").filter(has_text="09:00–12:00")
    expect(chip).to_be_visible()  # swapped into the grid without a reload
    expect(page.locator("#session-count")).to_have_text(  # and the header's count
        "1 session in this base roster · 1 in week 1"
    )
    expect(chip).to_contain_text("Ada Lovelace")
    expect(chip).to_contain_text("Wendy Walker")
    session = Session.objects.get()
    assert session.base_roster.name == "West fortnight"
    assert session.local_start == session.local_start.replace(hour=9, minute=0)
    assert session.session_assets.count() == 1 and session.activities.count() == 1
    assert session.employee_message == "Ring the bell twice."
    assert PlannedService.objects.get().quantity == 3

    # Clicking it opens it in the same form for editing.
    chip.click()
    form = page.locator("#modal #session-form")
    expect(form.get_by_role("heading", name="Edit session")).to_be_visible()
    settle(page)
    form.get_by_label("Subject").fill("Ada – morning care")
    form.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#grid .chip").filter(has_text="Ada – morning care")).to_be_visible()


def test_create_a_group_session_on_a_roster_period(live_server, page: Page, data):
    roster = BaseRosterFactory(name="West fortnight", start_date=datetime.date(2026, 11, 2))
    period = RosterPeriodFactory(base_roster=roster, start_date=datetime.date(2026, 11, 16),
                                 end_date=datetime.date(2026, 11, 29))
    log_in(page, live_server, "scheduler")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Roster Periods").click()
    page.get_by_role("link", name=re.compile("Mon 16 Nov 2026")).click()
    page.get_by_role("link", name="Roster Session", exact=True).click()
    fill_session(page, day="2026-11-18", group=True)

    chip = page.locator("#grid .chip").filter(has_text="09:00–12:00")
    expect(chip).to_contain_text("Group 1:3")
    expect(page.locator("#session-count")).to_have_text("1 session in this period · 1 in week 1")
    expect(chip).to_contain_text("Ada Lovelace, Bea Arthur")
    session = Session.objects.get()
    assert session.roster_period == period and session.base_roster is None
    assert session.work_type == "group"
    assert {ps.session_client.client.first_name for ps in PlannedService.objects.all()} == {
        "Ada", "Bea"
    }


def test_typing_while_a_pick_is_on_its_way_is_kept(live_server, page: Page, data):
    """A scheduler picks a client and types on at once, before the form has answered: the
    worker search, its results and everything else typed meanwhile stay as they are."""
    BaseRosterFactory(name="West fortnight", start_date=datetime.date(2026, 11, 2))
    log_in(page, live_server, "scheduler")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Base Rosters").click()
    page.get_by_role("link", name="West fortnight").click()
    page.get_by_role("link", name="Roster Session", exact=True).click()
    form = page.locator("#modal #session-form")
    expect(form).to_be_visible()
    settle(page)
    form.get_by_label("Site", exact=True).select_option(label="Parramatta Day Centre")
    settle(page)

    # Hold the form's answer to the pick until the scheduler has typed on.
    held = []
    page.route(
        re.compile(r"/sessions/new/$"),
        lambda route: held.append(route)
        if "add_client" in (route.request.post_data or "") else route.continue_(),
    )
    form.get_by_label("Clients", exact=True).fill("ada")
    form.locator("#client-results").get_by_role("button", name=re.compile("Ada Lovelace")).click()
    workers = form.get_by_label("Workers", exact=True)
    workers.fill("wend")
    wendy = form.locator("#worker-results").get_by_role("button", name="Wendy Walker")
    expect(wendy).to_be_visible()
    form.get_by_label("Comments").fill("Typed while waiting")
    assert len(held) == 1
    held[0].continue_()

    expect(form.get_by_role("heading", name="Ada Lovelace")).to_be_visible()
    settle(page)
    expect(workers).to_have_value("wend")
    expect(form.get_by_label("Comments")).to_have_value("Typed while waiting")
    expect(form.get_by_label("Clients", exact=True)).to_have_value("ada")  # not replaced either
    expect(form.locator("#client-results").get_by_role("button")).to_have_count(0)  # Ada taken
    wendy.click()
    expect(form.get_by_role("list", name="Chosen workers")).to_contain_text("Wendy Walker")
    expect(form.get_by_role("list", name="Chosen clients")).to_contain_text("Ada Lovelace")


def test_errors_show_beside_the_field_and_keep_the_values(live_server, page: Page, data):
    BaseRosterFactory(name="West fortnight", start_date=datetime.date(2026, 11, 2))
    log_in(page, live_server, "scheduler")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Base Rosters").click()
    page.get_by_role("link", name="West fortnight").click()
    page.get_by_role("link", name="Roster Session", exact=True).click()
    form = page.locator("#modal #session-form")
    settle(page)
    form.get_by_label("Site", exact=True).select_option(label="Parramatta Day Centre")
    form.get_by_label("Start", exact=True).fill("2026-11-03T09:00")
    form.get_by_label("End", exact=True).fill("2026-11-03T08:00")
    form.get_by_label("Comments").fill("Keep this text")
    settle(page)
    form.get_by_role("button", name="Save", exact=True).click()
    expect(form.get_by_text("End must be after start.")).to_be_visible()
    expect(form.get_by_text("An Appointment has exactly one client.")).to_be_visible()
    expect(form.get_by_label("Comments")).to_have_value("Keep this text")
    assert Session.objects.count() == 0


def test_the_form_works_as_a_full_page_without_javascript(live_server, browser, data):
    BaseRosterFactory(name="West fortnight", start_date=datetime.date(2026, 11, 2))
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, "scheduler")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Base Rosters").click()
    page.get_by_role("link", name="West fortnight").click()
    page.get_by_role("link", name="Roster Session", exact=True).click()
    expect(page.get_by_role("heading", name="Roster Session")).to_be_visible()
    form = page.locator("#session-form")
    form.get_by_label("Site", exact=True).select_option(label="Parramatta Day Centre")
    form.get_by_role("button", name="Update the choices").click()
    expect(form.get_by_text("Shower chair 1")).to_be_visible()
    form.get_by_label("Clients", exact=True).fill("ada")
    form.get_by_role("button", name="Find").first.click()
    form.locator("#client-results").get_by_role("button", name=re.compile("Ada")).click()
    form.get_by_label(re.compile("^01_011_0107_1_1")).check()
    form.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(re.compile("Session “Parramatta Day Centre.*” saved"))).to_be_visible()
    expect(page.locator("#grid .chip")).to_contain_text("Ada Lovelace")
    context.close()
