"""A scheduler validates a roster period, fixes what it reports, validates again and publishes."""

import datetime
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from rostering.models import Notification, RosterPeriod
from scheduling.roles import ensure_roles
from sessions_app.models import Session
from sessions_app.services import ClientSpec, PlannedServiceSpec, session_create
from tests.e2e.helpers import log_in
from tests.factories import (
    BaseRosterFactory,
    ClientFactory,
    RegionFactory,
    RosterPeriodFactory,
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
def eager_tasks():
    """The validation job runs in-process even when a broker is configured (no worker here)."""
    from django.test import override_settings

    with override_settings(CELERY_TASK_ALWAYS_EAGER=True):
        yield


@pytest.fixture
def period():
    groups = ensure_roles()
    user = User.objects.create_user("scheduler", password="scheduler")
    user.groups.add(groups["Scheduler"])
    give_regions(user)
    west = RegionFactory(name="Sydney West", code="sydney-west")
    site = SiteFactory(name="Parramatta Day Centre", region=west)
    item = SupportItemFactory(item_number="01_011_0107_1_1", name="Self-care – weekday")
    ada = ClientFactory(first_name="Ada", last_name="Lovelace", sites=[site])
    bea = ClientFactory(first_name="Bea", last_name="Arthur", sites=[site])
    ada_line = ServiceAgreementLineFactory(agreement__client=ada, support_item=item)
    bea_line = ServiceAgreementLineFactory(agreement__client=bea, support_item=item)
    wendy = WorkerFactory(first_name="Wendy", last_name="Walker", regions=[west])
    WorkerFactory(first_name="Will", last_name="Weaver", regions=[west])
    care = SessionTypeFactory(name="Personal Care")
    roster = BaseRosterFactory(name="West fortnight", start_date=datetime.date(2026, 11, 2))
    period = RosterPeriodFactory(
        base_roster=roster, start_date=datetime.date(2026, 11, 16),
        end_date=datetime.date(2026, 11, 29),
    )

    def add(day, client, line, workers):
        start = datetime.datetime(2026, 11, day, 9, 0, tzinfo=SYD)
        return session_create(
            roster_period=period, work_type="appointment", billable=True, session_type=care,
            start=start, end=start + datetime.timedelta(hours=2),
            subject=f"Parramatta Day Centre · Personal Care · {client}", site=site,
            clients=[ClientSpec(client, [PlannedServiceSpec(line, Decimal("2"))])],
            workers=workers,
        )

    add(17, ada, ada_line, [wendy])
    add(18, bea, bea_line, [])  # nobody rostered: an error
    return period


def test_validate_fix_validate_again_and_publish(live_server, page: Page, period, eager_tasks):
    log_in(page, live_server, "scheduler")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Roster Periods").click()
    page.get_by_role("link", name=re.compile("Mon 16 Nov 2026")).click()
    panel = page.locator("#period-validation")
    expect(panel).to_contain_text("Not validated yet")
    expect(panel.get_by_role("button", name="Publish")).to_be_disabled()

    # Validate: the report shows the session without a worker.
    panel.get_by_role("button", name="Validate").click()
    expect(panel.get_by_role("status")).to_contain_text("1 error")
    group = panel.locator("section.vgroup-error").filter(has_text="No worker")
    expect(group).to_be_visible()
    expect(panel.get_by_role("button", name="Publish")).to_be_disabled()

    # Fix it in the session form, opened in the modal from the report.
    group.get_by_role("link", name=re.compile("Wed 18 Nov 09:00–11:00")).click()
    form = page.locator("#modal #session-form")
    expect(form).to_be_visible()
    form.get_by_label("Workers", exact=True).fill("will")
    form.locator("#worker-results").get_by_role("button", name="Will Weaver").click()
    expect(form.get_by_role("list", name="Chosen workers")).to_contain_text("Will Weaver")
    form.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("dialog#modal")).not_to_be_visible()
    # The panel notices the change: the old report no longer holds.
    expect(panel).to_contain_text("changed after the last validation")

    # Validate again: nothing in the way; publish.
    panel.get_by_role("button", name="Validate").click()
    expect(panel.get_by_role("status")).to_contain_text("no errors")
    expect(panel).to_contain_text("No problems found")
    panel.get_by_role("button", name="Publish").click()

    # The confirmation says what publishing does; nothing happens until it is confirmed.
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("2 sessions become Rostered")
    expect(dialog).to_contain_text("2 workers are notified")
    expect(dialog).to_contain_text("can no longer be generated again")
    dialog.get_by_role("button", name="Publish").click()

    expect(page.locator("h1 .badge")).to_have_text("Published")
    expect(page.get_by_role("status").first).to_contain_text("2 sessions Rostered")
    period.refresh_from_db()
    assert period.status == RosterPeriod.Status.PUBLISHED
    assert set(Session.objects.values_list("status", flat=True)) == {Session.Status.ROSTERED}
    assert Notification.objects.count() == 2

    # The sessions are on the live schedule.
    page.get_by_role("link", name="Open in Scheduling").click()
    expect(page.get_by_role("heading", name="Scheduling")).to_be_visible()
    board = page.get_by_role("region", name=re.compile(r"^Schedule"))
    blocks = board.locator("a[data-session-id]")
    expect(blocks).to_have_count(2)
    expect(board.locator("a[data-session-id][title*='Rostered']")).to_have_count(2)
    expect(
        board.get_by_role("list", name="Will Weaver").locator("a[data-session-id]")
    ).to_have_attribute("title", re.compile("Bea Arthur"))
