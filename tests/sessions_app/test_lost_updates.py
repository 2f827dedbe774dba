"""No lost updates: two people edit the same session (or base roster, or roster period); the
second save is refused with who changed it, when and what, their own input kept; saving again
applies it. A real race on PostgreSQL lets exactly one of two saves through."""

import datetime
import html as htmllib
import re
import threading
import zoneinfo

import pytest
from django.contrib.auth.models import Group
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from rostering.models import BaseRoster, RosterPeriod
from scheduling import services as scheduling_services
from sessions_app import services
from sessions_app.models import Session
from sessions_app.versioning import StaleEdit, check_version
from tests.concurrency import wait_until_a_transaction_waits_on_a_lock
from tests.factories import SessionFactory, give_regions
from tests.sessions_app.conftest import form_data

pytestmark = pytest.mark.django_db
SYD = zoneinfo.ZoneInfo("Australia/Sydney")
HX = {"HX-Request": "true"}


@pytest.fixture
def cora(django_user_model):
    user = give_regions(django_user_model.objects.create_user(
        "cora", password="pw-cora-12345", first_name="Cora", last_name="Jones"
    ))
    user.groups.add(Group.objects.get(name="Scheduler"))
    return user


@pytest.fixture
def cora_client(cora):
    c = Client()
    c.force_login(cora)
    return c


def opened_version(client, url) -> str:
    """Open the form as a person would and read the version it carries."""
    page = client.get(url, headers=HX)
    assert page.status_code == 200
    found = re.search(r'<input type="hidden" name="version" value="(\d+)"', page.content.decode())
    assert found, "the form carries the version it was opened on"
    return found.group(1)


def text(response) -> str:
    return htmllib.unescape(response.content.decode())


@pytest.fixture
def session(scheduler_client, world):
    r = scheduler_client.post(
        reverse("rostering:base_roster_session_create", args=[world["roster"].pk]),
        form_data(world),
    )
    assert r.status_code == 302
    return Session.objects.get()


# --- the session form ---------------------------------------------------------------------------
def test_the_second_save_of_a_session_is_refused_with_what_changed(
    scheduler_client, cora_client, world, session, scheduler
):
    url = reverse("sessions_app:edit", args=[session.pk])
    sams_version = opened_version(scheduler_client, url)
    coras_version = opened_version(cora_client, url)
    assert sams_version == coras_version == "1"

    # Cora saves first: a longer visit.
    r = cora_client.post(url, form_data(world, end="2026-11-03T12:00", version=coras_version))
    assert r.status_code == 302
    session.refresh_from_db()
    assert session.version == 2 and session.updated_by.username == "cora"

    # Sam, on the form opened before, changes something else and saves.
    sams = form_data(world, subject="Sam's visit", comments="Sam's note", version=sams_version)
    r = scheduler_client.post(url, sams, headers=HX)
    assert r.status_code == 409
    page = text(r)
    assert "<html" not in page  # the form alone, swapped into the modal
    assert "Changed by Cora Jones at " in page and "here is what changed:" in page
    when = session.updated_at.astimezone(SYD)
    assert f"at {when:%a} {when.day} {when:%b %H:%M}" in page
    assert "<strong>End</strong>: you have Tue 3 Nov 11:00, now saved as Tue 3 Nov 12:00" in page
    assert "<strong>Subject</strong>: you have Sam's visit, now saved as" in page
    assert "<strong>Comments</strong>: you have Sam's note, now saved as Bring the blue folder." \
        in page
    assert "Work type" not in re.search(r'<div class="stale-banner".*?</div>', page, re.S).group(0)

    # Nothing of Sam's was written.
    session.refresh_from_db()
    assert session.subject != "Sam's visit" and session.comments == "Bring the blue folder."
    assert session.end == datetime.datetime(2026, 11, 3, 12, tzinfo=SYD)
    assert session.version == 2

    # Sam's own input is in the re-rendered form, at the current version.
    assert 'value="Sam\'s visit"' in page and "Sam's note</textarea>" in page
    assert 'value="2026-11-03T11:00"' in page  # his End, not Cora's
    assert re.search(r'name="version" value="2"', page)

    # Saving again applies Sam's input, knowingly.
    sams["version"] = "2"
    r = scheduler_client.post(url, sams)
    assert r.status_code == 302
    session.refresh_from_db()
    assert session.subject == "Sam's visit" and session.comments == "Sam's note"
    assert session.end == datetime.datetime(2026, 11, 3, 11, tzinfo=SYD)
    assert session.version == 3 and session.updated_by == scheduler


