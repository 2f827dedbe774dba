"""The app launcher: what it offers, to whom, how many queries it costs, and bad input."""

import datetime
import zoneinfo

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    BaseRosterFactory,
    ClientFactory,
    RosterPeriodFactory,
    SessionFactory,
    SiteFactory,
    WorkerFactory,
    give_regions,
)

pytestmark = pytest.mark.django_db
SYD = zoneinfo.ZoneInfo("Australia/Sydney")
URL = reverse("scheduling:launcher")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def coordinator_client(django_user_model):
    user = django_user_model.objects.create_user("cora", password="pw-cora-12345")
    user.groups.add(Group.objects.get(name="Coordinator"))
    give_regions(user)
    client = Client()  # its own: `scheduler_client` logs the shared `client` in as another
    client.force_login(user)
    return client


def search(client, q, **extra):
    response = client.get(URL, {"q": q}, **{**HTMX, **extra})
    return response, response.content.decode()


def options(html):
    return html.count('role="option"')


def test_sched_offers_scheduling_first(scheduler_client):
    response, html = search(scheduler_client, "sched")
    assert response.status_code == 200
    assert 'role="listbox"' in html
    first = html.index('role="option"')
    assert f'href="{reverse("scheduling:live")}"' in html[first - 200: first + 300]
    assert ">Scheduling<" in html
    assert "<html" not in html  # a partial for htmx


def test_pages_answer_to_one_letter_records_to_two(scheduler_client):
    WorkerFactory(first_name="Rosa", last_name="Parks")
    _, html = search(scheduler_client, "r")
    assert "Base Rosters" in html and "Roster Periods" in html
    assert "Rosa" not in html
    assert "2 letters or more" not in html  # pages matched
    _, html = search(scheduler_client, "ro")
    assert "Rosa Parks" in html


def test_one_letter_matching_nothing_says_why(scheduler_client):
    _, html = search(scheduler_client, "q")
    assert 'role="option"' not in html
    assert "Type 2 letters or more" in html


def test_finds_each_kind_by_name_with_links(scheduler_client):
    site = SiteFactory(name="Quokka Day Centre")
    worker = WorkerFactory(first_name="Quentin", last_name="Blake")
    client_ = ClientFactory(first_name="Quilla", last_name="Moss")
    roster = BaseRosterFactory(name="Quokka fortnight", site=site)
    period = RosterPeriodFactory(base_roster=roster)
    start = timezone.now() + datetime.timedelta(days=2)
    session = SessionFactory(site=site, subject="Quokka outing", start=start)
    _, html = search(scheduler_client, "qu")
    live = reverse("scheduling:live")
    assert f'href="{live}?worker={worker.pk}"' in html
    assert f'href="{live}?client={client_.pk}"' in html
    assert f'href="{live}?site={site.pk}"' in html
    assert f'href="{reverse("sessions_app:edit", args=[session.pk])}"' in html
    assert f'href="{roster.get_absolute_url()}"' in html
    assert f'href="{period.get_absolute_url()}"' in html
    # A session's hint: its wall-clock date and time at its site, and the site.
    wall = start.astimezone(SYD)
    assert f"{wall:%H:%M} · Quokka Day Centre" in html


def test_every_word_must_match(scheduler_client):
    WorkerFactory(first_name="Ada", last_name="Lovelace")
    WorkerFactory(first_name="Ada", last_name="Byron")
    _, html = search(scheduler_client, "ada love")
    assert "Ada Lovelace" in html and "Ada Byron" not in html


def test_results_are_capped_per_kind(scheduler_client):
    WorkerFactory.create_batch(8, last_name="Zimmer")
    ClientFactory.create_batch(7, last_name="Zimmer")
    _, html = search(scheduler_client, "zimmer")
    assert html.count("?worker=") == 5
    assert html.count("?client=") == 5
    # The page without JavaScript caps them the same way.
    html = scheduler_client.get(URL, {"q": "zimmer"}).content.decode()
    assert html.count("?worker=") == 5 and "<html" in html


def test_sessions_coming_first_then_the_latest_past(scheduler_client):
    now = timezone.now()
    for days in (-30, -1, 3, 1, 60, 10, 20):
        SessionFactory(subject=f"Pottery in {days:+d} days", start=now + datetime.timedelta(
            days=days))
    _, html = search(scheduler_client, "pottery")
    found = [line for line in html.split("Pottery in ")[1:]]
    assert [f.split(" days")[0] for f in found] == ["+1", "+3", "+10", "+20", "+60"]
    _, html = search(scheduler_client, "pottery -")
    found = [line for line in html.split("Pottery in ")[1:]]
    assert [f.split(" days")[0] for f in found] == ["-1", "-30"]


