"""The coordinator's story, every step through the session menu on the live schedule: swap the
worker of tomorrow's Group session, add a client with a planned service, cancel one client at
short notice, then read the three changes in View History — newest first, each with who."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.e2e.helpers import assert_no_axe_violations, log_in, settle

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = "/work/notes/shots"
ITEMS = ["Modify Workers", "Modify Clients & Services", "Modify Session Times",
         "Modify Activities", "Cancel Session", "View History"]


@pytest.fixture
def story_world(transactional_db):
    """Tomorrow, 10:00–13:00 at a Sydney site: a Rostered Group session (1:3) with Ada and
    Bea and worker Wendy; Will is free and eligible; Cal, of the same site, has an active
    agreement line. A coordinator with access to the site's region."""
    from sessions_app.models import CancellationReason
    from sessions_app.services import ClientSpec, PlannedServiceSpec, session_create
    from tests.factories import (
        ClientFactory,
        RegionFactory,
        ServiceAgreementLineFactory,
        SessionTypeFactory,
        SiteFactory,
        SupportItemFactory,
        WorkerFactory,
        make_user,
    )

    CancellationReason.objects.get_or_create(
        code="NSDH", defaults={"label": "No show due to health reasons"})
    west = RegionFactory(name="Sydney West", code="sydney-west")
    RegionFactory(name="Brisbane North", code="brisbane-north")  # not the coordinator's
    make_user("cora", "Coordinator", password="cora-pass-12345", regions=[west])
    site = SiteFactory(name="Parramatta Day Centre", region=west, time_zone="Australia/Sydney")
    item = SupportItemFactory(item_number="04_102_0136_6_1", name="Group activities – weekday")
    day = timezone.localdate() + datetime.timedelta(days=1)
    until = day + datetime.timedelta(days=365)
    people = {}
    lines = {}
    for first, last in (("Ada", "Lovelace"), ("Bea", "Arthur"), ("Cal", "Nguyen")):
        client = ClientFactory(first_name=first, last_name=last, sites=[site])
        people[first] = client
        lines[first] = ServiceAgreementLineFactory(
            agreement__client=client, agreement__end_date=until, support_item=item)
    wendy = WorkerFactory(first_name="Wendy", last_name="Walker", regions=[west])
    will = WorkerFactory(first_name="Will", last_name="Weaver", regions=[west])
    start = datetime.datetime.combine(day, datetime.time(10), tzinfo=site.tzinfo)
    group = session_create(
        work_type="group", ratio="1:3", billable=True,
        session_type=SessionTypeFactory(name="Community Access"),
        start=start, end=start + datetime.timedelta(hours=3), subject="Art group",
        site=site, status="rostered", workers=[wendy],
        clients=[ClientSpec(people[n], [PlannedServiceSpec(lines[n], Decimal("3"))])
                 for n in ("Ada", "Bea")],
    )
    return {"session": group, "day": day, "wendy": wendy, "will": will, "people": people}


def _open_menu_by_pointer(page: Page, block):
    block.click(button="right")
    menu = page.get_by_role("menu")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("menuitem")).to_have_text(ITEMS)
    expect(menu.get_by_role("menuitem", name="Modify Workers")).to_be_focused()
    return menu


