"""Scheduling in the browser: filter by region, day view by client, a block opened from the
keyboard and closed, the back button returning to the previous state, a phone's width."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.e2e.helpers import assert_no_axe_violations, log_in, settle

pytestmark = pytest.mark.django_db(transaction=True)
PERTH = zoneinfo.ZoneInfo("Australia/Perth")


def test_the_live_schedule(live_server, page: Page, ui_world):
    from tests.factories import (
        ClientFactory,
        RegionFactory,
        SessionClientFactory,
        SessionFactory,
        SessionWorkerFactory,
        SiteFactory,
        WorkerFactory,
    )

    live = ui_world["session"]  # Rostered, Bea Arthur with Wendy Walker, 09:00 in Sydney
    day = live.local_date
    other = SiteFactory(name="Fremantle", region=RegionFactory(name="Perth North"),
                        time_zone="Australia/Perth")
    far = SessionFactory(
        site=other, status="rostered", subject="Far away",
        start=datetime.datetime.combine(day, datetime.time(10), tzinfo=PERTH),
    )
    SessionClientFactory(session=far, client=ClientFactory(first_name="Zed", last_name="Zulu",
                                                            sites=[other]))
    SessionWorkerFactory(session=far, worker=WorkerFactory(first_name="Pat", last_name="Perth"))
    unstaffed = SessionFactory(
        site=ui_world["site"], status="draft", subject="Nobody yet",
        start=datetime.datetime.combine(day, datetime.time(13), tzinfo=live.site.tzinfo),
    )

    log_in(page, live_server, "scheduler")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Scheduling").click()
    expect(page.get_by_role("heading", name="Scheduling", level=1)).to_be_visible()
    page.goto(live_server.url + reverse("scheduling:live") + f"?date={day:%Y-%m-%d}")
    board = page.get_by_role("region", name=re.compile(r"^Schedule"))
    expect(board.get_by_role("list", name="Pat Perth")).to_be_visible()
    expect(board.get_by_role("list", name="Unstaffed")).to_be_visible()

    # Filter by region: the board swaps, the address keeps it.
    page.get_by_label("Region").select_option(label="Sydney West")
    expect(page).to_have_url(re.compile(r"region=\d+"))
    expect(board.get_by_role("list", name="Pat Perth")).to_have_count(0)
    expect(board.get_by_role("list", name="Wendy Walker")).to_be_visible()
    settle(page)
    page.screenshot(path="/tmp/live-week.png", full_page=True)
    assert_no_axe_violations(page)

    # Day view, rows by client.
    page.get_by_role("group", name="View").get_by_role("link", name="Day").click()
    expect(page).to_have_url(re.compile(r"view=day"))
    page.get_by_role("group", name="Rows").get_by_role("link", name="By client").click()
    expect(page).to_have_url(re.compile(r"rows=client"))
    expect(page.get_by_label("Region")).to_have_value(str(ui_world["site"].region_id))
    bea = board.get_by_role("list", name="Bea Arthur")
    expect(bea).to_be_visible()
    settle(page)
    page.screenshot(path="/tmp/live-day-clients.png", full_page=True)

    # Keyboard: Tab reaches the block (a focus ring shows), Enter opens the session form.
    block = bea.get_by_role("link", name=re.compile(r"^09:00 Wendy Walker"))
    expect(block).to_have_attribute("title", re.compile(r"^09:00–11:00 .*Rostered"))
    page.get_by_role("group", name="Rows").get_by_role("link", name="By site").focus()
    for _ in range(60):
        page.keyboard.press("Tab")
        if block.evaluate("el => el === document.activeElement"):
            break
    expect(block).to_be_focused()
    assert block.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
    page.keyboard.press("Enter")
    modal = page.locator("dialog#modal")
    expect(modal).to_be_visible()
    expect(modal.get_by_label("Subject")).to_have_value(live.subject)
    page.keyboard.press("Escape")
    expect(modal).to_be_hidden()

    # Back: rows by worker again (the previous state), still the day and the region.
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"rows=client"))
    expect(page.get_by_role("group", name="Rows").get_by_role("link", name="By worker")) \
        .to_have_attribute("aria-current", "true")
    expect(page.get_by_role("group", name="View").get_by_role("link", name="Day")) \
        .to_have_attribute("aria-current", "true")
    expect(page.get_by_label("Region")).to_have_value(str(ui_world["site"].region_id))
    expect(board.get_by_role("list", name="Wendy Walker")).to_be_visible()
    expect(board.get_by_role("link", name=re.compile("Nobody yet"))).to_be_visible()
    assert unstaffed.pk

    # A phone: nothing scrolls the page sideways; the board scrolls in its own box.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(board).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert board.evaluate("el => el.scrollWidth > el.clientWidth")
    settle(page)
    page.screenshot(path="/tmp/live-phone.png", full_page=True)
    assert_no_axe_violations(page)
