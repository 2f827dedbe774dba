"""Roster periods from a base roster: aligned starts, generation, DST, agreements, idempotency."""

import datetime
import threading
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from jobs.models import Job
from jobs.services import job_start
from rostering import generation as generation_module
from rostering import selectors, services
from rostering.models import RosterPeriod
from rostering.tasks import generation_job
from sessions_app.models import (
    PlannedService,
    Session,
    SessionActivity,
    SessionAsset,
    SessionClient,
    SessionWorker,
)
from sessions_app.services import ClientSpec, session_update
from tests.conftest import in_ci
from tests.factories import (
    BaseRosterFactory,
    ClientFactory,
    ServiceAgreementLineFactory,
    SessionActivityFactory,
    SiteFactory,
    SupportItemFactory,
    WorkerFactory,
)
from tests.rostering.conftest import IS_POSTGRES, SYD, add_pattern_session

pytestmark = pytest.mark.django_db
BNE = zoneinfo.ZoneInfo("Australia/Brisbane")
D = datetime.date


def local(session, tz=SYD):
    return session.start.astimezone(tz), session.end.astimezone(tz)


def generated(period):
    return Session.objects.filter(roster_period=period).order_by("start", "pk")


def generate_as_job(period, **kwargs):
    """Generate as the background job does: claim, run; (result, the finished job)."""
    job = services.roster_period_generation_claim(period=period)
    result = services.roster_period_generate(period=period, job=job, **kwargs)
    job.refresh_from_db()
    return result, job


# -- creating a period: the start lines up with the cycle --------------------------------------


def test_period_end_follows_start_and_cycles():
    roster = BaseRosterFactory(start_date=D(2026, 11, 2), cycle_weeks=2)
    period = services.roster_period_create(
        base_roster=roster, start_date=D(2026, 11, 30), cycles=3
    )
    assert period.end_date == D(2027, 1, 10)  # 30 Nov + 42 days − 1
    assert period.cycles == 3 and selectors.generation_job(period=period) is None


def test_a_misaligned_start_is_refused_with_the_dates_either_side():
    roster = BaseRosterFactory(name="Fortnight", start_date=D(2026, 11, 2), cycle_weeks=2)
    with pytest.raises(ValidationError) as exc:
        services.roster_period_create(base_roster=roster, start_date=D(2026, 11, 23), cycles=1)
    message = exc.value.message_dict["start_date"][0]
    assert "Mon 23 Nov 2026 does not line up with the 2-week cycle" in message
    assert "Mon 16 Nov 2026 or Mon 30 Nov 2026" in message
    assert not RosterPeriod.objects.exists()


def test_an_end_date_that_is_not_whole_cycles_is_refused():
    roster = BaseRosterFactory(start_date=D(2026, 11, 2), cycle_weeks=2)
    with pytest.raises(ValidationError) as exc:
        services.roster_period_create(
            base_roster=roster, start_date=D(2026, 11, 16), end_date=D(2026, 11, 25)
        )
    assert "whole cycles" in exc.value.message_dict["end_date"][0]


def test_next_starts_are_aligned_from_the_current_cycle_and_skip_taken_ones():
    roster = BaseRosterFactory(start_date=D(2026, 11, 2), cycle_weeks=2)
    services.roster_period_create(base_roster=roster, start_date=D(2026, 12, 14), cycles=1)
    starts = services.next_period_starts(roster, today=D(2026, 11, 26), count=4)
    assert starts == [D(2026, 11, 16), D(2026, 11, 30), D(2026, 12, 28), D(2027, 1, 11)]
    assert services.next_period_starts(roster, today=D(2026, 10, 1), count=1) == [D(2026, 11, 2)]


# -- generation copies everything -------------------------------------------------------------


