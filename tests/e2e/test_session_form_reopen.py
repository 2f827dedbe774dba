"""The session form opens, closes and opens again from a grid, by every way in, as often as
the scheduler likes; and the browser's Back button leads back to a working grid."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from playwright.sync_api import Page, expect

from scheduling.roles import ensure_roles
from tests.e2e.helpers import log_in, settle, watch_console
from tests.factories import (
    BaseRosterFactory,
    RegionFactory,
    RosterPeriodFactory,
    SessionFactory,
    SessionTypeFactory,
    SiteFactory,
    give_regions,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def places():
    groups = ensure_roles()
    user = User.objects.create_user("scheduler", password="scheduler")
    user.groups.add(groups["Scheduler"])
    give_regions(user)
    site = SiteFactory(name="Parramatta Day Centre", region=RegionFactory(name="Sydney West"))
    care = SessionTypeFactory(name="Personal Care")
    roster = BaseRosterFactory(name="West fortnight", start_date=datetime.date(2026, 11, 2))
    period = RosterPeriodFactory(base_roster=roster, start_date=datetime.date(2026, 11, 16),
                                 end_date=datetime.date(2026, 11, 29))
    tz = datetime.timezone(datetime.timedelta(hours=11))  # AEDT in November
    SessionFactory(base_roster=roster, site=site, session_type=care, subject="Roster chip",
                   start=datetime.datetime(2026, 11, 3, 9, 0, tzinfo=tz))
    SessionFactory(roster_period=period, site=site, session_type=care, subject="Period chip",
                   start=datetime.datetime(2026, 11, 17, 9, 0, tzinfo=tz))
    return {"roster": roster, "period": period}


def open_form(page: Page, way: str, chip: str):
    """Open the form by one way in and check that it shows, filled in and live."""
    if way == "button":
        page.get_by_role("link", name="Roster Session", exact=True).click()
        heading = "Roster Session"
    elif way == "plus":
        page.get_by_role("link", name=re.compile(r"^Roster Session on Wednesday")).first.click()
        heading = "Roster Session"
    else:
        page.locator("#grid .chip").filter(has_text=chip).click()
        heading = "Edit session"
    dialog = page.locator("dialog#modal")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", name=heading)).to_be_visible()
    if way == "plus":
        expect(dialog.get_by_label("Start", exact=True)).to_have_value(re.compile(r"T09:00$"))
        expect(dialog.get_by_label("Start", exact=True)).to_have_value(re.compile(r"^\d{4}-11-"))
    settle(page)
    return dialog


def close_form(page: Page, dialog, how: str):
    if how == "escape":
        page.keyboard.press("Escape")
    elif how == "close":
        dialog.get_by_role("button", name="Close").click()
    else:
        dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).not_to_be_visible()
    expect(page.locator("#modal-body")).to_have_count(1)


@pytest.mark.parametrize("place", ["base roster", "roster period"])
def test_the_form_opens_again_and_again_by_every_way_in(live_server, page: Page, places, place):
    problems = watch_console(page)
    log_in(page, live_server, "scheduler")
    if place == "base roster":
        page.goto(live_server.url + reverse("rostering:base_roster_detail",
                                            args=[places["roster"].pk]))
        chip = "Roster chip"
    else:
        page.goto(live_server.url + reverse("rostering:roster_period_detail",
                                            args=[places["period"].pk]))
        chip = "Period chip"
    expect(page.locator("#grid .chip")).to_have_count(1)
    # Every way in follows every other, and each is closed in each way.
    ways = ["button", "plus", "chip", "plus", "button", "chip", "chip", "button", "plus"]
    closes = ["escape", "close", "cancel"]
    for n, way in enumerate(ways):
        dialog = open_form(page, way, chip)
        close_form(page, dialog, closes[n % len(closes)])
    # The page is still the grid, with one modal and no stray copies of the form.
    expect(page.locator("dialog#modal")).to_have_count(1)
    expect(page.locator("#session-form")).to_have_count(1)
    assert problems == []


def test_back_from_the_form_page_to_a_working_grid(live_server, page: Page, places):
    problems = watch_console(page)
    log_in(page, live_server, "scheduler")
    grid_url = live_server.url + reverse("rostering:base_roster_detail",
                                         args=[places["roster"].pk])
    page.goto(grid_url)
    chip = page.locator("#grid .chip").filter(has_text="Roster chip")
    # The form as a page of its own (as when opened in a new tab, or without JavaScript).
    page.goto(live_server.url + chip.get_attribute("href"))
    expect(page.get_by_role("heading", name="Edit session")).to_be_visible()
    expect(page.locator("dialog#modal")).not_to_be_visible()
    page.go_back()
    expect(page).to_have_url(grid_url)
    expect(page.get_by_role("heading", name="West fortnight")).to_be_visible()
    for way in ["chip", "button", "plus"]:
        dialog = open_form(page, way, "Roster chip")
        close_form(page, dialog, "escape")
    # With the form open over the grid, go forward to the form's own page and back again:
    # the grid comes back usable, and the form opens from it as before.
    open_form(page, "chip", "Roster chip")
    page.go_forward()
    expect(page.get_by_role("heading", name="Edit session")).to_be_visible()
    page.go_back()
    expect(page).to_have_url(grid_url)
    expect(page.locator("dialog#modal")).not_to_be_visible()
    for way in ["button", "chip", "plus"]:
        dialog = open_form(page, way, "Roster chip")
        close_form(page, dialog, "close")
    assert problems == []
