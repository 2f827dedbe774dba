"""Generating a roster period's sessions from its base roster.

A base-roster session carries a date inside the roster's first cycle and stands for the same
weekday and wall-clock time in every later cycle. Generating a period copies every active
base-roster session (status other than Cancelled, of an active base roster) onto each of its
real dates in the period, with its clients, planned services, workers, assets, activities and
service types. Each copy records `source_session` and `occurrence_date`; the database refuses a
second copy of the same occurrence (`session_unique_occurrence`), and generation only creates
the occurrences that are missing, so it is idempotent. "Bring in" (base-roster sessions added
after the period was generated) is the very same operation.

Times — wall-clock in the site's time zone
------------------------------------------
A copy keeps the base session's *local* start and end times: the local date moves by the day
offset and the zone is re-attached, so a 09:00 session stays 09:00 across a DST change and a
22:00–06:00 sleepover on a changeover night lasts 9 h (April) or 7 h (October) in Sydney.
`clients.wallclock.resolve` resolves the two special cases by RFC 5545 §3.3.5:

* an ambiguous time (clocks go back: 02:30 on 2026-04-05 in Sydney happens twice) is the
  *first* occurrence (still daylight time, +11:00);
* a time that does not exist (clocks go forward: 02:00–02:59 on 2026-10-04 in Sydney) takes
  the UTC offset from before the gap: 02:30 is 02:30+10:00, shown as 03:30 AEDT.

If the end no longer follows the start (a start in the gap and an end just after it), the copy
keeps the base session's length from its start. Activities are shifted by the same rule and
then kept inside their session.

Re-checks done set-wise per batch (never `full_clean()` per row: the base data is valid)
---------------------------------------------------------------------------------------
* a planned service bills the client's agreement line for the same support item and ratio on an
  agreement active on the *occurrence* date (the base line itself when still active, otherwise
  the most recent such agreement); without one the planned service is skipped and counted;
* a worker no longer (or not yet) active on the occurrence date is left off and counted;
* cancelled session clients of the pattern are not copied.

Speed and memory
----------------
The base roster is processed in chunks of base-session primary keys (`chunk_size`, 2,000 by
default; fewer when the period spans many cycles so a batch stays near `MAX_BATCH_SESSIONS`
generated sessions). Each chunk is one transaction: lock the period row (`SELECT … FOR UPDATE`,
so concurrent runs serialize and the later one sees the earlier one's rows), read the chunk's
sessions and children with a fixed number of queries, build rows in Python, `bulk_create` them
and write progress. The number of queries grows with the number of chunks only.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from clients import wallclock
from clients.models import ServiceAgreementLine
from jobs import services as jobs
from jobs.models import Job
from sessions_app.history_records import BROUGHT_IN, CREATED, GENERATED, record_history
from sessions_app.models import (
    PlannedService,
    Session,
    SessionActivity,
    SessionAsset,
    SessionClient,
    SessionWorker,
)
from workforce.models import Worker

from .models import JOB_GENERATE, BaseRoster, RosterPeriod

logger = logging.getLogger(__name__)

UTC = datetime.UTC
DEFAULT_CHUNK_SIZE = 2000  # base-roster sessions per batch
MAX_BATCH_SESSIONS = 8000  # generated sessions per batch, whatever the number of cycles
INSERT_BATCH_SIZE = None  # one INSERT per table and batch (as many as the database allows)
ServiceTypeLink = Session.service_types.through


# ------------------------------------------------------------------------------------------
# Wall-clock arithmetic (the rules are clients.wallclock's)
# ------------------------------------------------------------------------------------------


class _Clock:
    """`wallclock.resolve` in UTC, memoised per (zone, day, time): a batch has few distinct
    times."""

    def __init__(self):
        self._cache: dict = {}

    def __call__(self, tz, day, time) -> datetime.datetime:
        key = (tz, day, time)
        value = self._cache.get(key)
        if value is None:
            value = self._cache[key] = wallclock.resolve(day, time, tz).astimezone(UTC)
        return value


def _shift(clock: _Clock, tz, local: datetime.datetime, days: int) -> datetime.datetime:
    """`local` (naive wall-clock) moved `days` days on the calendar, as an instant."""
    return clock(tz, local.date() + datetime.timedelta(days=days), local.time())


def _shift_span(clock: _Clock, tz, start, end, days: int):
    """[start, end) (aware) moved `days` days on the site's calendar, keeping wall-clock times.

    When the end no longer follows the start (a start in a DST gap and an end just after it),
    the span keeps its length from the new start: its wall-clock length, or its real one when
    that is longer (a base span that itself crosses the hour clocks go back).
    """
    local_start, local_end = wallclock.to_local(start, tz), wallclock.to_local(end, tz)
    new_start = _shift(clock, tz, local_start, days)
    new_end = _shift(clock, tz, local_end, days)
    if new_end <= new_start:
        new_end = new_start + max(local_end - local_start, end - start)
    return new_start, new_end


# ------------------------------------------------------------------------------------------
# Occurrences
# ------------------------------------------------------------------------------------------


def aligned(roster: BaseRoster, day: datetime.date) -> bool:
    """True when `day` is the first day of one of the roster's cycles."""
    return (day - roster.start_date).days % roster.cycle_days == 0


