"""Writes for validating and publishing a roster period.

* `period_validation_request` queues a validation run (one at a time per period) and enqueues
  the background job after commit; `period_validation_run` is what the job does.
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
from django.db.models import Q
from django.utils import timezone

from clients.formatting import nice_date_range
from sessions_app.models import Session, SessionWorker
from workforce.models import Worker

from . import selectors, tasks
from .checks import ERROR, check_period
from .models import Notification, PeriodValidation, RosterPeriod

logger = logging.getLogger(__name__)


# --- validation -----------------------------------------------------------------------------
def period_validation_request(*, period: RosterPeriod, user=None) -> PeriodValidation:
    """Queue a validation of the period, or return the one already queued or running.

    Safe to call twice at once: a partial unique index allows one active run per period.
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
        active = selectors.active_validation(period=period)
        if active is not None and not selectors.is_lost(active):
            return active
        if active is not None:
            PeriodValidation.objects.filter(pk=active.pk).update(
                status=PeriodValidation.Status.FAILED,
                finished_at=timezone.now(),
                failure_message="The validation job stopped answering; it was started again.",
            )
        try:
            with transaction.atomic():
                validation = PeriodValidation.objects.create(period=period, requested_by=user)
        except IntegrityError:
            # Another scheduler pressed Validate at the same moment: share their run.
            return selectors.active_validation(period=period)
        transaction.on_commit(lambda: tasks.validate_roster_period.delay(validation.pk))
    return validation


def period_validation_run(*, validation_id: int) -> PeriodValidation | None:
    """Run a queued validation and store its report. Idempotent: a finished run is left alone."""
    with transaction.atomic():
        validation = (
            PeriodValidation.objects.select_for_update()
            .select_related("period__base_roster")
            .filter(pk=validation_id)
            .first()
        )
        if validation is None or not validation.is_active:
            return validation
        # Started before the snapshot: any later change makes this run stale.
        validation.started_at = timezone.now()
        state = selectors.period_sessions_state(period=validation.period)
        validation.status = PeriodValidation.Status.RUNNING
        validation.session_count = state.count
        validation.sessions_updated_at = state.updated_at
        validation.save(
            update_fields=["status", "started_at", "session_count", "sessions_updated_at"]
        )
    try:
        issues = check_period(validation.period, analyze=True)
    except Exception as exc:  # noqa: BLE001 - any failure is shown on the period page
        logger.exception("Validation %s of period %s failed", validation.pk, validation.period_id)
        validation.status = PeriodValidation.Status.FAILED
        validation.failure_message = f"{type(exc).__name__}: {exc}"[:1000]
        validation.finished_at = timezone.now()
        validation.save(update_fields=["status", "failure_message", "finished_at"])
        return validation
    counts: dict[str, int] = {}
    for issue in issues:
        counts[issue.rule] = counts.get(issue.rule, 0) + 1
    validation.report = [issue.as_dict() for issue in issues]
    validation.rule_counts = counts
    validation.error_count = sum(1 for i in issues if i.severity == ERROR)
    validation.warning_count = len(issues) - validation.error_count
    validation.status = PeriodValidation.Status.DONE
    validation.finished_at = timezone.now()
    validation.save(
        update_fields=[
            "report", "rule_counts", "error_count", "warning_count", "status", "finished_at"
        ]
    )
    return validation


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
            (worker_id, period_id, email, subject, body, created_at)
        SELECT sw.worker_id, %s, w.email,
               %s || COUNT(*) || CASE WHEN COUNT(*) = 1 THEN %s ELSE %s END, '', %s
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
) -> PublishResult:
    """Publish the period: its sessions become Rostered and go on the live schedule.

    Needs the latest validation finished, without errors and newer than the last change to the
    sessions; its warnings acknowledged; and, when an earlier period of the same base roster
    is still unpublished, that acknowledged too. The period row is locked first, so of two
    schedulers publishing at once one publishes and the other finds it published (nothing
    changes the second time). A fixed number of statements whatever the number of sessions:
    one UPDATE of the sessions, one of the period and one INSERT … SELECT of one notification
    per worker; the emails are written and sent after commit, in the background.
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
    rostered = Session.objects.filter(
        roster_period=locked, status=Session.Status.DRAFT
    ).update(status=Session.Status.ROSTERED, updated_at=now)
    locked.status = RosterPeriod.Status.PUBLISHED
    locked.published_at = now
    locked.save(update_fields=["status", "published_at"])

    notified = _record_notifications(locked, now)
    transaction.on_commit(lambda: tasks.send_period_notifications.delay(locked.pk))
    period.status, period.published_at = locked.status, locked.published_at
    return PublishResult(
        locked, published=True, sessions_rostered=rostered, workers_notified=notified
    )


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