def test_a_coordinator_is_not_offered_creating(coordinator_client, scheduler_client):
    _, html = search(coordinator_client, "create")
    assert "Create a base roster" not in html
    _, html = search(coordinator_client, "new")
    assert "New roster period" not in html
    _, html = search(scheduler_client, "create")
    assert "Create a base roster" in html


def test_a_user_without_a_role_finds_nothing(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="x-12345678"))
    WorkerFactory(first_name="Schedly", last_name="Jones")
    response, html = search(client, "sched")
    assert response.status_code == 403 and "Your account has no role yet" in html
    assert "Schedly" not in html and 'role="option"' not in html


def test_not_logged_in_is_sent_to_log_in(client):
    response = client.get(URL, {"q": "sched"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("htmx", [True, False])
@pytest.mark.parametrize(
    "q, status",
    [
        ("", 200),
        ("   ", 200),
        ("x" * 101, 422),
        ("a" * 100_000, 422),
        ("ab\x00cd", 422),
        ("\x00", 422),
        ("%", 200),
        ("_", 200),
        ("\\", 200),
        ("' OR 1=1 --", 200),
        ("🙂🙂", 200),
        ("\u202e\u200b", 200),
        ("word " * 20, 200),
    ],
)
def test_bad_input_never_500(scheduler_client, q, status, htmx):
    WorkerFactory(first_name="Wendy", last_name="Walker")
    extra = HTMX if htmx else {}
    response = scheduler_client.get(URL, {"q": q}, **extra)
    assert response.status_code == status
    assert options(response.content.decode()) == 0


@pytest.mark.parametrize("raw", ["q=%ED%A0%80%FF%FE", "q=%00", "q=a&q=%00", "q[]=x", "q=%E2%80"])
def test_crafted_query_strings_never_500(scheduler_client, raw):
    response = scheduler_client.get(f"{URL}?{raw}", **HTMX)
    assert response.status_code in (200, 422)
    assert options(response.content.decode()) == 0


def test_percent_and_underscore_are_literal(scheduler_client):
    WorkerFactory(first_name="Wendy", last_name="Walker")
    assert options(search(scheduler_client, "%%")[1]) == 0
    assert options(search(scheduler_client, "__")[1]) == 0


def test_script_is_escaped(scheduler_client):
    SiteFactory(name="<script>alert(1)</script> House")
    _, html = search(scheduler_client, "<script>alert(1)</script>")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; House" in html
    html = scheduler_client.get(URL, {"q": "<script>x"}).content.decode()
    assert "<script>x" not in html and "&lt;script&gt;x" in html


def test_errors_are_shown_by_the_field(scheduler_client):
    response = scheduler_client.get(URL, {"q": "y" * 150})
    html = response.content.decode()
    assert response.status_code == 422
    assert "at most 100 characters" in html and 'role="alert"' in html
    response, html = search(scheduler_client, "a\x00b")
    assert response.status_code == 422 and "Null characters are not allowed" in html


def test_query_count_is_fixed(scheduler_client, django_assert_max_num_queries):
    def world(n):
        for i in range(n):
            site = SiteFactory(name=f"Kelp site {i} {n}")
            WorkerFactory(last_name=f"Kelpie{n}")
            ClientFactory(last_name=f"Kelpie{n}")
            roster = BaseRosterFactory(name=f"Kelp roster {i} {n}", site=site)
            RosterPeriodFactory(base_roster=roster)
            SessionFactory(site=site, subject=f"Kelp walk {i} {n}")

    world(2)
    # Session and user (2), the user's roles and regions (1), permissions (2), six kinds of
    # record (7: sessions coming and past).
    with django_assert_max_num_queries(12):
        _, html = search(scheduler_client, "kel")
    small = options(html)
    world(30)
    with django_assert_max_num_queries(12):
        _, html = search(scheduler_client, "kel")
    assert small < options(html) == 6 * 5
    with django_assert_max_num_queries(12):
        page = scheduler_client.get(URL, {"q": "kel"})
    assert page.status_code == 200


@pytest.mark.parametrize(
    "q, pages",
    [
        ("sched", ["Scheduling"]),
        ("SCHED", ["Scheduling"]),
        ("ro", ["Roster Periods", "Base Rosters", "Create a base roster", "New roster period"]),
        ("new ro", ["New roster period", "Create a base roster"]),  # its other word "new"
        ("base", ["Base Rosters", "Create a base roster"]),
        ("dash", ["Dashboard"]),
        ("hed", []),  # inside a word: not a match
    ],
)
def test_pages_match_from_the_start_of_a_word(scheduler_client, q, pages):
    from scheduling.launcher import pages_for

    user = scheduler_client.get(reverse("scheduling:dashboard")).wsgi_request.user
    assert [hit.label for hit in pages_for(user, q)] == pages
