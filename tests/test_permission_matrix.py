"""Every URL, as every role, in and out of the user's region, GET and POST.

The URL names come from Django's resolver (the admin and static files left out); the expected
answer of each (url name, method, role, in/out region) is in `EXPECTED`, the one table of
this module. A URL without an expectation fails `test_every_url_has_an_expectation`, so a new
page cannot be forgotten here. Out of region an object is a 404 and nothing changes: every
row of the domain's tables is compared before and after.

Status classes: "ok" (2xx, a redirect that is not to the login page, or 422: a form refusing
an empty POST), "login" (redirected to log in), "403", "404", "405".
"""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from scheduling import services as scheduling_services
from tests.factories import (
    AssetFactory,
    BaseRosterFactory,
    ClientFactory,
    RegionFactory,
    RosterPeriodFactory,
    ServiceAgreementLineFactory,
    SessionClientFactory,
    SessionFactory,
    SessionWorkerFactory,
    SiteFactory,
    WorkerFactory,
    make_user,
)

pytestmark = pytest.mark.django_db
SYD = zoneinfo.ZoneInfo("Australia/Sydney")

ROLES = ("scheduler", "coordinator", "administrator", "norole", "anonymous")
STAFF = ("scheduler", "coordinator", "administrator")
SKIPPED_PREFIXES = ("admin:",)  # the Django admin checks is_staff and model permissions itself


def _answers(allowed, *, obj: bool, refused="403"):
    """{role: (in region, out of region)} for a view that lets `allowed` roles in (the others
    get `refused`); an object of another region is a 404 (`obj`)."""
    table = {}
    for role in STAFF:
        if role in allowed:
            table[role] = ("ok", "404" if obj else "ok")
        else:
            table[role] = (refused, refused)
    table["norole"] = ("403", "403")  # the "no role yet" page, whatever the URL
    table["anonymous"] = ("login", "login")
    return table


def everyone(*, obj=False):
    return _answers(STAFF, obj=obj)


def only(*roles, obj=False):
    return _answers(roles, obj=obj)


def method_not_allowed():
    return _answers((), obj=False, refused="405")


PLANNERS = ("scheduler", "administrator")  # base rosters, periods, new sessions