def test_generation_copies_sessions_with_all_their_parts(fortnight):
    roster, pattern = fortnight
    typed = PlannedService.objects.filter(session_client__session=pattern[0])
    typed.update(quantity_edited=True)  # a typed quantity stays typed in the copies
    period = services.roster_period_create(
        base_roster=roster, start_date=D(2026, 11, 16), cycles=2
    )
    result = services.roster_period_generate(period=period)

    assert result.created == 6 and result.skipped_services == 0
    sessions = list(generated(period).prefetch_related("service_types"))
    assert len(sessions) == 6
    by_source = {}
    for s in sessions:
        by_source.setdefault(s.source_session_id, []).append(s)
    assert set(by_source) == {p.pk for p in pattern}
    for base in pattern:
        copies = by_source[base.pk]
        base_local = base.start.astimezone(SYD)
        assert [c.occurrence_date for c in copies] == [
            base_local.date() + datetime.timedelta(days=14),
            base_local.date() + datetime.timedelta(days=28),
        ]
        for copy in copies:
            assert copy.start.astimezone(SYD).time() == base_local.time()
            assert copy.end - copy.start == base.end - base.start
            assert copy.status == "draft" and copy.base_roster_id is None
            assert copy.subject == base.subject and copy.site_id == base.site_id
            assert copy.session_type_id == base.session_type_id
            assert copy.region_id == base.region_id
            assert [t.pk for t in copy.service_types.all()] == [
                t.pk for t in base.service_types.all()
            ]
            copy.full_clean()  # the generated data is valid by the model's own rules
    assert SessionClient.objects.filter(session__roster_period=period).count() == 6
    assert PlannedService.objects.filter(session_client__session__roster_period=period).count() == 6
    assert SessionWorker.objects.filter(session__roster_period=period).count() == 6
    assert SessionAsset.objects.filter(session__roster_period=period).count() == 6
    act = SessionActivity.objects.filter(session__roster_period=period).select_related("session")
    assert act.count() == 6
    for a in act:
        assert a.start - a.session.start == datetime.timedelta(minutes=30)
        a.full_clean()
    for ps in PlannedService.objects.filter(session_client__session__roster_period=period):
        ps.full_clean()
        assert ps.quantity_edited == (
            ps.session_client.session.source_session_id == pattern[0].pk)


def test_cancelled_pattern_sessions_and_inactive_rosters_do_not_generate(fortnight, syd_site):
    roster, pattern = fortnight
    Session.objects.filter(pk=pattern[0].pk).update(status="cancelled")
    period = services.roster_period_create(
        base_roster=roster, start_date=D(2026, 11, 16), cycles=1
    )
    assert services.missing_occurrence_count(period=period) == 2
    assert services.roster_period_generate(period=period).created == 2
    roster.active = False
    roster.save()
    with pytest.raises(ValidationError, match="not active"):
        services.roster_period_generate(period=period)


def test_a_published_period_is_not_generated_again(fortnight):
    roster, _ = fortnight
    period = services.roster_period_create(
        base_roster=roster, start_date=D(2026, 11, 16), cycles=1
    )
    RosterPeriod.objects.filter(pk=period.pk).update(status="published")
    period.refresh_from_db()
    with pytest.raises(ValidationError, match="published"):
        services.roster_period_generate(period=period)
    with pytest.raises(ValidationError, match="published"):
        services.roster_period_generation_claim(period=period)
    assert not generated(period).exists()
    assert not Job.objects.exists()


def test_a_job_whose_period_was_published_meanwhile_fails_and_says_why(fortnight):
    roster, _ = fortnight
    period = services.roster_period_create(
        base_roster=roster, start_date=D(2026, 11, 16), cycles=1
    )
    job = services.roster_period_generation_claim(period=period)
    RosterPeriod.objects.filter(pk=period.pk).update(status="published")
    assert generation_job(job.pk) == "refused"
    assert not generated(period).exists()
    job.refresh_from_db()
    assert job.status == "failed" and "published" in job.message
    assert job.finished_at is not None


# -- wall-clock times across daylight saving -------------------------------------------------


@pytest.fixture
def weekly_sydney(syd_site):
    """A weekly roster from Mon 16 Mar 2026 (so 30 Mar and 28 Sep 2026 start cycles)."""
    roster = BaseRosterFactory(name="Weekly", start_date=D(2026, 3, 16), cycle_weeks=1)
    s = dict(site=syd_site, asset=False, activity=False)
    return roster, {
        "monday_9am": add_pattern_session(
            roster, start=datetime.datetime(2026, 3, 16, 9, tzinfo=SYD), **s
        ),
        "sleepover": add_pattern_session(  # Sat 22:00 → Sun 06:00
            roster, start=datetime.datetime(2026, 3, 21, 22, tzinfo=SYD), hours=8,
            **{**s, "activity": True},
        ),
        "sunday_0230": add_pattern_session(
            roster, start=datetime.datetime(2026, 3, 22, 2, 30, tzinfo=SYD), hours=2, **s
        ),
    }


