"""A coordinator sees only what their role can do; the rule itself is kept by the views."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.factories import BaseRosterFactory, RosterPeriodFactory, give_regions

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client(client, django_user_model):
    user = django_user_model.objects.create_user("cora", password="pw-cora-12345")
    user.groups.add(Group.objects.get(name="Coordinator"))
    give_regions(user)
    client.force_login(user)
    return client


@pytest.fixture
def period():
    roster = BaseRosterFactory(name="Fortnight", start_date=datetime.date(2026, 11, 2))
    return RosterPeriodFactory(
        base_roster=roster, start_date=datetime.date(2026, 11, 16),
        end_date=datetime.date(2026, 11, 29),
    )


def test_coordinator_pages_show_no_scheduler_buttons(coordinator_client, period):
    roster = period.base_roster
    pages = [
        reverse("scheduling:dashboard"),
        reverse("rostering:base_roster_list"),
        reverse("rostering:base_roster_detail", args=[roster.pk]),
        reverse("rostering:roster_period_list"),
        reverse("rostering:roster_period_detail", args=[period.pk]),
    ]
    for url in pages:
        html = coordinator_client.get(url).content.decode()
        for text in ("Create a base roster", "New roster period", ">Roster Session<",
                     ">Generate<", ">Validate<", ">Publish<", 'class="add-here"'):
            assert text not in html, (url, text)


@pytest.mark.parametrize(
    "method,name,query",
    [
        ("get", "rostering:base_roster_create", ""),
        ("post", "rostering:base_roster_create", ""),
        ("get", "rostering:roster_period_create", ""),
        ("post", "rostering:roster_period_create", ""),
        ("post", "rostering:roster_period_generate", "period"),
        ("post", "rostering:period_validate", "period"),
        ("get", "rostering:period_publish", "period"),
        ("post", "rostering:period_publish", "period"),
        ("get", "sessions_app:create", "roster"),
        ("post", "sessions_app:create", "roster"),
    ],
)
def test_the_views_refuse_a_coordinator_with_the_styled_403(
    coordinator_client, period, method, name, query
):
    args = [period.pk] if query == "period" else []
    url = reverse(name, args=args)
    if query == "roster":
        url += f"?base_roster={period.base_roster.pk}"
    response = getattr(coordinator_client, method)(url)
    assert response.status_code == 403
    html = response.content.decode()
    assert "You can’t do that with your role" in html and "(Coordinator)" in html
    assert "Back to the dashboard" in html and 'aria-label="Main"' in html


def test_the_styled_404(coordinator_client):
    response = coordinator_client.get("/roster-periods/999999/")
    assert response.status_code == 404
    assert "We can’t find that page" in response.content.decode()