def occurrence_dates(
    local_date: datetime.date, *, roster: BaseRoster, start: datetime.date, end: datetime.date
) -> list[datetime.date]:
    """The real dates from `start` to `end` on which a pattern session dated `local_date` falls."""
    cycle = roster.cycle_days
    # Offset inside the cycle, so a pattern date outside the first cycle still maps correctly.
    offset = (local_date - roster.start_date).days % cycle
    first = start + datetime.timedelta(days=(offset - (start - roster.start_date).days) % cycle)
    step = datetime.timedelta(days=cycle)
    dates = []
    while first <= end:
        dates.append(first)
        first += step
    return dates


def active_base_sessions(roster: BaseRoster):
    """The base-roster sessions that generate: all but cancelled ones, of an active roster."""
    qs = Session.objects.filter(base_roster=roster)
    if not roster.active:
        return qs.none()
    return qs.exclude(status=Session.Status.CANCELLED)


def _present(period: RosterPeriod):
    """The period's generated sessions that stand for an active base-roster occurrence."""
    return Session.objects.filter(
        roster_period=period,
        source_session__in=active_base_sessions(period.base_roster),
        occurrence_date__gte=period.start_date,
        occurrence_date__lte=period.end_date,
    )


def occurrence_counts(period: RosterPeriod) -> tuple[int, int]:
    """(expected, present): occurrences of active base-roster sessions in the period, and how
    many of them it has. Two counts for a period of whole cycles (the usual case)."""
    roster = period.base_roster
    base = active_base_sessions(roster)
    cycles = period.cycles
    if cycles is not None:  # every pattern session occurs once per cycle
        expected = base.count() * cycles
    else:
        expected = sum(
            len(occurrence_dates(
                wallclock.to_local(start, wallclock.zone(tz)).date(), roster=roster,
                start=period.start_date, end=period.end_date,
            ))
            for start, tz in base.values_list("start", "site__time_zone").iterator(
                chunk_size=5000
            )
        )
    return expected, _present(period).count()


def _count(qs, group: str):
    return Coalesce(Subquery(qs.values(group).annotate(n=Count("pk")).values("n")[:1]), 0)


def _unless_published(count):
    return Case(When(status=RosterPeriod.Status.PUBLISHED, then=Value(0)), default=count)