def _copy(period, base, day):
    return Session.objects.get(roster_period=period, source_session=base, occurrence_date=day)


def test_april_dst_end_sydney(weekly_sydney):
    roster, base = weekly_sydney
    period = services.roster_period_create(base_roster=roster, start_date=D(2026, 3, 30), cycles=2)
    services.roster_period_generate(period=period)

    # 09:00 stays 09:00 on the Monday after the change (6 Apr) and before it (30 Mar).
    for day in (D(2026, 3, 30), D(2026, 4, 6)):
        start, end = local(_copy(period, base["monday_9am"], day))
        assert (start.date(), start.time(), end.time()) == (
            day, datetime.time(9), datetime.time(11)
        )
    # The sleepover of Sat 4 → Sun 5 April: 22:00 → 06:00 lasts 9 hours (clocks go back).
    night = _copy(period, base["sleepover"], D(2026, 4, 4))
    start, end = local(night)
    assert (start.time(), end.time(), end.date()) == (
        datetime.time(22), datetime.time(6), D(2026, 4, 5)
    )
    assert night.end - night.start == datetime.timedelta(hours=9)
    # Its activity moved by the same wall-clock rule and stays inside it.
    activity = night.activities.get()
    assert activity.start.astimezone(SYD).time() == datetime.time(22, 30)
    assert night.start <= activity.start < activity.end <= night.end
    # The week before, an ordinary 8 hours.
    other = _copy(period, base["sleepover"], D(2026, 4, 11))
    assert other.end - other.start == datetime.timedelta(hours=8)
    # 02:30 on Sun 5 April happens twice: the first one (still daylight time, +11:00).
    twice = _copy(period, base["sunday_0230"], D(2026, 4, 5))
    assert twice.start == datetime.datetime(2026, 4, 4, 15, 30, tzinfo=datetime.UTC)
    assert twice.start.astimezone(SYD).time() == datetime.time(2, 30)


def test_october_dst_start_sydney(weekly_sydney):
    roster, base = weekly_sydney
    period = services.roster_period_create(base_roster=roster, start_date=D(2026, 9, 28), cycles=2)
    services.roster_period_generate(period=period)

    start, _ = local(_copy(period, base["monday_9am"], D(2026, 10, 5)))
    assert start.time() == datetime.time(9)
    # The sleepover of Sat 3 → Sun 4 October: 22:00 → 06:00 lasts 7 hours (clocks go forward).
    night = _copy(period, base["sleepover"], D(2026, 10, 3))
    start, end = local(night)
    assert (start.time(), end.time()) == (datetime.time(22), datetime.time(6))
    assert night.end - night.start == datetime.timedelta(hours=7)
    # 02:30 does not exist on Sun 4 October: RFC 5545 takes the offset before the gap,
    # 02:30+10:00, which clocks show as 03:30 AEDT; it still ends at its wall-clock 04:30.
    gap = _copy(period, base["sunday_0230"], D(2026, 10, 4))
    start, end = local(gap)
    assert (start.time(), end.time()) == (datetime.time(3, 30), datetime.time(4, 30))
    assert gap.start == datetime.datetime(2026, 10, 3, 16, 30, tzinfo=datetime.UTC)
    assert str(start) == "2026-10-04 03:30:00+11:00"
    # A week later, 02:30 again.
    start, _ = local(_copy(period, base["sunday_0230"], D(2026, 10, 11)))
    assert start.time() == datetime.time(2, 30)


def test_brisbane_has_no_dst():
    site = SiteFactory(name="Chermside Hub", time_zone="Australia/Brisbane")
    roster = BaseRosterFactory(start_date=D(2026, 3, 16), cycle_weeks=1)
    add_pattern_session(
        roster, site=site, start=datetime.datetime(2026, 3, 21, 22, tzinfo=BNE), hours=8
    )
    for start_date in (D(2026, 3, 30), D(2026, 9, 28)):
        period = services.roster_period_create(
            base_roster=roster, start_date=start_date, cycles=2
        )
        services.roster_period_generate(period=period)
        for s in generated(period):
            assert s.end - s.start == datetime.timedelta(hours=8)
            assert s.start.astimezone(BNE).time() == datetime.time(22)


