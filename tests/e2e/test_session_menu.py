"""The right-click session menu in the browser: right-click, the ⋯ button and the keyboard open
it; Modify Workers swaps a worker; Modify Session Times moves a series' following sessions; a
phone's width; axe on the open menu and a modal."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.e2e.helpers import assert_no_axe_violations, log_in, settle

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = "/work/notes/shots"
ITEMS = ["Modify Workers", "Modify Clients & Services", "Modify Session Times",
         "Modify Activities", "Cancel Session", "View History"]


def _open_live(page: Page, live_server, day: datetime.date):
    page.goto(live_server.url + reverse("scheduling:live") + f"?view=day&date={day:%Y-%m-%d}")
    settle(page)
    return page.get_by_role("region", name=re.compile(r"^Schedule"))


def test_right_click_modify_workers_swaps_the_worker(live_server, page: Page, ui_world):
    session = ui_world["session"]  # Rostered, Bea Arthur with Wendy Walker, 09:00 tomorrow
    log_in(page, live_server, "coordinator")
    board = _open_live(page, live_server, session.local_date)
    block = board.get_by_role("list", name="Wendy Walker").get_by_role(
        "link", name=re.compile(r"^09:00 Bea Arthur"))
    block.click(button="right")
    menu = page.get_by_role("menu")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("menuitem")).to_have_text(ITEMS)
    expect(menu.get_by_role("menuitem", name="Modify Workers")).to_be_focused()
    settle(page)
    page.screenshot(path=f"{SHOTS}/menu-open.png")
    assert_no_axe_violations(page)

    menu.get_by_role("menuitem", name="Modify Workers").click()
    modal = page.locator("dialog#modal")
    expect(modal.get_by_role("heading", name="Modify Workers")).to_be_visible()
    expect(menu).to_be_hidden()
    settle(page)
    page.screenshot(path=f"{SHOTS}/menu-modify-workers.png")
    assert_no_axe_violations(page)
    # Type-ahead narrows the ranked list.
    with page.expect_response(lambda r: "/workers/options/" in r.url):
        modal.get_by_label("Find a worker").fill("Weav")
    settle(page)
    expect(modal.get_by_role("checkbox", name="Will Weaver")).to_be_visible()
    modal.get_by_role("checkbox", name="Remove Wendy Walker").check()
    modal.get_by_role("checkbox", name="Will Weaver").check()
    modal.get_by_role("button", name="Save").click()
    expect(modal).to_be_hidden()
    settle(page)
    expect(board.get_by_role("list", name="Will Weaver").get_by_role(
        "link", name=re.compile(r"^09:00 Bea Arthur"))).to_be_visible()
    expect(board.get_by_role("list", name="Wendy Walker")).to_have_count(0)
    page.reload()
    expect(board.get_by_role("list", name="Will Weaver").get_by_role(
        "link", name=re.compile(r"^09:00 Bea Arthur"))).to_be_visible()


def test_the_menu_opens_and_closes_by_pointer_button_and_keyboard(
    live_server, page: Page, ui_world
):
    session = ui_world["session"]
    log_in(page, live_server, "coordinator")
    board = _open_live(page, live_server, session.local_date)
    menu = page.get_by_role("menu")

    def block():
        return board.get_by_role("link", name=re.compile(r"^09:00 Bea Arthur"))

    for round_ in range(3):
        # Right-click, then Escape: closed, focus back on the block.
        block().click(button="right")
        expect(menu).to_be_visible()
        page.keyboard.press("Escape")
        expect(menu).to_be_hidden()
        expect(block()).to_be_focused()

        # The ⋯ button says it has a menu and whether it is open.
        button = block().locator("xpath=..").get_by_role("button", name="Session menu")
        block().hover()
        button.click()
        expect(menu).to_be_visible()
        expect(button).to_have_attribute("aria-expanded", "true")
        page.keyboard.press("Escape")
        expect(menu).to_be_hidden()
        expect(button).to_have_attribute("aria-expanded", "false")

        # Keyboard: Shift+F10 on the focused block, arrows, End/Home, Enter opens the action.
        block().focus()
        page.keyboard.press("Shift+F10")
        expect(menu.get_by_role("menuitem", name="Modify Workers")).to_be_focused()
        page.keyboard.press("ArrowDown")
        expect(menu.get_by_role("menuitem", name="Modify Clients & Services")).to_be_focused()
        page.keyboard.press("End")
        expect(menu.get_by_role("menuitem", name="View History")).to_be_focused()
        page.keyboard.press("Home")
        page.keyboard.press("ArrowUp")  # wraps to the last
        expect(menu.get_by_role("menuitem", name="View History")).to_be_focused()
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowUp")
        expect(menu.get_by_role("menuitem", name="Modify Session Times")).to_be_focused()
        page.keyboard.press("Enter")
        modal = page.locator("dialog#modal")
        expect(modal.get_by_role("heading", name="Modify Session Times")).to_be_visible()
        page.keyboard.press("Escape")
        expect(modal).to_be_hidden()
        expect(block()).to_be_focused()

        # The board is replaced (next week and back): the menu still opens.
        if round_ == 0:
            page.locator("#live-next").click()
            settle(page)
            page.locator("#live-prev").click()
            settle(page)
        elif round_ == 1:
            # Back twice: htmx restores the page (from its cache or the server) after the URL
            # has changed; wait for the page of the newest URL (static/js/app.js drops an
            # older restore still loading, which used to land last and show the day before).
            page.evaluate("""() => document.addEventListener('htmx:historyRestore',
                (evt) => { window.restoredPath = evt.detail.path; })""")
            page.go_back()
            page.go_back()
            page.wait_for_function(
                "() => window.restoredPath === location.pathname + location.search")
            settle(page)
            expect(block()).to_be_visible()


def test_modify_session_times_this_and_following_in_a_series(live_server, page: Page, ui_world):
    from sessions_app.models import Session, SessionClient, SessionSeries

    base = ui_world["session"]
    tz = base.site.tzinfo
    series = SessionSeries.objects.create(rule="FREQ=WEEKLY;COUNT=3", first_start=base.start)
    sessions = [base]
    for week in (1, 2):
        start = datetime.datetime.combine(base.local_date + datetime.timedelta(weeks=week),
                                          datetime.time(9), tzinfo=tz)
        s = Session.objects.get(pk=base.pk)
        s.pk = None
        s.form_token = None
        s.start, s.end = start, start + datetime.timedelta(hours=2)
        s.status = "draft"
        s.save()
        for sc in base.session_clients.all():
            SessionClient.objects.create(session=s, client=sc.client)
        sessions.append(s)
    Session.objects.filter(pk__in=[s.pk for s in sessions]).update(series=series)
    second = sessions[1]

    log_in(page, live_server, "coordinator")
    board = _open_live(page, live_server, second.local_date)
    board.get_by_role("link", name=re.compile(r"09:00 ")).first.click(button="right")
    page.get_by_role("menuitem", name="Modify Session Times").click()
    modal = page.locator("dialog#modal")
    expect(modal.get_by_role("heading", name="Modify Session Times")).to_be_visible()
    day = second.local_date
    modal.get_by_label("Start").fill(f"{day:%Y-%m-%d}T13:00")
    modal.get_by_label("End").fill(f"{day:%Y-%m-%d}T15:30")
    scope = modal.get_by_role("group", name="Which sessions of the series?")
    scope.get_by_label("This and following").check()
    assert_no_axe_violations(page)
    modal.get_by_role("button", name="Save").click()
    expect(modal).to_be_hidden()
    settle(page)
    expect(board.get_by_role("link", name=re.compile(r"13:00 "))).to_be_visible()
    moved = {s.pk: s for s in Session.objects.select_related("site").filter(series=series)}
    assert moved[base.pk].wall_start.time() == datetime.time(9)
    assert [moved[s.pk].wall_start.time() for s in sessions[1:]] == [datetime.time(13)] * 2
    assert moved[sessions[2].pk].wall_end.time() == datetime.time(15, 30)


def test_the_menu_on_a_phone_and_on_a_roster_period_grid(live_server, page: Page, ui_world):
    session = ui_world["session"]
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, "scheduler")
    board = _open_live(page, live_server, session.local_date)
    block = board.get_by_role("link", name=re.compile(r"^09:00 Bea Arthur"))
    block.scroll_into_view_if_needed()
    block.locator("xpath=..").get_by_role("button", name="Session menu").click()
    menu = page.get_by_role("menu")
    expect(menu).to_be_visible()
    box = menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=f"{SHOTS}/menu-phone.png")
    page.keyboard.press("Escape")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + ui_world["period"].get_absolute_url())
    chip = page.locator("a.chip").first
    chip.click(button="right")
    expect(menu.get_by_role("menuitem")).to_have_count(6)
    settle(page)
    page.screenshot(path=f"{SHOTS}/menu-grid.png")
    expect(menu.get_by_role("menuitem", name="Cancel Session")).not_to_have_attribute(
        "aria-disabled", "true")
    menu.get_by_role("menuitem", name="Modify Workers").click()
    expect(page.locator("dialog#modal").get_by_role("heading", name="Modify Workers")) \
        .to_be_visible()
