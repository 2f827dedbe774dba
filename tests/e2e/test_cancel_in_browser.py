"""Cancel Session in the browser: one client of tomorrow's Group session is cancelled (short
notice, claimable), the board shows them struck through; Undo in the modal puts them back."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.e2e.helpers import assert_no_axe_violations, log_in, settle

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = "/work/notes/shots"


def test_cancel_one_client_of_a_group_session(live_server, page: Page, ui_world):
    from sessions_app.bookings import links_sync
    from sessions_app.models import CancellationReason, Session
    from sessions_app.services import ClientSpec, session_create
    from tests.factories import ClientFactory, WorkerFactory

    for code, label in (("NSDH", "No show due to health reasons"),
                        ("NSDT", "No show due to the unavailability of transport")):
        CancellationReason.objects.get_or_create(code=code, defaults={"label": label})
    site = ui_world["site"]
    day = timezone.localdate() + datetime.timedelta(days=1)
    start = datetime.datetime.combine(day, datetime.time(13), tzinfo=site.tzinfo)
    dee = ClientFactory(first_name="Dee", last_name="Dawson", sites=[site])
    eve = ClientFactory(first_name="Eve", last_name="Evans", sites=[site])
    group = session_create(
        work_type="group", ratio="1:2", session_type=ui_world["session"].session_type,
        start=start, end=start + datetime.timedelta(hours=3), subject="Art group",
        site=site, clients=[ClientSpec(dee, []), ClientSpec(eve, [])],
        workers=[WorkerFactory(first_name="Gus", last_name="Green",
                               regions=[site.region])],
    )
    Session.objects.filter(pk=group.pk).update(status=Session.Status.ROSTERED)
    links_sync(sessions=Session.objects.filter(pk=group.pk))

    log_in(page, live_server, "coordinator")
    live_url = (live_server.url + reverse("scheduling:live")
                + f"?date={day:%Y-%m-%d}&view=day&rows=site")
    page.goto(live_url)
    board = page.get_by_role("region", name=re.compile(r"^Schedule"))
    block = board.locator(f'[data-session-id="{group.pk}"]')
    expect(block).to_have_text(re.compile(r"^13:00 Dee Dawson, Eve Evans"))

    # The Cancel Session page (the menu's item opens it in the modal).
    page.goto(live_server.url + reverse("scheduling:cancel_session", args=[group.pk]))
    expect(page.get_by_role("heading", name="Cancel Session")).to_be_visible()
    clients = page.get_by_role("group", name="Clients")
    expect(clients.get_by_label("Dee Dawson")).to_be_checked()
    expect(clients.get_by_label("Eve Evans")).to_be_checked()
    expect(clients.get_by_text("Short notice: claimable")).to_have_count(2)
    settle(page)
    assert_no_axe_violations(page)

    # No reason: the message by the field, nothing cancelled.
    clients.get_by_label("Eve Evans").uncheck()
    page.get_by_role("button", name="Confirm cancellation").click()
    expect(page.get_by_text("Choose a reason for the cancellation.")).to_be_visible()
    page.screenshot(path=f"{SHOTS}/cancel-page-error.png", full_page=True)

    page.get_by_label("Reason").select_option(label="NSDH — No show due to health reasons")
    page.get_by_label("Details").fill("Flu")
    page.get_by_role("button", name="Confirm cancellation").click()
    expect(page.get_by_role("status").filter(has_text="Cancelled Dee Dawson (short notice: "
                                             "claimable); the session goes on")).to_be_visible()
    expect(page.get_by_role("button", name="Undo")).to_be_visible()
    # Eve is still scheduled, and can still be cancelled.
    expect(page.get_by_role("group", name="Clients").get_by_label("Eve Evans")).to_be_visible()
    settle(page)
    page.screenshot(path=f"{SHOTS}/cancel-page-done.png", full_page=True)

    # The board: Dee struck through, the short notice flagged, the session goes on.
    page.goto(live_url)
    expect(block.locator("s", has_text="Dee Dawson")).to_be_visible()
    expect(block).to_have_attribute(
        "title", re.compile(r"Rostered\. Clients: Dee Dawson \(cancelled, short notice\), "
                            r"Eve Evans\.")
    )
    settle(page)
    page.screenshot(path=f"{SHOTS}/cancel-board.png", full_page=False)

    # In the modal (as the session menu opens it): Undo puts Dee back; the board refreshes.
    url = reverse("scheduling:cancel_session", args=[group.pk])
    page.evaluate("url => htmx.ajax('GET', url, {target: '#modal-body'})", url)
    modal = page.get_by_role("dialog")
    expect(modal.get_by_role("heading", name="Cancel Session")).to_be_visible()
    settle(page)
    page.screenshot(path=f"{SHOTS}/cancel-modal.png", full_page=False)
    modal.get_by_role("button", name="Undo").click()
    expect(modal.get_by_role("status")).to_have_text(re.compile("Cancellation undone"))
    settle(page)
    expect(block.locator("s")).to_have_count(0)
    expect(block).to_have_attribute("title", re.compile(r"Clients: Dee Dawson, Eve Evans\."))
