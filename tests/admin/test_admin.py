"""The Django admin: every model renders, changelists stay at a constant number of queries,
autocomplete works, and session times are shown and read in the site's time zone."""

import datetime
import zoneinfo

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from clients.models import Client
from jobs.models import Job
from jobs.services import job_claim, job_finish
from rostering.models import JOB_VALIDATE, Notification, PeriodValidation
from sessions_app.models import (
    PlannedService,
    Session,
    SessionActivity,
    SessionAsset,
    SessionClient,
    SessionSeries,
    SessionWorker,
)
from tests.factories import (
    AssetFactory,
    BaseRosterFactory,
    ClientFactory,
    GroupTemplateFactory,
    GroupTemplateItemFactory,
    PlannedServiceFactory,
    QualificationFactory,
    RegionFactory,
    RosterPeriodFactory,
    ServiceAgreementLineFactory,
    ServiceTypeFactory,
    SessionActivityFactory,
    SessionAssetFactory,
    SessionClientFactory,
    SessionFactory,
    SessionTypeFactory,
    SessionWorkerFactory,
    SiteFactory,
    SupportItemFactory,
    WorkerFactory,
    WorkerQualificationFactory,
    WorkerUnavailabilityFactory,
)
from workforce.models import Worker

pytestmark = pytest.mark.django_db

DOMAIN_APPS = {"clients", "jobs", "rostering", "sessions_app"}
REGISTERED = sorted(
    (model for model in admin.site._registry if model._meta.app_label in DOMAIN_APPS),
    key=lambda model: (model._meta.app_label, model._meta.model_name),
)
PERTH = zoneinfo.ZoneInfo("Australia/Perth")
SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")


