"""Roster periods of the demo base roster, made through the rostering services as a scheduler
makes them: create, generate, validate, publish.

* This week and next are covered by published periods, so Scheduling shows a realistic week
  out of the box. A period starts on the first day of one of the base roster's cycles (the one
  holding this week's Monday) and lasts enough cycles to reach the end of next week. Before
  publishing, each session the validation marks with an error (a worker on leave or with a
  lapsed qualification, …) gets another worker who is free, qualified and available, through
  `session_update`; what cannot be fixed that way is cancelled; then it is validated again.
* The cycle after them is left as a generated draft period, validated, with its errors: the
  showcase of validation (the demo's workers have leave and lapsed qualifications ahead).

Periods that already exist are left as they are (a draft one covering this week is fixed and
published), so a second run changes nothing.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, Q

from jobs.services import job_claim
from rostering import publishing
from rostering.checks import ERROR
from rostering.models import JOB_VALIDATE, BaseRoster, PeriodValidation, RosterPeriod
from rostering.services import roster_period_create, roster_period_generate
from sessions_app.models import Session, SessionWorker
from sessions_app.services import session_update
from workforce.models import Worker, WorkerQualification, WorkerUnavailability

from .common import Build, monday_on_or_before

MAX_FIX_ROUNDS = 3


def build_periods(build: Build, roster: BaseRoster) -> None:
    """Published periods over this week and next, then a draft showcase period after them."""
    monday = monday_on_or_before(build.today)
    window_end = monday + datetime.timedelta(days=14)  # exclusive: the Monday after next week
    day = _cycle_start_on_or_before(roster, monday)
    while day < window_end:
        period = _period_on(roster, day)
        if period is None:
            cycles = -(-(window_end - day).days // roster.cycle_days)
            period = _create_and_generate(build, roster, day, cycles)
        if not period.is_published:
            _fix_and_publish(build, period)
        day = period.end_date + datetime.timedelta(days=1)
        build.report.published_periods.append(period)
    if day < roster.start_date:
        day = roster.start_date
    showcase = _period_on(roster, day)
    if showcase is None:
        showcase = _create_and_generate(build, roster, day, 1)
        validation = validate(showcase)
        build.report.showcase = (showcase, validation)


def _cycle_start_on_or_before(roster: BaseRoster, day: datetime.date) -> datetime.date:
    if day <= roster.start_date:
        return roster.start_date
    return day - datetime.timedelta(days=(day - roster.start_date).days % roster.cycle_days)


def _period_on(roster: BaseRoster, day: datetime.date) -> RosterPeriod | None:
    """The roster's period holding `day` (the latest starting, should two overlap)."""
    return (
        RosterPeriod.objects.select_related("base_roster")
        .filter(base_roster=roster, start_date__lte=day, end_date__gte=day)
        .order_by("-start_date", "-pk")
        .first()
    )


def _create_and_generate(build: Build, roster, start_date, cycles) -> RosterPeriod:
    period = roster_period_create(base_roster=roster, start_date=start_date, cycles=cycles)
    result = roster_period_generate(period=period)
    build.created["roster periods"] += 1
    build.created["period sessions"] += result.created
    return period


def validate(period: RosterPeriod) -> PeriodValidation:
    """Claim a validation job and run it here, as the background task does
    (rostering.tasks.validation_job; demo.bench does the same); its report."""
    job = job_claim(kind=JOB_VALIDATE, target=period)
    if job is None:  # one is queued or running (a scheduler pressed Validate): run it here
        job = publishing.period_validation_request(period=period)
    publishing.period_validation_run(job_id=job.pk)
    return PeriodValidation.objects.get(job=job)


def _fix_and_publish(build: Build, period: RosterPeriod) -> None:
    validation = validate(period)
    rounds = 0
    while validation.error_count and rounds < MAX_FIX_ROUNDS:
        rounds += 1
        bad = sorted({e["session_id"] for e in validation.report if e["severity"] == ERROR})
        for session in Session.objects.filter(pk__in=bad).select_related(
            "site", "session_type"
        ).order_by("start", "pk"):
            _fix(build, period, session)
        validation = validate(period)
    result = publishing.roster_period_publish(
        period=period, acknowledged_warnings=True, acknowledged_earlier_unpublished=True
    )
    build.created["sessions rostered"] += result.sessions_rostered
    build.created["workers notified"] += result.workers_notified


def _fix(build: Build, period: RosterPeriod, session: Session) -> None:
    """Give the session workers who can do it; cancel it if nobody can (or if its error is
    not about its workers: an asset booked twice, a service outside its agreement)."""
    current = list(session.session_workers.values_list("worker_id", flat=True))
    eligible = list(eligible_workers(session, period=period))
    keep = [w for w in current if w in eligible]
    wanted = max(1, len(current))
    chosen = keep + [w for w in eligible if w not in keep][: wanted - len(keep)]
    if len(chosen) == wanted and chosen != current:
        session_update(session=session, workers=list(Worker.objects.filter(pk__in=chosen)))
        build.created["sessions given another worker"] += 1
        return
    session_update(session=session, status=Session.Status.CANCELLED)
    build.created["sessions cancelled"] += 1


def eligible_workers(session: Session, *, period: RosterPeriod | None = None) -> list[int]:
    """Ids of the workers who can work `session`: of its region, active on its local date,
    holding the qualifications its session type needs then, neither unavailable nor in an
    overlapping session (of its period or the live schedule); `session` may be unsaved.
    The least busy in `period` first, then by id: deterministic."""
    day = session.local_date
    others = Q(session__in=Session.objects.live())
    if period is not None:
        others |= Q(session__roster_period=period)
    busy = (
        SessionWorker.objects.filter(others, worker=OuterRef("pk"))
        .filter(session__start__lt=session.end, session__end__gt=session.start)
        .exclude(session_id=session.pk)
        .exclude(session__status=Session.Status.CANCELLED)
    )
    away = WorkerUnavailability.objects.filter(
        worker=OuterRef("pk"), start__lt=session.end, end__gt=session.start
    )
    workers = (
        Worker.objects.active_on(day)
        .filter(regions=session.region_id)
        .annotate(busy=Exists(busy), away=Exists(away))
        .filter(busy=False, away=False)
    )
    for qual_id in session.session_type.required_qualifications.values_list("pk", flat=True):
        workers = workers.filter(
            Exists(WorkerQualification.objects.filter(
                worker=OuterRef("pk"), qualification_id=qual_id,
            ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day)))
        )
    load = Count("session_links", filter=Q(session_links__session__roster_period=period))
    return list(
        workers.annotate(load=load)
        .order_by("load", "pk")
        .values_list("pk", flat=True)
        .distinct()
    )