# url name -> {method: {role: (in region, out of region)}}
EXPECTED = {
    # Logging in and out: open to everyone, whatever their role.
    "login": {
        "GET": {role: ("ok", "ok") for role in ROLES},
        "POST": {role: ("ok", "ok") for role in ROLES},
    },
    "logout": {
        "GET": {**{role: ("405", "405") for role in (*STAFF, "norole")},
                "anonymous": ("login", "login")},
        # Logged out, and sent to the login page.
        "POST": {role: ("login", "login") for role in ROLES},
    },
    "scheduling:dashboard": {"GET": everyone(), "POST": everyone()},
    "scheduling:live": {"GET": everyone(), "POST": everyone()},
    "scheduling:launcher": {"GET": everyone(), "POST": everyone()},
    "scheduling:new_session": {"GET": only(*PLANNERS), "POST": only(*PLANNERS)},
    "scheduling:roster_job": {"GET": everyone(obj=True), "POST": everyone(obj=True)},
    "scheduling:roster_job_again": {"GET": method_not_allowed(), "POST": everyone(obj=True)},
    # The right-click session menu and its actions: the three roles on a session of their
    # regions (an empty POST is a 422: the modal's version is missing), 404 out of region.
    "scheduling:session_menu": {"GET": everyone(obj=True), "POST": everyone(obj=True)},
    "scheduling:session_history": {"GET": everyone(obj=True), "POST": method_not_allowed()},
    "scheduling:modify_workers": {"GET": everyone(obj=True), "POST": everyone(obj=True)},
    "scheduling:modify_workers_options": {
        "GET": everyone(obj=True), "POST": everyone(obj=True),
    },
    "scheduling:modify_times": {"GET": everyone(obj=True), "POST": everyone(obj=True)},
    "scheduling:modify_activities": {"GET": everyone(obj=True), "POST": everyone(obj=True)},
    "scheduling:modify_clients": {"GET": everyone(obj=True), "POST": everyone(obj=True)},
    "scheduling:cancel_session": {"GET": everyone(obj=True), "POST": everyone(obj=True)},
    "scheduling:undo_cancellation": {"GET": method_not_allowed(), "POST": everyone(obj=True)},
    "rostering:base_roster_list": {"GET": everyone(), "POST": everyone()},
    "rostering:base_roster_create": {"GET": only(*PLANNERS), "POST": only(*PLANNERS)},
    "rostering:base_roster_detail": {"GET": everyone(obj=True), "POST": everyone(obj=True)},
    "rostering:base_roster_edit": {
        "GET": only(*PLANNERS, obj=True), "POST": only(*PLANNERS, obj=True),
    },
    "rostering:base_roster_session_create": {
        "GET": only(*PLANNERS, obj=True), "POST": only(*PLANNERS, obj=True),
    },
    "rostering:roster_period_list": {"GET": everyone(), "POST": everyone()},
    "rostering:roster_period_create": {"GET": only(*PLANNERS), "POST": only(*PLANNERS)},
    "rostering:roster_period_detail": {"GET": everyone(obj=True), "POST": everyone(obj=True)},
    "rostering:roster_period_edit": {
        "GET": only(*PLANNERS, obj=True), "POST": only(*PLANNERS, obj=True),
    },
    "rostering:roster_period_session_create": {
        "GET": only(*PLANNERS, obj=True), "POST": only(*PLANNERS, obj=True),
    },
    "rostering:roster_period_generate": {
        "GET": method_not_allowed(), "POST": only(*PLANNERS, obj=True),
    },
    "rostering:roster_period_generation": {
        "GET": everyone(obj=True), "POST": everyone(obj=True),
    },
    "rostering:roster_period_missing": {"GET": everyone(obj=True), "POST": everyone(obj=True)},
    "rostering:period_validation": {"GET": everyone(obj=True), "POST": method_not_allowed()},
    "rostering:period_validate": {
        "GET": method_not_allowed(), "POST": only(*PLANNERS, obj=True),
    },
    "rostering:period_publish": {
        "GET": only(*PLANNERS, obj=True), "POST": only(*PLANNERS, obj=True),
    },
    "sessions_app:create": {"GET": only(*PLANNERS), "POST": only(*PLANNERS)},
    # A live session: a coordinator changes it too (not a base roster's: test_regions.py).
    "sessions_app:edit": {"GET": everyone(obj=True), "POST": everyone(obj=True)},
    "sessions_app:client_options": {"GET": everyone(), "POST": everyone()},
    "sessions_app:worker_options": {"GET": everyone(), "POST": everyone()},
    "sessions_app:asset_options": {"GET": everyone(), "POST": everyone()},
}


def url_names() -> dict[str, list[str]]:
    """{url name: its kwarg names} of every named URL pattern (admin and static left out)."""
    found = {}

    def walk(resolver, namespace):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                walk(p, ":".join(filter(None, [namespace, p.namespace])) or None)
            elif isinstance(p, URLPattern) and p.name:
                name = f"{namespace}:{p.name}" if namespace else p.name
                found[name] = list(p.pattern.converters)

    walk(get_resolver(), None)
    return {n: kw for n, kw in found.items() if not n.startswith(SKIPPED_PREFIXES)}


def test_every_url_has_an_expectation():
    names = url_names()
    missing = sorted(set(names) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(names))
    assert not missing, f"URL names without an expectation in EXPECTED: {', '.join(missing)}"
    assert not stale, f"EXPECTED names no URL any more: {', '.join(stale)}"
    for name, methods in EXPECTED.items():
        for method, table in methods.items():
            assert set(table) == set(ROLES), (name, method)


