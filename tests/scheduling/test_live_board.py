"""The live schedule's board: views, rows, placement at the site's clock, filters, paging, bad
parameters and a fixed number of queries."""

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse

from tests.factories import (
    ClientFactory,
    RegionFactory,
    RosterPeriodFactory,
    SessionClientFactory,
    SessionFactory,
    SessionTypeFactory,
    SessionWorkerFactory,
    SiteFactory,
    WorkerFactory,
)

pytestmark = pytest.mark.django_db
SYD = zoneinfo.ZoneInfo("Australia/Sydney")
PERTH = zoneinfo.ZoneInfo("Australia/Perth")
URL = reverse("scheduling:live")
MONDAY = datetime.date(2026, 11, 2)


def at(site, day, hour, minute=0, hours=2, *, workers=(), clients=(), **kw):
    start = datetime.datetime(2026, 11, day, hour, minute, tzinfo=site.tzinfo)
    s = SessionFactory(site=site, start=start, end=start + datetime.timedelta(hours=hours),
                       status=kw.pop("status", "rostered"), **kw)
    for w in workers:
        SessionWorkerFactory(session=s, worker=w)
    for c in clients:
        SessionClientFactory(session=s, client=c)
    return s


def shown(html) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-session-id="(\d+)"', html)]


def get(http, **params):
    params.setdefault("date", "2026-11-04")
    r = http.get(URL, params)
    return r, r.content.decode()


def row_of(html, label) -> str:
    """The HTML of the board row labelled `label`."""
    start = html.index(f"<strong>{label}</strong>")
    end = html.find('<div class="board-row', start)
    return html[start:end if end != -1 else None]


@pytest.fixture
def world():
    west, east = RegionFactory(name="West"), RegionFactory(name="East")
    perth = SiteFactory(name="Fremantle", region=west, time_zone="Australia/Perth")
    sydney = SiteFactory(name="Parramatta", region=east, time_zone="Australia/Sydney")
    wendy = WorkerFactory(first_name="Wendy", last_name="Walker")
    will = WorkerFactory(first_name="Will", last_name="Weaver")
    ada = ClientFactory(first_name="Ada", last_name="Lovelace", sites=[perth, sydney])
    bea = ClientFactory(first_name="Bea", last_name="Arthur", sites=[sydney])
    care = SessionTypeFactory(name="Personal Care")
    group = SessionTypeFactory(name="Group Program")
    return {
        "west": west, "east": east, "perth": perth, "sydney": sydney, "wendy": wendy,
        "will": will, "ada": ada, "bea": bea, "care": care, "group": group,
        # Wed 4 Nov 09:00 in Perth and 09:00 in Sydney: both at 09:00 on the board.
        "perth9": at(perth, 4, 9, workers=[wendy], clients=[ada], session_type=care,
                     subject="Perth nine"),
        "syd9": at(sydney, 4, 9, workers=[wendy, will], clients=[bea], session_type=care,
                   subject="Sydney nine"),
        "unstaffed": at(sydney, 5, 14, clients=[bea], session_type=group, work_type="group",
                        subject="Nobody yet", status="draft"),
    }


def test_blocks_sit_at_their_sites_wall_clock_time(scheduler_client, world):
    r, html = get(scheduler_client, view="day")
    assert r.status_code == 200
    # Day view: 09:00 is 9/24 of the track, in Perth as in Sydney (an hour earlier in UTC terms
    # would be 3 hours apart).
    for s in (world["perth9"], world["syd9"]):
        block = re.search(rf'style="([^"]*)"><a [^>]*data-session-id="{s.pk}"', html).group(1)
        assert block.startswith("left:37.5%;width:8.333%"), block
    _, week = get(scheduler_client)
    # Week view: Wednesday 09:00 is (2 days + 9 h) / 7 days.
    left = round((2 * 24 + 9) / (7 * 24) * 100, 3)
    assert f'style="left:{left}%;' in row_of(week, "Wendy Walker")


def test_rows_by_worker_client_and_site(scheduler_client, world):
    _, html = get(scheduler_client, rows="worker")
    # A session with two workers is in both rows; the one without a worker in "Unstaffed".
    assert f'data-session-id="{world["syd9"].pk}"' in row_of(html, "Wendy Walker")
    assert f'data-session-id="{world["syd9"].pk}"' in row_of(html, "Will Weaver")
    unstaffed = row_of(html, "Unstaffed")
    assert f'data-session-id="{world["unstaffed"].pk}"' in unstaffed
    assert "block st-draft unstaffed" in unstaffed and "No worker" in unstaffed
    assert html.index("<strong>Unstaffed</strong>") < html.index("<strong>Wendy Walker</strong>")

    _, html = get(scheduler_client, rows="client")
    assert sorted(shown(row_of(html, "Bea Arthur"))) == sorted(
        [world["syd9"].pk, world["unstaffed"].pk]
    )
    assert shown(row_of(html, "Ada Lovelace")) == [world["perth9"].pk]

    _, html = get(scheduler_client, rows="site")
    assert shown(row_of(html, "Fremantle")) == [world["perth9"].pk]
    assert "Perth time" in row_of(html, "Fremantle")
    assert sorted(shown(row_of(html, "Parramatta"))) == sorted(
        [world["syd9"].pk, world["unstaffed"].pk]
    )


