"""Save and Roster: the job, each check, the outcome of each occurrence, one notification per
worker, and reruns that change nothing."""

import datetime
import time
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from jobs.models import Job
from rostering.models import Notification
from scheduling import services, tasks
from scheduling.models import RosterOutcome
from sessions_app.models import Session, SessionAsset, SessionWorker
from tests.factories import (
    QualificationFactory,
    WorkerQualificationFactory,
    WorkerUnavailabilityFactory,
)
from tests.scheduling.conftest import at

pytestmark = pytest.mark.django_db
HOURS = datetime.timedelta(hours=1)


def roster(sessions, capture, **kw) -> Job:
    """Save and Roster as the page does: ask inside the saving transaction; the job runs at
    commit (in-process: no broker in tests)."""
    with capture(execute=True):
        with transaction.atomic():
            job = services.roster_request(session_ids=[s.pk for s in sessions], **kw)
    job.refresh_from_db()
    return job


def outcome(session) -> RosterOutcome:
    return RosterOutcome.objects.filter(session=session).latest("id")


def weekly(make, first: str, n: int, **kw):
    start = at(first, kw.pop("hm", "09:00"))
    hours = kw.pop("hours", 2)
    return [
        make(start + datetime.timedelta(weeks=i), start + datetime.timedelta(weeks=i, hours=hours),
             **kw)
        for i in range(n)
    ]


# --- the happy path -------------------------------------------------------------------------
def test_a_weekly_series_is_rostered_and_each_worker_gets_one_message(
    make, live, django_capture_on_commit_callbacks
):
    series = weekly(make, "2026-12-01", 4, workers=("wendy", "will"), assets=("chair",),
                    employee_message="Bring the hoist sling.")

    job = roster(series, django_capture_on_commit_callbacks)

    assert job.status == Job.Status.DONE, job.message
    assert (job.done, job.total) == (4, 4)
    assert job.message == "Rostered 4 of 4 sessions."
    assert job.result["rostered"] == 4 and job.result["workers_notified"] == 2
    for s in series:
        s.refresh_from_db()
        assert s.status == Session.Status.ROSTERED
        assert outcome(s).result == RosterOutcome.Result.ROSTERED
    # The links book their attendees: the session's range, active.
    links = list(SessionWorker.objects.filter(session__in=series)) + list(
        SessionAsset.objects.filter(session__in=series)
    )
    assert len(links) == 12
    assert all(
        link.active and (link.start, link.end) == (link.session.start, link.session.end)
        for link in links
    )
    notes = Notification.objects.filter(job=job).order_by("worker__first_name")
    assert [n.worker.first_name for n in notes] == ["Wendy", "Will"]
    wendy = notes[0]
    assert wendy.subject == "New sessions: Personal care · Ada, 4 dates"
    for day in ("Tue 1 Dec 2026 09:00–11:00", "Tue 8 Dec", "Tue 15 Dec", "Tue 22 Dec"):
        assert day in wendy.body
    assert "Message: Bring the hoist sling." in wendy.body
    assert sorted(m.to[0] for m in mail.outbox) == sorted(n.email for n in notes)
    assert all(n.sent_at for n in notes)