# --- the world: the same things in two regions -------------------------------------------------
def _region_world(name, code):
    region = RegionFactory(name=name, code=code)
    site = SiteFactory(name=f"{name} Centre", region=region)
    client = ClientFactory(first_name="Client", last_name=name, sites=[site])
    ServiceAgreementLineFactory(agreement__client=client)
    worker = WorkerFactory(first_name="Worker", last_name=name, regions=[region])
    AssetFactory(name=f"Chair {name}", region=region)
    roster = BaseRosterFactory(name=f"Roster {name}", site=site)
    SessionFactory(base_roster=roster, site=site, subject=f"Pattern {name}")
    period = RosterPeriodFactory(base_roster=roster)
    SessionFactory(roster_period=period, site=site, subject=f"Period {name}")
    live = SessionFactory(
        site=site, subject=f"Live {name}",
        start=datetime.datetime(2026, 11, 3, 9, tzinfo=SYD),
    )
    SessionWorkerFactory(session=live, worker=worker)
    SessionClientFactory(session=live, client=client)
    job = scheduling_services.roster_request(session_ids=[live.pk])
    return {"region": region, "roster": roster, "period": period, "session": live, "job": job}


@pytest.fixture
def world():
    return {"in": _region_world("West", "west"), "out": _region_world("North", "north")}


@pytest.fixture
def users(world):
    west = [world["in"]["region"]]
    return {
        "scheduler": make_user("sam", "Scheduler", regions=west),
        "coordinator": make_user("cora", "Coordinator", regions=west),
        "administrator": make_user("ada", "Administrator", regions=west, is_staff=True),
        "norole": make_user("nobody", None, regions=west),
        "anonymous": None,
    }


def _object_for(name: str, kwarg: str, objects: dict):
    """Which object fills a URL's kwarg: by kwarg name, then by URL name."""
    if kwarg == "job_id":
        return objects["job"]
    if kwarg == "pk":
        if name.startswith("rostering:base_roster_"):
            return objects["roster"]
        if name.startswith(("rostering:roster_period_", "rostering:period_")):
            return objects["period"]
        if name.startswith(("sessions_app:", "scheduling:")):  # the session menu's too
            return objects["session"]
    raise AssertionError(f"No object for the kwarg {kwarg!r} of {name}: add it to _object_for")


WATCHED_ROWS = ("sessions_app.Session", "rostering.RosterPeriod", "rostering.BaseRoster",
                "jobs.Job")


def snapshot() -> dict:
    """The row count of every table of the domain, and every row of those whose fields a
    harmful request would change (statuses, times, a job's progress)."""
    rows = {}
    for label in ("clients", "workforce", "sessions_app", "rostering", "scheduling", "jobs"):
        for model in apps.get_app_config(label).get_models():
            rows[model._meta.label] = model.objects.count()
    for label in WATCHED_ROWS:
        rows[f"{label} rows"] = list(apps.get_model(label).objects.order_by("pk").values())
    return rows


def classify(response) -> str:
    status = response.status_code
    if status in (301, 302, 303):
        return "login" if "/accounts/login/" in response["Location"] else "ok"
    if 200 <= status < 300 or status == 422:
        return "ok"
    return str(status)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_permission_matrix(name, world, users):
    kwargs_names = url_names().get(name)
    assert kwargs_names is not None, f"{name} is not a URL name any more"
    wrong = []
    for where in ("out", "in"):  # out of the user's region first: nothing may change
        objects = world[where]
        url = reverse(name, kwargs={k: _object_for(name, k, objects).pk for k in kwargs_names})
        # A page without an object is the same page "out of region" (it lists only the
        # user's regions' data: tests/test_regions.py checks what it shows).
        before = snapshot()
        for method in ("GET", "POST"):
            for role in ROLES:
                expected = EXPECTED[name][method][role][0 if where == "in" else 1]
                client = Client()
                if users[role] is not None:
                    client.force_login(users[role])
                response = client.get(url) if method == "GET" else client.post(url, {})
                got = classify(response)
                if got != expected:
                    wrong.append(f"{method} {url} as {role} ({where} region): "
                                 f"{got} ({response.status_code}), expected {expected}")
                if expected == "ok":
                    before = snapshot()  # it may change what it is allowed to
                else:
                    assert snapshot() == before, f"{method} {url} as {role} changed data"
    assert not wrong, "\n".join(wrong)
