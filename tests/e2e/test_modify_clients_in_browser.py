"""Modify Clients & Services in the browser: the modal opened on the live schedule (as the
right-click menu will open it), a client added to a group session with a planned service, saved;
the board shows the client at once and after a reload."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.e2e.helpers import assert_no_axe_violations, log_in, settle

pytestmark = pytest.mark.django_db(transaction=True)
SYD = zoneinfo.ZoneInfo("Australia/Sydney")
SHOTS = "/work/notes/shots"


def test_add_a_client_with_a_service_to_a_group_session(live_server, page: Page, ui_world):
    from clients.models import Client, ServiceAgreementLine
    from sessions_app.models import PlannedService
    from sessions_app.services import ClientSpec, PlannedServiceSpec, session_create
    from workforce.models import Worker

    site = ui_world["site"]
    ada = Client.objects.get(first_name="Ada")
    cal = Client.objects.get(first_name="Cal")
    ada_line = ServiceAgreementLine.objects.get(agreement__client=ada)
    day = ui_world["session"].local_date
    start = datetime.datetime.combine(day, datetime.time(13), tzinfo=SYD)
    group = session_create(
        work_type="group", billable=True, session_type=ui_world["session"].session_type,
        start=start, end=start + datetime.timedelta(hours=2, minutes=30), ratio="1:3",
        subject="Art group", site=site, status="rostered",
        clients=[ClientSpec(ada, [PlannedServiceSpec(ada_line, Decimal("2.5"))])],
        workers=[Worker.objects.get(first_name="Will")],
    )

    log_in(page, live_server, "coordinator")
    page.goto(live_server.url + reverse("scheduling:live") + f"?date={day:%Y-%m-%d}")
    board = page.get_by_role("region", name=re.compile(r"^Schedule"))
    # A block's name (its title in the week view) lists the session's clients.
    block = board.get_by_role("link", name=re.compile(r"Art group\. .*Clients: Ada Lovelace\."))
    expect(block).to_be_visible()

    # The menu arrives later: open the modal as its item will (an htmx GET into #modal-body).
    url = reverse("scheduling:modify_clients", args=[group.pk])
    page.evaluate("u => htmx.ajax('GET', u, {target: '#modal-body'})", url)
    modal = page.locator("dialog#modal")
    expect(modal).to_be_visible()
    expect(modal.get_by_role("heading", name="Modify Clients & Services")).to_be_visible()
    expect(modal.get_by_role("table", name="Planned services of Ada Lovelace")).to_be_visible()

    # Find Cal and add her: her one agreement line comes planned at the session's length.
    modal.get_by_label("Add a client").fill("Cal")
    modal.get_by_role("button", name=re.compile(r"^Cal Nguyen")).click()
    services = modal.get_by_role("table", name="Planned services of Cal Nguyen")
    expect(services).to_be_visible()
    quantity = services.get_by_label(re.compile(r"^Quantity of 01_011_0107_1_1"))
    expect(quantity).to_have_value("2.5")
    expect(services).to_contain_text("Self-care – weekday")
    settle(page)
    modal.screenshot(path=f"{SHOTS}/clientsvc-modal.png")
    assert_no_axe_violations(page)

    quantity.fill("2")
    modal.get_by_role("button", name="Save", exact=True).click()
    expect(modal).to_be_hidden()
    expect(board.get_by_role("link", name=re.compile(r"Clients: Ada Lovelace, Cal Nguyen\."))) \
        .to_be_visible()
    planned = PlannedService.objects.get(session_client__session=group,
                                         session_client__client=cal)
    assert planned.quantity == Decimal("2") and planned.quantity_edited

    page.reload()
    expect(board.get_by_role("link", name=re.compile(r"Clients: Ada Lovelace, Cal Nguyen\."))) \
        .to_be_visible()
    settle(page)
    page.screenshot(path=f"{SHOTS}/clientsvc-board-after.png")


def test_the_modal_as_a_page_of_its_own_shows_errors_beside_the_field(
    live_server, page: Page, ui_world
):
    """Without the modal (a plain page), a wrong quantity is refused with its message."""
    session = ui_world["session"]  # an Appointment with Bea
    log_in(page, live_server, "coordinator")
    page.goto(live_server.url + reverse("scheduling:modify_clients", args=[session.pk]))
    expect(page.get_by_role("heading", name="Modify Clients & Services")).to_be_visible()
    qty = page.get_by_label(re.compile(r"^Quantity of .* for Bea Arthur"))
    qty.fill("-3")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Enter a quantity above zero and below 1,000,000.")).to_be_visible()
    expect(page.get_by_label(re.compile(r"^Quantity of .* for Bea Arthur"))).to_have_value("-3")
    settle(page)
    page.screenshot(path=f"{SHOTS}/clientsvc-page-error.png", full_page=True)
    assert_no_axe_violations(page)
