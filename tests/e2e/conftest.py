"""Browser-test fixtures: a small world with every main page to visit, and the axe check."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from django.utils import timezone

from tests.e2e.helpers import assert_no_axe_violations as _assert_no_axe_violations
from tests.e2e.helpers import watch_console

SYD = zoneinfo.ZoneInfo("Australia/Sydney")


@pytest.fixture(autouse=True)
def _no_htmx_errors(request):
    """Every browser test fails if htmx logs an error (htmx:targetError, htmx:swapError …), the
    Content Security Policy refuses something (an inline script or handler, a <style> element)
    or the page throws: such errors leave the page half-working while the test may still
    pass."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    problems = watch_console(page)
    yield
    assert problems == [], "htmx, policy or script errors on the page:\n" + "\n".join(problems)


@pytest.fixture
def assert_no_axe_violations():
    """assert_no_axe_violations(page): 0 WCAG 2.1 A/AA violations on the page as it is now."""
    return _assert_no_axe_violations


@pytest.fixture
def ui_world(transactional_db):
    """A scheduler and a coordinator; a base roster with sessions on its grid; a period of it,
    validated with one error; a Rostered session on this week's live schedule."""
    from rostering.publishing import period_validation_request
    from scheduling.roles import ensure_roles
    from sessions_app.services import ClientSpec, PlannedServiceSpec, session_create
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

    groups = ensure_roles()
    for name, role in (("scheduler", "Scheduler"), ("coordinator", "Coordinator")):
        user = User.objects.create_user(name, password=name)
        user.groups.add(groups[role])
        give_regions(user)
    west = RegionFactory(name="Sydney West", code="sydney-west")
    site = SiteFactory(name="Parramatta Day Centre", region=west, time_zone="Australia/Sydney")
    item = SupportItemFactory(item_number="01_011_0107_1_1", name="Self-care – weekday")
    people = [
        ClientFactory(first_name=first, last_name=last, sites=[site])
        for first, last in (("Ada", "Lovelace"), ("Bea", "Arthur"), ("Cal", "Nguyen"))
    ]
    until = max(datetime.date(2027, 6, 30), timezone.localdate() + datetime.timedelta(days=365))
    lines = {
        c.pk: ServiceAgreementLineFactory(
            agreement__client=c, agreement__end_date=until, support_item=item
        )
        for c in people
    }
    wendy = WorkerFactory(first_name="Wendy", last_name="Walker", regions=[west])
    will = WorkerFactory(first_name="Will", last_name="Weaver", regions=[west])
    care = SessionTypeFactory(name="Personal Care")
    roster = BaseRosterFactory(name="West fortnight", start_date=datetime.date(2026, 11, 2),
                               site=site)
    period = RosterPeriodFactory(
        base_roster=roster, start_date=datetime.date(2026, 11, 16),
        end_date=datetime.date(2026, 11, 29),
    )

    def add(day: datetime.date, hour, client, workers, **place):
        start = datetime.datetime.combine(day, datetime.time(hour), tzinfo=SYD)
        return session_create(
            work_type="appointment", billable=True, session_type=care,
            start=start, end=start + datetime.timedelta(hours=2),
            subject=f"Parramatta Day Centre · Personal Care · {client}", site=site,
            clients=[ClientSpec(client, [PlannedServiceSpec(lines[client.pk], Decimal("2"))])],
            workers=workers, **place,
        )

    for i, client in enumerate(people):
        add(datetime.date(2026, 11, 3 + i), 9, client, [wendy], base_roster=roster)
        add(datetime.date(2026, 11, 3 + i), 14, client, [], base_roster=roster)
        add(datetime.date(2026, 11, 17 + i), 9, client, [will], roster_period=period)
    add(datetime.date(2026, 11, 20), 9, people[0], [], roster_period=period)  # no worker: error
    live = add(timezone.localdate() + datetime.timedelta(days=1), 9, people[1], [wendy])
    live.status = live.Status.ROSTERED
    live.save(update_fields=["status"])
    with override_settings(CELERY_TASK_ALWAYS_EAGER=True):
        period_validation_request(period=period)
    return {"roster": roster, "period": period, "session": live, "site": site}
