"""Dates outside 2000–2100 are refused by the base-roster and roster-period forms, and
pages of a roster that somehow has one still answer (no 500)."""

import datetime

import pytest
from django.urls import reverse

from rostering.models import BaseRoster, RosterPeriod
from tests.factories import BaseRosterFactory, SiteFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("start", ["9999-12-27", "0001-01-01", "1999-12-27", "2101-01-03",
                                   "2026-02-30", "garbage"])
def test_the_base_roster_form_refuses_dates_outside_the_sane_range(scheduler_client, start):
    r = scheduler_client.post(reverse("rostering:base_roster_create"), {
        "name": "Far future", "active": "on", "cycle_weeks": "2", "start_date": start,
    })
    assert r.status_code == 422
    html = r.content.decode()
    assert "Enter a date between 2000 and 2100." in html or "Enter a valid date." in html
    assert not BaseRoster.objects.exists()


@pytest.mark.parametrize("start", ["9999-12-27", "0001-01-01", "garbage"])
def test_the_roster_period_form_refuses_dates_outside_the_sane_range(scheduler_client, start):
    roster = BaseRosterFactory(start_date=datetime.date(2026, 11, 2), cycle_weeks=1)
    r = scheduler_client.post(reverse("rostering:roster_period_create"), {
        "base_roster": roster.pk, "start_date": start, "cycles": "1",
    })
    assert r.status_code == 422
    assert not RosterPeriod.objects.exists()


@pytest.mark.parametrize("base_roster", ["abc", "9" * 30, "-1"])
def test_the_roster_period_form_tolerates_bad_base_roster_ids(scheduler_client, base_roster):
    url = reverse("rostering:roster_period_create")
    assert scheduler_client.get(url, {"base_roster": base_roster}).status_code < 500
    r = scheduler_client.post(url, {"base_roster": base_roster, "start_date": "2026-11-02",
                                    "cycles": "1"})
    assert r.status_code == 422


@pytest.mark.parametrize("start", [datetime.date(9999, 12, 27), datetime.date(1, 1, 1)])
def test_pages_of_a_roster_with_an_absurd_start_still_answer(scheduler_client, admin_client,
                                                             start):
    roster = BaseRosterFactory(name="Absurd", start_date=start, cycle_weeks=2,
                               site=SiteFactory())
    for url in [
        reverse("rostering:base_roster_list"),
        reverse("rostering:base_roster_detail", args=[roster.pk]),
        reverse("rostering:base_roster_session_create", args=[roster.pk]),
        reverse("rostering:roster_period_create") + f"?base_roster={roster.pk}",
        reverse("scheduling:dashboard"),
    ]:
        r = scheduler_client.get(url)
        assert r.status_code < 500, url
    r = admin_client.get(reverse("admin:rostering_baseroster_changelist"))
    assert r.status_code < 500


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01", "garbage", "2026-13-01"])
def test_scheduling_answers_a_bad_week_with_a_message(scheduler_client, week):
    r = scheduler_client.get(reverse("scheduling:live"), {"week": week, "region": "abc"})
    assert r.status_code == 400
    assert "is not a week we can show" in r.content.decode()
