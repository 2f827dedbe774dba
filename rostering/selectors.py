"""Reads of base rosters and roster periods: the lists, and for validating and publishing a
period the latest run, whether it still holds, what stands in the way of publishing, the report
page shown on the period page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, Max, QuerySet
from django.utils import timezone

from clients import wallclock
from clients.access import scoped
from jobs.models import Job
from jobs.selectors import is_busy, latest_job
from sessions_app.models import Session, SessionWorker

from .checks import ERROR, NOT_CANCELLED, RULES, WARNING, Rule
from .models import JOB_GENERATE, JOB_VALIDATE, BaseRoster, PeriodValidation, RosterPeriod

REPORT_PAGE_SIZE = 25
# Issues shown of each rule before "Show all": more of the errors, which block publishing.
GROUP_PREVIEW = {ERROR: 5, WARNING: 3}
FATIGUE_DAYS = datetime.timedelta(days=9)



def base_roster_list(*, user) -> QuerySet[BaseRoster]:
    return scoped(user, BaseRoster.objects.all()).select_related("site").annotate(
        session_count=Count("sessions")
    ).order_by("-active", "name")


def roster_period_list(*, user) -> QuerySet[RosterPeriod]:
    return scoped(user, RosterPeriod.objects.all()).select_related("base_roster").annotate(
        session_count=Count("sessions")
    ).order_by("-start_date", "base_roster__name")

# --- the background jobs of a period (jobs.Job) ------------------------------------------------
def generation_job(*, period: RosterPeriod) -> Job | None:
    """The period's latest generation job (its progress or outcome), or None: never generated."""
    return latest_job(kind=JOB_GENERATE, target=period)


def is_generating(period: RosterPeriod) -> bool:
    """Are the period's sessions being generated right now (a generation job alive)?"""
    return is_busy(kind=JOB_GENERATE, target=period)


def latest_validation(*, period: RosterPeriod, with_report=False) -> Job | None:
    """The period's latest validation job, with its report row when it finished (see
    `validation_outcome`); the report itself (thousands of issues) only `with_report`."""
    qs = (
        Job.objects.for_target(period, JOB_VALIDATE)
        .select_related("period_validation")
        .newest_first()
    )
    if not with_report:
        qs = qs.defer("period_validation__report")
    return qs.first()


def validation_outcome(job: Job | None) -> PeriodValidation | None:
    """What a finished validation job found (no query after `latest_validation`), or None."""
    if job is None or not job.is_done:
        return None
    try:
        return job.period_validation
    except PeriodValidation.DoesNotExist:
        return None


@dataclass(frozen=True)
class SessionsState:
    count: int
    updated_at: datetime.datetime | None


def period_sessions_state(*, period: RosterPeriod) -> SessionsState:
    """How many sessions the period has and when the last of them changed (one query)."""
    agg = Session.objects.filter(roster_period=period).aggregate(
        count=Count("id"), updated_at=Max("updated_at")
    )
    return SessionsState(agg["count"], agg["updated_at"])


@dataclass(frozen=True)
class PublishPreview:
    """What publishing would do: the sessions it rosters and the workers it notifies."""

    sessions: int
    workers: int


def publish_preview(*, period: RosterPeriod) -> PublishPreview:
    """The numbers the publish confirmation shows, counted as publishing counts them."""
    sessions = Session.objects.filter(
        roster_period=period, status=Session.Status.DRAFT
    ).count()
    workers = (
        SessionWorker.objects.filter(session__roster_period=period)
        .exclude(session__status=Session.Status.CANCELLED)
        .values("worker_id")
        .distinct()
        .count()
    )
    return PublishPreview(sessions=sessions, workers=workers)


def earlier_unpublished_periods(*, period: RosterPeriod) -> QuerySet[RosterPeriod]:
    return RosterPeriod.objects.filter(
        base_roster_id=period.base_roster_id,
        start_date__lt=period.start_date,
        status=RosterPeriod.Status.DRAFT,
    ).order_by("start_date")


def _period_bounds(period: RosterPeriod):
    tz = timezone.get_current_timezone()
    start, _ = wallclock.local_day_bounds(period.start_date, tz)
    _, end = wallclock.local_day_bounds(period.end_date, tz)
    return start - FATIGUE_DAYS, end + FATIGUE_DAYS


def live_changed_since(*, period: RosterPeriod, since: datetime.datetime) -> bool:
    """Did a live session around the period's dates change after `since` (one query)?

    Live sessions are those of published periods and those made on the live schedule: asked
    as two EXISTS, each led by the sessions' (roster_period, start) index, rather than one OR
    over a join, which has PostgreSQL read every session.
    """
    start, end = _period_bounds(period)
    changed = Session.objects.overlapping(start, end).filter(
        status__in=NOT_CANCELLED, updated_at__gt=since
    )
    published = RosterPeriod.objects.filter(status=RosterPeriod.Status.PUBLISHED)
    flags = (
        RosterPeriod.objects.filter(pk=period.pk)
        .annotate(
            in_published=Exists(changed.filter(roster_period__in=published.values("pk"))),
            made_live=Exists(changed.filter(roster_period__isnull=True, base_roster__isnull=True)),
        )
        .values_list("in_published", "made_live")
        .first()
    )
    return bool(flags and any(flags))