def test_statuses_and_cancelled_clients(scheduler_client, world):
    link = world["syd9"].session_clients.get()
    link.status, link.cancellation_reason = "cancelled", "NSDH"
    link.save()
    _, html = get(scheduler_client, rows="worker")
    assert "<s>Bea Arthur</s>" in row_of(html, "Will Weaver")
    assert "Bea Arthur (cancelled)" in html  # in the block's title (its description) too
    for label in ("Draft", "Rostered", "In Progress", "Complete", "Cancelled"):
        assert f"</span>{label}</li>" in html  # the legend
    assert ' short-notice"' not in html  # no block flagged


def test_a_short_notice_cancellation_is_flagged_on_its_block(scheduler_client, world):
    link = world["syd9"].session_clients.get()
    link.status, link.cancellation_reason, link.short_notice = "cancelled", "NSDH", True
    link.save()
    _, html = get(scheduler_client, rows="worker")
    row = row_of(html, "Will Weaver")
    assert "<s>Bea Arthur</s>" in row and ' short-notice"' in row
    assert "Bea Arthur (cancelled, short notice)" in row


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"region": "west"}, ["perth9"]),
        ({"site": "sydney"}, ["syd9", "unstaffed"]),
        ({"worker": "will"}, ["syd9"]),
        ({"client": "ada"}, ["perth9"]),
        ({"work_type": "group"}, ["unstaffed"]),
        ({"session_type": "care"}, ["perth9", "syd9"]),
        ({"status": "draft"}, ["unstaffed"]),
        ({"region": "east", "status": "rostered"}, ["syd9"]),
    ],
)
def test_each_filter(scheduler_client, world, params, expected):
    query = {k: (v if k in ("work_type", "status") else world[v].pk) for k, v in params.items()}
    r, html = get(scheduler_client, rows="site", **query)
    assert r.status_code == 200
    assert set(shown(html)) == {world[name].pk for name in expected}
    # The form shows the chosen values (a bookmark or a reload keeps them).
    for key, value in query.items():
        assert re.search(rf'<option value="{value}" selected>', html), key


def test_region_narrows_the_choices_but_keeps_a_chosen_worker(scheduler_client, world):
    world["wendy"].regions.set([world["west"]])
    _, html = get(scheduler_client, region=world["west"].pk, worker=world["will"].pk)
    assert "Fremantle</option>" in html and "Parramatta</option>" not in html
    assert f'<option value="{world["will"].pk}" selected>Will Weaver' in html  # still valid
    assert shown(html) == []


def test_a_site_alone_narrows_the_choices_to_its_region(scheduler_client, world):
    world["wendy"].regions.set([world["west"]])
    world["will"].regions.set([world["east"]])
    _, html = get(scheduler_client, site=world["perth"].pk)
    assert "Fremantle</option>" in html and "Parramatta</option>" not in html
    assert "Wendy Walker</option>" in html and "Will Weaver</option>" not in html
    assert "Ada Lovelace</option>" in html and "Bea Arthur</option>" not in html
    assert shown(html) == [world["perth9"].pk]


def test_perth_sunday_late_is_in_the_week(scheduler_client, world):
    late = at(world["perth"], 8, 23, hours=1, workers=[world["wendy"]], subject="Perth late")
    syd_next = at(world["sydney"], 9, 0, workers=[world["wendy"]], subject="Sydney next")
    _, html = get(scheduler_client, date="2026-11-08")
    assert late.pk in shown(html) and syd_next.pk not in shown(html)
    # Sunday 23:00–24:00 in Perth: the end of the week's track, not clipped.
    assert f'style="left:{round((6 * 24 + 23) / 168 * 100, 3)}%;' in html


def test_overnight_sessions_continue_or_are_clipped(scheduler_client, world):
    sleep = at(world["sydney"], 8, 22, hours=8, workers=[world["will"]], subject="Sleepover")
    _, week = get(scheduler_client, date="2026-11-08")
    assert re.search(rf'block st-rostered clip-end" style="[^"]*"><a [^>]*"{sleep.pk}"', week)
    assert "continues after the days shown" in week
    _, day = get(scheduler_client, view="day", date="2026-11-09")
    assert re.search(rf'clip-start" style="left:0%;[^"]*"><a [^>]*"{sleep.pk}"', day)


def test_views_span_and_navigation(scheduler_client, world):
    at(world["sydney"], 12, 9, workers=[world["will"]], subject="Next week")
    _, html = get(scheduler_client, view="fortnight")
    assert "Mon 2 Nov 2026 – Sun 15 Nov 2026" in html and len(shown(html)) == 5
    assert 'id="live-next" rel="next" href="?view=fortnight&amp;date=2026-11-16"' in html
    _, html = get(scheduler_client, view="day", date="2026-11-05")
    assert shown(html) == [world["unstaffed"].pk]
    assert 'href="?view=day&amp;date=2026-11-04"' in html  # previous day
    _, html = get(scheduler_client)
    assert 'href="?date=2026-10-26"' in html and 'href="?date=2026-11-09"' in html


