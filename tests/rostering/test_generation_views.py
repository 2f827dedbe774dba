"""The period pages: creating a period from a base roster, Generate, progress, Bring in, scope."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from jobs.services import job_fail, job_progress, job_start
from rostering import selectors, services, views
from rostering.models import RosterPeriod
from sessions_app.models import Session
from tests.factories import BaseRosterFactory, SiteFactory, give_regions
from tests.rostering.conftest import SYD, add_pattern_session

pytestmark = pytest.mark.django_db
D = datetime.date



@pytest.fixture
def coordinator_client(client, django_user_model):
    user = django_user_model.objects.create_user("cora", password="pw-cora-12345")
    user.groups.add(Group.objects.get(name="Coordinator"))
    give_regions(user)
    client.force_login(user)
    return client


def period_url(name, period):
    return reverse(f"rostering:{name}", args=[period.pk])


# -- the form ----------------------------------------------------------------------------------


def test_the_form_offers_aligned_start_dates(scheduler_client):
    roster = BaseRosterFactory(name="Fortnight", start_date=D(2026, 11, 2), cycle_weeks=2)
    html = scheduler_client.get(
        reverse("rostering:roster_period_create"), {"base_roster": roster.pk}
    ).content.decode()
    today = datetime.date.today()
    starts = services.next_period_starts(roster, today=today)
    assert starts and all((d - roster.start_date).days % 14 == 0 for d in starts)
    for d in starts[:3]:
        assert f'<option value="{d.isoformat()}"' in html
    assert "Number of cycles" in html and "Start date" in html
    assert "line up with the 2-week cycle" in html


def test_the_htmx_refresh_returns_the_form_with_the_end_date(scheduler_client):
    roster = BaseRosterFactory(start_date=D(2026, 11, 2), cycle_weeks=2)
    r = scheduler_client.get(
        reverse("rostering:roster_period_create"),
        {"base_roster": roster.pk, "start_date": "2026-11-30", "cycles": "2"},
        headers={"HX-Request": "true"},
    )
    html = r.content.decode()
    assert r.status_code == 200 and "<html" not in html
    assert 'id="period-form"' in html and "Ends <strong>Sun 27 Dec 2026</strong>" in html


def test_create_a_period_from_the_base_roster(scheduler_client):
    roster = BaseRosterFactory(start_date=D(2026, 11, 2), cycle_weeks=2)
    r = scheduler_client.post(
        reverse("rostering:roster_period_create"),
        {"base_roster": roster.pk, "start_date": "2026-11-30", "cycles": "2"},
    )
    period = RosterPeriod.objects.get()
    assert r.status_code == 302 and r["Location"] == period_url("roster_period_detail", period)
    assert (period.start_date, period.end_date) == (D(2026, 11, 30), D(2026, 12, 27))


def test_a_misaligned_start_comes_back_422_beside_the_field(scheduler_client):
    roster = BaseRosterFactory(name="Fortnight", start_date=D(2026, 11, 2), cycle_weeks=2)
    r = scheduler_client.post(
        reverse("rostering:roster_period_create"),
        {"base_roster": roster.pk, "start_date": "2026-12-01", "cycles": "1"},
    )
    assert r.status_code == 422
    html = r.content.decode()
    field = html[html.index('id="field-start_date"'):]
    field = field[: field.index("</div>")]
    assert "has-error" in html and "Tue 1 Dec 2026 does not line up" in field
    assert "Mon 30 Nov 2026 or Mon 14 Dec 2026" in field
    assert not RosterPeriod.objects.exists()


# -- Generate, progress, outcome ---------------------------------------------------------------


@pytest.fixture
def period(fortnight):
    roster, _ = fortnight
    return services.roster_period_create(
        base_roster=roster, start_date=D(2026, 11, 16), cycles=2
    )


def test_the_period_page_offers_generate(scheduler_client, period):
    html = scheduler_client.get(period_url("roster_period_detail", period)).content.decode()
    assert "6 sessions to generate from <strong>Fortnight</strong> (2 cycles)" in html
    assert ">Generate</button>" in html
    assert 'hx-trigger="every 1s"' not in html


def test_coordinators_cannot_generate(coordinator_client, period):
    html = coordinator_client.get(period_url("roster_period_detail", period)).content.decode()
    assert ">Generate</button>" not in html
    r = coordinator_client.post(period_url("roster_period_generate", period))
    assert r.status_code == 403
    assert not Session.objects.filter(roster_period=period).exists()


def test_generate_runs_the_job_and_shows_the_outcome(
    scheduler_client, period, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        r = scheduler_client.post(period_url("roster_period_generate", period))
    assert r.status_code == 302
    assert Session.objects.filter(roster_period=period).count() == 6
    html = scheduler_client.get(period_url("roster_period_detail", period)).content.decode()
    assert "Generated 6 sessions." in html
    assert "6 sessions in this period · 2 in week 1" in html  # the grid shows a week at a time
    assert html.count("data-session-id=") == 2
    assert "Every base-roster session is in this period." in html


def test_generate_by_htmx_swaps_in_the_progress_panel_then_reloads_when_done(
    scheduler_client, period, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        r = scheduler_client.post(
            period_url("roster_period_generate", period), headers={"HX-Request": "true"}
        )
        # The response is rendered before the claim's transaction commits (and so before the
        # job starts): the panel shows the queued job, polling.
        html = r.content.decode()
        assert r.status_code == 200 and "<html" not in html
        assert 'id="generation"' in html and 'hx-trigger="every 1s"' in html
        assert "HX-Trigger-After-Swap" not in r and r["HX-Trigger"] == "closeModal"
    assert len(callbacks) == 1
    r = scheduler_client.get(
        period_url("roster_period_generation", period), headers={"HX-Request": "true"}
    )
    assert "Generated 6 sessions." in r.content.decode()
    assert r["HX-Trigger-After-Swap"] == "reloadPage"


def test_a_queued_job_is_polled_every_second_and_a_second_press_does_nothing(
    scheduler_client, period
):
    assert services.roster_period_generation_claim(period=period)
    html = scheduler_client.get(period_url("roster_period_detail", period)).content.decode()
    assert 'hx-trigger="every 1s"' in html and 'role="progressbar"' in html
    assert period_url("roster_period_generation", period) in html
    # A second press while queued neither enqueues nor changes anything.
    r = scheduler_client.post(period_url("roster_period_generate", period), follow=True)
    assert "already being generated" in r.content.decode()
    assert selectors.generation_job(period=period).status == "queued"


def test_the_poll_shows_progress_then_stops_and_reloads_when_done(scheduler_client, period):
    job = services.roster_period_generation_claim(period=period)
    job_start(job_id=job.pk)
    job_progress(job_id=job.pk, done=2, total=6)
    url = period_url("roster_period_generation", period)
    r = scheduler_client.get(url, headers={"HX-Request": "true"})
    html = r.content.decode()
    assert 'aria-valuenow="33"' in html and "2 of 6" in html
    assert 'hx-trigger="every 1s"' in html and "HX-Trigger-After-Swap" not in r
    services.roster_period_generate(period=period, job=job)
    r = scheduler_client.get(url, headers={"HX-Request": "true"})
    html = r.content.decode()
    assert "Generated 6 sessions" in html
    assert 'hx-trigger="every 1s"' not in html and r["HX-Trigger-After-Swap"] == "reloadPage"
    # Without htmx the poll URL is just the period page.
    assert scheduler_client.get(url)["Location"] == period_url("roster_period_detail", period)


def test_a_failed_job_says_so_and_offers_to_try_again(scheduler_client, period):
    job = services.roster_period_generation_claim(period=period)
    job_fail(job_id=job.pk, message="Generation failed: boom")
    html = scheduler_client.get(period_url("roster_period_detail", period)).content.decode()
    assert "Generation failed: boom" in html and "generating again completes the rest" in html
    assert ">Generate</button>" in html


def test_published_periods_show_no_generate(scheduler_client, period):
    RosterPeriod.objects.filter(pk=period.pk).update(status="published")
    html = scheduler_client.get(period_url("roster_period_detail", period)).content.decode()
    assert "can no longer be generated again" in html and ">Generate</button>" not in html
    r = scheduler_client.post(
        period_url("roster_period_generate", period), headers={"HX-Request": "true"}
    )
    assert "published" in r.content.decode() and 'role="alert"' in r.content.decode()


# -- sessions added to the base roster later ---------------------------------------------------


def test_missing_sessions_notice_preview_and_bring_in(
    scheduler_client, period, syd_site, eager_tasks, django_capture_on_commit_callbacks
):
    job = services.roster_period_generation_claim(period=period)
    services.roster_period_generate(period=period, job=job)
    add_pattern_session(
        period.base_roster, site=syd_site, start=datetime.datetime(2026, 11, 6, 14, tzinfo=SYD),
        subject="Friday afternoon",
    )
    html = scheduler_client.get(period_url("roster_period_detail", period)).content.decode()
    assert "2 base-roster sessions are not in this period yet." in html
    assert ">Bring in</button>" in html

    r = scheduler_client.get(period_url("roster_period_missing", period),
                             headers={"HX-Request": "true"})
    preview = r.content.decode()
    assert "<html" not in preview and preview.count("Friday afternoon") == 2
    assert "Fri 20 Nov 2026" in preview and "Fri 4 Dec 2026" in preview
    assert "14:00–16:00" in preview
    full = scheduler_client.get(period_url("roster_period_missing", period)).content.decode()
    assert "<html" in full and "Friday afternoon" in full

    with django_capture_on_commit_callbacks(execute=True):
        scheduler_client.post(period_url("roster_period_generate", period))
    assert Session.objects.filter(roster_period=period).count() == 8
    html = scheduler_client.get(period_url("roster_period_detail", period)).content.decode()
    assert "Brought in 2 sessions." in html and "not in this period yet" not in html


# -- the grid at scale -------------------------------------------------------------------------


def test_a_big_period_shows_one_site_and_says_so(scheduler_client, period, monkeypatch):
    services.roster_period_generate(period=period)
    other = SiteFactory(name="Aardvark House")  # first by name, but without sessions
    assert other
    monkeypatch.setattr(views, "GRID_SESSION_LIMIT", 4)
    html = scheduler_client.get(period_url("roster_period_detail", period)).content.decode()
    assert "This period has 6 sessions, too many to show at once: showing Parramatta" in html
    # All at that one site here; the grid shows them a week at a time.
    assert "6 sessions in this period · 2 in week 1" in html
    assert html.count("data-session-id=") == 2
    assert 'selected>Parramatta Day Centre' in html


def test_period_page_queries_stay_constant(
    scheduler_client, period, syd_site, django_assert_max_num_queries, monkeypatch
):
    services.roster_period_generate(period=period)
    # The jobs' content type is looked up once per process (Django caches it), not per page.
    ContentType.objects.get_for_model(RosterPeriod)
    with django_assert_max_num_queries(14):
        scheduler_client.get(period_url("roster_period_detail", period))
    for i in range(10):
        add_pattern_session(
            period.base_roster, site=syd_site,
            start=datetime.datetime(2026, 11, 3 + i, 7, tzinfo=SYD),
        )
    services.roster_period_generate(period=period)
    monkeypatch.setattr(views, "GRID_SESSION_LIMIT", 4)
    with django_assert_max_num_queries(14):
        r = scheduler_client.get(period_url("roster_period_detail", period))
    html = r.content.decode()
    assert "26 sessions in this period · 8 in week 1" in html  # of 4 weeks
    assert html.count("data-session-id=") == 8
    with django_assert_max_num_queries(14):
        r = scheduler_client.get(period_url("roster_period_detail", period), {"week": "3"})
    html = r.content.decode()
    assert "26 sessions in this period · 8 in week 3" in html  # a fortnight's pattern again
    assert html.count("data-session-id=") == 8
