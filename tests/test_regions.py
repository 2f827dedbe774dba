"""Roles and regions, area by area: each page, endpoint and service shows and changes only the
user's regions (the permission matrix checks every URL's status; these check the content)."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from clients.access import get_scoped_or_404, scoped, user_region_ids
from scheduling import services as scheduling_services
from sessions_app import services
from sessions_app.models import Session
from tests.factories import (
    AssetFactory,
    BaseRosterFactory,
    ClientFactory,
    RegionFactory,
    RosterPeriodFactory,
    ServiceAgreementLineFactory,
    SessionClientFactory,
    SessionFactory,
    SessionTypeFactory,
    SessionWorkerFactory,
    SiteFactory,
    WorkerFactory,
    make_user,
)

pytestmark = pytest.mark.django_db
SYD = zoneinfo.ZoneInfo("Australia/Sydney")
HTMX = {"HTTP_HX_REQUEST": "true"}


def _place(name):
    region = RegionFactory(name=name, code=name.lower())
    site = SiteFactory(name=f"{name} Centre", region=region)
    client = ClientFactory(first_name="Client", last_name=f"Of{name}", sites=[site],
                           ndis_number=f"43{len(name):02d}{name[:3].upper()}")
    line = ServiceAgreementLineFactory(agreement__client=client)
    worker = WorkerFactory(first_name="Worker", last_name=f"Of{name}", regions=[region])
    roster = BaseRosterFactory(name=f"Roster {name}", site=site)
    period = RosterPeriodFactory(base_roster=roster)
    live = SessionFactory(site=site, subject=f"Visit {name}",
                          start=datetime.datetime(2026, 11, 4, 9, tzinfo=SYD))
    SessionWorkerFactory(session=live, worker=worker)
    SessionClientFactory(session=live, client=client)
    return {"region": region, "site": site, "client": client, "line": line, "worker": worker,
            "roster": roster, "period": period, "live": live,
            "asset": AssetFactory(name=f"Chair {name}", region=region)}


@pytest.fixture
def west():
    return _place("West")


@pytest.fixture
def north():
    return _place("North")


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def coordinator(west, north):
    return make_user("cora", "Coordinator", regions=[west["region"]])


@pytest.fixture
def scheduler(west, north):
    return make_user("sam", "Scheduler", regions=[west["region"]])


# --- who sees which regions ------------------------------------------------------------------
def test_region_access_is_explicit(west, north):
    every = make_user("all", "Scheduler")  # all_regions=True
    some = make_user("some", "Scheduler", regions=[west["region"]])
    none = make_user("none", "Scheduler", access=False)  # no RegionAccess: no data
    assert user_region_ids(every) is None
    assert user_region_ids(some) == {west["region"].pk}
    assert user_region_ids(none) == frozenset()
    assert set(scoped(some, Session.objects.all())) == {west["live"]}
    assert not scoped(none, Session.objects.all()).exists()
    assert scoped(every, Session.objects.all()).count() == 2


def test_a_client_of_two_regions_is_seen_from_both(west, north):
    both = ClientFactory(sites=[west["site"], north["site"]])
    some = make_user("some", "Scheduler", regions=[north["region"]])
    assert list(scoped(some, type(both).objects.filter(pk=both.pk))) == [both]  # no duplicates


def test_get_scoped_or_404(west, north, scheduler):
    from django.http import Http404

    assert get_scoped_or_404(scheduler, Session, pk=west["live"].pk) == west["live"]
    with pytest.raises(Http404):
        get_scoped_or_404(scheduler, Session.objects.select_related("site"), pk=north["live"].pk)


# --- pages -----------------------------------------------------------------------------------
def test_the_board_shows_only_the_users_regions(coordinator, west, north):
    http = logged_in(coordinator)
    html = http.get(reverse("scheduling:live"), {"date": "2026-11-04"}).content.decode()
    assert "Visit West" in html and "Visit North" not in html
    # The filters offer only the user's regions' regions, sites, workers and clients.
    assert "West Centre" in html and "North Centre" not in html
    assert "OfWest" in html and "OfNorth" not in html
    # Asking for another region's site is refused as any unknown value is, showing nothing.
    r = http.get(reverse("scheduling:live"), {"date": "2026-11-04", "site": north["site"].pk})
    assert r.status_code == 400 and "Visit North" not in r.content.decode()


def test_the_dashboard_counts_only_the_users_regions(scheduler, west, north):
    html = logged_in(scheduler).get(reverse("scheduling:dashboard")).content.decode()
    assert "Roster West" in html and "Roster North" not in html


def test_lists_and_their_filters_show_only_the_users_regions(scheduler, west, north):
    http = logged_in(scheduler)
    html = http.get(reverse("rostering:base_roster_list")).content.decode()
    assert "Roster West" in html and "Roster North" not in html
    assert "West Centre" in html and "North Centre" not in html  # the site filter
    html = http.get(reverse("rostering:roster_period_list")).content.decode()
    assert "Roster West" in html and "Roster North" not in html
    r = http.get(reverse("rostering:base_roster_list"), {"site": north["site"].pk})
    assert "Roster North" not in r.content.decode()


def test_the_session_form_offers_only_the_users_regions(scheduler, west, north):
    html = logged_in(scheduler).get(reverse("scheduling:new_session")).content.decode()
    assert "West Centre" in html and "North Centre" not in html


def test_a_user_without_a_role_gets_the_no_role_page(west):
    nobody = make_user("nobody", None)  # all regions, but no role
    r = logged_in(nobody).get(reverse("scheduling:dashboard"))
    html = r.content.decode()
    assert r.status_code == 403
    assert "Your account has no role yet. Ask an administrator to give you the Scheduler, " \
           "Coordinator or Administrator role." in html
    assert reverse("rostering:base_roster_list") not in html  # no navigation to data
    assert "Roster West" not in html and "Visit West" not in html


def test_a_coordinator_does_not_change_a_base_rosters_pattern(coordinator, west):
    pattern = SessionFactory(base_roster=west["roster"], site=west["site"])
    http = logged_in(coordinator)
    assert http.get(reverse("sessions_app:edit", args=[pattern.pk])).status_code == 403
    assert http.get(reverse("sessions_app:edit", args=[west["live"].pk])).status_code == 200
    assert http.get(reverse("rostering:base_roster_detail", args=[west["roster"].pk])
                    ).status_code == 200  # viewing is fine


# --- the launcher and the type-aheads -----------------------------------------------------------
def test_the_launcher_hides_other_regions(scheduler, west, north):
    http = logged_in(scheduler)

    def found(q):
        return http.get(reverse("scheduling:launcher"), {"q": q}, **HTMX).content.decode()

    assert "OfWest" in found("Worker")
    html = found("OfNorth")
    assert "No pages, workers, clients, sites or sessions match “OfNorth”" in html
    assert 'role="option"' not in found("North")
    # Not even by the NDIS number.
    assert 'role="option"' not in found(north["client"].ndis_number)
    assert 'role="option"' in found(west["client"].ndis_number)


def test_the_client_type_ahead_hides_other_regions_clients(scheduler, west, north):
    http = logged_in(scheduler)
    url = reverse("sessions_app:client_options")
    html = http.get(url, {"site": north["site"].pk}).content.decode()
    assert "OfNorth" not in html and north["client"].ndis_number not in html
    html = http.get(url, {"site": west["site"].pk}).content.decode()
    assert "OfWest" in html


def test_the_worker_type_ahead_hides_other_regions_workers(scheduler, west, north):
    html = logged_in(scheduler).get(
        reverse("sessions_app:worker_options"),
        {"worker_q": "Worker", "start": "2026-11-04T09:00", "site": west["site"].pk},
    ).content.decode()
    assert "OfWest" in html and "OfNorth" not in html


# --- services --------------------------------------------------------------------------------
def _fields(place, **over):
    start = datetime.datetime(2026, 11, 5, 9, tzinfo=SYD)
    return {
        "work_type": Session.WorkType.APPOINTMENT,
        "session_type": SessionTypeFactory(),
        "start": start,
        "end": start + datetime.timedelta(hours=2),
        "subject": "Visit",
        "site": place["site"],
        "clients": [services.ClientSpec(place["client"], [
            services.PlannedServiceSpec(place["line"], Decimal("2"))])],
        "workers": [place["worker"]],
        **over,
    }


def test_session_update_refuses_another_regions_worker_or_client(scheduler, west, north):
    session = west["live"]
    with pytest.raises(ValidationError) as exc:
        services.session_update(session=session, user=scheduler, workers=[north["worker"]])
    assert "workers" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.session_update(session=session, user=scheduler, clients=[
            services.ClientSpec(north["client"], [])])
    assert "clients" in exc.value.message_dict
    assert list(session.session_workers.values_list("worker", flat=True)) == [
        west["worker"].pk]
    # Without a user (a system call) nothing is checked; with one of the region, it saves.
    services.session_update(session=session, user=scheduler, workers=[west["worker"]])


def test_session_update_refuses_another_regions_session(scheduler, north):
    with pytest.raises(ValidationError):
        services.session_update(session=north["live"], user=scheduler, subject="Mine now")
    north["live"].refresh_from_db()
    assert north["live"].subject == "Visit North"


def test_session_create_refuses_another_regions_site_and_asset(scheduler, west, north):
    with pytest.raises(ValidationError) as exc:
        services.session_create(user=scheduler, **_fields(north))
    assert "site" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.session_create(user=scheduler, assets=[north["asset"]], **_fields(west))
    assert "assets" in exc.value.message_dict
    assert services.session_create(user=scheduler, **_fields(west)).site == west["site"]


def test_roster_request_refuses_another_regions_sessions(scheduler, west, north):
    with pytest.raises(ValidationError):
        scheduling_services.roster_request(session_ids=[north["live"].pk], user=scheduler)
    assert scheduling_services.roster_request(session_ids=[west["live"].pk], user=scheduler)


def test_period_services_refuse_another_regions_period(scheduler, north):
    from rostering import publishing
    from rostering import services as rostering_services

    with pytest.raises(ValidationError):
        rostering_services.roster_period_generation_request(period=north["period"],
                                                            user=scheduler)
    with pytest.raises(ValidationError):
        publishing.period_validation_request(period=north["period"], user=scheduler)
    with pytest.raises(ValidationError):
        publishing.roster_period_publish(
            period=north["period"], acknowledged_warnings=True,
            acknowledged_earlier_unpublished=True, user=scheduler,
        )


def test_a_scheduler_of_some_regions_must_give_a_base_roster_a_site(scheduler, west, north):
    http = logged_in(scheduler)
    data = {"name": "New", "active": "on", "cycle_weeks": "2", "start_date": "2026-11-02"}
    r = http.post(reverse("rostering:base_roster_create"), {**data, "site": ""})
    assert r.status_code == 422
    r = http.post(reverse("rostering:base_roster_create"), {**data, "site": north["site"].pk})
    assert r.status_code == 422
    r = http.post(reverse("rostering:base_roster_create"), {**data, "site": west["site"].pk})
    assert r.status_code == 302


# --- where a user's regions are set ------------------------------------------------------------
def test_the_demo_logins_regions():
    from django.contrib.auth import get_user_model

    from demo.seed.users import ensure_demo_logins

    syd = RegionFactory(name="Sydney West", code="syd-west")
    RegionFactory(name="Brisbane North", code="bne-north")
    ensure_demo_logins()
    users = {u.username: u for u in get_user_model().objects.all()}
    assert user_region_ids(users["scheduler"]) is None
    assert users["admin"].region_access.all_regions
    assert user_region_ids(users["coordinator"]) == {syd.pk}


def test_the_admin_sets_a_users_regions_on_the_user(admin_client, west):
    user = make_user("cora", "Coordinator", access=False)
    url = reverse("admin:auth_user_change", args=[user.pk])
    html = admin_client.get(url).content.decode()
    assert "All regions" in html and 'name="region_access-0-regions"' in html
