"""Every main page: no WCAG 2.1 A/AA violations (axe-core), no sideways scrolling on a phone,
and a coordinator sees only what their role can do, with a styled 403 for the rest."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.e2e.helpers import (
    assert_no_axe_violations,
    axe_violations,
    describe_violations,
    log_in,
    settle,
)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def main_pages(world) -> list[tuple[str, str]]:
    """(name, path) of the pages a scheduler works in."""
    roster, period, session = world["roster"], world["period"], world["session"]
    return [
        ("dashboard", reverse("scheduling:dashboard")),
        ("base rosters", reverse("rostering:base_roster_list")),
        ("base roster grid", reverse("rostering:base_roster_detail", args=[roster.pk])),
        ("roster periods", reverse("rostering:roster_period_list")),
        ("roster period", reverse("rostering:roster_period_detail", args=[period.pk])),
        ("publish confirmation", reverse("rostering:period_publish", args=[period.pk])),
        ("missing sessions", reverse("rostering:roster_period_missing", args=[period.pk])),
        ("scheduling", reverse("scheduling:live")),
        ("new session form", reverse("sessions_app:create") + f"?base_roster={roster.pk}"),
        ("session form", reverse("sessions_app:edit", args=[session.pk])),
        ("404", "/no-such-page/"),
    ]


def period_page(world) -> str:
    return reverse("rostering:roster_period_detail", args=[world["period"].pk])


def visit(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    settle(page)


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_every_page_has_no_axe_violations(live_server, page: Page, ui_world):
    visit(page, live_server.url + reverse("login"))
    assert_no_axe_violations(page)
    log_in(page, live_server, "scheduler")
    found = []
    for _name, path in main_pages(ui_world):
        visit(page, live_server.url + path)
        expect(page.locator("main h1, main h2").first).to_be_visible()
        if violations := axe_violations(page):
            found.append(describe_violations(path, violations))
    assert not found, "\n".join(found)
    # The period page with its report open, and the session form in the modal.
    visit(page, live_server.url + period_page(ui_world))
    expect(page.locator("#period-validation section.vgroup-error")).to_be_visible()
    page.locator(".chip").first.click()
    expect(page.locator("#modal #session-form")).to_be_visible()
    settle(page)
    assert_no_axe_violations(page)


def test_the_403_page_has_no_axe_violations(live_server, page: Page, ui_world):
    log_in(page, live_server, "coordinator")
    visit(page, live_server.url + reverse("rostering:base_roster_create"))
    expect(page.get_by_role("heading", name="You can’t do that with your role")).to_be_visible()
    assert_no_axe_violations(page)


def test_no_page_scrolls_sideways_on_a_phone(live_server, browser, ui_world):
    """At 390 x 844 the page never scrolls sideways; the week grid and wide tables scroll
    inside their own box. axe finds nothing there either (reflow, scrollable regions)."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    visit(page, live_server.url + reverse("login"))
    assert horizontal_overflow(page) <= 0, "login"
    log_in(page, live_server, "scheduler")
    overflow, found = {}, []
    for name, path in main_pages(ui_world):
        visit(page, live_server.url + path)
        overflow[name] = horizontal_overflow(page)
        if violations := axe_violations(page):
            found.append(describe_violations(path, violations))
    assert overflow == dict.fromkeys(overflow, 0), overflow
    assert not found, "\n".join(found)
    # The menu wraps: every main link is on screen and can be used.
    nav = page.get_by_role("navigation", name="Main")
    for link in ("Dashboard", "Base Rosters", "Roster Periods", "Scheduling"):
        expect(nav.get_by_role("link", name=link)).to_be_in_viewport()
    nav.get_by_role("link", name="Scheduling").click()
    expect(page.get_by_role("heading", name="Scheduling")).to_be_visible()
    # The session form in the modal fits too, with an activity's times.
    visit(page, live_server.url + period_page(ui_world))
    page.locator(".chip").first.click()
    form = page.locator("#modal #session-form")
    expect(form).to_be_visible()
    form.get_by_role("button", name="Add activity").click()
    settle(page)
    expect(form.locator(".activity-row")).to_have_count(1)
    assert horizontal_overflow(page) <= 0
    dialog_right = page.evaluate("document.querySelector('#modal').getBoundingClientRect().right")
    assert dialog_right <= PHONE["width"]
    context.close()


def test_a_coordinator_sees_only_what_their_role_can_do(live_server, page: Page, ui_world):
    roster, period = ui_world["roster"], ui_world["period"]
    log_in(page, live_server, "coordinator")
    visit(page, live_server.url + reverse("rostering:base_roster_list"))
    expect(page.get_by_role("heading", name="Base Rosters")).to_be_visible()
    expect(page.get_by_role("link", name="Create a base roster")).to_have_count(0)

    visit(page, live_server.url + reverse("rostering:base_roster_detail", args=[roster.pk]))
    expect(page.locator(".chip").first).to_be_visible()
    main = page.locator("main")
    for name in ("Roster Session", "New roster period"):
        expect(main.get_by_role("link", name=name)).to_have_count(0)
    expect(main.locator(".add-here")).to_have_count(0)

    visit(page, live_server.url + reverse("rostering:roster_period_list"))
    expect(page.get_by_role("link", name="New roster period")).to_have_count(0)

    visit(page, live_server.url + reverse("rostering:roster_period_detail", args=[period.pk]))
    expect(page.locator("#period-validation")).to_contain_text("1 error")
    for name in ("Roster Session", "Generate", "Bring in", "Validate", "Publish"):
        expect(main.get_by_role("button", name=name, exact=True)).to_have_count(0)
        expect(main.get_by_role("link", name=name, exact=True)).to_have_count(0)
    # A coordinator may still open and change a session (Modify Workers, …).
    page.locator(".chip").first.click()
    expect(page.locator("#modal #session-form")).to_be_visible()

    # Going to those pages directly: the styled 403, with a way back.
    for url in (
        reverse("rostering:base_roster_create"),
        reverse("rostering:roster_period_create"),
        reverse("sessions_app:create") + f"?base_roster={roster.pk}",
        reverse("rostering:period_publish", args=[period.pk]),
    ):
        response = page.goto(live_server.url + url)
        assert response.status == 403, url
        expect(page.get_by_role("heading", name="You can’t do that with your role")).to_be_visible()
        expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.get_by_role("link", name="Back to the dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def test_the_404_page_is_styled_with_a_way_back(live_server, page: Page, ui_world):
    log_in(page, live_server, "scheduler")
    response = page.goto(live_server.url + "/roster-periods/999999/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="We can’t find that page")).to_be_visible()
    page.get_by_role("link", name="Back to the dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
