"""Rules of base rosters and periods in the services: races give a message, a period never
starts before its roster, and times are shown at each site's clock."""

import datetime
import threading
import zoneinfo
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.urls import reverse

from rostering import services
from rostering.models import BaseRoster, RosterPeriod
from tests.concurrency import wait_until_a_transaction_waits_on_a_lock
from tests.factories import BaseRosterFactory, RosterPeriodFactory, SiteFactory
from tests.rostering.conftest import add_pattern_session

pytestmark = pytest.mark.django_db
D = datetime.date
PERTH = zoneinfo.ZoneInfo("Australia/Perth")


# --- two creates at once ------------------------------------------------------------------------


def test_a_base_roster_name_taken_meanwhile_is_a_message_not_a_500():
    """The race, simulated: the check passed, then the other create committed first."""
    services.base_roster_create(name="Fortnight", cycle_weeks=2, start_date=D(2026, 11, 2))
    with mock.patch.object(BaseRoster, "validate_unique"):
        with pytest.raises(ValidationError) as exc:
            services.base_roster_create(name="Fortnight", cycle_weeks=2, start_date=D(2026, 11, 2))
    assert exc.value.message_dict == {"name": ["A base roster with this name already exists."]}
    assert BaseRoster.objects.count() == 1


def test_a_period_start_taken_meanwhile_is_a_message_not_a_500():
    roster = BaseRosterFactory(name="Fortnight", start_date=D(2026, 11, 2))
    services.roster_period_create(base_roster=roster, start_date=D(2026, 11, 16), cycles=1)
    with mock.patch.object(RosterPeriod, "validate_constraints"):
        with pytest.raises(ValidationError) as exc:
            services.roster_period_create(base_roster=roster, start_date=D(2026, 11, 16), cycles=2)
    assert exc.value.message_dict == {
        "start_date": ["“Fortnight” already has a roster period starting Mon 16 Nov 2026."]
    }
    assert RosterPeriod.objects.count() == 1


def test_the_base_roster_form_shows_the_race_beside_the_name(scheduler_client):
    BaseRosterFactory(name="Fortnight")
    with mock.patch.object(BaseRoster, "validate_unique"):  # both passed the form's check
        r = scheduler_client.post(
            reverse("rostering:base_roster_create"),
            {"name": "Fortnight", "active": "on", "cycle_weeks": 2, "start_date": "2026-11-02"},
        )
    assert r.status_code == 422
    assert r.context["form"].errors["name"] == ["A base roster with this name already exists."]


def _race(create_first, create_second):
    """Run `create_second` on another connection while `create_first`'s insert is uncommitted,
    and let the first commit only once the second is waiting on its row lock."""
    inserted, release = threading.Event(), threading.Event()
    outcome = {}

    def first():
        try:
            with transaction.atomic():
                create_first()
                inserted.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    def second():
        try:
            inserted.wait(timeout=30)
            create_second()
            outcome["second"] = "created"
        except ValidationError as exc:
            outcome["second"] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    inserted.wait(timeout=30)
    wait_until_a_transaction_waits_on_a_lock()  # the second one is blocked
    release.set()
    for t in threads:
        t.join(timeout=30)
    return outcome["second"]


@pytest.mark.django_db(transaction=True)
def test_two_base_rosters_of_one_name_at_once_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("a real concurrent insert needs PostgreSQL")

    def make():
        services.base_roster_create(name="Fortnight", cycle_weeks=2, start_date=D(2026, 11, 2))

    refused = _race(make, make)
    assert isinstance(refused, ValidationError)
    assert refused.message_dict == {"name": ["A base roster with this name already exists."]}
    assert BaseRoster.objects.filter(name="Fortnight").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_periods_of_one_start_at_once_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("a real concurrent insert needs PostgreSQL")
    roster = BaseRosterFactory(name="Fortnight", start_date=D(2026, 11, 2))

    def make():
        services.roster_period_create(base_roster=roster, start_date=D(2026, 11, 16), cycles=1)

    refused = _race(make, make)
    assert isinstance(refused, ValidationError)
    assert "already has a roster period starting Mon 16 Nov 2026" in refused.messages[0]
    assert RosterPeriod.objects.count() == 1


# --- a period never starts before its base roster ----------------------------------------


def test_a_period_before_its_roster_is_refused():
    roster = BaseRosterFactory(name="Fortnight", start_date=D(2026, 11, 2), cycle_weeks=2)
    with pytest.raises(ValidationError) as exc:
        services.roster_period_create(base_roster=roster, start_date=D(2026, 10, 19), cycles=1)
    assert exc.value.message_dict["start_date"] == [
        "A roster period cannot start before its base roster: “Fortnight” starts on "
        "Mon 2 Nov 2026."
    ]
    assert not RosterPeriod.objects.exists()


def test_the_period_form_refuses_a_start_before_the_roster_with_422(scheduler_client):
    roster = BaseRosterFactory(name="Fortnight", start_date=D(2026, 11, 2), cycle_weeks=2)
    r = scheduler_client.post(
        reverse("rostering:roster_period_create"),
        {"base_roster": roster.pk, "start_date": "2026-10-19", "cycles": 1},
    )
    assert r.status_code == 422
    assert "cannot start before its base roster" in r.context["form"].errors["start_date"][0]
    assert not RosterPeriod.objects.exists()


# --- times at the site's clock ------------------------------------------------------------


def test_the_missing_sessions_preview_shows_each_site_s_wall_clock(scheduler_client):
    perth = SiteFactory(name="Fremantle", time_zone="Australia/Perth")
    roster = BaseRosterFactory(name="West", start_date=D(2026, 11, 2), cycle_weeks=1)
    add_pattern_session(
        roster, site=perth, start=datetime.datetime(2026, 11, 3, 9, tzinfo=PERTH),
        subject="Perth morning",
    )
    period = RosterPeriodFactory(base_roster=roster, start_date=D(2026, 11, 9),
                                 end_date=D(2026, 11, 15))
    r = scheduler_client.get(reverse("rostering:roster_period_missing", args=[period.pk]),
                             headers={"HX-Request": "true"})
    html = r.content.decode()
    assert "Perth morning" in html
    assert "09:00–11:00" in html and "11:00" not in html.replace("09:00–11:00", "")


@pytest.mark.parametrize(
    "time_zone, shown", [("Australia/Perth", "08:30"), (None, "11:30")]
)
def test_already_published_says_when_at_the_period_s_site(scheduler_client, time_zone, shown):
    site = SiteFactory(time_zone=time_zone) if time_zone else None
    period = RosterPeriodFactory(
        base_roster=BaseRosterFactory(site=site), status="published",
        published_at=datetime.datetime(2026, 11, 1, 0, 30, tzinfo=datetime.UTC),
    )
    r = scheduler_client.post(reverse("rostering:period_publish", args=[period.pk]), follow=True)
    # Perth is UTC+8; a roster without a site uses the organisation's zone (Sydney, UTC+11).
    assert f"already published at {shown}, Sun 1 Nov 2026; nothing changed." in (
        r.content.decode()
    )