def test_a_session_starting_in_the_gap_and_ending_after_it_keeps_its_length(syd_site):
    """02:45–03:15 on Sun 4 Oct: the start resolves to 03:45 AEDT, after the end's 03:15;
    the copy keeps the pattern's 30 minutes from its start."""
    roster = BaseRosterFactory(start_date=D(2026, 9, 21), cycle_weeks=1)
    base = add_pattern_session(
        roster, site=syd_site, start=datetime.datetime(2026, 9, 27, 2, 45, tzinfo=SYD),
        hours=0.5, asset=False, activity=False,
    )
    SessionActivityFactory(
        session=base, start=datetime.datetime(2026, 9, 27, 2, 50, tzinfo=SYD),
        end=datetime.datetime(2026, 9, 27, 3, 10, tzinfo=SYD),
    )
    period = services.roster_period_create(base_roster=roster, start_date=D(2026, 9, 28), cycles=1)
    services.roster_period_generate(period=period)
    copy = _copy(period, base, D(2026, 10, 4))
    start, end = local(copy)
    assert (start.time(), end.time()) == (datetime.time(3, 45), datetime.time(4, 15))
    # Its activity (02:50–03:10 in the pattern) moves by the same rule: 03:50–04:10.
    activity = copy.activities.get()
    assert (activity.start.astimezone(SYD).time(), activity.end.astimezone(SYD).time()) == (
        datetime.time(3, 50), datetime.time(4, 10)
    )


def test_perth_has_no_dst():
    perth = zoneinfo.ZoneInfo("Australia/Perth")
    site = SiteFactory(name="Joondalup Hub", time_zone="Australia/Perth")
    roster = BaseRosterFactory(start_date=D(2026, 3, 30), cycle_weeks=1)
    add_pattern_session(  # Sat 22:00 → Sun 06:00 and Sun 02:30, on Sydney's changeover nights
        roster, site=site, start=datetime.datetime(2026, 4, 4, 22, tzinfo=perth), hours=8
    )
    add_pattern_session(
        roster, site=site, start=datetime.datetime(2026, 4, 5, 2, 30, tzinfo=perth), hours=1
    )
    period = services.roster_period_create(base_roster=roster, start_date=D(2026, 9, 28), cycles=2)
    services.roster_period_generate(period=period)
    rows = [(s.start.astimezone(perth), s.end - s.start) for s in generated(period)]
    assert [(start.strftime("%a %H:%M %z"), length.total_seconds() / 3600)
            for start, length in rows] == [
        ("Sat 22:00 +0800", 8), ("Sun 02:30 +0800", 1),
        ("Sat 22:00 +0800", 8), ("Sun 02:30 +0800", 1),
    ]


# -- planned services are re-checked against the agreement active on the date -------------------


