"""Property-based: no value a person (or an attacker) can put in any form field or query
parameter gives a 500, and text sent back is escaped.

The targets are found, not listed: `fuzz_crawl.crawl` walks the pages of the demo data as
each role and collects every form, htmx request and link with a query string. Hypothesis then
sends one target at a time with one field replaced by a hostile value (non-numbers, huge
numbers, NaN, dates at year 1 and 9999, script, NUL, very long text, ids of other things),
as a normal request or an htmx one. A 4xx with a message or a save are both fine; a 500 is not.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import in_ci
from tests.fuzz_crawl import crawl

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('fuzz')</script>"
FIXED = [
    "", " ", "abc", "-1", "0", "1.5", "NaN", "nan", "Infinity", "-inf", "1e400", "9" * 40,
    str(2**63), str(-(2**63) - 1), "0001-01-01", "9999-12-31", "10000-01-01", "2026-02-30",
    "2026-13-01", "25:61", "24:00", "02:30", "T", "1 OR 1=1", "'; DROP TABLE x;--", SCRIPT,
    "\x00", "a\x00b", "x" * 10_000, "😀", "../../etc/passwd", "Australia/Nowhere", "null",
    "[]", "{}", "true", "on", "2026-10-04T02:30", "2026-10-04 02:30",
]
HOSTILE = st.one_of(
    st.sampled_from(FIXED),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)).map(str),
    st.text(max_size=40),
)
ROLES = ("Scheduler", "Coordinator", "Administrator")
START = [
    "/", "/scheduling/", "/scheduling/?view=day", "/scheduling/?rows=client",
    "/scheduling/sessions/new/", "/scheduling/launcher/?q=a", "/base-rosters/",
    "/base-rosters/new/", "/roster-periods/", "/roster-periods/new/",
]


def _client_for(role: str) -> Client:
    from django.contrib.auth.models import Group

    from scheduling.roles import ensure_roles

    ensure_roles()
    user, _ = get_user_model().objects.get_or_create(username=f"fuzz-{role.lower()}")
    user.groups.add(Group.objects.get(name=role))
    if role == "Administrator":
        user.is_staff = True
        user.save()
    _grant_all_regions(user)
    client = Client()
    client.force_login(user)
    return client


def _grant_all_regions(user):
    """Region access, where the app has it (clients.RegionAccess): all regions."""
    from django.apps import apps

    try:
        model = apps.get_model("clients", "RegionAccess")
    except LookupError:
        return
    model.objects.update_or_create(user=user, defaults={"all_regions": True})


@pytest.fixture
def world(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from demo.seed import seed_demo

    seed_demo(scale="normal", logins=False)
    from rostering.models import RosterPeriod

    clients = {role: _client_for(role) for role in ROLES}
    start = START + [
        f"/roster-periods/{pk}/{page}"
        for pk in RosterPeriod.objects.values_list("pk", flat=True)
        for page in ("", "missing/", "publish/", "generation/")
    ]
    targets = []
    for role, client in clients.items():
        for target in crawl(client, start):
            targets.append((role, target))
    return clients, targets


def test_the_crawl_finds_the_forms_and_parameters_people_use(world):
    _, targets = world
    paths = {t.path for _, t in targets}
    names = {n for _, t in targets for n in t.names}
    assert len(targets) >= 40, len(targets)
    # The live board's filters, the session form, the roster forms and the launcher.
    assert {"/scheduling/", "/scheduling/launcher/", "/base-rosters/new/"} <= paths
    assert {"site", "start_date", "q", "week"} & names == {"site", "start_date", "q", "week"}


def _send(client, target, fields, htmx):
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    if target.method == "post":
        return client.post(target.path, data, **extra)
    return client.get(target.path, data, **extra)


@settings(
    max_examples=600 if in_ci() else 250,
    deadline=None,
    derandomize=in_ci(),
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_hostile_value_in_any_field_gives_a_server_error(world, data):
    clients, targets = world
    role, target = data.draw(st.sampled_from(targets), label="target")
    fields = list(target.fields)
    if fields:
        i = data.draw(st.integers(0, len(fields) - 1), label="field")
        fields[i] = (fields[i][0], data.draw(HOSTILE, label="value"))
    else:
        fields = [(data.draw(st.sampled_from(["page", "q", "id"])), data.draw(HOSTILE))]
    htmx = data.draw(st.booleans(), label="htmx") or target.htmx
    response = _send(clients[role], target, fields, htmx)
    assert response.status_code < 500, (role, target.method, target.path, fields)
    if "html" in response.get("Content-Type", "") and response.content:
        assert SCRIPT.encode() not in response.content, (target.path, "script not escaped")


def test_every_field_of_every_target_survives_the_worst_values(world):
    """Deterministic sweep: each field of each target with one of the worst values (they take
    turns from field to field and target to target, so each kind meets every form)."""
    clients, targets = world
    worst = ["abc", "9" * 40, "9999-12-31", "\x00"]
    failures, turn = [], 0
    # The roles see the same forms; the random test above mixes the roles.
    for role, target in [(r, t) for r, t in targets if r == "Scheduler"]:
        for i, (name, _) in enumerate(target.fields):
            turn += 1
            value = worst[turn % len(worst)]
            fields = list(target.fields)
            fields[i] = (name, value)
            try:
                status = _send(clients[role], target, fields, target.htmx).status_code
            except Exception as exc:  # noqa: BLE001 — collected, reported below
                status = f"{type(exc).__name__}: {exc}"[:200]
            if not isinstance(status, int) or status >= 500:
                failures.append(
                    f"{role} {target.method.upper()} {target.path} {name}={value[:20]!r}: {status}"
                )
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:80])
