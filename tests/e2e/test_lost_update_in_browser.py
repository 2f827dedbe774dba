"""Two schedulers in two browsers edit the same session: the second save is refused with who,
when and what changed, their own input still in the form; saving again applies it."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from playwright.sync_api import Page, expect

from sessions_app.models import Session
from tests.e2e.helpers import log_in, settle, watch_console
from tests.factories import give_regions

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path("/work/notes/shots")


def test_the_second_save_is_refused_then_applied(live_server, page: Page, ui_world):
    cora = give_regions(User.objects.create_user("cora", password="cora", first_name="Cora",
                                                 last_name="Jones"))
    cora.groups.add(Group.objects.get(name="Scheduler"))
    session = Session.objects.filter(base_roster=ui_world["roster"]).order_by("start").first()
    url = live_server.url + reverse("sessions_app:edit", args=[session.pk])

    # Two people, two browsers, one session form each.
    other = page.context.browser.new_context()
    cora_page = other.new_page()
    cora_problems = watch_console(cora_page)
    log_in(cora_page, live_server, "cora")
    log_in(page, live_server, "scheduler")
    for p in (cora_page, page):
        p.goto(url)
        expect(p.get_by_role("heading", name="Edit session")).to_be_visible()
        settle(p)

    # Cora saves a comment first.
    cora_page.get_by_label("Comments").fill("Gate code 1234")
    cora_page.get_by_role("button", name="Save", exact=True).click()
    expect(cora_page.locator(".messages")).to_contain_text("updated")
    session.refresh_from_db()
    assert session.comments == "Gate code 1234" and session.version == 2

    # The scheduler, on the form opened before, writes a message to the workers and saves.
    page.get_by_label("Employee message").fill("Ring the bell twice")
    page.get_by_role("button", name="Save", exact=True).click()
    banner = page.locator("#stale-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(re.compile(r"Changed by Cora Jones at \w{3} \d{1,2} \w{3} "
                                              r"\d{2}:\d{2} — here is what changed:"))
    expect(banner).to_contain_text("Comments: you have (none), now saved as Gate code 1234")
    expect(banner).to_contain_text("Employee message: you have Ring the bell twice, now saved as")
    expect(page.get_by_label("Employee message")).to_have_value("Ring the bell twice")
    expect(page.get_by_label("Comments")).to_have_value("")
    session.refresh_from_db()
    assert session.employee_message != "Ring the bell twice" and session.version == 2
    SHOTS.mkdir(parents=True, exist_ok=True)
    banner.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "lostupd-banner.png"))

    # Saving again applies the scheduler's input, knowingly.
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("updated")
    session.refresh_from_db()
    assert session.employee_message == "Ring the bell twice"
    assert session.comments == "" and session.version == 3
    assert session.updated_by.username == "scheduler"
    assert cora_problems == []
    other.close()


def test_two_edits_of_one_base_roster(live_server, page: Page, ui_world):
    cora = give_regions(User.objects.create_user("cora", password="cora", first_name="Cora",
                                                 last_name="Jones"))
    cora.groups.add(Group.objects.get(name="Scheduler"))
    roster = ui_world["roster"]
    other = page.context.browser.new_context()
    cora_page = other.new_page()
    log_in(cora_page, live_server, "cora")
    log_in(page, live_server, "scheduler")
    for p in (cora_page, page):
        p.goto(live_server.url + roster.get_absolute_url())
        p.get_by_role("link", name="Edit", exact=True).click()
        expect(p.get_by_role("heading", name="Edit base roster")).to_be_visible()

    cora_page.get_by_label("Name").fill("West fortnight (A)")
    cora_page.get_by_role("button", name="Save").click()
    expect(cora_page.locator(".messages")).to_contain_text("updated")

    page.get_by_label("Active").uncheck()
    page.get_by_role("button", name="Save").click()
    banner = page.locator("#stale-banner")
    expect(banner).to_contain_text("Changed by Cora Jones at")
    expect(banner).to_contain_text("Name: you have West fortnight, now saved as West fortnight (A)")
    expect(banner).to_contain_text("Active: you have No, now saved as Yes")
    expect(page.get_by_label("Active")).not_to_be_checked()
    page.screenshot(path=str(SHOTS / "lostupd-base-roster.png"))
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("updated")
    roster.refresh_from_db()
    assert roster.name == "West fortnight" and not roster.active and roster.version == 3
    other.close()