@pytest.mark.parametrize(
    "params, message",
    [
        ({"view": "year"}, "is not a view"),
        ({"rows": "asset"}, "is not a way to show rows"),
        ({"date": "1999-12-31"}, "is not a date we can show"),
        ({"date": "2101-01-01"}, "is not a date we can show"),
        ({"date": "13/13/2026"}, "is not a date we can show"),
        ({"region": "abc"}, "Some filters could not be used"),
        ({"status": "lost"}, "Some filters could not be used"),
        ({"worker": "99999999"}, "Some filters could not be used"),
        ({"page": "zzz"}, None),
        ({"page": "99999"}, None),
    ],
)
def test_bad_parameters_answer_with_a_message_never_a_500(
    scheduler_client, world, params, message
):
    r = scheduler_client.get(URL, {"date": "2026-11-04", **params})
    html = r.content.decode()
    if message is None:
        assert r.status_code == 200 and shown(html)
    else:
        assert r.status_code == 400 and message in html
        assert 'class="board' in html or 'class="empty"' in html  # still a page, with a fallback
    r = scheduler_client.get(URL, {"date": "2026-11-04", **params}, headers={"HX-Request": "true"})
    assert r.status_code in (200, 422)  # htmx swaps a 422


def test_htmx_gets_the_board_and_a_history_restore_the_whole_page(scheduler_client, world):
    r = scheduler_client.get(URL, {"date": "2026-11-04"}, headers={"HX-Request": "true"})
    html = r.content.decode()
    assert html.lstrip().startswith('<div id="live"') and "<html" not in html
    assert "HX-Request" in r.headers["Vary"]
    r = scheduler_client.get(
        URL, {"date": "2026-11-04"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in r.content.decode()


def test_blocks_open_the_session_form_in_the_modal(scheduler_client, world):
    _, html = get(scheduler_client)
    edit = reverse("sessions_app:edit", args=[world["perth9"].pk])
    assert f'<a href="{edit}" hx-get="{edit}" hx-target="#modal-body"' in html
    assert 'id="live" class="live" hx-disinherit="*"' in html


def test_only_published_and_live_sessions(scheduler_client, world):
    draft_period = RosterPeriodFactory()
    at(world["sydney"], 4, 12, roster_period=draft_period, subject="Not published")
    _, html = get(scheduler_client)
    assert "Not published" not in html


def many(n, *, site, workers, clients, day=4):
    for i in range(n):
        at(site, day + i % 3, 6 + i % 12, workers=[workers[i % len(workers)]],
           clients=[clients[i % len(clients)]])


def test_rows_are_paginated(scheduler_client, world):
    workers = WorkerFactory.create_batch(30)
    many(40, site=world["sydney"], workers=workers, clients=[world["bea"]])
    _, html = get(scheduler_client)
    assert html.count('<div class="board-row') == 26  # 25 rows and "Unstaffed"
    assert "Rows 1–25 of 32 · Page 1 of 2" in html
    _, html = get(scheduler_client, page=2)
    assert html.count('<div class="board-row') == 7 and "Unstaffed" not in html
    assert "Rows 26–32 of 32" in html


@pytest.mark.parametrize("rows", ["worker", "client", "site"])
def test_a_fixed_number_of_queries_whatever_the_sessions(
    scheduler_client, world, rows, django_assert_max_num_queries
):
    region = world["east"].pk
    # 17: two of them read the user's permissions (the New Session button), one the user's
    # roles and regions.
    with django_assert_max_num_queries(17):
        r, small = get(scheduler_client, rows=rows, region=region)
    assert r.status_code == 200
    sites = [world["sydney"]] + SiteFactory.create_batch(3, region=world["east"])
    workers = WorkerFactory.create_batch(30, regions=[world["east"]])
    clients = [ClientFactory(sites=sites) for _ in range(30)]
    for site in sites:
        many(30, site=site, workers=workers, clients=clients)
    with django_assert_max_num_queries(17):
        r, big = get(scheduler_client, rows=rows, region=region, status="rostered")
    assert r.status_code == 200 and len(shown(big)) > 5 * len(shown(small))


def test_a_blocks_text_shows_the_clients_still_coming_first(scheduler_client, world):
    """A narrow block shows only its first names: those who still come lead, the cancelled
    follow struck through (the title keeps them in name order)."""
    from sessions_app.models import SessionClient

    syd9 = world["syd9"]
    SessionClient.objects.create(session=syd9, client=world["ada"])
    syd9.session_clients.filter(client=world["bea"]).update(status="cancelled")
    _, html = get(scheduler_client, rows="worker")
    row = row_of(html, "Will Weaver")
    assert '<span class="b-text">Ada Lovelace, <s>Bea Arthur</s></span>' in row
    assert "Clients: Bea Arthur (cancelled), Ada Lovelace." in row