def test_planned_services_follow_the_agreement_active_on_each_date(syd_site):
    roster = BaseRosterFactory(start_date=D(2026, 11, 2), cycle_weeks=1)
    item = SupportItemFactory(item_number="01_011_0107_1_1")
    # Ada's agreement ends on Sun 22 Nov; a new one (same item and ratio) starts the next day.
    ada = ClientFactory(first_name="Ada", sites=[syd_site])
    old = ServiceAgreementLineFactory(
        agreement__client=ada, agreement__start_date=D(2026, 1, 1),
        agreement__end_date=D(2026, 11, 22), support_item=item,
    )
    new = ServiceAgreementLineFactory(
        agreement__client=ada, agreement__start_date=D(2026, 11, 23),
        agreement__end_date=D(2027, 11, 22), support_item=item,
    )
    # Bea's agreement ends on Sun 22 Nov and nothing follows it.
    bea = ClientFactory(first_name="Bea", sites=[syd_site])
    bea_line = ServiceAgreementLineFactory(
        agreement__client=bea, agreement__start_date=D(2026, 1, 1),
        agreement__end_date=D(2026, 11, 22), support_item=item,
    )
    # Cal's only line of the item is for another ratio after the change: not a match.
    cal = ClientFactory(first_name="Cal", sites=[syd_site])
    cal_line = ServiceAgreementLineFactory(
        agreement__client=cal, agreement__start_date=D(2026, 1, 1),
        agreement__end_date=D(2026, 11, 22), support_item=item,
    )
    ServiceAgreementLineFactory(
        agreement__client=cal, agreement__start_date=D(2026, 11, 23),
        agreement__end_date=D(2027, 11, 22), support_item=item, delivery_ratio="1:2",
    )
    base = {
        name: add_pattern_session(
            roster, site=syd_site, start=datetime.datetime(2026, 11, 3 + i, 9, tzinfo=SYD),
            client=client, line=line,
        )
        for i, (name, client, line) in enumerate(
            [("ada", ada, old), ("bea", bea, bea_line), ("cal", cal, cal_line)]
        )
    }
    period = services.roster_period_create(base_roster=roster, start_date=D(2026, 11, 16), cycles=2)
    result, job = generate_as_job(period)

    def lines(name):
        return [
            list(PlannedService.objects.filter(session_client__session=s).values_list(
                "agreement_line_id", flat=True))
            for s in generated(period).filter(source_session=base[name])
        ]

    assert lines("ada") == [[old.pk], [new.pk]]  # week 1 on the old agreement, week 2 the new
    assert lines("bea") == [[bea_line.pk], []]
    assert lines("cal") == [[cal_line.pk], []]
    assert result.skipped_services == 2
    assert job.message == (
        "Generated 6 sessions; 2 planned services skipped: no active agreement line."
    )
    assert job.result["skipped_services"] == 2 and job.result["created"] == 6
    # The sessions themselves are all there, with their clients.
    assert SessionClient.objects.filter(session__roster_period=period).count() == 6


def test_a_worker_who_has_left_is_left_off_later_occurrences(syd_site):
    roster = BaseRosterFactory(start_date=D(2026, 11, 2), cycle_weeks=1)
    leaver = WorkerFactory(active_from=D(2025, 1, 1), active_to=D(2026, 11, 20))
    add_pattern_session(
        roster, site=syd_site, start=datetime.datetime(2026, 11, 3, 9, tzinfo=SYD), worker=leaver
    )
    period = services.roster_period_create(base_roster=roster, start_date=D(2026, 11, 16), cycles=2)
    result = services.roster_period_generate(period=period)
    assert result.skipped_workers == 1
    assert [s.session_workers.count() for s in generated(period)] == [1, 0]


# -- idempotency, concurrency, bringing in ------------------------------------------------------


def test_generating_twice_creates_nothing_more(fortnight):
    roster, _ = fortnight
    period = services.roster_period_create(base_roster=roster, start_date=D(2026, 11, 16), cycles=2)
    assert services.roster_period_generate(period=period).created == 6
    again, job = generate_as_job(period)
    assert (again.created, again.already_present) == (0, 6)
    assert generated(period).count() == 6
    assert SessionClient.objects.filter(session__roster_period=period).count() == 6
    assert job.message.startswith("Nothing new") and job.status == "done"


def test_the_database_refuses_a_duplicate_occurrence(fortnight):
    from django.db import IntegrityError, transaction

    roster, pattern = fortnight
    period = services.roster_period_create(base_roster=roster, start_date=D(2026, 11, 16), cycles=1)
    services.roster_period_generate(period=period)
    copy = generated(period).first()
    copy.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


