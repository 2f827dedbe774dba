"""Writes for validating and publishing a roster period.

* `period_validation_request` claims a validation job (`jobs.Job`, one at a time per period)
  and enqueues it after commit; `period_validation_run` is what the job does.
* `roster_period_publish` publishes in one transaction with a fixed number of set-based
  statements, whatever the number of sessions, and records one notification per worker;
  `period_notifications_send` writes and sends them after commit (one email per worker).
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo
from dataclasses import dataclass
from itertools import groupby

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from clients.formatting import nice_date_range
from jobs.models import Job
from jobs.services import job_claim, job_enqueue, job_fail, job_finish, job_progress, job_start
from sessions_app.bookings import ACTIVE_STATUSES, booking_clashes, links_sync
from sessions_app.constraints import is_booking_clash
from sessions_app.models import Session, SessionWorker
from sessions_app.versioning import actor, bump
from workforce.models import Worker

from . import selectors, tasks
from .checks import ERROR, check_period
from .models import JOB_VALIDATE, Notification, PeriodValidation, RosterPeriod

logger = logging.getLogger(__name__)


# --- validation -----------------------------------------------------------------------------
def period_validation_request(*, period: RosterPeriod, user=None) -> Job:
    """Queue a validation job of the period, or return the one already queued or running.

    Safe to call twice at once: the job's partial unique index allows one active validation
    per period. A job that stopped reporting progress (`jobs.models.STALE_AFTER`) is replaced.
    """
    if period.is_published:
        raise ValidationError(
            "This roster period is published; it is not validated again.", code="published"
        )
    if selectors.is_generating(period):
        raise ValidationError(
            "Sessions are still being generated; validate when generation has finished.",
            code="generating",
        )
    with transaction.atomic():
        job = job_claim(kind=JOB_VALIDATE, target=period, requested_by=user)
        if job is None:
            # Queued or running already (another scheduler pressed Validate): share that run.
            return selectors.latest_validation(period=period)
        job_enqueue(job=job, task=tasks.validation_job)
    return job


def period_validation_run(*, job_id: int) -> Job | None:
    """What the background job does: run the checks and store the report with the job's
    outcome. Idempotent: a job no longer active (finished, or lost and replaced) is left alone.
    """
    job = Job.objects.filter(pk=job_id, kind=JOB_VALIDATE).first()
    if job is None:
        return None
    period = RosterPeriod.objects.select_related("base_roster").filter(pk=job.target_id).first()
    if period is None:
        return job
    if not job_start(job_id=job.pk):
        job.refresh_from_db()
        return job
    # Started before the snapshot: any later change makes this run stale.
    state = selectors.period_sessions_state(period=period)
    job_progress(job_id=job.pk, total=state.count)
    try:
        issues = check_period(period, analyze=True)
    except Exception as exc:  # noqa: BLE001 - any failure is shown on the period page
        logger.exception("Validation job %s of period %s failed", job.pk, period.pk)
        job_fail(job_id=job.pk, message=f"{type(exc).__name__}: {exc}"[:1000])
        job.refresh_from_db()
        return job
    counts: dict[str, int] = {}
    for issue in issues:
        counts[issue.rule] = counts.get(issue.rule, 0) + 1
    errors = sum(1 for i in issues if i.severity == ERROR)
    warnings = len(issues) - errors
    n = state.count
    message = (
        f"Checked {n:,} session{'s' if n != 1 else ''}: "
        f"{errors:,} error{'s' if errors != 1 else ''}, "
        f"{warnings:,} warning{'s' if warnings != 1 else ''}."
    )
    with transaction.atomic():
        # The outcome and the report together, once: a second run of the same job finds it
        # finished (the UPDATE waits for this one and then matches nothing).
        if job_finish(
            job_id=job.pk, message=message,
            result={"session_count": n, "error_count": errors, "warning_count": warnings},
        ):
            PeriodValidation.objects.create(
                job=job, period=period, session_count=n,
                sessions_updated_at=state.updated_at, error_count=errors,
                warning_count=warnings, rule_counts=counts,
                report=[issue.as_dict() for issue in issues],
            )
    job.refresh_from_db()
    return job


# --- publishing -----------------------------------------------------------------------------
@dataclass(frozen=True)
class PublishResult:
    period: RosterPeriod
    published: bool  # False: it already was, nothing changed
    sessions_rostered: int = 0
    workers_notified: int = 0


def _fmt_period(period: RosterPeriod) -> str:
    return nice_date_range(period.start_date, period.end_date)


def _body(period: RosterPeriod, rows: list[dict]) -> str:
    """The summary of one worker's sessions in the period."""
    total = sum(((r["session__end"] - r["session__start"]) for r in rows), datetime.timedelta())
    hours = f"{total.total_seconds() / 3600:.2f}".rstrip("0").rstrip(".")
    n = len(rows)
    lines = [
        f"Hello {rows[0]['worker__first_name']},",
        "",
        f"Your roster for {_fmt_period(period)} ({period.base_roster.name}) is published. "
        f"You have {n} session{'s' if n != 1 else ''}, {hours} hours in all:",
        "",
    ]
    for r in rows:
        tz = zoneinfo.ZoneInfo(r["session__site__time_zone"])
        start, end = r["session__start"].astimezone(tz), r["session__end"].astimezone(tz)
        ends = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%a %-d %b %H:%M}"
        lines.append(f"  {start:%a %-d %b %H:%M}–{ends}  {r['session__subject']}")
        if r["session__employee_message"]:
            lines.append(f"      Message: {r['session__employee_message']}")
    lines += ["", "Times are local to each site.", ""]
    return "\n".join(lines)


