"""View History from the session form: the history opens in the page's modal, readable and
accessible."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from scheduling.roles import ensure_roles
from sessions_app.history_records import acting_as
from sessions_app.services import ClientSpec, PlannedServiceSpec, session_create, session_update
from tests.e2e.helpers import log_in, settle
from tests.factories import (
    BaseRosterFactory,
    ClientFactory,
    RegionFactory,
    ServiceAgreementLineFactory,
    SessionTypeFactory,
    SiteFactory,
    SupportItemFactory,
    WorkerFactory,
    give_regions,
)

pytestmark = pytest.mark.django_db(transaction=True)
SYD = zoneinfo.ZoneInfo("Australia/Sydney")


@pytest.fixture
def history_world():
    groups = ensure_roles()
    user = give_regions(User.objects.create_user("scheduler", password="scheduler"))
    user.groups.add(groups["Scheduler"])
    west = RegionFactory(name="Sydney West")
    site = SiteFactory(name="Parramatta Day Centre", region=west)
    ann = ClientFactory(first_name="Ann", last_name="Lee", sites=[site])
    line = ServiceAgreementLineFactory(
        agreement__client=ann, support_item=SupportItemFactory(item_number="01_011_0107_1_1")
    )
    mei = WorkerFactory(first_name="Mei", last_name="Kelly", regions=[west])
    dan = WorkerFactory(first_name="Dan", last_name="O'Brien", regions=[west])
    roster = BaseRosterFactory(name="West fortnight", start_date=datetime.date(2026, 11, 2))
    start = datetime.datetime(2026, 11, 3, 9, tzinfo=SYD)
    with acting_as(user):
        session = session_create(
            base_roster=roster, work_type="appointment", session_type=SessionTypeFactory(
                name="Personal Care"), start=start, end=start + datetime.timedelta(hours=2),
            subject="Morning care", site=site,
            clients=[ClientSpec(ann, [PlannedServiceSpec(line, Decimal("2"))])], workers=[mei],
        )
    for model in ("Session", "SessionClient", "PlannedService", "SessionWorker"):
        apps.get_model("sessions_app", model).history.model.objects.update(
            history_date=datetime.datetime(2026, 11, 26, 16, 5, tzinfo=SYD)
        )
    with acting_as(user):
        session_update(session=session, workers=[dan], start=start + datetime.timedelta(hours=1),
                       end=start + datetime.timedelta(hours=3),
                       clients=[ClientSpec(ann, [PlannedServiceSpec(line, Decimal("3"))])])
    return roster


def test_view_history_opens_in_the_modal(page: Page, live_server, history_world,
                                         assert_no_axe_violations):
    log_in(page, live_server, "scheduler")
    page.goto(live_server.url + history_world.get_absolute_url())
    page.locator("#grid .chip").filter(has_text="Morning care").click()
    dialog = page.locator("dialog#modal")
    expect(dialog.get_by_role("heading", name="Edit session")).to_be_visible()
    dialog.get_by_role("link", name="View History").click()
    settle(page)
    expect(dialog.get_by_role("heading", name="History: Morning care")).to_be_visible()
    expect(dialog.locator("ol li").first).to_contain_text("Workers: Mei Kelly → Dan O'Brien")
    expect(dialog).to_contain_text("Start: 09:00 → 10:00")
    expect(dialog).to_contain_text("Planned services: Ann Lee 01_011_0107_1_1 × 2.00 → × 3.00")
    page.screenshot(path="/work/notes/shots/history-modal.png")
    assert_no_axe_violations(page)
    dialog.get_by_role("button", name="Close").last.click()
    expect(dialog).to_be_hidden()