def test_a_change_of_workers_and_activities_is_named(
    scheduler_client, cora_client, world, session
):
    url = reverse("sessions_app:edit", args=[session.pk])
    version = opened_version(scheduler_client, url)
    r = cora_client.post(url, form_data(
        world, workers=[world["will"].pk], version=version,
        **{"act-0-start": "2026-11-03T10:15", "act-0-end": "2026-11-03T10:45"},
    ))
    assert r.status_code == 302
    r = scheduler_client.post(url, form_data(world, version=version), headers=HX)
    assert r.status_code == 409
    page = text(r)
    assert "<strong>Workers</strong>: you have Wendy Worker, now saved as Will Other" in page
    assert ("<strong>Session activities</strong>: you have Break Tue 3 Nov 10:00–10:30 "
            "(unpaid), now saved as Break Tue 3 Nov 10:15–10:45 (unpaid)") in page
    assert list(Session.objects.get().session_workers.values_list("worker", flat=True)) == [
        world["will"].pk
    ]


def test_the_form_without_javascript_gets_the_whole_page_with_the_banner(
    scheduler_client, cora_client, world, session
):
    url = reverse("sessions_app:edit", args=[session.pk])
    version = opened_version(scheduler_client, url)
    cora_client.post(url, form_data(world, subject="Cora's", version=version))
    r = scheduler_client.post(url, form_data(world, version=version))
    assert r.status_code == 409
    page = text(r)
    assert "<html" in page and "Changed by Cora Jones at" in page
    assert "Please check the fields marked below" not in page


def test_an_in_form_action_keeps_the_version(scheduler_client, world, session):
    url = reverse("sessions_app:edit", args=[session.pk])
    r = scheduler_client.post(url, form_data(world, _action="add_activity", version="1"))
    assert re.search(r'name="version" value="1"', r.content.decode())


@pytest.mark.parametrize("bad", ["abc", "-1", "0", "99999999999999999999", "NaN", "1e3", "",
                                 "1; DROP TABLE"])
def test_a_hostile_version_is_a_422_with_a_message(scheduler_client, world, session, bad):
    url = reverse("sessions_app:edit", args=[session.pk])
    r = scheduler_client.post(url, form_data(world, subject="Hostile", version=bad), headers=HX)
    assert r.status_code == 422
    page = text(r)
    assert ("This form's version could not be read. Reload it and try again." in page
            or "This form lost track of the version it was opened on." in page)
    session.refresh_from_db()
    assert session.subject != "Hostile" and session.version == 1


def test_a_new_session_needs_no_version(scheduler_client, world):
    r = scheduler_client.post(
        reverse("rostering:base_roster_session_create", args=[world["roster"].pk]),
        form_data(world),
    )
    assert r.status_code == 302
    session = Session.objects.get()
    assert session.version == 1 and session.updated_by.username == "sam"


# --- the services ---------------------------------------------------------------------------
def test_a_stale_update_writes_nothing_not_even_children(world, session):
    with pytest.raises(StaleEdit) as caught:
        services.session_update(session=session, expected_version=7, subject="Late",
                                workers=[], comments="Late")
    assert caught.value.version == 1
    assert caught.value.message_dict["__all__"][0].startswith("Changed by sam at ")
    session.refresh_from_db()
    assert session.subject != "Late" and session.version == 1
    assert session.session_workers.count() == 1


def test_every_update_is_one_more_version_and_system_callers_skip_the_check(world, session):
    services.session_update(session=session, comments="one")
    services.session_update(session=session, expected_version=2, workers=[])
    session.refresh_from_db()
    assert session.version == 3 and session.updated_by is None  # a system caller


def test_check_version_without_an_expected_version_passes():
    check_version(Session(version=4), None)
    with pytest.raises(StaleEdit):
        check_version(Session(version=4), 3)


def test_save_and_roster_bumps_the_version_in_its_update(world, scheduler):
    s = SessionFactory(site=world["parra"])
    scheduling_services._roster([s.pk], user_id=scheduler.pk)
    s.refresh_from_db()
    assert s.status == Session.Status.ROSTERED and s.version == 2
    assert s.updated_by == scheduler
    with pytest.raises(StaleEdit, match="Changed by sam at"):
        services.session_update(session=s, expected_version=1, comments="from an old form")


