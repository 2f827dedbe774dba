"""Writes of the live schedule: Save and Roster.

    job = roster_request(session_ids=[…], series=series, user=request.user)  # in the save's
    # transaction: the job runs after commit (a worker, or in-process without a broker)

`roster_request` records what to roster (a `RosterRequest`, with a pending `RosterOutcome` per
occurrence in start order), claims a job for it and enqueues `scheduling.tasks.roster_job`
after commit. `roster_run` is what the job does: the checks (`scheduling.roster_checks`, a
fixed number of set-based reads), then, a chunk of occurrences per transaction, each accepted
occurrence becomes Rostered and its worker and asset links book their attendees
(`sessions_app.bookings.links_sync`) — on PostgreSQL the exclusion constraint refuses a double
booking that another transaction committed meanwhile, and that occurrence alone stays Draft with
a message naming the other session. Then one notification per worker for the whole request,
sent by email after commit. Every step is conditional on the job still being active and on the
occurrence still being Draft, so running the task twice changes nothing and sends nothing twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from itertools import groupby

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from clients.wallclock import to_local, zone
from jobs.models import Job
from jobs.services import job_claim, job_enqueue, job_fail, job_finish, job_progress, job_start
from rostering.models import Notification
from sessions_app.bookings import booking_clashes, links_sync
from sessions_app.constraints import is_booking_clash
from sessions_app.models import Session, SessionWorker

from . import tasks
from .models import JOB_ROSTER, RosterOutcome, RosterRequest
from .roster_checks import plan_occurrences

logger = logging.getLogger(__name__)

CHUNK = 20  # occurrences written per transaction (and per progress step)
MAX_OCCURRENCES = 400  # a year of daily occurrences, with room


# --- asking ---------------------------------------------------------------------------------
def roster_request(*, session_ids: list[int], series=None, user=None, previous=None) -> Job:
    """Roster these live-schedule sessions in a background job; returns the job (queued).

    Call it inside the transaction that saved them: the job is sent after commit. With
    `series` (a `sessions_app` SessionSeries) and no `session_ids`, its Draft occurrences.
    Raises ValidationError for sessions that are not on the live schedule, or none at all.
    """
    ids = list(dict.fromkeys(int(i) for i in session_ids))
    if not ids and series is not None:
        ids = list(
            Session.objects.filter(series=series, status=Session.Status.DRAFT)
            .order_by("start", "pk").values_list("pk", flat=True)
        )
    if not ids:
        raise ValidationError("There is no session to roster.", code="nothing")
    if len(ids) > MAX_OCCURRENCES:
        raise ValidationError(
            f"At most {MAX_OCCURRENCES} sessions are rostered at once.", code="too_many"
        )
    sessions = list(
        Session.objects.filter(pk__in=ids).order_by("start", "pk")
        .values_list("pk", "base_roster_id", "roster_period_id")
    )
    if len(sessions) != len(ids):
        raise ValidationError("A session to roster no longer exists.", code="missing")
    if any(base or period for _, base, period in sessions):
        raise ValidationError(
            "Only sessions on the live schedule are rostered here; a roster period's sessions "
            "are rostered by publishing it.",
            code="not_live",
        )
    with transaction.atomic():
        request = RosterRequest.objects.create(
            requested_by=user if user is not None and user.is_authenticated else None,
            previous=previous,
        )
        RosterOutcome.objects.bulk_create(
            RosterOutcome(request=request, session_id=pk, position=i)
            for i, (pk, _, _) in enumerate(sessions)
        )
        job = job_claim(kind=JOB_ROSTER, target=request, requested_by=user)  # a new target
        job_progress(job_id=job.pk, total=len(sessions))
        job.total = len(sessions)
        job_enqueue(job=job, task=tasks.roster_job)
    return job


def roster_again(*, job: Job, user=None) -> Job:
    """Roster again the occurrences a finished job left Draft (after the scheduler fixed them)."""
    if job.kind != JOB_ROSTER:
        raise ValidationError("That is not a Save and Roster job.", code="wrong_kind")
    if job.is_active:
        raise ValidationError("Rostering is still running.", code="running")
    ids = list(
        RosterOutcome.objects.filter(
            request_id=job.target_id,
            result__in=[RosterOutcome.Result.DRAFT, RosterOutcome.Result.PENDING],
            session__status=Session.Status.DRAFT,
        ).order_by("position").values_list("session_id", flat=True)
    )
    if not ids:
        raise ValidationError("No occurrence of this job is still Draft.", code="nothing")
    return roster_request(
        session_ids=ids, user=user, previous=RosterRequest.objects.get(pk=job.target_id)
    )


# --- the job --------------------------------------------------------------------------------
def roster_run(*, job_id: int) -> Job | None:
    """What the job does. Idempotent: a job no longer active is left alone; occurrences with
    an outcome already (a redelivered task) are not looked at again."""
    job = Job.objects.filter(pk=job_id, kind=JOB_ROSTER).first()
    if job is None:
        return None
    if not job_start(job_id=job.pk):
        job.refresh_from_db()
        return job
    try:
        _run(job)
    except _NoLongerActive:
        logger.info("Save and Roster job %s was replaced while it ran", job.pk)
    except Exception as exc:  # noqa: BLE001 - any failure is shown beside the occurrences
        logger.exception("Save and Roster job %s failed", job.pk)
        job_fail(job_id=job.pk, message=f"Rostering stopped: {type(exc).__name__}: {exc}"[:1000])
    job.refresh_from_db()
    return job


def _run(job: Job):
    outcomes = list(
        RosterOutcome.objects.filter(request_id=job.target_id)
        .select_related("session__site").order_by("position")
    )
    job_progress(job_id=job.pk, total=len(outcomes),
                 done=sum(o.result != RosterOutcome.Result.PENDING for o in outcomes))
    pending = [o for o in outcomes if o.result == RosterOutcome.Result.PENDING]
    drafts = [o.session for o in pending if o.session.status == Session.Status.DRAFT]
    verdicts = plan_occurrences(drafts)
    for start in range(0, len(pending), CHUNK):
        chunk = pending[start:start + CHUNK]
        with transaction.atomic():
            _write_chunk(chunk, verdicts, by_id=job.requested_by_id)
            if not job_progress(job_id=job.pk, advance=len(chunk)):
                raise _NoLongerActive
    counts = defaultdict(int)
    warned = 0
    for o in RosterOutcome.objects.filter(request_id=job.target_id).only("result", "warnings"):
        counts[o.result] += 1
        warned += bool(o.warnings)
    with transaction.atomic():
        notified = _record_notifications(job)
        if not job_finish(job_id=job.pk, message=_summary(counts, warned), result={
            "rostered": counts[RosterOutcome.Result.ROSTERED],
            "draft": counts[RosterOutcome.Result.DRAFT],
            "skipped": counts[RosterOutcome.Result.SKIPPED],
            "with_warnings": warned,
            "workers_notified": notified,
        }):
            raise _NoLongerActive
        transaction.on_commit(lambda: tasks.send_roster_notifications.delay(job.pk))


class _NoLongerActive(Exception):
    """The job was declared lost and replaced meanwhile: this run's writes are undone."""