def with_occurrence_counts(periods):
    """Roster periods annotated with what `missing_occurrence_count` needs, in the same query:
    `occurrence_base` (active sessions of the base roster) and `occurrence_present`.

    Both are 0 for a published period, which is not generated again: PostgreSQL then skips
    the counts (tens of thousands of sessions for a large provider's period).
    """
    active = ~Q(status=Session.Status.CANCELLED)
    return periods.annotate(
        occurrence_base=_unless_published(_count(
            Session.objects.filter(active, base_roster=OuterRef("base_roster")), "base_roster"
        )),
        occurrence_present=_unless_published(_count(
            Session.objects.filter(
                roster_period=OuterRef("pk"),
                source_session__base_roster=OuterRef("base_roster"),
                source_session__status__in=[
                    s for s in Session.Status.values if s != Session.Status.CANCELLED
                ],
                occurrence_date__gte=OuterRef("start_date"),
                occurrence_date__lte=OuterRef("end_date"),
            ),
            "roster_period",
        )),
    )


def missing_occurrence_count(*, period: RosterPeriod) -> int:
    """How many occurrences of active base-roster sessions are not in the period yet.

    No query when `period` comes from `with_occurrence_counts` (and spans whole cycles).
    """
    cycles = period.cycles
    if cycles is not None and hasattr(period, "occurrence_base"):
        if not period.base_roster.active:
            return 0
        return max(0, period.occurrence_base * cycles - period.occurrence_present)
    expected, present = occurrence_counts(period)
    return max(0, expected - present)


@dataclass(frozen=True)
class MissingOccurrence:
    session: Session  # the base-roster session, with its site
    date: datetime.date
    start: datetime.datetime  # local, as it would be generated
    end: datetime.datetime

    # Wall-clock times at the session's site, without a zone: templates show these as they
    # are (Django's time filter would convert aware values to TIME_ZONE), like Session's.
    @property
    def wall_start(self) -> datetime.datetime:
        return self.start.replace(tzinfo=None)

    @property
    def wall_end(self) -> datetime.datetime:
        return self.end.replace(tzinfo=None)