def admin_url(model_or_obj, view, *args):
    opts = model_or_obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def model_id(model):
    return f"{model._meta.app_label}.{model._meta.model_name}"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """`admin_user` hashes a password; the default hasher costs about a second per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world():
    """One of everything, wired together the way the product uses it."""
    region = RegionFactory(name="West", code="west")
    site = SiteFactory(name="Fremantle House", region=region, time_zone="Australia/Perth")
    qualification = QualificationFactory(name="Manual handling", code="manual-handling")
    session_type = SessionTypeFactory(name="Personal Care")
    session_type.required_qualifications.add(qualification)
    service_type = ServiceTypeFactory(name="Personal care")

    client = ClientFactory(first_name="Ada", last_name="Lovelace", sites=[site])
    line = ServiceAgreementLineFactory(
        agreement__client=client,
        support_item=SupportItemFactory(item_number="01_011_0107_1_1", name="Self-care"),
    )
    template = GroupTemplateFactory(name="Art group", site=site, members=[client])
    template_item = GroupTemplateItemFactory(template=template, support_item=line.support_item)

    worker = WorkerFactory(first_name="Grace", last_name="Hopper", regions=[region])
    WorkerQualificationFactory(worker=worker, qualification=qualification)
    WorkerUnavailabilityFactory(worker=worker)

    session = SessionFactory(
        site=site,
        session_type=session_type,
        subject="Fremantle House · Personal Care · Ada Lovelace",
        start=datetime.datetime(2026, 11, 3, 9, 0, tzinfo=PERTH),
        end=datetime.datetime(2026, 11, 3, 11, 0, tzinfo=PERTH),
    )
    session.service_types.add(service_type)
    session_client = SessionClientFactory(session=session, client=client)
    PlannedServiceFactory(
        session_client=session_client, agreement_line=line, group_template_item=template_item
    )
    SessionWorkerFactory(session=session, worker=worker)
    SessionAssetFactory(session=session, asset=AssetFactory(name="Chair 1", region=region))
    SessionActivityFactory(session=session)
    session.series = SessionSeries.objects.create(rule="FREQ=WEEKLY;COUNT=1",
                                                  first_start=session.start)
    session.save(update_fields=["series"])

    base_roster = BaseRosterFactory(name="West pattern", site=site)
    period = RosterPeriodFactory(base_roster=base_roster)
    SessionFactory(site=site, base_roster=base_roster, subject="Pattern session")
    SessionFactory(site=site, roster_period=period, subject="Period session")
    job = job_claim(kind=JOB_VALIDATE, target=period)
    job_finish(job_id=job.pk, message="Checked 1 session: 0 errors, 0 warnings.")
    PeriodValidation.objects.create(job=job, period=period, session_count=1)
    Notification.objects.create(worker=worker, period=period, subject="Your roster", body="…")
    return {
        "session": session,
        "session_client": session_client,
        "client": client,
        "worker": worker,
        "agreement": line.agreement,
        "line": line,
        "template": template,
        "site": site,
    }


# --------------------------------------------------------------------------------------------
# Smoke: every registered model's changelist and add page
# --------------------------------------------------------------------------------------------


def test_every_domain_model_is_registered():
    from django.apps import apps

    # Historical rows (django-simple-history) are read through their model's History button.
    domain_models = {
        model for app in DOMAIN_APPS for model in apps.get_app_config(app).get_models()
        if not model.__name__.startswith("Historical")
    }
    # A user's region access is edited on the user (an inline of the user admin).
    inline_only = {apps.get_model("clients", "RegionAccess")}
    assert domain_models - inline_only == set(REGISTERED)


def test_admin_system_checks_pass():
    call_command("check", "--fail-level", "WARNING")


@pytest.mark.parametrize("model", REGISTERED, ids=model_id)
def test_changelist_renders(admin_client, world, model):
    response = admin_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= 1


@pytest.mark.parametrize("model", REGISTERED, ids=model_id)
def test_changelist_search_renders(admin_client, world, model):
    response = admin_client.get(admin_url(model, "changelist"), {"q": "a"})
    assert response.status_code == 200


# Sessions and their children are written by the session form's services only.
WRITTEN_BY_THE_SESSION_FORM = (
    Session, SessionClient, PlannedService, SessionWorker, SessionAsset, SessionActivity,
    SessionSeries,
)


@pytest.mark.parametrize("model", REGISTERED, ids=model_id)
def test_add_page_renders(admin_client, model):
    response = admin_client.get(admin_url(model, "add"))
    if model in WRITTEN_BY_THE_SESSION_FORM:
        # No add page: back to the list, with where sessions are made.
        assert response.status_code == 302
        assert response.url == admin_url(model, "changelist")
        return
    # The lifecycle's records (jobs, validation reports, notifications) are written by services
    # only.
    written_by_services = model in (Job, PeriodValidation, Notification)
    assert response.status_code == (403 if written_by_services else 200)


@pytest.mark.parametrize("model", REGISTERED, ids=model_id)
def test_change_page_renders_for_any_object(admin_client, world, model):
    obj = model._default_manager.first()
    assert obj is not None, f"the world fixture has no {model_id(model)}"
    response = admin_client.get(admin_url(model, "change", obj.pk))
    assert response.status_code == 200


# --------------------------------------------------------------------------------------------
# Change pages of the main models
# --------------------------------------------------------------------------------------------


def test_session_change_page_shows_attendees_and_planned_services(admin_client, world):
    response = admin_client.get(admin_url(Session, "change", world["session"].pk))
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "Ada Lovelace",  # client (autocomplete's selected option)
        "Grace Hopper",  # worker
        "Chair 1",  # asset
        "01_011_0107_1_1 × 2 @ 70.23",  # planned services, read-only on the client row
        "Session activities",
        "Live schedule",
        "Australia/Perth",
    ]:
        assert text in html, text


def test_session_change_page_queries_do_not_grow_with_attendees(
    admin_client, world, django_assert_max_num_queries
):
    session = world["session"]
    url = admin_url(Session, "change", session.pk)

    def add_attendees(count):
        for _ in range(count):
            sc = SessionClientFactory(session=session)
            PlannedServiceFactory(session_client=sc)
            PlannedServiceFactory(session_client=sc)

    with django_assert_max_num_queries(200) as small:
        assert admin_client.get(url).status_code == 200
    add_attendees(3)
    with django_assert_max_num_queries(200) as large:
        assert admin_client.get(url).status_code == 200
    # Each client row costs one query for its autocomplete widget's selected option (Django's
    # AutocompleteSelect); planned services are prefetched, so they add nothing per row.
    assert len(large.captured_queries) - len(small.captured_queries) <= 3


@pytest.mark.parametrize("key", ["client", "worker", "agreement", "template", "session_client"])
def test_main_change_pages_render(admin_client, world, key):
    obj = world[key]
    response = admin_client.get(admin_url(obj, "change", obj.pk))
    assert response.status_code == 200
    assert str(obj) in response.content.decode()


def test_agreement_change_page_lists_its_lines(admin_client, world):
    response = admin_client.get(admin_url(world["agreement"], "change", world["agreement"].pk))
    assert "01_011_0107_1_1 Self-care" in response.content.decode()


def test_group_template_change_page_lists_its_items(admin_client, world):
    response = admin_client.get(admin_url(world["template"], "change", world["template"].pk))
    html = response.content.decode()
    assert "01_011_0107_1_1 Self-care" in html
    assert "Ada Lovelace" in html


# --------------------------------------------------------------------------------------------
# Session changelist: local times, home column and filter
# --------------------------------------------------------------------------------------------


def test_session_changelist_shows_site_local_times_and_home(admin_client, world):
    response = admin_client.get(admin_url(Session, "changelist"))
    html = response.content.decode()
    assert "Tue 03/11/2026 09:00 AWST" in html  # Perth wall-clock time, not Sydney's 12:00
    assert "11:00" in html
    assert "Live schedule" in html
    assert "Base roster: West pattern" in html
    assert "Roster period: West pattern" in html


@pytest.mark.parametrize(
    "home, subjects",
    [
        ("live", {"Fremantle House · Personal Care · Ada Lovelace"}),
        ("base_roster", {"Pattern session"}),
        ("roster_period", {"Period session"}),
    ],
)
def test_session_home_filter(admin_client, world, home, subjects):
    response = admin_client.get(admin_url(Session, "changelist"), {"home": home})
    assert {s.subject for s in response.context["cl"].result_list} == subjects


def test_session_changelist_filters_render(admin_client, world):
    site = world["site"]
    response = admin_client.get(
        admin_url(Session, "changelist"),
        {
            "status__exact": "draft",
            "work_type__exact": "appointment",
            "billable__exact": "1",
            "site__region__id__exact": site.region_id,
            "site__id__exact": site.pk,
            "start__year": "2026",
        },
    )
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 3


# --------------------------------------------------------------------------------------------
# Sessions are read-only here (one path for saving them: the session form's services),
# shown at the site's clock
# --------------------------------------------------------------------------------------------


def test_session_page_shows_times_in_the_sites_zone(admin_client, world):
    response = admin_client.get(admin_url(Session, "change", world["session"].pk))
    html = response.content.decode()
    assert '<div class="readonly">3 Nov 2026, 9 a.m.</div>' in html  # Perth, not Sydney's noon


def test_session_change_page_is_read_only_and_points_to_the_session_form(
    admin_client, world
):
    session = world["session"]
    response = admin_client.get(admin_url(Session, "change", session.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="_save"' not in html
    assert 'name="start_0"' not in html  # read-only, shown at the site's clock
    assert f'href="/sessions/{session.pk}/edit/">Open the session form</a>' in html


def test_admin_refuses_an_appointment_with_two_clients(admin_client, world):
    """Posting an add page (a stale page or a hand-made request) saves nothing and says why."""
    session = world["session"]
    site = session.site
    other = ClientFactory(first_name="Bea", last_name="Arthur", sites=[site])
    before = Session.objects.count()
    data = {
        "work_type": "appointment", "billable": "on", "session_type": session.session_type_id,
        "start_0": "03/11/2026", "start_1": "13:00:00", "end_0": "03/11/2026",
        "end_1": "14:00:00", "subject": "Two clients", "site": site.pk, "status": "draft",
        "session_clients-TOTAL_FORMS": "2", "session_clients-INITIAL_FORMS": "0",
        "session_clients-0-client": world["client"].pk, "session_clients-0-status": "scheduled",
        "session_clients-1-client": other.pk, "session_clients-1-status": "scheduled",
        "_save": "Save",
    }

    response = admin_client.post(admin_url(Session, "add"), data, follow=True)

    assert Session.objects.count() == before
    assert not Session.objects.filter(subject="Two clients").exists()
    assert not SessionClient.objects.filter(client=other).exists()
    html = response.content.decode()
    assert "Sessions are changed with the session form" in html
    assert "nothing was saved" in html


def test_admin_change_posts_save_nothing(admin_client, world):
    session = world["session"]
    url = admin_url(Session, "change", session.pk)
    start = session.start
    response = admin_client.post(
        url, {"work_type": "group", "start_0": "03/11/2026", "start_1": "10:00:00"}
    )
    assert response.status_code == 302 and response.url == url
    session.refresh_from_db()
    assert session.start == start and session.work_type == "appointment"

    sc = session.session_clients.get()
    response = admin_client.post(admin_url(SessionClient, "change", sc.pk), {"status": "x"})
    assert response.status_code == 302
    response = admin_client.post(admin_url(SessionClient, "delete", sc.pk), {"post": "yes"})
    assert response.status_code == 403
    assert SessionClient.objects.filter(pk=sc.pk).exists()


# --------------------------------------------------------------------------------------------
# Changelists use a constant number of queries as rows grow
# --------------------------------------------------------------------------------------------


def make_sessions(count):
    """Sessions on different sites/types/homes, each with clients, workers and services."""
    for i in range(count):
        home = i % 3
        site = SiteFactory(time_zone=["Australia/Sydney", "Australia/Perth"][i % 2])
        kwargs = {}
        if home == 1:
            kwargs["base_roster"] = BaseRosterFactory(site=site)
        elif home == 2:
            kwargs["roster_period"] = RosterPeriodFactory(base_roster=BaseRosterFactory())
        session = SessionFactory(site=site, session_type=SessionTypeFactory(), **kwargs)
        SessionWorkerFactory(session=session)
        for _ in range(2):
            sc = SessionClientFactory(session=session)
            PlannedServiceFactory(
                session_client=sc,
                group_template_item=GroupTemplateItemFactory(
                    template=GroupTemplateFactory(site=site)
                ),
            )


def make_clients(count):
    for _ in range(count):
        ClientFactory(sites=[SiteFactory(), SiteFactory()])


def make_workers(count):
    for _ in range(count):
        worker = WorkerFactory(regions=[RegionFactory(), RegionFactory()])
        WorkerQualificationFactory(worker=worker)


CHANGELISTS = {
    # model: (make rows, max queries for a page)
    Session: (make_sessions, 9),
    SessionClient: (make_sessions, 8),  # + the cancellation reasons of its filter
    PlannedService: (make_sessions, 5),
    Client: (make_clients, 7),
    Worker: (make_workers, 6),
}
N = 5


@pytest.mark.parametrize("model", list(CHANGELISTS), ids=model_id)
def test_changelist_queries_are_constant(admin_client, django_assert_max_num_queries, model):
    make_rows, bound = CHANGELISTS[model]
    url = admin_url(model, "changelist")

    make_rows(N)
    with django_assert_max_num_queries(bound) as small:
        response = admin_client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= N

    make_rows(3 * N)
    with django_assert_max_num_queries(bound) as large:
        response = admin_client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= 4 * N
    assert len(large.captured_queries) == len(small.captured_queries)


# --------------------------------------------------------------------------------------------
# Autocomplete
# --------------------------------------------------------------------------------------------


def autocomplete(admin_client, app_label, model_name, field_name, term):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": app_label,
            "model_name": model_name,
            "field_name": field_name,
            "term": term,
        },
    )
    assert response.status_code == 200
    return response.json()["results"]


def test_client_autocomplete_on_session_clients(admin_client, world):
    ClientFactory(first_name="Alan", last_name="Turing")
    results = autocomplete(admin_client, "sessions_app", "sessionclient", "client", "Lovel")
    assert results == [{"id": str(world["client"].pk), "text": "Ada Lovelace"}]


def test_client_autocomplete_finds_by_ndis_number(admin_client, world):
    ndis = world["client"].ndis_number
    results = autocomplete(admin_client, "sessions_app", "sessionclient", "client", ndis)
    assert [r["id"] for r in results] == [str(world["client"].pk)]


@pytest.mark.parametrize(
    "model_name, field_name, term",
    [
        ("plannedservice", "session_client", "Lovelace"),
        ("plannedservice", "agreement_line", "01_011"),
        ("plannedservice", "group_template_item", "Art"),
        ("session", "site", "Fremantle"),
        ("session", "roster_period", "West"),
        ("session", "base_roster", "West"),
        ("sessionworker", "worker", "Hopper"),
        ("sessionasset", "asset", "Chair"),
    ],
)
def test_session_side_autocompletes(admin_client, world, model_name, field_name, term):
    assert autocomplete(admin_client, "sessions_app", model_name, field_name, term)


def test_autocomplete_is_refused_to_anonymous_users(client, world):
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "sessions_app",
            "model_name": "sessionclient",
            "field_name": "client",
            "term": "Lovelace",
        },
    )
    assert response.status_code in {302, 403}


def test_sydney_sessions_stay_in_sydney_time(admin_client, world):
    SessionFactory(
        site=SiteFactory(time_zone="Australia/Sydney"),
        subject="Sydney session",
        start=datetime.datetime(2026, 11, 4, 9, 0, tzinfo=SYDNEY),
    )
    response = admin_client.get(admin_url(Session, "changelist"), {"q": "Sydney session"})
    assert "Wed 04/11/2026 09:00 AEDT" in response.content.decode()