def _summary(counts, warned: int) -> str:
    rostered, draft = counts[RosterOutcome.Result.ROSTERED], counts[RosterOutcome.Result.DRAFT]
    total = sum(counts.values())
    text = f"Rostered {rostered} of {total} session{'s' if total != 1 else ''}"
    if draft:
        text += f"; {draft} stay{'s' if draft == 1 else ''} Draft"
    skipped = counts[RosterOutcome.Result.SKIPPED]
    if skipped:
        text += f"; {skipped} no longer Draft"
    text += "."
    if warned:
        text += f" {warned} with fatigue warnings."
    return text


def _write_chunk(chunk: list[RosterOutcome], verdicts, *, by_id=None):
    """Lock the chunk's sessions; the accepted Draft ones become Rostered with their links
    booking; every outcome recorded. One set-based write for the chunk; occurrence by
    occurrence only when the database refuses a double booking (a race lost)."""
    ids = [o.session_id for o in chunk]
    status = dict(
        Session.objects.select_for_update(of=("self",)).filter(pk__in=ids)
        .values_list("pk", "status")
    )
    accepted = []
    for o in chunk:
        v = verdicts.get(o.session_id)
        now_status = status.get(o.session_id)
        if now_status != Session.Status.DRAFT or v is None:
            o.result = RosterOutcome.Result.SKIPPED
            label = Session.Status(now_status).label if now_status else "deleted"
            o.reasons = [f"It was {label} when rostering came to it."]
            continue
        o.warnings = v.warnings
        o.other_session_id = v.other_session_id
        if v.ok:
            accepted.append(o)
        else:
            o.result, o.reasons = RosterOutcome.Result.DRAFT, v.reasons
    try:
        with transaction.atomic():
            _roster([o.session_id for o in accepted], by_id=by_id)
    except IntegrityError as exc:
        if not is_booking_clash(exc):
            raise
        for o in accepted:
            _roster_one(o, by_id=by_id)
    else:
        for o in accepted:
            o.result, o.reasons = RosterOutcome.Result.ROSTERED, []
    RosterOutcome.objects.bulk_update(
        chunk, ["result", "reasons", "warnings", "other_session"]
    )