@dataclass
class Readiness:
    """Whether the period can be published now, and what the scheduler must acknowledge."""

    validation: Job | None
    blockers: list[str] = field(default_factory=list)
    stale: bool = False
    needs_warning_ack: bool = False
    earlier_unpublished: list[RosterPeriod] = field(default_factory=list)

    @property
    def can_publish(self) -> bool:
        return not self.blockers


def publish_readiness(
    *, period: RosterPeriod, validation: Job | None = None, fetch=True, generating=None,
    state: SessionsState | None = None,
) -> Readiness:
    """What stands between the period and publishing; a fixed number of queries.

    Publishing needs a finished validation without errors, newer than the last change to the
    period's sessions (and to the live sessions around its dates). `state`: the period's
    `period_sessions_state`, when the caller has it already (the period page counts it).
    """
    if fetch:
        validation = latest_validation(period=period)
    ready = Readiness(validation=validation)
    if period.is_published:
        ready.blockers.append("This roster period is already published.")
        return ready
    if generating is None:
        generating = is_generating(period)
    if generating:
        ready.blockers.append("Sessions are still being generated from the base roster.")
        return ready
    if validation is None:
        ready.blockers.append("Validate the period before publishing it.")
        return ready
    if validation.busy:
        ready.blockers.append("Validation is still running.")
        return ready
    if validation.is_active:  # lost: its worker stopped
        ready.blockers.append("The last validation stopped reporting progress; validate again.")
        return ready
    found = validation_outcome(validation)
    if found is None:  # failed, or (from before jobs) finished without a report
        ready.blockers.append("The last validation did not finish; validate again.")
        return ready
    # Only once there is something to publish: the page without a validation stays light.
    ready.earlier_unpublished = list(earlier_unpublished_periods(period=period))
    if state is None:
        state = period_sessions_state(period=period)
    if state.count != found.session_count or (
        state.updated_at
        and found.sessions_updated_at
        and state.updated_at > found.sessions_updated_at
    ):
        ready.stale = True
        ready.blockers.append(
            "Sessions of this period changed after the last validation; validate again."
        )
    elif live_changed_since(period=period, since=validation.started_at):
        ready.stale = True
        ready.blockers.append(
            "The live schedule around these dates changed after the last validation; "
            "validate again."
        )
    if found.error_count:
        n = found.error_count
        ready.blockers.append(
            f"Fix the {n} error{'s' if n != 1 else ''} and validate again to publish."
        )
    ready.needs_warning_ack = found.warning_count > 0
    return ready


# --- the report as shown on the period page -----------------------------------------------
@dataclass
class IssueRow:
    severity: str
    rule: Rule
    message: str
    session_id: int
    session: Session | None
    other_session_id: int | None
    other: Session | None

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


@dataclass
class RuleGroup:
    rule: Rule
    count: int
    rows: list[IssueRow] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.rows)


@dataclass
class Report:
    groups: list[RuleGroup]
    rule: Rule | None = None  # the rule shown in full, with pages
    page: Page | None = None


def _rows(entries: list[dict]) -> list[IssueRow]:
    """Issue rows with their sessions, fetched in one query."""
    ids = {e["session_id"] for e in entries} | {
        e["other_session_id"] for e in entries if e.get("other_session_id")
    }
    sessions = Session.objects.select_related("site").in_bulk(ids) if ids else {}
    return [
        IssueRow(
            severity=e["severity"],
            rule=RULES[e["rule"]],
            message=e["message"],
            session_id=e["session_id"],
            session=sessions.get(e["session_id"]),
            other_session_id=e.get("other_session_id"),
            other=sessions.get(e.get("other_session_id")),
        )
        for e in entries
        if e["rule"] in RULES
    ]


def validation_report(
    *, validation: PeriodValidation, rule: str | None = None, page: int | str | None = None
) -> Report:
    """The report grouped by rule, errors first: a few issues of each rule, or one rule in pages.

    Loads the stored report once (it can hold thousands of issues) and the sessions of the
    issues shown in one more query.
    """
    counts = validation.rule_counts or {}
    groups = [RuleGroup(RULES[code], counts[code]) for code in RULES if counts.get(code)]
    if not groups:
        return Report(groups)
    entries = (
        PeriodValidation.objects.filter(pk=validation.pk).values_list("report", flat=True).get()
    )
    if rule in RULES and counts.get(rule):
        chosen = [e for e in entries if e["rule"] == rule]
        page_obj = Paginator(chosen, REPORT_PAGE_SIZE).get_page(page)
        page_obj.object_list = _rows(list(page_obj.object_list))
        return Report(groups, RULES[rule], page_obj)
    preview: dict[str, list[dict]] = {g.rule.code: [] for g in groups}
    for e in entries:
        bucket = preview.get(e["rule"])
        if bucket is not None and len(bucket) < GROUP_PREVIEW[e["severity"]]:
            bucket.append(e)
    rows = _rows([e for g in groups for e in preview[g.rule.code]])
    for g in groups:
        g.rows = [r for r in rows if r.rule.code == g.rule.code]
    return Report(groups)


# --- what publishing tells each worker -----------------------------------------------------
def period_worker_sessions(*, period: RosterPeriod):
    """Every (worker, session) of the period, by worker then start: one query of plain rows."""
    return (
        SessionWorker.objects.filter(
            session__roster_period=period, session__status__in=NOT_CANCELLED
        )
        .values(
            "worker_id", "worker__first_name", "worker__last_name", "worker__email",
            "session_id", "session__start", "session__end", "session__subject",
            "session__site__time_zone", "session__employee_message",
        )
        .order_by("worker_id", "session__start", "session_id")
    )
