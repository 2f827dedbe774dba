"""The session form over HTTP: partials, 422s with messages, server-side re-checks."""

import datetime
import json
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.urls import reverse

from sessions_app.models import PlannedService, Session
from tests.factories import (
    PlannedServiceFactory,
    SessionFactory,
    SessionWorkerFactory,
)
from tests.sessions_app.conftest import form_data, planned

pytestmark = pytest.mark.django_db
SYD = zoneinfo.ZoneInfo("Australia/Sydney")


def new_url(world):
    """Roster Session on the world's base roster."""
    return reverse("rostering:base_roster_session_create", args=[world["roster"].pk])


def test_the_form_opens_as_a_partial_for_htmx_and_a_page_without(scheduler_client, world):
    url = f"{new_url(world)}?date=2026-11-04"
    page = scheduler_client.get(url)
    assert page.status_code == 200
    assert b"<html" in page.content and b"Roster Session" in page.content
    partial = scheduler_client.get(url, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert b"<html" not in partial.content
    html = partial.content.decode()
    for label in ["Work type", "Billable", "Session type", "Start", "End", "Subject", "Site",
                  "Region", "Assets", "Clients", "Workers", "Planned services",
                  "Session activities", "Service types", "Comments", "Employee message"]:
        assert f">{label}<" in html, label
    assert 'value="2026-11-04T09:00"' in html


def test_site_choice_filters_clients(scheduler_client, world):
    url = reverse("sessions_app:client_options")
    r = scheduler_client.get(url, {"site": world["parra"].pk, "client_q": "a"})
    html = r.content.decode()
    assert "Ada Lovelace" in html and "Bea Arthur" in html
    assert "Cal Northern" not in html
    r = scheduler_client.get(url, {"site": world["chermside"].pk, "client_q": "a"})
    assert "Cal Northern" in r.content.decode()
    assert "Ada Lovelace" not in r.content.decode()


def test_type_ahead_excludes_chosen_clients_and_matches_words(scheduler_client, world):
    url = reverse("sessions_app:client_options")
    r = scheduler_client.get(
        url, {"site": world["parra"].pk, "client_q": "lovel", "clients": [world["bea"].pk]}
    )
    assert "Ada Lovelace" in r.content.decode()
    r = scheduler_client.get(
        url, {"site": world["parra"].pk, "client_q": "ada", "clients": [world["ada"].pk]}
    )
    assert "Ada Lovelace" not in r.content.decode()


def test_region_choice_filters_assets(scheduler_client, world):
    url = reverse("sessions_app:asset_options")
    west = scheduler_client.get(url, {"region": world["west"].pk}).content.decode()
    assert "Shower chair West" in west and "Minibus North" not in west
    north = scheduler_client.get(url, {"region": world["north"].pk}).content.decode()
    assert "Minibus North" in north and "Shower chair West" not in north
    # No region chosen: the site's region.
    by_site = scheduler_client.get(url, {"site": world["chermside"].pk}).content.decode()
    assert "Minibus North" in by_site


def test_changing_the_site_keeps_what_was_typed_and_flags_ineligible_clients(
    scheduler_client, world
):
    data = form_data(world, _action="refresh", site=world["chermside"].pk,
                     subject="My own subject")
    r = scheduler_client.post(new_url(world), data, headers={"HX-Request": "true",
                                                  "HX-Trigger-Name": "site"})
    assert r.status_code == 200
    html = r.content.decode()
    assert 'value="My own subject"' in html
    assert "Ada Lovelace" in html  # kept, not dropped …
    assert "Not at Chermside Hub" in html  # … but flagged
    assert "Minibus North" in html and "Not in this region" in html  # chair flagged
    assert Session.objects.count() == 0


def test_save_creates_the_session_on_the_base_roster_and_tells_the_grid(
    scheduler_client, world
):
    r = scheduler_client.post(new_url(world), form_data(world), headers={"HX-Request": "true"})
    assert r.status_code == 200, r.content.decode()[:2000]
    trigger = json.loads(r["HX-Trigger"])
    session = Session.objects.get()
    assert trigger["sessionSaved"]["id"] == session.pk and trigger["closeModal"]
    assert session.base_roster == world["roster"]
    assert session.start == datetime.datetime(2026, 11, 3, 9, tzinfo=SYD)
    assert session.region == world["west"]
    assert session.subject == "Parramatta Day Centre · Personal Care · Ada Lovelace"
    ps = PlannedService.objects.get()
    assert ps.agreement_line == world["ada_line"] and ps.quantity == Decimal("2")
    assert session.activities.get().paid is False
    assert session.employee_message == "Ring the bell twice."


def test_save_without_javascript_redirects_to_the_grid(scheduler_client, world):
    r = scheduler_client.post(new_url(world), form_data(world))
    assert r.status_code == 302
    assert r["Location"] == reverse("rostering:base_roster_detail", args=[world["roster"].pk])


def test_errors_come_back_422_beside_the_field_with_every_value_kept(scheduler_client, world):
    data = form_data(world, end="2026-11-03T08:00", subject="Keep me")
    r = scheduler_client.post(new_url(world), data, headers={"HX-Request": "true"})
    assert r.status_code == 422
    html = r.content.decode()
    assert "End must be after start." in html
    assert 'value="Keep me"' in html and "Ada Lovelace" in html and "Wendy Worker" in html
    assert "Bring the blue folder." in html
    assert Session.objects.count() == 0


def test_a_client_of_another_site_posted_directly_is_refused(scheduler_client, world):
    data = form_data(world, clients=[world["cal"].pk])
    r = scheduler_client.post(new_url(world), data)
    assert r.status_code == 422
    assert "Cal Northern is not associated with Parramatta Day Centre." in r.content.decode()
    assert Session.objects.count() == 0


def test_another_clients_agreement_line_posted_directly_is_refused(scheduler_client, world):
    data = form_data(world, **planned(world["ada"], (world["cal_line"], "2")))
    r = scheduler_client.post(new_url(world), data)
    assert r.status_code == 422
    assert "not from that client&#x27;s agreement" in r.content.decode()
    assert Session.objects.count() == 0


def test_an_asset_of_another_region_posted_directly_is_refused(scheduler_client, world):
    r = scheduler_client.post(new_url(world), form_data(world, assets=[world["bus"].pk]))
    assert r.status_code == 422
    assert "Minibus North is not in the session&#x27;s region." in r.content.decode()
    assert Session.objects.count() == 0


def test_an_appointment_with_two_clients_is_refused(scheduler_client, world):
    data = form_data(world, clients=[world["ada"].pk, world["bea"].pk])
    r = scheduler_client.post(new_url(world), data)
    assert r.status_code == 422
    assert "An Appointment has exactly one client." in r.content.decode()


def test_a_group_session_with_two_clients_and_a_service_each(scheduler_client, world):
    data = form_data(
        world,
        work_type="group",
        ratio="1:2",
        clients=[world["ada"].pk, world["bea"].pk],
        **planned(world["bea"], (world["bea_line"], "2")),
    )
    r = scheduler_client.post(new_url(world), data)
    assert r.status_code == 302
    session = Session.objects.get()
    assert session.work_type == "group"
    assert PlannedService.objects.filter(session_client__session=session).count() == 2


def test_a_time_skipped_by_daylight_saving_is_refused(scheduler_client, world):
    roster = world["roster"]
    roster.start_date = datetime.date(2026, 9, 28)
    roster.save()
    data = form_data(world, start="2026-10-04T02:30", end="2026-10-04T04:00",
                     **{"act-TOTAL_FORMS": "0"}, **planned(world["ada"]))
    r = scheduler_client.post(new_url(world), data)
    assert r.status_code == 422
    assert (
        "02:30 does not exist in Sydney on Sun 4 Oct 2026: clocks go forward from 02:00 to 03:00"
        in r.content.decode()
    )


def test_a_budget_overrun_is_warned_before_saving(scheduler_client, world):
    line = world["ada_line"]
    line.budget_quantity = Decimal("1")
    line.save()
    r = scheduler_client.post(new_url(world), form_data(world))
    assert r.status_code == 422
    assert "only 1.00 hours remain in the budget" in r.content.decode()
    assert Session.objects.count() == 0
    r = scheduler_client.post(new_url(world), form_data(world, accept_budget_overrun="on"))
    assert r.status_code == 302
    assert Session.objects.count() == 1


def test_conflict_hints_link_the_other_session_and_back_to_back_does_not_clash(
    scheduler_client, world
):
    other = SessionFactory(
        base_roster=world["roster"], site=world["parra"], subject="Morning shower",
        start=datetime.datetime(2026, 11, 3, 10, tzinfo=SYD),
        end=datetime.datetime(2026, 11, 3, 12, tzinfo=SYD),
    )
    SessionWorkerFactory(session=other, worker=world["wendy"])
    r = scheduler_client.post(new_url(world), form_data(world, _action="refresh"))
    html = r.content.decode()
    assert "Possible conflicts" in html and "Morning shower" in html
    assert reverse("sessions_app:edit", args=[other.pk]) in html
    r = scheduler_client.post(
        new_url(world), form_data(world, _action="refresh", start="2026-11-03T08:00",
                       end="2026-11-03T10:00", **{"act-0-kind": ""})
    )
    assert "Possible conflicts" not in r.content.decode()


def test_adding_a_client_from_the_type_ahead_ticks_a_single_agreement_line(
    scheduler_client, world
):
    data = form_data(world, _action="refresh", add_client=world["ada"].pk, clients=[],
                     **planned(world["ada"]))
    del data[f"ps-{world['ada'].pk}-TOTAL_FORMS"]  # a client just added has no formset yet
    r = scheduler_client.post(new_url(world), data, headers={"HX-Request": "true"})
    assert r.status_code == 200
    html = r.content.decode()
    assert f'name="clients" value="{world["ada"].pk}"' in html
    prefix = f"ps-{world['ada'].pk}-0"
    assert f'name="{prefix}-line" value="{world["ada_line"].pk}"' in html
    assert re.search(f'name="{prefix}-plan"[^>]*checked', html)


def test_an_action_swaps_only_the_parts_it_changes_never_the_type_ahead_boxes(
    scheduler_client, world
):
    """Adding a client from htmx re-renders its sections out of band and nothing else, so the
    search boxes someone may be typing in, the worker results and the rest are left alone."""
    data = form_data(world, _action="refresh", add_client=world["ada"].pk, clients=[],
                     worker_q="wen", **planned(world["ada"]))
    del data[f"ps-{world['ada'].pk}-TOTAL_FORMS"]
    r = scheduler_client.post(new_url(world), data, headers={"HX-Request": "true"})
    assert r.status_code == 200 and r["HX-Reswap"] == "none"
    html = r.content.decode()
    for section in ("client-list", "client-results", "planned-services", "field-subject",
                    "conflicts-box"):
        assert f'id="{section}" hx-swap-oob="true"' in html
    for kept in ("client-search", "worker-search", "worker-results", "worker-list",
                 "activities"):
        assert f'id="{kept}" hx-swap-oob' not in html
        assert f'id="{kept}"' in html
    # Adding an activity swaps the activities only.
    r = scheduler_client.post(new_url(world), form_data(world, _action="add_activity"),
                              headers={"HX-Request": "true"})
    assert r["HX-Reswap"] == "none"
    assert r.content.decode().count('hx-swap-oob="true"') == 1
    assert 'id="activities" hx-swap-oob="true"' in r.content.decode()
    # Without htmx the whole page is rendered as before, with nothing out of band; the same
    # for a change of a field (its own hx-select-oob picks the sections).
    for headers in ({}, {"HX-Request": "true", "HX-Trigger-Name": "start"}):
        r = scheduler_client.post(new_url(world), form_data(world, _action="refresh"),
                                  headers=headers)
        assert "hx-swap-oob" not in r.content.decode() and "HX-Reswap" not in r


def test_editing_opens_the_saved_values_and_saves_changes(scheduler_client, world):
    scheduler_client.post(new_url(world), form_data(world))
    session = Session.objects.get()
    url = reverse("sessions_app:edit", args=[session.pk])
    html = scheduler_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "Edit session" in html and 'value="2026-11-03T09:00"' in html
    assert "Ada Lovelace" in html
    r = scheduler_client.post(url, form_data(world, end="2026-11-03T12:00",
                                             subject="Longer visit", version=session.version))
    assert r.status_code == 302
    session.refresh_from_db()
    assert session.subject == "Longer visit"
    assert session.end == datetime.datetime(2026, 11, 3, 12, tzinfo=SYD)
    assert Session.objects.count() == 1


def test_a_session_on_a_roster_period_belongs_to_that_period(scheduler_client, world):
    data = form_data(world, start="2026-11-17T09:00", end="2026-11-17T11:00",
                     **{"act-TOTAL_FORMS": "0"})
    url = reverse("rostering:roster_period_session_create", args=[world["period"].pk])
    r = scheduler_client.post(url, data)
    assert r.status_code == 302, r.content.decode()[:3000]
    session = Session.objects.get()
    assert session.roster_period == world["period"] and session.base_roster is None


def test_a_coordinator_cannot_create_sessions(client, django_user_model, world):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("cora", password="x-cora-12345")
    user.groups.add(Group.objects.get(name="Coordinator"))
    client.force_login(user)
    assert client.post(new_url(world), form_data(world)).status_code == 403


def test_planned_service_budget_left_counts_other_sessions(scheduler_client, world):
    PlannedServiceFactory(
        session_client__client=world["ada"], agreement_line=world["ada_line"],
        quantity=Decimal("5"),
    )
    r = scheduler_client.post(new_url(world), form_data(world, _action="refresh"))
    assert "195 hours" in r.content.decode()


def test_saving_on_the_forms_own_page_with_htmx_goes_back_to_the_grid(scheduler_client, world):
    r = scheduler_client.post(
        new_url(world), form_data(world),
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{new_url(world)}"},
    )
    assert r.status_code == 200
    assert r["HX-Redirect"] == reverse("rostering:base_roster_detail", args=[world["roster"].pk])


def test_a_worker_from_another_region_is_flagged_not_dropped(scheduler_client, world):
    from tests.factories import WorkerFactory

    far = WorkerFactory(first_name="Nora", last_name="North", regions=[world["north"]])
    r = scheduler_client.post(
        new_url(world), form_data(world, _action="refresh", workers=[world["wendy"].pk, far.pk])
    )
    html = r.content.decode()
    assert "Nora North" in html
    assert html.count("Does not usually work in this region.") == 1


def _field_block(html, field_id):
    """The HTML of one field's wrapper, up to the next field."""
    start = html.index(f'id="{field_id}"')
    return html[start:html.index('<div class="field', start + 1)]


def test_a_billable_error_is_shown_beside_billable(scheduler_client, world):
    r = scheduler_client.post(new_url(world), form_data(world, billable="maybe"))
    assert r.status_code == 422
    assert "Select a valid choice" in _field_block(r.content.decode(), "field-billable")


def test_a_service_types_error_is_shown_beside_service_types(scheduler_client, world):
    r = scheduler_client.post(new_url(world), form_data(world, service_types=["999999"]))
    assert r.status_code == 422
    html = r.content.decode()
    block = html[html.index('id="field-service_types"'):]
    assert "Select a valid choice. 999999 is not one of the available choices." in block[:2000]


def test_too_many_activities_is_shown_in_the_activities_section(scheduler_client, world):
    data = form_data(world, **{"act-TOTAL_FORMS": "21"})
    r = scheduler_client.post(new_url(world), data)
    assert r.status_code == 422
    html = r.content.decode()
    section = html[html.index('id="activities"'):]
    assert "A session has at most 20 activities." in section
    assert Session.objects.count() == 0


def test_adding_and_removing_an_activity_goes_through_the_formset(scheduler_client, world):
    r = scheduler_client.post(new_url(world), form_data(world, _action="add_activity"))
    html = r.content.decode()
    assert 'name="act-TOTAL_FORMS" value="2"' in html
    assert 'name="act-1-start" value="2026-11-03T10:00"' in html  # the middle of 9–11
    # Ticking Remove on the first row and refreshing drops it …
    data = form_data(world, _action="refresh", **{"act-0-DELETE": "on"})
    html = scheduler_client.post(new_url(world), data).content.decode()
    assert 'name="act-TOTAL_FORMS" value="0"' in html
    # … and saving with it ticked saves no activity (no JavaScript needed).
    r = scheduler_client.post(new_url(world), form_data(world, **{"act-0-DELETE": "on"}))
    assert r.status_code == 302
    assert not Session.objects.get().activities.exists()


def test_removing_a_client_drops_its_planned_services(scheduler_client, world):
    data = form_data(world, _action="refresh", remove_client=world["ada"].pk)
    html = scheduler_client.post(new_url(world), data).content.decode()
    assert f'name="clients" value="{world["ada"].pk}"' not in html
    assert f"ps-{world['ada'].pk}-TOTAL_FORMS" not in html


def test_a_group_template_fills_members_and_services(scheduler_client, world):
    from tests.factories import GroupTemplateFactory, GroupTemplateItemFactory

    template = GroupTemplateFactory(site=world["parra"], ratio="1:2")
    template.members.set([world["ada"], world["bea"]])
    GroupTemplateItemFactory(template=template, support_item=world["ada_line"].support_item)
    data = form_data(world, _action="apply_template", work_type="group",
                     group_template=template.pk)
    html = scheduler_client.post(new_url(world), data).content.decode()
    for who in ("ada", "bea"):
        prefix = f"ps-{world[who].pk}-0"
        assert re.search(f'name="{prefix}-plan"[^>]*checked', html), who
        assert f'name="{prefix}-quantity" value="2"' in html  # the session's 2 hours
    assert 'value="1:2"' in html


def test_the_subject_follows_the_clients_until_edited(scheduler_client, world):
    data = form_data(world, _action="refresh", add_client=world["bea"].pk, work_type="group",
                     subject="Parramatta Day Centre · Personal Care · Ada Lovelace",
                     subject_auto="Parramatta Day Centre · Personal Care · Ada Lovelace")
    html = scheduler_client.post(new_url(world), data).content.decode()
    assert 'value="Parramatta Day Centre · Personal Care · Ada Lovelace, Bea Arthur"' in html
    data["subject"] = "My own"
    html = scheduler_client.post(new_url(world), data).content.decode()
    assert 'value="My own"' in html


def test_the_clients_chooser_lists_the_sites_clients_before_anything_is_typed(
    scheduler_client, world
):
    r = scheduler_client.get(reverse("sessions_app:client_options"),
                             {"site": world["parra"].pk, "client_q": ""})
    html = r.content.decode()
    assert "Ada Lovelace" in html and "Bea Arthur" in html and "Cal Northern" not in html
    form = scheduler_client.get(new_url(world)).content.decode()
    assert 'hx-trigger="focus, input changed delay:250ms, search"' in form
    # Without JavaScript, Find with nothing typed lists them too.
    html = scheduler_client.post(
        new_url(world), form_data(world, _action="search", clients=[], client_q="")
    ).content.decode()
    assert f'name="add_client" value="{world["bea"].pk}"' in html


def test_worker_results_show_leave_and_qualification_hints(scheduler_client, world):
    from tests.factories import QualificationFactory, WorkerUnavailabilityFactory

    first_aid = QualificationFactory(name="First Aid")
    world["session_type"].required_qualifications.add(first_aid)
    WorkerUnavailabilityFactory(
        worker=world["wendy"], kind="leave", reason="Annual leave",
        start=datetime.datetime(2026, 11, 3, 0, tzinfo=SYD),
        end=datetime.datetime(2026, 11, 4, 0, tzinfo=SYD),
    )
    r = scheduler_client.get(reverse("sessions_app:worker_options"), {
        "worker_q": "wendy", "start": "2026-11-03T09:00", "end": "2026-11-03T11:00",
        "site": world["parra"].pk, "session_type": world["session_type"].pk,
    })
    html = r.content.decode()
    assert "Wendy Worker" in html
    assert "Leave: Annual leave at this time." in html
    assert "Missing First Aid, required for Personal Care." in html


def test_the_saved_subject_lists_clients_in_the_order_they_were_chosen(scheduler_client, world):
    data = form_data(world, work_type="group", ratio="1:2",
                     clients=[world["bea"].pk, world["ada"].pk], **planned(world["bea"]))
    assert scheduler_client.post(new_url(world), data).status_code == 302
    assert Session.objects.get().subject.endswith("Bea Arthur, Ada Lovelace")
    Session.objects.all().delete()
    data["clients"] = [world["ada"].pk, world["bea"].pk]
    assert scheduler_client.post(new_url(world), data).status_code == 302
    assert Session.objects.get().subject.endswith("Ada Lovelace, Bea Arthur")