def _record_notifications(period: RosterPeriod, now) -> int:
    """One notification per worker of the period: a single INSERT … SELECT … GROUP BY.

    The subject counts the worker's sessions; the body, which lists them, is written when the
    email is sent (`period_notifications_send`, after commit), so publishing stays a few
    statements however many sessions there are. Portable SQL (PostgreSQL and SQLite).
    """
    qn = connection.ops.quote_name
    sql = f"""
        INSERT INTO {qn(Notification._meta.db_table)}
            (worker_id, period_id, email, subject, body, created_at, change_key)
        SELECT sw.worker_id, %s, w.email,
               %s || COUNT(*) || CASE WHEN COUNT(*) = 1 THEN %s ELSE %s END, '', %s, ''
        FROM {qn(SessionWorker._meta.db_table)} sw
        JOIN {qn(Session._meta.db_table)} s ON s.id = sw.session_id
        JOIN {qn(Worker._meta.db_table)} w ON w.id = sw.worker_id
        WHERE s.roster_period_id = %s AND s.status <> %s
        GROUP BY sw.worker_id, w.email
    """
    params = [
        period.pk, f"Your roster {_fmt_period(period)}: ", " session", " sessions", now,
        period.pk, Session.Status.CANCELLED,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@transaction.atomic
def roster_period_publish(
    *,
    period: RosterPeriod,
    acknowledged_warnings: bool,
    acknowledged_earlier_unpublished: bool,
    user=None,
) -> PublishResult:
    """Publish the period: its sessions become Rostered and go on the live schedule.

    Needs the latest validation finished, without errors and newer than the last change to the
    sessions; its warnings acknowledged; and, when an earlier period of the same base roster
    is still unpublished, that acknowledged too. The period row is locked first, so of two
    schedulers publishing at once one publishes and the other finds it published (nothing
    changes the second time). A fixed number of statements whatever the number of sessions:
    one UPDATE of the sessions, one of the period and one INSERT … SELECT of one notification
    per worker; the emails are written and sent after commit, in the background.
    The period and each session it rosters is one more version (sessions_app.versioning), by
    `user`: a form open on any of them is told.
    """
    locked = (
        RosterPeriod.objects.select_for_update(of=("self",))
        .select_related("base_roster")
        .get(pk=period.pk)
    )
    if locked.is_published:
        return PublishResult(locked, published=False)
    ready = selectors.publish_readiness(period=locked)
    errors = list(ready.blockers)
    if not errors and ready.needs_warning_ack and not acknowledged_warnings:
        errors.append("Tick “I have read the warnings” to publish with warnings.")
    if not errors and ready.earlier_unpublished and not acknowledged_earlier_unpublished:
        earlier = ", ".join(_fmt_period(p) for p in ready.earlier_unpublished)
        errors.append(
            f"An earlier period of {locked.base_roster.name} is still unpublished ({earlier}). "
            "Tick “Publish before the earlier period” to publish anyway."
        )
    if errors:
        raise ValidationError(errors, code="not_publishable")

    now = timezone.now()
    drafts = Session.objects.filter(roster_period=locked, status=Session.Status.DRAFT)
    try:
        with transaction.atomic():
            rostered = drafts.update(
                status=Session.Status.ROSTERED, updated_at=now, updated_by=actor(user),
                version=F("version") + 1,
            )
            # The worker and asset links book their attendees now (one UPDATE per table);
            # PostgreSQL refuses a double booking the validation could not see.
            links_sync(sessions=Session.objects.filter(
                roster_period=locked, status__in=ACTIVE_STATUSES
            ))
    except IntegrityError as exc:
        if not is_booking_clash(exc):
            raise
        raise ValidationError(_clash_messages(drafts), code="double_booked") from None
    locked.status = RosterPeriod.Status.PUBLISHED
    locked.published_at = now
    bump(locked, user=user, now=now)
    locked.save(update_fields=["status", "published_at", "version", "updated_at", "updated_by"])

    notified = _record_notifications(locked, now)
    transaction.on_commit(lambda: tasks.send_period_notifications.delay(locked.pk))
    period.status, period.published_at = locked.status, locked.published_at
    return PublishResult(
        locked, published=True, sessions_rostered=rostered, workers_notified=notified
    )


def _clash_messages(drafts) -> list[str]:
    """Why publishing would double-book someone, naming the sessions (at most five)."""
    clashes = booking_clashes(sessions=drafts, among=drafts, limit=6)
    if not clashes:
        return [
            "Publishing would put a worker or asset in two overlapping sessions. "
            "Validate the period again to see where."
        ]
    by_id = Session.objects.select_related("site").in_bulk({c.session_id for c in clashes})
    messages = []
    for c in clashes[:5]:
        mine = by_id[c.session_id]
        messages.append(
            f"{c.message}, which overlaps “{mine.subject}” "
            f"{mine.local_start:%a %-d %b %H:%M}–{mine.local_end:%H:%M} in this period."
        )
    messages.append("Validate the period again, fix the sessions, then publish.")
    return messages


def period_notifications_send(*, period_id: int) -> int:
    """Write and email the period's notifications not sent yet: one per worker, one connection.

    Idempotent: sent ones are marked and skipped; two jobs at once do not send twice (the rows
    are locked, the second job skips them). A worker without an email address gets the
    notification recorded, not sent. A fixed number of queries: the pending notifications,
    the (worker, session) rows of their workers, one bulk update.
    """
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(period_id=period_id, sent_at__isnull=True)
            .filter(~Q(email="") | Q(body=""))
            .select_related("period__base_roster")
            .order_by("pk")
        )
        if not pending:
            return 0
        period = pending[0].period
        rows = selectors.period_worker_sessions(period=period).filter(
            worker_id__in=[n.worker_id for n in pending]
        )
        by_worker = {w: list(g) for w, g in groupby(rows, key=lambda r: r["worker_id"])}
        messages, now = [], timezone.now()
        for n in pending:
            n.body = _body(period, by_worker[n.worker_id]) if n.worker_id in by_worker else ""
            if n.email:
                messages.append(EmailMessage(n.subject, n.body, None, [n.email]))
                n.sent_at = now
        if messages:
            with get_connection() as email_connection:
                email_connection.send_messages(messages)
        Notification.objects.bulk_update(pending, ["body", "sent_at"], batch_size=500)
    return len(messages)