def test_a_second_claim_does_nothing_while_queued_but_a_stale_job_can_be_restarted(fortnight):
    roster, _ = fortnight
    period = services.roster_period_create(base_roster=roster, start_date=D(2026, 11, 16), cycles=1)
    first = services.roster_period_generation_claim(period=period)
    assert first is not None and first.status == "queued"
    assert services.roster_period_generation_claim(period=period) is None
    job_start(job_id=first.pk)
    Job.objects.filter(pk=first.pk).update(
        heartbeat_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    second = services.roster_period_generation_claim(period=period)
    assert second is not None and second.pk != first.pk
    first.refresh_from_db()
    assert first.status == "failed" and "stopped reporting progress" in first.message
    # The lost job's task, if it ever runs, finds it replaced and does nothing.
    assert generation_job(first.pk) == "not active"
    assert not generated(period).exists()


@pytest.mark.skipif(
    not IS_POSTGRES and not in_ci(),
    reason="needs PostgreSQL (row locks and concurrent connections); runs in CI",
)
@pytest.mark.django_db(transaction=True)
def test_two_generations_at_once_never_duplicate(fortnight, syd_site):
    roster, _ = fortnight
    for i in range(9):
        add_pattern_session(
            roster, site=syd_site, start=datetime.datetime(2026, 11, 3 + i, 13, tzinfo=SYD),
            asset=False,
        )
    period = services.roster_period_create(base_roster=roster, start_date=D(2026, 11, 16), cycles=3)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(services.roster_period_generate(period=period.pk, chunk_size=2))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sum(r.created for r in results) == 36
    assert generated(period).count() == 36
    assert (
        SessionClient.objects.filter(session__roster_period=period).count() == 36
    )
    pairs = list(generated(period).values_list("source_session_id", "occurrence_date"))
    assert len(pairs) == len(set(pairs))


def test_bring_in_adds_only_new_base_sessions_and_keeps_edits(fortnight, syd_site):
    roster, pattern = fortnight
    period = services.roster_period_create(base_roster=roster, start_date=D(2026, 11, 16), cycles=2)
    services.roster_period_generate(period=period)
    assert services.missing_occurrence_count(period=period) == 0

    # A scheduler changes one generated session in the period: later times, another worker.
    edited = generated(period).first()
    other = WorkerFactory(first_name="Olive")
    sc = edited.session_clients.select_related("client").get()
    session_update(
        session=edited,
        start=edited.start + datetime.timedelta(hours=3),
        end=edited.end + datetime.timedelta(hours=3),
        clients=[ClientSpec(sc.client)],
        workers=[other],
    )
    edited.refresh_from_db()
    edited_times = (edited.start, edited.end)

    # Two sessions join the base roster after the period was generated.
    newcomers = [
        add_pattern_session(
            roster, site=syd_site, start=datetime.datetime(2026, 11, 12, 15 + i, tzinfo=SYD)
        )
        for i in range(2)
    ]
    assert services.missing_occurrence_count(period=period) == 4
    preview = services.missing_occurrences(period=period)
    assert [(m.session.pk, m.date) for m in preview] == [
        (newcomers[0].pk, D(2026, 11, 26)), (newcomers[1].pk, D(2026, 11, 26)),
        (newcomers[0].pk, D(2026, 12, 10)), (newcomers[1].pk, D(2026, 12, 10)),
    ]
    assert preview[0].start.time() == datetime.time(15)
    assert len(services.missing_occurrences(period=period, limit=3)) == 3

    result, job = generate_as_job(period)
    assert result.created == 4 and result.already_present == 6
    assert generated(period).count() == 10
    assert services.missing_occurrence_count(period=period) == 0
    edited.refresh_from_db()
    assert (edited.start, edited.end) == edited_times
    assert list(edited.session_workers.values_list("worker_id", flat=True)) == [other.pk]
    assert job.message == "Brought in 4 sessions."


def test_a_base_session_moved_in_the_period_is_not_brought_in_again(fortnight):
    roster, _ = fortnight
    period = services.roster_period_create(base_roster=roster, start_date=D(2026, 11, 16), cycles=1)
    services.roster_period_generate(period=period)
    # Moved to the next day in the period: it still stands for its occurrence.
    moved = generated(period).first()
    Session.objects.filter(pk=moved.pk).update(
        start=moved.start + datetime.timedelta(days=1), end=moved.end + datetime.timedelta(days=1)
    )
    assert services.missing_occurrence_count(period=period) == 0
    assert services.roster_period_generate(period=period).created == 0


# -- the task and its progress ---------------------------------------------------------------


def test_the_task_records_progress_and_outcome(fortnight, django_user_model):
    roster, _ = fortnight
    user = django_user_model.objects.create_user("sam")
    period = services.roster_period_create(base_roster=roster, start_date=D(2026, 11, 16), cycles=2)
    job = services.roster_period_generation_claim(period=period, user=user)
    assert (job.status, job.busy, job.requested_by) == ("queued", True, user)
    assert selectors.is_generating(period)

    assert generation_job(job.pk) == "created 6"
    job.refresh_from_db()
    assert job.status == "done" and not job.busy
    assert (job.done, job.total, job.percent) == (6, 6, 100)
    assert job.message == "Generated 6 sessions."
    assert job.result == {
        "created": 6, "already_present": 0, "skipped_services": 0, "skipped_workers": 0,
        "skipped_activities": 0, "batches": 1,
    }
    assert job.created_at <= job.started_at <= job.heartbeat_at == job.finished_at
    assert selectors.generation_job(period=period) == job
    assert not selectors.is_generating(period)
    # Run again (a redelivered task): the job is finished, nothing happens.
    assert generation_job(job.pk) == "not active"
    job.refresh_from_db()
    assert job.message == "Generated 6 sessions."


def test_a_job_that_crashed_is_recorded_as_failed(fortnight, monkeypatch):
    roster, _ = fortnight
    period = services.roster_period_create(base_roster=roster, start_date=D(2026, 11, 16), cycles=1)
    job = services.roster_period_generation_claim(period=period)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("rostering.generation._generate_chunk", boom)
    with pytest.raises(RuntimeError):
        generation_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.message) == ("failed", "Generation failed: disk full")
    # A failed job frees the period: Generate again claims a new one.
    assert services.roster_period_generation_claim(period=period) is not None


