"""The period grid shows one week at a time: the week navigator swaps the grid and the
header's count, keeps the week in the address, and the back button returns to the last week."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.e2e.helpers import assert_no_axe_violations, log_in, settle

pytestmark = pytest.mark.django_db(transaction=True)
SYD = zoneinfo.ZoneInfo("Australia/Sydney")


def test_the_week_navigator_on_a_roster_period(live_server, page: Page, ui_world):
    from tests.factories import SessionFactory

    period = ui_world["period"]
    SessionFactory(
        roster_period=period, site=ui_world["site"], subject="Week two visit",
        start=datetime.datetime(2026, 11, 25, 10, tzinfo=SYD),
    )
    log_in(page, live_server, "scheduler")
    url = live_server.url + reverse("rostering:roster_period_detail", args=[period.pk])
    page.goto(url)
    nav = page.get_by_role("navigation", name="Weeks of this period")
    expect(nav.get_by_role("heading")).to_have_text(
        "Week 1 of 2 (Mon 16 Nov 2026 – Sun 22 Nov 2026)"
    )
    count = page.locator("#session-count")
    expect(count).to_have_text("5 sessions in this period · 4 in week 1")
    expect(page.locator("#grid .chip")).to_have_count(4)

    nav.get_by_role("link", name="Next week ›").click()
    nav = page.get_by_role("navigation", name="Weeks of this period")
    expect(nav.get_by_role("heading")).to_contain_text("Week 2 of 2")
    expect(page.locator("#grid .chip")).to_have_count(1)
    expect(page.locator("#grid .chip")).to_contain_text("Week two visit")
    expect(count).to_have_text("5 sessions in this period · 1 in week 2")
    expect(page).to_have_url(re.compile(r"\?week=2(&|$)"))
    expect(nav.get_by_role("link", name="Next week ›")).to_have_count(0)  # the last week
    settle(page)
    page.screenshot(path="/tmp/perf-week2.png", full_page=True)
    assert_no_axe_violations(page)

    page.go_back()
    expect(page.get_by_role("navigation", name="Weeks of this period").get_by_role("heading")) \
        .to_contain_text("Week 1 of 2")
    expect(page.locator("#grid .chip")).to_have_count(4)

    # The address alone opens that week (a bookmark, a link sent to someone).
    page.goto(url + "?week=2026-11-27")
    expect(page.locator("#grid .chip")).to_contain_text("Week two visit")
