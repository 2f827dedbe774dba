"""What `seed_demo` puts on the live schedule: published periods over this week and next, a
draft showcase period after them, and a few live sessions made with New Session."""

import datetime
import io

import pytest
from django.core.management import call_command

from demo import seed as demo
from rostering.checks import ERROR
from rostering.models import BaseRoster, PeriodValidation, RosterPeriod
from sessions_app.models import Session, SessionSeries
from sessions_app.recurrence import summary

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 26)  # a Thursday
MONDAY = datetime.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(today=TODAY) -> str:
    out = io.StringIO()
    call_command("seed_demo", f"--today={today.isoformat()}", stdout=out)
    return out.getvalue()


def snapshot():
    return {
        "periods": sorted(RosterPeriod.objects.values_list(
            "start_date", "end_date", "status", "published_at")),
        "sessions": sorted(Session.objects.values_list(
            "pk", "status", "start", "roster_period_id", "series_id", "updated_at")),
        "series": SessionSeries.objects.count(),
        "validations": PeriodValidation.objects.count(),
    }


def test_published_periods_cover_this_week_and_next():
    output = seed()
    roster = BaseRoster.objects.get(name=demo.NORMAL_ROSTER_NAME)
    published = RosterPeriod.objects.filter(
        base_roster=roster, status=RosterPeriod.Status.PUBLISHED
    )
    assert published.filter(start_date__lte=MONDAY,
                            end_date__gte=MONDAY + datetime.timedelta(days=13)).exists()
    period = published.get()
    assert (period.start_date - roster.start_date).days % roster.cycle_days == 0

    sessions = Session.objects.filter(roster_period=period)
    assert sessions.count() == roster.sessions.count() * period.cycles
    assert not sessions.exclude(status=Session.Status.ROSTERED).exists()
    assert set(Session.objects.live().filter(roster_period=period)) == set(sessions)
    # Every day of this week and next has rostered sessions on the live schedule.
    days = {s.local_date for s in Session.objects.live().filter(
        status=Session.Status.ROSTERED).select_related("site")}
    assert {MONDAY + datetime.timedelta(days=i) for i in range(14)} <= days
    assert all(s.session_workers.exists() for s in sessions)

    # Published after a validation without errors, with one notification per worker (their
    # emails are sent after commit, to the in-memory backend).
    validation = PeriodValidation.objects.filter(period=period).latest("pk")
    assert validation.error_count == 0
    assert period.notifications.count() == len(
        {w for s in sessions.prefetch_related("session_workers")
         for w in s.session_workers.values_list("worker_id", flat=True)})
    assert "published (on Scheduling)" in output


def test_the_next_cycle_is_a_draft_showing_validation_errors():
    output = seed()
    published = RosterPeriod.objects.get(status=RosterPeriod.Status.PUBLISHED)
    showcase = RosterPeriod.objects.get(status=RosterPeriod.Status.DRAFT)
    assert showcase.start_date == published.end_date + datetime.timedelta(days=1)
    assert Session.objects.filter(roster_period=showcase).exists()
    assert not Session.objects.live().filter(roster_period=showcase).exists()
    validation = PeriodValidation.objects.get(period=showcase)
    assert validation.error_count > 0
    assert any(e["severity"] == ERROR for e in validation.report)
    assert f"validated with {validation.error_count} errors" in output


def test_live_sessions_made_with_new_session_are_left_draft():
    seed()
    live = Session.objects.live().filter(roster_period__isnull=True)
    assert live.count() >= 4
    assert not live.exclude(status=Session.Status.DRAFT).exists()
    for s in live.prefetch_related("session_workers", "session_clients__planned_services"):
        assert s.session_workers.count() == 1
        (sc,) = s.session_clients.all()
        assert sc.planned_services.exists()
    one_offs = live.filter(series__isnull=True)
    assert one_offs.count() == 3
    assert None not in set(one_offs.values_list("form_token", flat=True))
    assert all(MONDAY <= s.local_date < MONDAY + datetime.timedelta(days=14)
               for s in one_offs.select_related("site"))

    series = SessionSeries.objects.get()
    sessions = list(series.sessions.select_related("site").order_by("start"))
    assert [s.local_date.strftime("%a") for s in sessions] == ["Tue", "Thu"] * 3
    assert sessions[0].local_date == MONDAY + datetime.timedelta(days=1)
    assert {s.local_start.time() for s in sessions} == {datetime.time(9, 30)}
    assert summary(series.rule) == "Weekly on Tue and Thu, 6 times"
    assert len({s.session_workers.get().worker_id for s in sessions}) == 1


def test_live_sessions_do_not_clash_with_the_published_week():
    seed()
    live = Session.objects.live().filter(roster_period__isnull=True)
    for s in live.prefetch_related("session_workers"):
        worker = s.session_workers.get().worker_id
        assert not Session.objects.live().exclude(pk=s.pk).filter(
            session_workers__worker_id=worker, start__lt=s.end, end__gt=s.start
        ).exists()


def test_seeding_twice_creates_nothing_new():
    seed()
    before = snapshot()
    output = seed()
    assert snapshot() == before
    assert "nothing new" in output


def test_a_later_week_publishes_the_draft_after_fixing_its_errors():
    seed()
    showcase = RosterPeriod.objects.get(status=RosterPeriod.Status.DRAFT)
    errors = PeriodValidation.objects.get(period=showcase).error_count
    assert errors

    output = seed(today=showcase.start_date + datetime.timedelta(days=2))

    showcase.refresh_from_db()
    assert showcase.is_published
    assert PeriodValidation.objects.filter(period=showcase).latest("pk").error_count == 0
    assert not Session.objects.filter(roster_period=showcase).exclude(
        status__in=[Session.Status.ROSTERED, Session.Status.CANCELLED]).exists()
    assert "sessions given another worker" in output
    # The cycle after it is the new showcase; that week's live sessions were added.
    assert RosterPeriod.objects.get(status=RosterPeriod.Status.DRAFT).start_date == (
        showcase.end_date + datetime.timedelta(days=1)
    )
    assert SessionSeries.objects.count() == 2


def test_large_scale_is_left_as_it_was():
    report = demo.build_large(workers=40, clients=80, sites=4, regions=2,
                              sessions_per_week=120, today=TODAY)
    assert not RosterPeriod.objects.exists()
    assert not Session.objects.live().exists()
    assert not report.published_periods