def _roster(ids: list[int], *, by_id=None):
    if not ids:
        return
    now = timezone.now()
    Session.objects.filter(pk__in=ids, status=Session.Status.DRAFT).update(
        status=Session.Status.ROSTERED, updated_at=now, updated_by_id=by_id,
        version=F("version") + 1,  # an open session form is told (sessions_app.versioning)
    )
    links_sync(sessions=Session.objects.filter(pk__in=ids))


def _roster_one(o: RosterOutcome, *, by_id=None):
    """One occurrence in its own savepoint: Rostered, or Draft naming the session that won."""
    try:
        with transaction.atomic():
            _roster([o.session_id], by_id=by_id)
    except IntegrityError as exc:
        if not is_booking_clash(exc):
            raise
        clashes = booking_clashes(sessions=Session.objects.filter(pk=o.session_id))
        o.result = RosterOutcome.Result.DRAFT
        o.reasons = [f"{c.message}." for c in clashes] or [
            "A worker or asset was rostered to an overlapping session meanwhile."
        ]
        o.other_session_id = clashes[0].other_id if clashes else None
    else:
        o.result, o.reasons = RosterOutcome.Result.ROSTERED, []


# --- notifications --------------------------------------------------------------------------
def _fmt_span(start, end, tz) -> str:
    s, e = to_local(start, tz), to_local(end, tz)
    ends = f"{e:%H:%M}" if s.date() == e.date() else f"{e:%a %-d %b %H:%M}"
    return f"{s:%a %-d %b %Y %H:%M}–{ends}"


def _record_notifications(job: Job) -> int:
    """One notification per worker of the sessions this job rostered, with the employee
    message and the dates. A second run adds none (unique per worker and job)."""
    rows = list(
        SessionWorker.objects.filter(
            session__roster_outcomes__request_id=job.target_id,
            session__roster_outcomes__result=RosterOutcome.Result.ROSTERED,
        )
        .values(
            "worker_id", "worker__first_name", "worker__email", "session__subject",
            "session__start", "session__end", "session__site__name",
            "session__site__time_zone", "session__employee_message",
        )
        .order_by("worker_id", "session__start")
    )
    notes = []
    for worker_id, group in groupby(rows, key=lambda r: r["worker_id"]):
        group = list(group)
        notes.append(Notification(
            worker_id=worker_id, job=job, email=group[0]["worker__email"] or "",
            subject=_subject(group), body=_body(group),
        ))
    created = Notification.objects.bulk_create(notes, ignore_conflicts=True)
    return len(created)


def _subject(rows) -> str:
    first = rows[0]
    if len(rows) == 1:
        tz = zone(first["session__site__time_zone"])
        return f"New session: {first['session__subject']}, " \
               f"{_fmt_span(first['session__start'], first['session__end'], tz)}"[:255]
    return f"New sessions: {first['session__subject']}, {len(rows)} dates"[:255]


def _body(rows) -> str:
    n = len(rows)
    lines = [
        f"Hello {rows[0]['worker__first_name']},",
        "",
        f"You are rostered to {n} new session{'s' if n != 1 else ''}:",
        "",
    ]
    messages = {r["session__employee_message"] for r in rows}
    for r in rows:
        tz = zone(r["session__site__time_zone"])
        lines.append(
            f"  {_fmt_span(r['session__start'], r['session__end'], tz)}  "
            f"{r['session__subject']} ({r['session__site__name']})"
        )
        if len(messages) > 1 and r["session__employee_message"]:
            lines.append(f"      Message: {r['session__employee_message']}")
    if len(messages) == 1 and rows[0]["session__employee_message"]:
        lines += ["", f"Message: {rows[0]['session__employee_message']}"]
    lines += ["", "Times are local to each site.", ""]
    return "\n".join(lines)


def roster_notifications_send(*, job_id: int) -> int:
    """Email the job's notifications not sent yet, over one connection. Idempotent: sent ones
    are marked and skipped; two senders at once skip each other's rows (skip_locked)."""
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(job_id=job_id, sent_at__isnull=True)
            .filter(~Q(email=""))
            .order_by("pk")
        )
        if not pending:
            return 0
        now = timezone.now()
        messages = [EmailMessage(n.subject, n.body, None, [n.email]) for n in pending]
        with get_connection() as email_connection:
            email_connection.send_messages(messages)
        for n in pending:
            n.sent_at = now
        Notification.objects.bulk_update(pending, ["sent_at"])
    return len(messages)