def missing_occurrences(*, period: RosterPeriod, limit: int = 50) -> list[MissingOccurrence]:
    """Up to `limit` missing occurrences, for a preview: a few queries whatever the size."""
    roster = period.base_roster
    days = (period.end_date - period.start_date).days + 1
    most = -(-days // roster.cycle_days)  # a pattern session occurs at most this often
    # A correlated count per base session, answered by the (source, period, date) index.
    present = _count(
        Session.objects.filter(
            source_session=OuterRef("pk"),
            roster_period=period,
            occurrence_date__gte=period.start_date,
            occurrence_date__lte=period.end_date,
        ),
        "source_session",
    )
    incomplete = list(
        active_base_sessions(roster)
        .annotate(present=present)
        .filter(present__lt=most)
        .select_related("site")
        .order_by("start", "pk")[:limit]
    )
    have = set(
        Session.objects.filter(
            roster_period=period, source_session__in=[s.pk for s in incomplete]
        ).values_list("source_session_id", "occurrence_date")
    )
    clock = _Clock()
    found = []
    for base in incomplete:
        tz = wallclock.zone(base.site.time_zone)
        local_day = wallclock.to_local(base.start, tz).date()
        for day in occurrence_dates(
            local_day, roster=roster, start=period.start_date, end=period.end_date
        ):
            if (base.pk, day) in have:
                continue
            start, end = _shift_span(clock, tz, base.start, base.end, (day - local_day).days)
            found.append(MissingOccurrence(base, day, start.astimezone(tz), end.astimezone(tz)))
    found.sort(key=lambda m: (m.date, m.start, m.session.pk))
    return found[:limit]


# ------------------------------------------------------------------------------------------
# The job
# ------------------------------------------------------------------------------------------


@dataclass
class GenerationResult:
    created: int = 0
    already_present: int = 0
    skipped_services: int = 0
    skipped_workers: int = 0
    skipped_activities: int = 0
    batches: int = 0
    rows: dict = field(default_factory=lambda: defaultdict(int))  # per table

    def add(self, other: GenerationResult):
        for name in (
            "created", "already_present", "skipped_services", "skipped_workers",
            "skipped_activities", "batches",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for table, n in other.rows.items():
            self.rows[table] += n

    def message(self, *, bring_in: bool) -> str:
        n = self.created
        if n:
            verb = "Brought in" if bring_in else "Generated"
            text = f"{verb} {n:,} session{'s' if n != 1 else ''}"
        else:
            text = "Nothing new: every base-roster session is already in this period"
        notes = []
        if self.skipped_services:
            k = self.skipped_services
            notes.append(
                f"{k:,} planned service{'s' if k != 1 else ''} skipped: no active agreement line"
            )
        if self.skipped_workers:
            k = self.skipped_workers
            notes.append(f"{k:,} worker{'s' if k != 1 else ''} left off: not active on the date")
        if self.skipped_activities:
            k = self.skipped_activities
            notes.append(f"{k:,} activit{'ies' if k != 1 else 'y'} skipped: outside the session")
        return "; ".join([text, *notes]) + "."

    def counts(self) -> dict:
        """The outcome's counts, as a job's result."""
        return {
            "created": self.created, "already_present": self.already_present,
            "skipped_services": self.skipped_services, "skipped_workers": self.skipped_workers,
            "skipped_activities": self.skipped_activities, "batches": self.batches,
        }


def _check_can_generate(period: RosterPeriod):
    if period.is_published:
        raise ValidationError(
            "This roster period is published: it can no longer be generated again.",
            code="published",
        )
    if not period.base_roster.active:
        raise ValidationError(
            f"The base roster “{period.base_roster}” is not active.", code="roster_inactive"
        )


def roster_period_generation_claim(*, period: RosterPeriod, user=None) -> Job | None:
    """Claim the period's generation job, unless one is queued or running already (None).

    The job's partial unique index (`job_one_active_per_target`) decides, so of two schedulers
    pressing Generate at the same moment only one claims the job. A job silent for
    `jobs.models.STALE_AFTER` (a worker that died) can be claimed again: generating is
    idempotent.
    """
    _check_can_generate(period)
    return jobs.job_claim(kind=JOB_GENERATE, target=period, requested_by=user)


def roster_period_generation_run(*, job_id: int) -> GenerationResult | None:
    """What the background job does: generate the period of a claimed job, recording progress
    and the outcome on the job. None when the job is no longer active (already finished, or
    lost and replaced): nothing to do. Raises ValidationError (recorded on the job) for a
    published period or an inactive base roster.
    """
    job = Job.objects.filter(pk=job_id, kind=JOB_GENERATE).first()
    if job is None:
        return None
    return roster_period_generate(
        period=job.target_id, job=job, chunk_size=settings.GENERATION_CHUNK_SIZE
    )


def roster_period_generate(
    *, period: RosterPeriod | int, chunk_size: int = DEFAULT_CHUNK_SIZE, job: Job | None = None
) -> GenerationResult | None:
    """Create every missing occurrence of the base roster's active sessions in the period.

    Idempotent and safe to run concurrently. Records progress on a generation job (running,
    done/total per batch, then done with an outcome message and the counts, or failed): the
    claimed `job` of the background task, which does nothing (None) once that job is no longer
    active; called without one (a script, the benchmark), the run claims a job of its own so
    the period page shows its outcome, or runs unrecorded while another job is at work.
    Raises `ValidationError` for a published period or an inactive base roster.
    """
    period_id = period.pk if isinstance(period, RosterPeriod) else period
    if job is not None and not jobs.job_start(job_id=job.pk):
        return None
    try:
        period = RosterPeriod.objects.select_related("base_roster").get(pk=period_id)
        _check_can_generate(period)
    except Exception as exc:
        if job is not None:
            _failed(job.pk, exc)
        raise
    if job is None:
        job = jobs.job_claim(kind=JOB_GENERATE, target=period)
        if job is not None:
            jobs.job_start(job_id=job.pk)
    job_id = job.pk if job is not None else None
    # History: who asked (the job's requester; "system" without one).
    user_id = job.requested_by_id if job is not None else None
    try:
        return _run(period, chunk_size=chunk_size, job_id=job_id, user_id=user_id)
    except Exception as exc:
        if job_id is not None:
            _failed(job_id, exc)
        raise


def _failed(job_id: int, exc: Exception):
    message = " ".join(exc.messages) if isinstance(exc, ValidationError) else (
        f"Generation failed: {exc}"
    )
    jobs.job_fail(job_id=job_id, message=message)


def _run(
    period: RosterPeriod, *, chunk_size: int, job_id: int | None, user_id: int | None = None
) -> GenerationResult:
    roster = period.base_roster
    expected, present = occurrence_counts(period)
    missing = max(0, expected - present)
    if job_id is not None:
        jobs.job_progress(job_id=job_id, done=0, total=missing)
    per_base = max(1, len(occurrence_dates(
        roster.start_date, roster=roster, start=period.start_date, end=period.end_date
    )))
    size = max(1, min(chunk_size, MAX_BATCH_SESSIONS // per_base))
    ids = list(active_base_sessions(roster).order_by("pk").values_list("pk", flat=True))
    total = GenerationResult()
    if missing:
        reason = BROUGHT_IN if present > 0 else GENERATED
        for i in range(0, len(ids), size):
            chunk = ids[i : i + size]
            total.add(_generate_chunk(
                period.pk, chunk[0], chunk[-1], job_id=job_id, user_id=user_id, reason=reason
            ))
    else:
        total.already_present = present
    message = total.message(bring_in=present > 0)
    if job_id is not None:
        jobs.job_finish(job_id=job_id, message=message, result=total.counts())
    logger.info("Roster period %s: %s", period.pk, message)
    return total


def _generate_chunk(
    period_id: int, lo: int, hi: int, *, job_id: int | None = None, user_id: int | None = None,
    reason: str = GENERATED,
) -> GenerationResult:
    """One batch: base-roster sessions with lo <= pk <= hi, in one transaction (with the job's
    progress, so the page never counts sessions that a rollback took back) and with the
    history of every row it creates (`reason`, by `user_id`)."""
    result = GenerationResult(batches=1)
    with transaction.atomic():
        period = (
            RosterPeriod.objects.select_for_update(of=("self",))
            .select_related("base_roster")
            .get(pk=period_id)
        )
        _check_can_generate(period)
        roster = period.base_roster
        base_rows = list(
            active_base_sessions(roster)
            .filter(pk__gte=lo, pk__lte=hi)
            .values_list(
                "pk", "start", "end", "site__time_zone", "work_type", "billable",
                "session_type_id", "subject", "site_id", "region_id", "group_template_id",
                "ratio", "comments", "employee_message",
            )
        )
        existing = set(
            Session.objects.filter(
                roster_period_id=period_id, source_session_id__gte=lo, source_session_id__lte=hi
            ).values_list("source_session_id", "occurrence_date")
        )

        clock = _Clock()
        plans = []  # (base pk, tz, shift in days, session)
        for (
            pk, start, end, tz_name, work_type, billable, session_type_id, subject, site_id,
            region_id, group_template_id, ratio, comments, employee_message,
        ) in base_rows:
            tz = wallclock.zone(tz_name)
            local_day = wallclock.to_local(start, tz).date()
            for day in occurrence_dates(
                local_day, roster=roster, start=period.start_date, end=period.end_date
            ):
                if (pk, day) in existing:
                    result.already_present += 1
                    continue
                shift = (day - local_day).days
                new_start, new_end = _shift_span(clock, tz, start, end, shift)
                plans.append((pk, tz, shift, day, Session(
                    roster_period_id=period_id, source_session_id=pk, occurrence_date=day,
                    work_type=work_type, billable=billable, session_type_id=session_type_id,
                    start=new_start, end=new_end, subject=subject, site_id=site_id,
                    region_id=region_id, group_template_id=group_template_id, ratio=ratio,
                    status=Session.Status.DRAFT, comments=comments,
                    employee_message=employee_message,
                )))
        if not plans:
            return result

        base_ids = list({p[0] for p in plans})
        clients = defaultdict(list)  # base session -> [(session client pk, client pk)]
        for sc_pk, session_id, client_id in SessionClient.objects.filter(
            session_id__in=base_ids, status=SessionClient.Status.SCHEDULED
        ).values_list("pk", "session_id", "client_id"):
            clients[session_id].append((sc_pk, client_id))
        services = defaultdict(list)  # base session client -> [service]
        for row in PlannedService.objects.filter(
            session_client__session_id__in=base_ids,
            session_client__status=SessionClient.Status.SCHEDULED,
        ).values_list(
            "session_client_id", "agreement_line_id", "agreement_line__support_item_id",
            "agreement_line__delivery_ratio", "group_template_item_id", "quantity",
            "quantity_edited",
        ):
            services[row[0]].append(row[1:])
        workers = defaultdict(list)
        for session_id, worker_id in SessionWorker.objects.filter(
            session_id__in=base_ids
        ).values_list("session_id", "worker_id"):
            workers[session_id].append(worker_id)
        assets = defaultdict(list)
        for session_id, asset_id in SessionAsset.objects.filter(
            session_id__in=base_ids
        ).values_list("session_id", "asset_id"):
            assets[session_id].append(asset_id)
        activities = defaultdict(list)
        for session_id, kind, a_start, a_end, paid in SessionActivity.objects.filter(
            session_id__in=base_ids
        ).values_list("session_id", "kind", "start", "end", "paid"):
            activities[session_id].append((kind, a_start, a_end, paid))
        service_types = defaultdict(list)
        for session_id, type_id in ServiceTypeLink.objects.filter(
            session_id__in=base_ids
        ).values_list("session_id", "servicetype_id"):
            service_types[session_id].append(type_id)

        # Agreement lines of the chunk's clients on agreements overlapping the period.
        client_ids = {c for links in clients.values() for _, c in links}
        line_info = {}  # line pk -> (agreement start, end, price)
        lines_by_key = defaultdict(list)  # (client, support item, ratio) -> [(start, end, pk)]
        for pk, client_id, item_id, ratio, a_start, a_end, price in (
            ServiceAgreementLine.objects.active_between(period.start_date, period.end_date)
            .filter(agreement__client_id__in=client_ids)
            .order_by("-agreement__start_date", "-pk")
            .values_list(
                "pk", "agreement__client_id", "support_item_id", "delivery_ratio",
                "agreement__start_date", "agreement__end_date", "support_item__price",
            )
        ):
            line_info[pk] = (a_start, a_end, price)
            lines_by_key[(client_id, item_id, ratio)].append((a_start, a_end, pk))
        worker_ids = {w for ws in workers.values() for w in ws}
        workers_by_id = Worker.objects.only("active_from", "active_to").in_bulk(worker_ids)

        new_sessions = [p[4] for p in plans]
        Session.objects.bulk_create(new_sessions, batch_size=INSERT_BATCH_SIZE)

        new_clients, pending = [], []
        new_workers, new_assets, new_activities, new_types = [], [], [], []
        for base_pk, tz, shift, day, session in plans:
            sid = session.pk
            for sc_pk, client_id in clients[base_pk]:
                sc = SessionClient(session_id=sid, client_id=client_id)
                new_clients.append(sc)
                pending.append((sc, client_id, day, services[sc_pk]))
            for worker_id in workers[base_pk]:
                if workers_by_id[worker_id].is_active_on(day):
                    new_workers.append(SessionWorker(session_id=sid, worker_id=worker_id))
                else:
                    result.skipped_workers += 1
            new_assets += [SessionAsset(session_id=sid, asset_id=a) for a in assets[base_pk]]
            for kind, a_start, a_end, paid in activities[base_pk]:
                span = _shift_activity(clock, tz, shift, a_start, a_end, session)
                if span is None:
                    result.skipped_activities += 1
                    continue
                new_activities.append(SessionActivity(
                    session_id=sid, kind=kind, start=span[0], end=span[1], paid=paid
                ))
            new_types += [
                ServiceTypeLink(session_id=sid, servicetype_id=t) for t in service_types[base_pk]
            ]
        SessionClient.objects.bulk_create(new_clients, batch_size=INSERT_BATCH_SIZE)

        new_services = []
        for sc, client_id, day, specs in pending:
            for line_id, item_id, ratio, template_item_id, quantity, edited in specs:
                chosen = _line_on(day, line_id, lines_by_key[(client_id, item_id, ratio)],
                                  line_info)
                if chosen is None:
                    result.skipped_services += 1
                    continue
                new_services.append(PlannedService(
                    session_client_id=sc.pk, agreement_line_id=chosen,
                    group_template_item_id=template_item_id, support_item_id=item_id,
                    quantity=quantity, unit_price=line_info[chosen][2], quantity_edited=edited,
                ))
        PlannedService.objects.bulk_create(new_services, batch_size=INSERT_BATCH_SIZE)
        SessionWorker.objects.bulk_create(new_workers, batch_size=INSERT_BATCH_SIZE)
        SessionAsset.objects.bulk_create(new_assets, batch_size=INSERT_BATCH_SIZE)
        SessionActivity.objects.bulk_create(new_activities, batch_size=INSERT_BATCH_SIZE)
        ServiceTypeLink.objects.bulk_create(new_types, batch_size=INSERT_BATCH_SIZE)
        _record_created(period_id, lo, hi, new_sessions, user_id=user_id, reason=reason)

        result.created = len(new_sessions)
        for model, rows in (
            (Session, new_sessions), (SessionClient, new_clients),
            (PlannedService, new_services), (SessionWorker, new_workers),
            (SessionAsset, new_assets), (SessionActivity, new_activities),
            (ServiceTypeLink, new_types),
        ):
            result.rows[model._meta.db_table] += len(rows)
        if job_id is not None:
            jobs.job_progress(job_id=job_id, advance=result.created)
    return result


def _record_created(period_id, lo, hi, new_sessions, *, user_id, reason):
    """The history of the batch's new sessions and children: one INSERT … SELECT per table.

    The new sessions are those of the period from this batch's base sessions with a pk from
    the first one created on: the period row is locked, so every older copy has a lower pk.
    """
    created = Session.objects.filter(
        roster_period_id=period_id, source_session_id__gte=lo, source_session_id__lte=hi,
        pk__gte=min(s.pk for s in new_sessions),
    )
    now = timezone.now()
    for queryset in (
        created,
        SessionClient.objects.filter(session__in=created),
        PlannedService.objects.filter(session_client__session__in=created),
        SessionWorker.objects.filter(session__in=created),
        SessionAsset.objects.filter(session__in=created),
        SessionActivity.objects.filter(session__in=created),
    ):
        record_history(
            queryset=queryset, history_type=CREATED, reason=reason, user=user_id, date=now
        )


def _line_on(day, base_line_id, candidates, line_info):
    """The agreement line a planned service bills on `day`, or None.

    The base session's own line while its agreement is active on that day; otherwise the
    client's line for the same support item and ratio on the most recent agreement active then.
    """
    info = line_info.get(base_line_id)
    if info is not None and info[0] <= day <= info[1]:
        return base_line_id
    for a_start, a_end, pk in candidates:  # most recent agreement first
        if a_start <= day <= a_end:
            return pk
    return None


def _shift_activity(clock, tz, shift, a_start, a_end, session):
    """An activity moved like its session and kept inside it; None if nothing is left."""
    start, end = _shift_span(clock, tz, a_start, a_end, shift)
    start, end = max(start, session.start), min(end, session.end)
    if end <= start:
        return None
    return start, end
