"""Validation runs and publishing a roster period: services, the panel and the live schedule."""

import datetime
import json
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from jobs.models import Job
from rostering.generation import roster_period_generation_claim as generation_claim
from rostering.models import JOB_VALIDATE, Notification, PeriodValidation, RosterPeriod
from rostering.publishing import (
    period_notifications_send,
    period_validation_request,
    period_validation_run,
    roster_period_publish,
)
from rostering.selectors import publish_readiness
from sessions_app.models import Session
from tests.factories import BaseRosterFactory, RosterPeriodFactory, WorkerFactory

pytestmark = pytest.mark.django_db


def publish(period, *, warnings=False, earlier=False):
    return roster_period_publish(
        period=period, acknowledged_warnings=warnings, acknowledged_earlier_unpublished=earlier
    )


@pytest.fixture
def staffed(pw, add_session):
    """Four sessions for two workers, without a problem."""
    return [
        add_session("2026-11-17", "09:00", workers=[pw["wendy"]], clients=[pw["ada"]],
                    employee_message="Ring the bell twice."),
        add_session("2026-11-18", "09:00", workers=[pw["wendy"]], clients=[pw["ada"]]),
        add_session("2026-11-17", "13:00", workers=[pw["will"]]),
        add_session("2026-11-19", "13:00", workers=[pw["will"], pw["wendy"]]),
    ]


# --- validation runs ------------------------------------------------------------------------
def test_a_validation_runs_in_the_background_and_stores_its_report(pw, add_session, validate):
    bare = add_session("2026-11-17", "09:00")
    add_session("2026-11-17", "06:00", hours=11, workers=[pw["wendy"]])
    job = validate()
    assert job.kind == JOB_VALIDATE and job.target == pw["period"]
    assert job.status == Job.Status.DONE
    assert (job.done, job.total, job.percent) == (2, 2, 100)
    assert job.message == "Checked 2 sessions: 1 error, 1 warning."
    assert job.result == {"session_count": 2, "error_count": 1, "warning_count": 1}
    assert job.created_at <= job.started_at <= job.finished_at
    v = job.period_validation
    assert v.period == pw["period"]
    assert (v.error_count, v.warning_count, v.session_count) == (1, 1, 2)
    assert v.rule_counts == {"no_worker": 1, "long_day": 1}
    assert v.report[0]["rule"] == "no_worker" and v.report[0]["session_id"] == bare.pk
    assert v.report[0]["severity"] == "error"
    assert set(v.report[0]) >= {"severity", "rule", "message", "session_id"}


def test_requesting_twice_shares_the_queued_run(pw, scheduler):
    first = period_validation_request(period=pw["period"], user=scheduler)
    second = period_validation_request(period=pw["period"])
    assert first.pk == second.pk and first.requested_by == scheduler
    assert Job.objects.count() == 1