# --- base rosters and roster periods ------------------------------------------------------------
def roster_form(roster, **overrides):
    data = {"name": roster.name, "active": "on", "cycle_weeks": roster.cycle_weeks,
            "start_date": roster.start_date.isoformat(), "site": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def opened_page_version(client, url) -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="version" value="(\d+)"', page).group(1)


def test_the_second_save_of_a_base_roster_is_refused_with_what_changed(
    scheduler_client, cora_client, world, scheduler
):
    roster = world["roster"]
    url = reverse("rostering:base_roster_edit", args=[roster.pk])
    sams_version = opened_page_version(scheduler_client, url)
    coras_version = opened_page_version(cora_client, url)
    r = cora_client.post(url, roster_form(roster, name="Fortnight A", version=coras_version))
    assert r.status_code == 302

    sams = roster_form(roster, active=None, site=world["parra"].pk, version=sams_version)
    r = scheduler_client.post(url, sams)
    assert r.status_code == 409
    page = text(r)
    assert "Changed by Cora Jones at " in page
    assert "<strong>Name</strong>: you have Fortnight, now saved as Fortnight A" in page
    assert "<strong>Active</strong>: you have No, now saved as Yes" in page
    assert "<strong>Site</strong>: you have Parramatta Day Centre, now saved as (none)" in page
    roster.refresh_from_db()
    assert roster.name == "Fortnight A" and roster.active and roster.site is None
    assert re.search(r'name="version" value="2"', page)
    assert f'<option value="{world["parra"].pk}" selected>' in page  # Sam's site

    sams["version"] = "2"
    r = scheduler_client.post(url, sams)
    assert r.status_code == 302
    roster.refresh_from_db()
    assert roster.name == "Fortnight" and not roster.active and roster.site == world["parra"]
    assert roster.version == 3 and roster.updated_by == scheduler


def test_a_base_roster_with_sessions_keeps_its_cycle(scheduler_client, world, session):
    roster = world["roster"]
    url = reverse("rostering:base_roster_edit", args=[roster.pk])
    r = scheduler_client.post(url, roster_form(roster, cycle_weeks=4, version=1))
    assert r.status_code == 422
    assert "The cycle cannot change once the roster has sessions" in text(r)
    assert BaseRoster.objects.get(pk=roster.pk).cycle_weeks == 2


def test_the_second_save_of_a_roster_period_is_refused_with_what_changed(
    scheduler_client, cora_client, world, scheduler
):
    period = world["period"]  # one fortnight from Mon 16 Nov 2026
    url = reverse("rostering:roster_period_edit", args=[period.pk])
    sams_version = opened_page_version(scheduler_client, url)
    coras_version = opened_page_version(cora_client, url)
    assert cora_client.post(url, {"cycles": 2, "version": coras_version}).status_code == 302

    r = scheduler_client.post(url, {"cycles": 3, "version": sams_version})
    assert r.status_code == 409
    page = text(r)
    assert "Changed by Cora Jones at " in page
    assert "<strong>Number of cycles</strong>: you have 3, now saved as 2" in page
    period.refresh_from_db()
    assert period.end_date == datetime.date(2026, 12, 13)
    assert re.search(r'name="cycles" value="3"', page)

    r = scheduler_client.post(url, {"cycles": 3, "version": "2"})
    assert r.status_code == 302
    period.refresh_from_db()
    assert period.end_date == datetime.date(2026, 12, 27) and period.version == 3
    assert period.updated_by == scheduler


@pytest.mark.parametrize("bad", ["x", "-5", "0", "9" * 30, ""])
def test_hostile_versions_on_the_roster_forms_are_422s(scheduler_client, world, bad):
    period, roster = world["period"], world["roster"]
    r = scheduler_client.post(reverse("rostering:roster_period_edit", args=[period.pk]),
                              {"cycles": 2, "version": bad})
    assert r.status_code == 422 and "version" in text(r)
    r = scheduler_client.post(reverse("rostering:base_roster_edit", args=[roster.pk]),
                              roster_form(roster, name="Hostile", version=bad))
    assert r.status_code == 422 and "version" in text(r)
    assert RosterPeriod.objects.get(pk=period.pk).version == 1
    assert BaseRoster.objects.get(pk=roster.pk).name == "Fortnight"


# --- a real race on PostgreSQL --------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_two_saves_of_one_session_at_once_on_postgresql(world):
    if connection.vendor != "postgresql":
        pytest.skip("a real concurrent save needs PostgreSQL")
    session = services.session_create(
        work_type=Session.WorkType.APPOINTMENT, billable=True,
        session_type=world["session_type"], site=world["parra"], subject="Race",
        start=datetime.datetime(2026, 11, 3, 9, tzinfo=SYD),
        end=datetime.datetime(2026, 11, 3, 11, tzinfo=SYD),
        clients=[services.ClientSpec(world["ada"])],
    )
    locked, release = threading.Event(), threading.Event()
    outcome = {}

    def save(name, hold):
        try:
            with transaction.atomic():
                services.session_update(session=session, expected_version=1, comments=name)
                if hold:
                    locked.set()
                    release.wait(timeout=30)
            outcome[name] = "saved"
        except StaleEdit as exc:
            outcome[name] = exc
        finally:
            connections.close_all()

    first = threading.Thread(target=save, args=("first", True))
    second = threading.Thread(target=save, args=("second", False))
    first.start()
    assert locked.wait(timeout=30)
    second.start()
    assert wait_until_a_transaction_waits_on_a_lock()  # the second waits on the row lock
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)

    assert outcome["first"] == "saved"
    assert isinstance(outcome["second"], StaleEdit) and outcome["second"].version == 2
    session.refresh_from_db()
    assert session.comments == "first" and session.version == 2
