"""Reads of base rosters and roster periods: the lists, and for validating and publishing a
period the latest run, whether it still holds, what stands in the way of publishing, the report
page shown on the period page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from clients import wallclock
from sessions_app.models import Session, SessionWorker

from .checks import ERROR, NOT_CANCELLED, RULES, WARNING, Rule, live_sessions
from .models import BaseRoster, PeriodValidation, RosterPeriod

# A queued or running validation silent for this long is taken as lost (worker restarted).
VALIDATION_TIMEOUT = datetime.timedelta(minutes=15)
REPORT_PAGE_SIZE = 25
# Issues shown of each rule before "Show all": more of the errors, which block publishing.
GROUP_PREVIEW = {ERROR: 5, WARNING: 3}
FATIGUE_DAYS = datetime.timedelta(days=9)



def base_roster_list() -> QuerySet[BaseRoster]:
    return BaseRoster.objects.select_related("site").annotate(
        session_count=Count("sessions")
    ).order_by("-active", "name")


def roster_period_list() -> QuerySet[RosterPeriod]:
    return RosterPeriod.objects.select_related("base_roster").annotate(
        session_count=Count("sessions")
    ).order_by("-start_date", "base_roster__name")

def latest_validation(*, period: RosterPeriod, with_report=False) -> PeriodValidation | None:
    qs = PeriodValidation.objects.filter(period=period).order_by("-created_at", "-id")
    if not with_report:
        qs = qs.defer("report")
    return qs.first()


def active_validation(*, period: RosterPeriod) -> PeriodValidation | None:
    return (
        PeriodValidation.objects.filter(period=period, status__in=PeriodValidation.ACTIVE)
        .defer("report")
        .first()
    )


def is_lost(validation: PeriodValidation, *, now=None) -> bool:
    """True for a queued/running run nobody has touched for VALIDATION_TIMEOUT."""
    now = now or timezone.now()
    last = validation.started_at or validation.created_at
    return validation.is_active and now - last > VALIDATION_TIMEOUT


def is_generating(period: RosterPeriod, *, now=None) -> bool:
    """Are the period's sessions being generated right now (rostering.generation's job)?"""
    if not getattr(period, "generation_in_progress", False):
        return False
    last = period.generation_updated_at
    return last is None or (now or timezone.now()) - last < VALIDATION_TIMEOUT


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
    """Did a live session around the period's dates change after `since` (one query)?"""
    start, end = _period_bounds(period)
    return live_sessions(start=start, end=end).filter(updated_at__gt=since).exists()


@dataclass
class Readiness:
    """Whether the period can be published now, and what the scheduler must acknowledge."""

    validation: PeriodValidation | None
    blockers: list[str] = field(default_factory=list)
    stale: bool = False
    needs_warning_ack: bool = False
    earlier_unpublished: list[RosterPeriod] = field(default_factory=list)

    @property
    def can_publish(self) -> bool:
        return not self.blockers


def publish_readiness(
    *, period: RosterPeriod, validation: PeriodValidation | None = None, fetch=True
) -> Readiness:
    """What stands between the period and publishing; a fixed number of queries.

    Publishing needs a finished validation without errors, newer than the last change to the
    period's sessions (and to the live sessions around its dates).
    """
    if fetch:
        validation = latest_validation(period=period)
    ready = Readiness(validation=validation)
    if period.is_published:
        ready.blockers.append("This roster period is already published.")
        return ready
    if is_generating(period):
        ready.blockers.append("Sessions are still being generated from the base roster.")
        return ready
    if validation is None:
        ready.blockers.append("Validate the period before publishing it.")
        return ready
    if validation.is_active:
        ready.blockers.append("Validation is still running.")
        return ready
    if validation.status == PeriodValidation.Status.FAILED:
        ready.blockers.append("The last validation did not finish; validate again.")
        return ready
    # Only once there is something to publish: the page without a validation stays light.
    ready.earlier_unpublished = list(earlier_unpublished_periods(period=period))
    state = period_sessions_state(period=period)
    if state.count != validation.session_count or (
        state.updated_at
        and validation.sessions_updated_at
        and state.updated_at > validation.sessions_updated_at
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
    if validation.error_count:
        n = validation.error_count
        ready.blockers.append(
            f"Fix the {n} error{'s' if n != 1 else ''} and validate again to publish."
        )
    ready.needs_warning_ack = validation.warning_count > 0
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