def test_the_coordinator_story_through_the_session_menu(live_server, page: Page, story_world):
    from sessions_app.models import PlannedService, SessionClient, SessionWorker

    group, day = story_world["session"], story_world["day"]
    log_in(page, live_server, "cora", "cora-pass-12345")
    page.goto(live_server.url + reverse("scheduling:live") + f"?view=day&date={day:%Y-%m-%d}")
    settle(page)
    board = page.get_by_role("region", name=re.compile(r"^Schedule"))
    block = board.locator(f'a[data-session-id="{group.pk}"]')
    expect(block).to_have_text(re.compile(r"^10:00 Bea Arthur, Ada Lovelace"))  # by last name
    expect(board.get_by_role("list", name="Wendy Walker")).to_contain_text("Ada Lovelace")
    modal = page.locator("dialog#modal")

    # The menu keeps opening: three times by right-click, closed with Escape.
    menu = page.get_by_role("menu")
    for _ in range(3):
        _open_menu_by_pointer(page, block)
        page.keyboard.press("Escape")
        expect(menu).to_be_hidden()
        expect(block).to_be_focused()

    # 1. Right-click → Modify Workers: Wendy out, Will in.
    menu = _open_menu_by_pointer(page, block)
    settle(page)
    page.screenshot(path=f"{SHOTS}/story-menu-open.png")
    assert_no_axe_violations(page)
    menu.get_by_role("menuitem", name="Modify Workers").click()
    expect(modal.get_by_role("heading", name="Modify Workers")).to_be_visible()
    expect(menu).to_be_hidden()
    modal.get_by_role("checkbox", name="Remove Wendy Walker").check()
    modal.get_by_role("checkbox", name="Will Weaver").check()
    expect(modal.get_by_text("Free and qualified.").first).to_be_visible()
    settle(page)
    page.screenshot(path=f"{SHOTS}/story-modify-workers.png")
    modal.get_by_role("button", name="Save").click()
    expect(modal).to_be_hidden()
    settle(page)
    expect(board.get_by_role("list", name="Will Weaver").locator(
        f'a[data-session-id="{group.pk}"]')).to_be_visible()
    expect(board.get_by_role("list", name="Wendy Walker")).to_have_count(0)
    page.reload()
    settle(page)
    expect(board.get_by_role("list", name="Will Weaver").locator(
        f'a[data-session-id="{group.pk}"]')).to_be_visible()
    assert list(SessionWorker.objects.filter(session=group).values_list(
        "worker__first_name", flat=True)) == ["Will"]

    # 2. Keyboard: focus the block, Shift+F10 → Modify Clients & Services: Cal with a service.
    block.focus()
    page.keyboard.press("Shift+F10")
    expect(menu.get_by_role("menuitem", name="Modify Workers")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="Modify Clients & Services")).to_be_focused()
    page.keyboard.press("Enter")
    expect(modal.get_by_role("heading", name="Modify Clients & Services")).to_be_visible()
    expect(modal.get_by_role("table", name="Planned services of Bea Arthur")).to_be_visible()
    modal.get_by_label("Add a client").fill("Cal")
    modal.get_by_role("button", name=re.compile(r"^Cal Nguyen")).click()
    services = modal.get_by_role("table", name="Planned services of Cal Nguyen")
    expect(services).to_contain_text("04_102_0136_6_1")
    quantity = services.get_by_label(re.compile(r"^Quantity of 04_102_0136_6_1"))
    expect(quantity).to_have_value("3")
    settle(page)
    modal.get_by_role("button", name="Save", exact=True).click()
    expect(modal).to_be_hidden()
    settle(page)
    expect(block).to_have_text(re.compile(r"^10:00 Bea Arthur, Ada Lovelace, Cal Nguyen"))
    assert PlannedService.objects.get(session_client__session=group,
                                      session_client__client__first_name="Cal").quantity == 3

    # 3. The ⋯ button → Cancel Session: Bea only, NSDH, short notice (tomorrow).
    block.hover()
    button = block.locator("xpath=..").get_by_role("button", name="Session menu")
    button.click()
    expect(menu).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    menu.get_by_role("menuitem", name="Cancel Session").click()
    expect(modal.get_by_role("heading", name="Cancel Session")).to_be_visible()
    clients = modal.get_by_role("group", name="Clients")
    expect(clients.get_by_text("Short notice: claimable")).to_have_count(3)
    clients.get_by_label("Ada Lovelace").uncheck()
    clients.get_by_label("Cal Nguyen").uncheck()
    modal.get_by_label("Reason").select_option(label="NSDH — No show due to health reasons")
    modal.get_by_label("Details").fill("Flu")
    settle(page)
    page.screenshot(path=f"{SHOTS}/story-cancel-short-notice.png")
    modal.get_by_role("button", name="Confirm cancellation").click()
    expect(modal.get_by_role("status")).to_have_text(
        "Cancelled Bea Arthur (short notice: claimable); the session goes on for the other "
        "clients.")
    settle(page)
    expect(block.locator("s", has_text="Bea Arthur")).to_be_visible()
    # Those still coming lead the block's text; Bea follows, struck through.
    expect(block).to_have_text(re.compile(r"^10:00 Ada Lovelace, Cal Nguyen, Bea Arthur"))
    expect(block).to_have_attribute("title", re.compile(
        r"Rostered\. Clients: Bea Arthur \(cancelled, short notice\), Ada Lovelace, "
        r"Cal Nguyen\."))
    modal.get_by_role("button", name="Keep the session").click()
    expect(modal).to_be_hidden()
    expect(block.locator("xpath=..")).to_have_class(re.compile(r"\bshort-notice\b"))
    page.mouse.move(0, 0)
    page.screenshot(path=f"{SHOTS}/story-board-after-cancel.png")
    bea = SessionClient.objects.get(session=group, client__first_name="Bea")
    assert bea.status == SessionClient.Status.CANCELLED and bea.short_notice
    group.refresh_from_db()
    assert group.status == group.Status.ROSTERED

    # 4. Menu → View History: the three changes, newest first, each by cora.
    _open_menu_by_pointer(page, block)
    menu.get_by_role("menuitem", name="View History").click()
    expect(modal.get_by_role("heading", name="History: Art group")).to_be_visible()
    entries = modal.locator("ol.history-list > li")
    expect(entries.nth(0)).to_contain_text(
        "Clients: Bea Arthur cancelled (NSDH, short notice): Flu")
    expect(entries.nth(1)).to_contain_text("Clients: + Cal Nguyen")
    expect(entries.nth(1)).to_contain_text("Planned services: + Cal Nguyen 04_102_0136_6_1 × 3.00")
    expect(entries.nth(2)).to_contain_text("Workers: Wendy Walker → Will Weaver")
    for i in range(3):
        expect(entries.nth(i).locator(".history-who")).to_have_text("cora")
    settle(page)
    page.screenshot(path=f"{SHOTS}/story-history.png")
    assert_no_axe_violations(page)
    modal.get_by_role("button", name="Close").last.click()
    expect(modal).to_be_hidden()
    expect(block).to_be_focused()