def test_a_lost_run_is_replaced(pw):
    lost = period_validation_request(period=pw["period"])
    Job.objects.filter(pk=lost.pk).update(
        heartbeat_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    fresh = period_validation_request(period=pw["period"])
    assert fresh.pk != lost.pk and fresh.status == Job.Status.QUEUED
    lost.refresh_from_db()
    assert lost.status == Job.Status.FAILED
    # Its task, should it run after all, leaves it alone: no report, no outcome change.
    assert period_validation_run(job_id=lost.pk).status == Job.Status.FAILED
    assert not PeriodValidation.objects.exists()


def test_running_a_validation_again_does_nothing(pw, add_session, validate):
    add_session("2026-11-17", "09:00")
    job = validate()
    finished = job.finished_at
    assert period_validation_run(job_id=job.pk).finished_at == finished
    assert PeriodValidation.objects.count() == 1
    assert period_validation_run(job_id=999999) is None


def test_a_failing_validation_is_recorded(pw, add_session, validate, monkeypatch):
    add_session("2026-11-17", "09:00")

    def boom(period, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("rostering.publishing.check_period", boom)
    job = validate()
    assert job.status == Job.Status.FAILED
    assert "database went away" in job.message
    assert not PeriodValidation.objects.exists()
    # A new validation can be requested at once.
    assert period_validation_request(period=pw["period"]).pk != job.pk


def test_a_published_period_is_not_validated_again(pw):
    RosterPeriod.objects.filter(pk=pw["period"].pk).update(status="published")
    pw["period"].refresh_from_db()
    with pytest.raises(ValidationError):
        period_validation_request(period=pw["period"])


# --- publishing -----------------------------------------------------------------------------
def test_publishing_rosters_the_sessions_and_notifies_each_worker_once(
    pw, staffed, validate, django_capture_on_commit_callbacks
):
    cancelled = Session.objects.create(
        roster_period=pw["period"], session_type=pw["type"], site=pw["site"],
        start=staffed[0].start, end=staffed[0].end, subject="Cancelled one",
        status=Session.Status.CANCELLED,
    )
    validate()
    with django_capture_on_commit_callbacks(execute=True):
        result = publish(pw["period"])
    assert result.published and result.sessions_rostered == 4 and result.workers_notified == 2

    period = RosterPeriod.objects.get(pk=pw["period"].pk)
    assert period.status == RosterPeriod.Status.PUBLISHED and period.published_at
    statuses = set(Session.objects.filter(pk__in=[s.pk for s in staffed])
                   .values_list("status", flat=True))
    assert statuses == {Session.Status.ROSTERED}
    cancelled.refresh_from_db()
    assert cancelled.status == Session.Status.CANCELLED

    # One email per worker, not per session.
    assert len(mail.outbox) == 2
    assert Notification.objects.filter(period=period).count() == 2
    to_wendy = next(m for m in mail.outbox if m.to == [pw["wendy"].email])
    assert to_wendy.subject == "Your roster Mon 16 Nov 2026 – Sun 29 Nov 2026: 3 sessions"
    assert "Hello Wendy," in to_wendy.body
    assert "Tue 17 Nov 09:00–11:00" in to_wendy.body
    assert "Message: Ring the bell twice." in to_wendy.body
    assert "6 hours in all" in to_wendy.body
    assert all(n.sent_at for n in Notification.objects.all())


def test_published_sessions_are_on_the_live_schedule(
    pw, staffed, validate, scheduler_client
):
    url = reverse("scheduling:live") + "?week=2026-11-16"
    assert staffed[0].subject not in scheduler_client.get(url).content.decode()
    validate()
    publish(pw["period"])
    html = scheduler_client.get(url).content.decode()
    assert set(re.findall(r'data-session-id="(\d+)"', html)) == {str(s.pk) for s in staffed}
    assert html.count('<li class="block st-rostered') == 5  # two workers: a block in each row
    assert "Wendy Walker" in html


def test_publishing_twice_does_nothing_the_second_time(
    pw, staffed, validate, django_capture_on_commit_callbacks
):
    validate()
    with django_capture_on_commit_callbacks(execute=True):
        first = publish(pw["period"])
    published_at = RosterPeriod.objects.get(pk=pw["period"].pk).published_at
    with django_capture_on_commit_callbacks(execute=True):
        second = publish(pw["period"])
    assert first.published and not second.published
    assert RosterPeriod.objects.get(pk=pw["period"].pk).published_at == published_at
    assert len(mail.outbox) == 2
    assert Notification.objects.count() == 2


def test_publishing_is_a_new_version_of_the_period_and_each_session_it_rosters(
    pw, staffed, validate, scheduler
):
    """A session or period form opened before the publish is refused afterwards
    (sessions_app.versioning), naming the publisher."""
    from sessions_app.services import session_update
    from sessions_app.versioning import StaleEdit

    validate()
    roster_period_publish(period=pw["period"], acknowledged_warnings=False,
                          acknowledged_earlier_unpublished=False, user=scheduler)
    period = RosterPeriod.objects.get(pk=pw["period"].pk)
    assert period.version == 2 and period.updated_by == scheduler
    sessions = Session.objects.filter(roster_period=period)
    assert {(s.version, s.updated_by_id) for s in sessions} == {(2, scheduler.pk)}
    with pytest.raises(StaleEdit, match="Changed by sam at"):
        session_update(session=sessions.first(), expected_version=1, comments="old form")


def test_sending_again_sends_nothing(pw, staffed, validate):
    validate()
    publish(pw["period"])
    assert period_notifications_send(period_id=pw["period"].pk) == 2
    assert period_notifications_send(period_id=pw["period"].pk) == 0
    assert len(mail.outbox) == 2


def test_a_worker_without_an_email_is_recorded_but_not_emailed(pw, add_session, validate):
    quiet = WorkerFactory(first_name="Quinn", last_name="Quiet", email="")
    add_session("2026-11-17", "09:00", workers=[quiet])
    add_session("2026-11-18", "09:00", workers=[pw["wendy"]])
    validate()
    publish(pw["period"])
    assert period_notifications_send(period_id=pw["period"].pk) == 1
    assert Notification.objects.count() == 2
    assert [m.to for m in mail.outbox] == [[pw["wendy"].email]]
    assert mail.outbox[0].subject.endswith(": 1 session")
    # Recorded with its summary, not sent; a second run leaves it alone.
    quiet_note = Notification.objects.get(worker=quiet)
    assert quiet_note.sent_at is None and "Hello Quinn," in quiet_note.body
    assert period_notifications_send(period_id=pw["period"].pk) == 0


def test_publishing_needs_a_validation(pw, staffed):
    with pytest.raises(ValidationError, match="Validate the period"):
        publish(pw["period"])
    assert RosterPeriod.objects.get(pk=pw["period"].pk).status == "draft"


def test_publishing_is_refused_while_there_are_errors(pw, staffed, add_session, validate):
    bare = add_session("2026-11-20", "09:00")
    validate()
    with pytest.raises(ValidationError, match="Fix the 1 error"):
        publish(pw["period"], warnings=True, earlier=True)
    assert set(Session.objects.values_list("status", flat=True)) == {"draft"}
    assert Notification.objects.count() == 0
    # Fixed, then validated again: it publishes.
    bare.session_workers.create(worker=pw["will"])
    Session.objects.get(pk=bare.pk).save()
    validate()
    assert publish(pw["period"]).published


def test_a_change_after_the_validation_needs_a_new_one(pw, staffed, validate):
    validate()
    staffed[0].comments = "Changed"
    staffed[0].save()
    with pytest.raises(ValidationError, match="changed after the last validation"):
        publish(pw["period"])
    validate()
    assert publish(pw["period"]).published


def test_a_deleted_session_needs_a_new_validation(pw, staffed, validate):
    validate()
    staffed[2].delete()
    with pytest.raises(ValidationError, match="changed after the last validation"):
        publish(pw["period"])


def test_a_change_in_another_published_period_around_the_dates_needs_a_new_validation(
    pw, staffed, add_session, validate
):
    other = RosterPeriodFactory(
        base_roster=BaseRosterFactory(), start_date=datetime.date(2026, 11, 16),
        end_date=datetime.date(2026, 11, 29), status=RosterPeriod.Status.PUBLISHED,
    )
    live = add_session("2026-11-18", "14:00", period=other)
    far = add_session("2027-03-03", "14:00", period=other)  # outside the dates around it
    validate()
    far.comments = "Changed, months away"
    far.save()
    assert not publish_readiness(period=pw["period"]).stale
    live.comments = "Changed"
    live.save()
    assert publish_readiness(period=pw["period"]).stale
    with pytest.raises(ValidationError, match="live schedule around these dates changed"):
        publish(pw["period"])


def test_a_live_change_around_the_dates_needs_a_new_validation(
    pw, staffed, add_session, validate
):
    validate()
    add_session("2026-11-17", "09:30", workers=[pw["wendy"]], period=None)
    with pytest.raises(ValidationError, match="live schedule around these dates changed"):
        publish(pw["period"])
    validate()
    with pytest.raises(ValidationError, match="Fix the 1 error"):
        publish(pw["period"])


def test_a_running_validation_blocks_publishing(pw, staffed, validate):
    validate()
    period_validation_request(period=pw["period"])  # queued, not run
    with pytest.raises(ValidationError, match="still running"):
        publish(pw["period"])


def test_warnings_must_be_acknowledged(pw, add_session, validate):
    add_session("2026-11-17", "06:00", hours=11, workers=[pw["wendy"]])
    validate()
    with pytest.raises(ValidationError, match="I have read the warnings"):
        publish(pw["period"])
    assert publish(pw["period"], warnings=True).published


def test_an_earlier_unpublished_period_needs_a_confirmation(pw, staffed, validate):
    earlier = RosterPeriodFactory(
        base_roster=pw["roster"], start_date=datetime.date(2026, 11, 2),
        end_date=datetime.date(2026, 11, 15),
    )
    validate()
    with pytest.raises(ValidationError, match="earlier period of Fortnight is still unpublished"):
        publish(pw["period"])
    RosterPeriod.objects.filter(pk=earlier.pk).update(status="published")
    assert publish(pw["period"]).published


def test_an_earlier_unpublished_period_can_be_confirmed(pw, staffed, validate):
    RosterPeriodFactory(
        base_roster=pw["roster"], start_date=datetime.date(2026, 11, 2),
        end_date=datetime.date(2026, 11, 15),
    )
    validate()
    assert publish(pw["period"], earlier=True).published


def test_a_later_unpublished_period_is_no_concern(pw, staffed, validate):
    RosterPeriodFactory(
        base_roster=pw["roster"], start_date=datetime.date(2026, 11, 30),
        end_date=datetime.date(2026, 12, 13),
    )
    validate()
    assert publish(pw["period"]).published


@pytest.mark.parametrize("sessions", [10, 60])
def test_publishing_takes_the_same_number_of_queries_whatever_the_sessions(
    pw, add_session, validate, django_assert_max_num_queries, sessions
):
    workers = [pw["wendy"], pw["will"], WorkerFactory()]
    for i in range(sessions):
        day = datetime.date(2026, 11, 16) + datetime.timedelta(days=i % 14)
        add_session(day.isoformat(), f"{6 + (i // 14) % 12:02d}:00", hours=1,
                    workers=[workers[i % 3]])
    validate()
    with django_assert_max_num_queries(16) as captured:
        assert publish(pw["period"], warnings=True).sessions_rostered == sessions
    statements = [re.match(r"\s*(\w+)(?: INTO)? (\S+)", q["sql"]).groups()
                  for q in captured.captured_queries]
    writes = [f"{verb} {table}" for verb, table in statements if verb in ("UPDATE", "INSERT")]
    # One UPDATE of the sessions, one per attendee link table (their bookings), one of the
    # period, one INSERT … SELECT of the notifications.
    assert writes == [
        'UPDATE "sessions_app_session"', 'UPDATE "sessions_app_sessionworker"',
        'UPDATE "sessions_app_sessionasset"', 'UPDATE "rostering_rosterperiod"',
        'INSERT "scheduling_notification"',
    ], writes


# --- the panel on the period page --------------------------------------------------------
def period_url(pw):
    return reverse("rostering:roster_period_detail", args=[pw["period"].pk])


def panel_url(pw, query=""):
    return reverse("rostering:period_validation", args=[pw["period"].pk]) + query


HX = {"HX-Request": "true"}


def test_the_period_page_shows_the_panel(pw, scheduler_client):
    html = scheduler_client.get(period_url(pw)).content.decode()
    assert 'id="period-validation"' in html
    assert "Not validated yet" in html
    assert ">Validate</button>" in html
    assert "Publish</button>" in html and "Validate the period before publishing it." in html


def test_validate_by_htmx_returns_the_panel_with_the_report(
    pw, add_session, scheduler_client, django_capture_on_commit_callbacks, eager_celery
):
    bare = add_session("2026-11-17", "09:00")
    url = reverse("rostering:period_validate", args=[pw["period"].pk])
    with django_capture_on_commit_callbacks(execute=True):
        r = scheduler_client.post(url, headers=HX)
    assert r.status_code == 200
    html = r.content.decode()
    assert "<html" not in html
    r = scheduler_client.get(panel_url(pw), headers=HX)
    html = r.content.decode()
    assert "1 error" in html and "No worker" in html
    edit = reverse("sessions_app:edit", args=[bare.pk])
    assert f'href="{edit}" hx-get="{edit}" hx-target="#modal-body"' in html
    assert "every 1s" not in html


def test_the_panel_polls_while_validating(pw, add_session, scheduler_client):
    add_session("2026-11-17", "09:00")
    period_validation_request(period=pw["period"])
    html = scheduler_client.get(panel_url(pw), headers=HX).content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert "Validation queued" in html
    assert "Validation is still running." in html


def test_the_report_is_grouped_and_paged(pw, add_session, scheduler_client, validate):
    for i in range(30):
        add_session(f"2026-11-{16 + i % 14:02d}", f"{6 + i // 14:02d}:00", hours=1)
    validate()
    html = scheduler_client.get(period_url(pw)).content.decode()
    assert html.count('class="vsession"') == 5  # a preview of each rule
    assert "Show all 30" in html
    page1 = scheduler_client.get(panel_url(pw, "?rule=no_worker"), headers=HX).content.decode()
    assert page1.count('class="vsession"') == 25
    assert "Showing 1–25 of 30" in page1 and "Page 1 of 2" in page1
    page2 = scheduler_client.get(panel_url(pw, "?rule=no_worker&page=2"),
                                 headers=HX).content.decode()
    assert page2.count('class="vsession"') == 5


def test_the_panel_without_htmx_goes_to_the_period_page(pw, scheduler_client):
    r = scheduler_client.get(panel_url(pw, "?rule=no_worker"))
    assert r.status_code == 302 and r.url == period_url(pw) + "?rule=no_worker"


def test_publish_by_htmx_redirects_to_the_period_page(
    pw, staffed, validate, scheduler_client, django_capture_on_commit_callbacks
):
    validate()
    url = reverse("rostering:period_publish", args=[pw["period"].pk])
    with django_capture_on_commit_callbacks(execute=True):
        r = scheduler_client.post(url, headers=HX)
    assert r.status_code == 200 and r["HX-Redirect"] == period_url(pw)
    page = scheduler_client.get(period_url(pw)).content.decode()
    assert "Published: 4 sessions Rostered and on the live schedule; 2 workers notified." in page
    assert "badge-published" in page and "Open in Scheduling" in page
    # Pressed again (a second scheduler): a clear message, nothing changes.
    r = scheduler_client.post(url)
    assert r.status_code == 302
    page = scheduler_client.get(period_url(pw)).content.decode()
    assert "already published" in page
    assert len(mail.outbox) == 2


def test_publish_refused_rerenders_the_confirmation_with_422(
    pw, add_session, validate, scheduler_client
):
    add_session("2026-11-17", "06:00", hours=11, workers=[pw["wendy"]])
    validate()
    url = reverse("rostering:period_publish", args=[pw["period"].pk])
    r = scheduler_client.post(url, headers=HX)
    assert r.status_code == 422
    html = r.content.decode()
    assert 'id="publish-confirm"' in html
    assert "I have read the warnings" in html and 'role="alert"' in html
    # Without JavaScript: the confirmation page again, with the message.
    r = scheduler_client.post(url)
    assert r.status_code == 422 and "<html" in r.content.decode()
    assert "Tick “I have read the warnings”" in r.content.decode()
    r = scheduler_client.post(url, {"acknowledged_warnings": "on"}, headers=HX)
    assert r.status_code == 200 and r["HX-Redirect"]


def test_the_earlier_unpublished_period_is_shown_before_publishing(
    pw, staffed, validate, scheduler_client
):
    RosterPeriodFactory(
        base_roster=pw["roster"], start_date=datetime.date(2026, 11, 2),
        end_date=datetime.date(2026, 11, 15),
    )
    validate()
    html = scheduler_client.get(period_url(pw)).content.decode()
    assert "An earlier period of Fortnight is still unpublished" in html
    url = reverse("rostering:period_publish", args=[pw["period"].pk])
    confirm = scheduler_client.get(url, headers=HX).content.decode()
    assert "Mon 2 Nov 2026 – Sun 15 Nov 2026" in confirm
    assert "Publish before the earlier period" in confirm


# --- the publish confirmation ---------------------------------------------------------------
def test_publish_asks_for_confirmation_with_what_will_happen(
    pw, staffed, validate, scheduler_client, django_assert_max_num_queries
):
    validate()
    url = reverse("rostering:period_publish", args=[pw["period"].pk])
    panel = scheduler_client.get(period_url(pw)).content.decode()
    # The panel's Publish opens the confirmation (in the modal, or as a page without JS).
    assert f'method="get" action="{url}" hx-get="{url}" hx-target="#modal-body"' in panel
    with django_assert_max_num_queries(12):
        r = scheduler_client.get(url, headers=HX)
    html = r.content.decode()
    assert r.status_code == 200 and "<html" not in html
    text = " ".join(html.split())
    assert "<strong>4</strong> sessions become Rostered" in text
    assert "<strong>2</strong> workers are notified" in text
    assert "can no longer be generated again" in text
    assert f'method="post" action="{url}"' in html and ">Publish</button>" in html
    # Nothing is published by looking.
    pw["period"].refresh_from_db()
    assert not pw["period"].is_published
    # Without JavaScript the same confirmation is a page of its own.
    page = scheduler_client.get(url)
    assert page.status_code == 200 and "<html" in page.content.decode()
    assert "can no longer be generated again" in page.content.decode()


def test_the_confirmation_of_a_period_not_ready_says_why_and_has_no_publish_button(
    pw, staffed, scheduler_client
):
    url = reverse("rostering:period_publish", args=[pw["period"].pk])
    html = scheduler_client.get(url, headers=HX).content.decode()
    assert "Validate the period before publishing it." in html
    assert ">Publish</button>" not in html


def test_the_confirmation_of_a_published_period_goes_back_to_it(
    pw, staffed, validate, scheduler_client
):
    validate()
    publish(pw["period"])
    url = reverse("rostering:period_publish", args=[pw["period"].pk])
    r = scheduler_client.get(url)
    assert r.status_code == 302 and r.url == period_url(pw)


def test_validating_and_publishing_need_permission(pw, staffed, client, django_user_model):
    viewer = django_user_model.objects.create_user("vic", password="pw-vic-12345")
    client.force_login(viewer)
    for name in ("period_validate", "period_publish"):
        url = reverse(f"rostering:{name}", args=[pw["period"].pk])
        assert client.post(url).status_code == 403
    confirm = reverse("rostering:period_publish", args=[pw["period"].pk])
    assert client.get(confirm).status_code == 403
    html = client.get(period_url(pw)).content.decode()
    assert ">Validate</button>" not in html and "Publish</button>" not in html


def test_the_panel_reloads_when_a_session_is_saved(pw, scheduler_client):
    html = scheduler_client.get(panel_url(pw), headers=HX).content.decode()
    assert 'hx-trigger="sessionSaved from:body"' in html


def test_json_report_round_trips(pw, add_session, validate):
    add_session("2026-11-17", "09:00")
    v = validate().period_validation
    assert json.loads(json.dumps(v.report)) == v.report


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_publishing_at_once_publish_once(pw, staffed, validate):
    """On PostgreSQL the period row is locked: one publishes, the other finds it published."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT … FOR UPDATE) need PostgreSQL")
    validate()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def press():
        try:
            barrier.wait(timeout=10)
            period = RosterPeriod.objects.get(pk=pw["period"].pk)
            results.append(publish(period))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    assert sorted(r.published for r in results) == [False, True]
    assert Notification.objects.count() == 2
    assert set(Session.objects.values_list("status", flat=True)) == {"rostered"}


def test_the_report_shows_sessions_at_their_sites_wall_clock(
    pw, add_session, validate, scheduler_client
):
    from tests.factories import SiteFactory

    brisbane = SiteFactory(name="Chermside", region=pw["region"], time_zone="Australia/Brisbane")
    add_session("2026-11-17", "10:30", hours=5, site=brisbane)  # 11:30 in Sydney
    add_session("2026-11-17", "22:00", hours=8)
    validate()
    html = scheduler_client.get(period_url(pw)).content.decode()
    assert '<span class="vwhen">Tue 17 Nov 10:30–15:30</span>' in html
    assert "Tue 17 Nov 22:00–06:00 <abbr" in html  # ends the next day


def test_nothing_is_validated_or_published_while_sessions_are_generated(pw, staffed, validate):
    validate()
    generation_claim(period=pw["period"])
    with pytest.raises(ValidationError, match="still being generated"):
        period_validation_request(period=pw["period"])
    with pytest.raises(ValidationError, match="still being generated"):
        publish(pw["period"])


def test_validate_while_generating_says_why_in_the_panel(pw, staffed, scheduler_client):
    generation_claim(period=pw["period"])
    url = reverse("rostering:period_validate", args=[pw["period"].pk])
    r = scheduler_client.post(url, headers=HX)
    assert r.status_code == 422
    assert "still being generated" in r.content.decode()
    assert not Job.objects.filter(kind=JOB_VALIDATE).exists()