def test_running_the_job_again_changes_nothing_and_sends_nothing_twice(
    make, django_capture_on_commit_callbacks
):
    series = weekly(make, "2026-12-01", 2, workers=("wendy", "will"))
    job = roster(series, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2

    # The task again (a redelivery after the job finished): nothing to do.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.roster_job(job.pk).startswith("done")
    # Even a redelivery while the job still looks active: every occurrence has its outcome.
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    with django_capture_on_commit_callbacks(execute=True):
        services.roster_run(job_id=job.pk)
    assert services.roster_notifications_send(job_id=job.pk) == 0
    assert Notification.objects.filter(job=job).count() == 2
    assert len(mail.outbox) == 2
    assert Session.objects.filter(status=Session.Status.ROSTERED).count() == 2


def test_a_single_session_gets_its_own_subject(make, django_capture_on_commit_callbacks):
    s = make(at("2026-12-01"), at("2026-12-01", "11:00"))
    job = roster([s], django_capture_on_commit_callbacks)
    note = Notification.objects.get(job=job)
    assert note.subject == "New session: Personal care · Ada, Tue 1 Dec 2026 09:00–11:00"
    assert note.period is None


def test_only_live_sessions_are_rostered_here(live, make):
    from tests.factories import BaseRosterFactory

    roster_ = BaseRosterFactory(start_date=datetime.date(2026, 11, 30))
    s = make(at("2026-12-01"), at("2026-12-01", "11:00"), base_roster=roster_)
    with pytest.raises(ValidationError, match="Only sessions on the live schedule"):
        services.roster_request(session_ids=[s.pk])
    with pytest.raises(ValidationError, match="no session to roster"):
        services.roster_request(session_ids=[])


# --- each check -----------------------------------------------------------------------------
@pytest.fixture
def rostered(make, django_capture_on_commit_callbacks):
    """A session already Rostered on the live schedule."""

    def _rostered(start, end, **kw):
        s = make(start, end, subject=kw.pop("subject", "Shopping · Bea"), client=kw.pop(
            "client", "bea"), **kw)
        roster([s], django_capture_on_commit_callbacks)
        s.refresh_from_db()
        assert s.status == Session.Status.ROSTERED
        return s

    return _rostered


def test_a_worker_already_rostered_keeps_the_occurrence_draft_with_the_other_session_named(
    make, rostered, django_capture_on_commit_callbacks
):
    other = rostered(at("2026-12-08", "10:00"), at("2026-12-08", "12:00"), subject="Gym · Bea")
    series = weekly(make, "2026-12-01", 3)

    job = roster(series, django_capture_on_commit_callbacks)

    results = [outcome(s).result for s in series]
    assert results == ["rostered", "draft", "rostered"]
    clash = outcome(series[1])
    assert clash.reasons == ["Wendy Walker is already rostered to Gym · Bea Tue 8 Dec 10:00–12:00."]
    assert clash.other_session_id == other.pk
    series[1].refresh_from_db()
    assert series[1].status == Session.Status.DRAFT
    assert not SessionWorker.objects.get(session=series[1]).active
    assert job.message == "Rostered 2 of 3 sessions; 1 stays Draft."
    # The notification lists the two dates rostered only.
    body = Notification.objects.get(job=job).body
    assert "Tue 1 Dec" in body and "Tue 15 Dec" in body and "Tue 8 Dec" not in body


def test_back_to_back_sessions_never_clash(make, rostered, django_capture_on_commit_callbacks):
    rostered(at("2026-12-01", "07:00"), at("2026-12-01", "09:00"), workers=("wendy",),
             assets=("chair",), subject="Before")
    rostered(at("2026-12-01", "11:00"), at("2026-12-01", "12:00"), workers=("wendy",),
             assets=("chair",), subject="After")
    s = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"), assets=("chair",))
    roster([s], django_capture_on_commit_callbacks)
    assert outcome(s).result == "rostered", outcome(s).reasons


def test_a_client_or_an_asset_already_booked_keeps_it_draft(
    make, rostered, django_capture_on_commit_callbacks
):
    rostered(at("2026-12-01", "10:00"), at("2026-12-01", "11:00"), workers=("will",),
             client="ada", subject="Physio · Ada")
    rostered(at("2026-12-02", "10:00"), at("2026-12-02", "11:00"), workers=("will",),
             assets=("chair",), subject="Bath · Bea")
    a = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    b = make(at("2026-12-02", "09:00"), at("2026-12-02", "11:00"), assets=("chair",))
    roster([a, b], django_capture_on_commit_callbacks)
    assert outcome(a).reasons == ["Ada Lovelace is already in Physio · Ada Tue 1 Dec 10:00–11:00."]
    assert outcome(b).reasons == [
        "Shower chair West is already booked for Bath · Bea Wed 2 Dec 10:00–11:00."
    ]


def test_in_progress_counts_draft_and_cancelled_do_not(
    make, rostered, django_capture_on_commit_callbacks
):
    busy = rostered(at("2026-12-01", "10:00"), at("2026-12-01", "11:00"), subject="Running")
    Session.objects.filter(pk=busy.pk).update(status=Session.Status.IN_PROGRESS)
    make(at("2026-12-02", "10:00"), at("2026-12-02", "11:00"), subject="A draft")
    a = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    b = make(at("2026-12-02", "09:00"), at("2026-12-02", "11:00"))
    roster([a, b], django_capture_on_commit_callbacks)
    assert outcome(a).result == "draft" and "Running" in outcome(a).reasons[0]
    assert outcome(b).result == "rostered"


def test_two_occurrences_that_overlap_each_other_the_later_stays_draft(
    make, django_capture_on_commit_callbacks
):
    a = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"), subject="First")
    b = make(at("2026-12-01", "10:00"), at("2026-12-01", "12:00"), subject="Second",
             client="bea")
    roster([b, a], django_capture_on_commit_callbacks)  # in start order, whatever was passed
    assert outcome(a).result == "rostered"
    assert outcome(b).reasons == [
        "Wendy Walker is already rostered to First Tue 1 Dec 09:00–11:00."
    ]


def test_leave_and_unavailability_keep_it_draft(live, make, django_capture_on_commit_callbacks):
    WorkerUnavailabilityFactory(
        worker=live["wendy"], kind="leave", start=at("2026-12-07", "00:00"),
        end=at("2026-12-12", "00:00"), reason="Annual leave",
    )
    series = weekly(make, "2026-12-01", 2)
    roster(series, django_capture_on_commit_callbacks)
    assert outcome(series[0]).result == "rostered"
    assert outcome(series[1]).reasons == [
        "Wendy Walker is on leave Mon 7 Dec 00:00–Sat 12 Dec 00:00 (Annual leave)."
    ]


def test_qualifications_must_be_valid_on_the_date(live, make, django_capture_on_commit_callbacks):
    first_aid = QualificationFactory(name="First Aid", code="first-aid")
    live["type"].required_qualifications.add(first_aid)
    WorkerQualificationFactory(
        worker=live["wendy"], qualification=first_aid, expires_on=datetime.date(2026, 12, 5)
    )
    series = weekly(make, "2026-12-01", 2, workers=("wendy", "will"))
    roster(series, django_capture_on_commit_callbacks)
    assert outcome(series[0]).reasons == [
        "Will Wong does not hold First Aid, which this session type requires."
    ]
    assert outcome(series[1]).reasons == [
        "Wendy Walker's First Aid expired on Sat 5 Dec 2026.",
        "Will Wong does not hold First Aid, which this session type requires.",
    ]


def test_the_agreement_budget_is_counted_in_order(live, make, django_capture_on_commit_callbacks):
    line = live["ada_line"]
    line.budget_quantity = Decimal("5")
    line.save()
    series = weekly(make, "2026-12-01", 3, quantity="2")
    roster(series, django_capture_on_commit_callbacks)
    assert [outcome(s).result for s in series] == ["rostered", "rostered", "draft"]
    assert outcome(series[2]).reasons == [
        "Ada Lovelace: 01_011_0107_1_1 has 1 left of its budget of 5; this session plans 2."
    ]


def test_a_session_without_a_worker_stays_draft(make, django_capture_on_commit_callbacks):
    s = make(at("2026-12-01"), at("2026-12-01", "11:00"), workers=())
    roster([s], django_capture_on_commit_callbacks)
    assert outcome(s).reasons == ["Nobody is rostered to it: add a worker."]


def test_fatigue_rules_are_warnings_and_the_occurrence_is_rostered(
    make, rostered, django_capture_on_commit_callbacks
):
    # A long day (06:00–14:00 then 15:00–18:00: 11 h) and short rest before the next morning.
    rostered(at("2026-12-01", "06:00"), at("2026-12-01", "14:00"), subject="Morning")
    late = make(at("2026-12-01", "15:00"), at("2026-12-01", "18:00"), subject="Late")
    early = make(at("2026-12-02", "03:00"), at("2026-12-02", "05:00"), subject="Early",
                 client="bea")
    roster([late, early], django_capture_on_commit_callbacks)
    assert outcome(late).result == outcome(early).result == "rostered"
    assert outcome(late).warnings == [
        "More than 10 hours in a day: Wendy Walker would have 11 h of sessions on Tue 1 Dec."
    ]
    assert outcome(early).warnings == [
        "Less than 10 hours' rest: Wendy Walker would have 9 h rest after finishing at "
        "Tue 1 Dec 18:00."
    ]


def test_more_than_38_hours_in_a_week_is_a_warning(make, django_capture_on_commit_callbacks):
    days = [make(at(f"2026-12-0{d}", "08:00"), at(f"2026-12-0{d}", "16:00"),
                 client="ada" if d % 2 else "bea") for d in range(1, 6)]  # Tue–Sat, 40 h
    roster(days, django_capture_on_commit_callbacks)
    assert all(outcome(s).result == "rostered" for s in days)
    assert outcome(days[-1]).warnings == [
        "More than 38 hours in a week: Wendy Walker would have 40 h of sessions in the week "
        "Mon 30 Nov–Sun 6 Dec."
    ]
    assert not outcome(days[0]).warnings


def test_a_session_cancelled_meanwhile_is_skipped(make, django_capture_on_commit_callbacks):
    s = make(at("2026-12-01"), at("2026-12-01", "11:00"))
    job = services.roster_request(session_ids=[s.pk])  # not committed-run yet
    Session.objects.filter(pk=s.pk).update(status=Session.Status.CANCELLED)
    services.roster_run(job_id=job.pk)
    assert outcome(s).result == "skipped"
    assert outcome(s).reasons == ["It was Cancelled when rostering came to it."]


# --- fixing and rostering again -------------------------------------------------------------
def test_roster_again_takes_the_draft_occurrences_once_fixed(
    make, rostered, live, django_capture_on_commit_callbacks
):
    other = rostered(at("2026-12-08", "10:00"), at("2026-12-08", "12:00"), subject="Gym · Bea")
    series = weekly(make, "2026-12-01", 2)
    job = roster(series, django_capture_on_commit_callbacks)
    assert outcome(series[1]).result == "draft"
    # The scheduler moves the other session away, then rosters again.
    from sessions_app.services import session_update

    session_update(session=other, start=at("2026-12-08", "13:00"), end=at("2026-12-08", "14:00"))
    with django_capture_on_commit_callbacks(execute=True):
        again = services.roster_again(job=job)
    again.refresh_from_db()
    assert again.total == 1 and again.status == Job.Status.DONE
    assert outcome(series[1]).result == "rostered"
    series[1].refresh_from_db()
    assert series[1].status == Session.Status.ROSTERED
    # Wendy gets one message per job: the second lists only the date rostered then.
    assert Notification.objects.filter(worker=live["wendy"], job__in=[job, again]).count() == 2
    assert "Tue 8 Dec" in Notification.objects.get(job=again).body
    with pytest.raises(ValidationError, match="No occurrence of this job is still Draft"):
        services.roster_again(job=again)


# --- the panel --------------------------------------------------------------------------------
def test_the_outcome_panel_lists_each_occurrence_and_offers_roster_again(
    make, rostered, scheduler_client, django_capture_on_commit_callbacks
):
    rostered(at("2026-12-08", "10:00"), at("2026-12-08", "12:00"), subject="Gym · Bea")
    series = weekly(make, "2026-12-01", 2)
    job = roster(series, django_capture_on_commit_callbacks)
    url = reverse("scheduling:roster_job", args=[job.pk])
    r = scheduler_client.get(url, headers={"HX-Request": "true"})
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="roster-outcome"' in html and "every 1s" not in html  # done: no polling
    assert "Rostered ✓" in html
    assert "Wendy Walker is already rostered to Gym · Bea Tue 8 Dec 10:00–12:00." in html
    assert "Roster again" in html
    assert scheduler_client.get(url).status_code == 200  # a page of its own without htmx

    with django_capture_on_commit_callbacks(execute=True):
        r = scheduler_client.post(reverse("scheduling:roster_job_again", args=[job.pk]),
                                  headers={"HX-Request": "true"})
    assert r.status_code == 200
    new = Job.objects.exclude(pk=job.pk).latest("id")
    assert f'data-job="{new.pk}"' in r.content.decode()
    html = scheduler_client.get(reverse("scheduling:roster_job", args=[new.pk]),
                                headers={"HX-Request": "true"}).content.decode()
    assert "Rostered 0 of 1 session; 1 stays Draft." in html
    assert "Wendy Walker is already rostered" in html  # not fixed yet: still Draft


def test_the_panel_polls_while_the_job_is_busy(make, scheduler_client):
    s = make(at("2026-12-01"), at("2026-12-01", "11:00"))
    job = services.roster_request(session_ids=[s.pk])  # on_commit never runs in this test
    r = scheduler_client.get(reverse("scheduling:roster_job", args=[job.pk]),
                             headers={"HX-Request": "true"})
    html = r.content.decode()
    # Never sent (as when Redis is down): queued until the sweep sends it, polled meanwhile.
    assert "Queued — waiting for the background service" in html and "every 1s" in html
    Job.objects.filter(pk=job.pk).update(sent_at=timezone.now())  # sent, no worker took it yet
    html = scheduler_client.get(reverse("scheduling:roster_job", args=[job.pk]),
                                headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in html and "Waiting for the background job" in html
    assert scheduler_client.get(reverse("scheduling:roster_job", args=[999999])).status_code == 404


def test_speed_of_a_weekly_series_of_52_with_two_workers(make, live):
    """The job's own time (the checks and the writes), reported; generous bound for CI."""
    series = weekly(make, "2026-01-06", 52, workers=("wendy", "will"))
    job = services.roster_request(session_ids=[s.pk for s in series])
    started = time.perf_counter()
    services.roster_run(job_id=job.pk)
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    assert job.result["rostered"] == 52, job.message
    print(f"\nSave and Roster of 52 weekly occurrences with 2 workers: {seconds:.3f} s")
    assert seconds < 10


def test_the_job_reads_set_wise_the_same_queries_for_3_or_20_occurrences(make, live):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n, first in ((3, "2026-01-06"), (20, "2026-06-02")):
        series = weekly(make, first, n, workers=("wendy", "will"), assets=("chair",))
        job = services.roster_request(session_ids=[s.pk for s in series])
        with CaptureQueriesContext(connection) as captured:
            services.roster_run(job_id=job.pk)
        job.refresh_from_db()
        assert job.result["rostered"] == n, job.message
        counts.append(len(captured))
    print(f"\nroster_run queries for 3 and 20 occurrences: {counts}")
    assert counts[0] == counts[1], counts  # one chunk of writes either way
