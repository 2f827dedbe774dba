"""The app launcher from the keyboard alone: the shortcut, typing, arrow keys, Enter, Escape;
on a desktop and on a 390 px phone; accessible (axe) with its results open; and without
JavaScript, a form that opens the results page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.e2e.helpers import assert_no_axe_violations, log_in, settle

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def box(page: Page):
    return page.get_by_role("combobox", name="Go to a page, worker, client, site or session")


def type_and_wait(page: Page, text: str) -> None:
    """Type into the focused box and wait for the results of the whole text."""
    page.keyboard.type(text)
    expect(page.locator("#launcher-popup .launcher-more")).to_have_text(f"All results for “{text}”")
    settle(page)


def test_shortcut_sched_arrow_enter_lands_on_scheduling(live_server, page: Page, ui_world):
    log_in(page, live_server, "scheduler")
    expect(box(page)).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("/")
    expect(box(page)).to_be_focused()
    type_and_wait(page, "sched")
    listbox = page.get_by_role("listbox", name="Go to")
    expect(listbox).to_be_visible()
    expect(box(page)).to_have_attribute("aria-expanded", "true")
    expect(box(page)).to_have_attribute("aria-controls", "launcher-listbox")
    first = listbox.get_by_role("option").first
    expect(first).to_have_accessible_name("Scheduling")
    assert_no_axe_violations(page)  # with the results open
    page.keyboard.press("ArrowDown")
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box(page)).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + reverse("scheduling:live"))
    expect(page.get_by_role("heading", name="Scheduling", level=1)).to_be_visible()


def test_ctrl_k_finds_a_worker_by_name_and_goes(live_server, page: Page, ui_world):
    from workforce.models import Worker

    wendy = Worker.objects.get(first_name="Wendy")
    log_in(page, live_server, "scheduler")
    page.keyboard.press("Control+k")
    expect(box(page)).to_be_focused()
    type_and_wait(page, "wendy w")
    option = page.get_by_role("option", name="Wendy Walker")
    expect(option).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    expect(page).to_have_url(
        live_server.url + reverse("scheduling:live") + f"?worker={wendy.pk}")


def test_arrows_wrap_and_escape_closes(live_server, page: Page, ui_world):
    log_in(page, live_server, "scheduler")
    page.keyboard.press("/")
    type_and_wait(page, "ro")
    options = page.get_by_role("option")
    count = options.count()
    assert count >= 3
    page.keyboard.press("ArrowUp")  # from nothing chosen, up is the last
    expect(options.nth(count - 1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")  # and down again wraps to the first
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(options.nth(count - 1)).to_have_attribute("aria-selected", "false")
    page.keyboard.press("Escape")
    expect(page.locator("#launcher-popup")).to_be_hidden()
    expect(box(page)).to_have_attribute("aria-expanded", "false")
    expect(box(page)).not_to_have_attribute("aria-activedescendant", re.compile(".*"))
    expect(box(page)).to_have_value("ro")  # what was typed stays
    page.keyboard.press("ArrowDown")  # the results come back
    expect(page.get_by_role("listbox")).to_be_visible()
    expect(options.first).to_have_attribute("aria-selected", "true")


def test_slash_in_a_field_is_typed_not_a_shortcut(live_server, page: Page, ui_world):
    log_in(page, live_server, "scheduler")
    page.goto(live_server.url + reverse("scheduling:launcher"))
    field = page.get_by_role("textbox", name="Go to", exact=True)
    field.click()
    page.keyboard.type("a/b")
    expect(field).to_have_value("a/b")
    expect(box(page)).not_to_be_focused()


def test_on_a_phone(live_server, page: Page, ui_world):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "scheduler")
    expect(box(page)).to_be_visible()
    page.keyboard.press("/")
    type_and_wait(page, "sched")
    expect(page.get_by_role("listbox")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") == 0
    popup = page.locator("#launcher-popup").bounding_box()
    assert popup["x"] >= 0 and popup["x"] + popup["width"] <= PHONE["width"]
    assert_no_axe_violations(page)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + reverse("scheduling:live"))


def test_a_click_goes_too(live_server, page: Page, ui_world):
    log_in(page, live_server, "scheduler")
    box(page).click()
    type_and_wait(page, "west")
    page.get_by_role("option", name=re.compile("^West fortnight")).first.click()
    expect(page).to_have_url(
        live_server.url + reverse("rostering:base_roster_detail", args=[ui_world["roster"].pk]))


def test_without_javascript_the_form_opens_the_results_page(live_server, browser, ui_world):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, live_server, "scheduler")
        box(page).fill("wendy")
        box(page).press("Enter")
        expect(page).to_have_url(re.compile(r"/scheduling/launcher/\?q=wendy$"))
        expect(page.get_by_role("heading", name="Workers")).to_be_visible()
        page.get_by_role("link", name="Wendy Walker").click()
        expect(page).to_have_url(re.compile(r"/scheduling/\?worker=\d+$"))
    finally:
        context.close()