def test_progress_is_written_per_batch(fortnight, syd_site, monkeypatch):
    roster, _ = fortnight
    period = services.roster_period_create(base_roster=roster, start_date=D(2026, 11, 16), cycles=1)
    job = services.roster_period_generation_claim(period=period)
    seen = []
    from jobs import services as job_services

    def spy(real):
        def call(**kwargs):
            changed = real(**kwargs)
            j = Job.objects.get(pk=job.pk)
            seen.append((j.status, j.done, j.total))
            return changed
        return call

    monkeypatch.setattr(job_services, "job_progress", spy(job_services.job_progress))
    monkeypatch.setattr(job_services, "job_finish", spy(job_services.job_finish))
    beats = []
    real_chunk = generation_module._generate_chunk

    def chunk(*args, **kwargs):
        beats.append(Job.objects.get(pk=job.pk).heartbeat_at)
        return real_chunk(*args, **kwargs)

    monkeypatch.setattr(generation_module, "_generate_chunk", chunk)
    services.roster_period_generate(period=period, chunk_size=1, job=job)
    assert seen == [
        ("running", 0, 3), ("running", 1, 3), ("running", 2, 3), ("running", 3, 3),
        ("done", 3, 3),
    ]
    assert beats == sorted(beats) and len(set(beats)) == 3  # a heartbeat per batch


# -- the number of queries does not grow with the sessions ------------------------------------


def _queries_to_generate(n, site):
    roster = BaseRosterFactory(start_date=D(2026, 11, 2), cycle_weeks=2)
    for i in range(n):
        add_pattern_session(
            roster, site=site,
            start=datetime.datetime(2026, 11, 2 + i % 14, 7 + i // 14, tzinfo=SYD),
        )
    period = services.roster_period_create(base_roster=roster, start_date=D(2026, 11, 16), cycles=2)
    with CaptureQueriesContext(connection) as ctx:
        result = services.roster_period_generate(period=period)
    assert result.created == 2 * n
    sql = [q["sql"].lstrip().upper() for q in ctx.captured_queries]
    inserts = sum(s.startswith(("INSERT", "WITH")) for s in sql)  # WITH: history (PostgreSQL)
    return len(sql) - inserts, inserts


def test_generation_queries_do_not_grow_with_sessions(syd_site):
    few, few_inserts = _queries_to_generate(10, syd_site)
    many, many_inserts = _queries_to_generate(60, syd_site)
    # The job's bookkeeping (claim, start, progress per batch, outcome) is part of the count.
    assert few == many <= 24, (few, many)
    # One INSERT per table (and one of the job), unless the database limits the parameters of
    # a statement (SQLite: 999), which splits a table's rows into a few statements; and the
    # history: one INSERT … SELECT per table with history (6), per batch, and on SQLite one more
    # of the sessions' service types (PostgreSQL writes them in the sessions' statement).
    history = 6 + (connection.vendor != "postgresql")
    assert few_inserts == 7 + 1 + history
    if connection.features.max_query_params is None:
        assert many_inserts == 7 + 1 + history
    else:
        assert many_inserts <= 7 * 4 + history
