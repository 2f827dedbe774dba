"""The checks of a roster period before it is published. Reads only.

Every rule is one set-based query (self-joins for double bookings, window functions for rest
between working days, aggregates for hours in a day and a week), so the number of queries does
not grow with the number of sessions: a 4-week period of a large provider (60,000 sessions)
is checked in seconds on PostgreSQL. The same ORM expressions run on SQLite.

What is compared with what:

* double bookings inside the period, and against the live schedule (sessions of published
  periods and sessions made on it) — back-to-back sessions (one ends as the next starts) do not
  clash;
* fatigue is measured on the worker's sessions of the period together with their live sessions
  in the weeks around it, as their week would be once the period is published. Hours of a
  session count on the local day (and Monday–Sunday week) on which it starts. Rest is the break
  before a worker's first session of a local day since the end of their earlier work; visits
  on the same day (a run or a split shift) are not rest breaks;
* budgets add up the planned quantities on an agreement line over this period and the live
  schedule (not the base roster, whose sessions are a pattern, nor other draft periods).

Cancelled sessions, and cancelled clients of a session, are left out everywhere.
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.db import DatabaseError, connection, transaction
from django.db.models import (
    Case,
    DateField,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RowRange
from django.db.models.functions import Lag, TruncDate, TruncWeek

from clients.formatting import nice_date
from clients.models import Site
from sessions_app.models import (
    PlannedService,
    Session,
    SessionAsset,
    SessionClient,
    SessionWorker,
)
from workforce.models import WorkerQualification

from .models import RosterPeriod

logger = logging.getLogger(__name__)

ERROR = "error"
WARNING = "warning"

MIN_REST = datetime.timedelta(hours=10)
MAX_DAY = datetime.timedelta(hours=10)
MAX_WEEK = datetime.timedelta(hours=38)
# Live sessions this far either side of the period count towards rest and weekly hours.
FATIGUE_MARGIN = datetime.timedelta(days=8)


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    label: str
    help: str


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule("no_worker", ERROR, "No worker", "The session has nobody rostered to it."),
        Rule("worker_double_booked", ERROR, "Worker double-booked",
             "A worker is in two overlapping sessions of this period."),
        Rule("worker_live_clash", ERROR, "Worker busy on the live schedule",
             "A worker is already in an overlapping session on the live schedule."),
        Rule("worker_unavailable", ERROR, "Worker unavailable or on leave",
             "The session falls in the worker's leave or unavailability."),
        Rule("qualification", ERROR, "Qualification missing or expired",
             "The session type needs a qualification the worker does not hold on the date."),
        Rule("asset_double_booked", ERROR, "Asset double-booked",
             "An asset is in two overlapping sessions."),
        Rule("agreement_inactive", ERROR, "Service outside an active agreement",
             "A planned service bills a line of an agreement not active on the session date."),
        Rule("client_double_booked", WARNING, "Client double-booked",
             "A client is in two overlapping sessions."),
        Rule("over_budget", WARNING, "Over the agreement line's budget",
             "The planned quantities on an agreement line add up to more than its budget."),
        Rule("short_rest", WARNING, "Less than 10 hours' rest",
             "Less than 10 hours between a worker's day of work and their previous one."),
        Rule("long_day", WARNING, "More than 10 hours in a day",
             "A worker has more than 10 hours of sessions starting on one local day."),
        Rule("long_week", WARNING, "More than 38 hours in a week",
             "A worker has more than 38 hours of sessions in a Monday–Sunday week."),
    )
}
RULE_ORDER = {code: i for i, code in enumerate(RULES)}


@dataclass(frozen=True)
class Issue:
    rule: str
    message: str
    session_id: int
    start: datetime.datetime
    other_session_id: int | None = None

    @property
    def severity(self) -> str:
        return RULES[self.rule].severity

    def as_dict(self) -> dict:
        data = asdict(self)
        data["severity"] = self.severity
        data["start"] = self.start.isoformat()
        return data


# --- formatting ---------------------------------------------------------------------------
def _tz(name: str | None) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name or "Australia/Sydney")


def _when(start: datetime.datetime, end: datetime.datetime, tz_name: str) -> str:
    tz = _tz(tz_name)
    s, e = start.astimezone(tz), end.astimezone(tz)
    if s.date() == e.date():
        return f"{s:%a %-d %b %H:%M}–{e:%H:%M}"
    return f"{s:%a %-d %b %H:%M}–{e:%a %-d %b %H:%M}"


def _hours(value: datetime.timedelta) -> str:
    hours = value.total_seconds() / 3600
    return f"{hours:.2f}".rstrip("0").rstrip(".") + " h"


def _qty(value) -> str:
    return f"{Decimal(str(value)).normalize():f}"


def _name(row: dict, prefix: str) -> str:
    return f"{row[prefix + '__first_name']} {row[prefix + '__last_name']}"


# --- building blocks ------------------------------------------------------------------------
NOT_CANCELLED = [s for s in Session.Status.values if s != Session.Status.CANCELLED]


def period_sessions(period: RosterPeriod) -> QuerySet[Session]:
    return Session.objects.filter(roster_period=period, status__in=NOT_CANCELLED)


def live_sessions(*, start=None, end=None) -> QuerySet[Session]:
    """Sessions on the live schedule (published periods and those made on it), not cancelled;
    with `start` and `end`, those overlapping [start, end)."""
    qs = Session.objects.live().filter(status__in=NOT_CANCELLED)
    return qs if start is None and end is None else qs.overlapping(start, end)


def local(trunc, field: str, tz_field: str, zones: Iterable[str]):
    """`trunc` (TruncDate, TruncWeek) of a datetime in the time zone of its session's site.

    One CASE over the few time zones of the sites, so it stays a single set-based query.
    TruncWeek gives the local Monday as a datetime (read it with `as_date`).
    """
    output = DateField() if trunc is TruncDate else DateTimeField()
    whens = [
        When(**{tz_field: zone}, then=trunc(field, tzinfo=zoneinfo.ZoneInfo(zone)))
        for zone in zones
    ]
    return Case(*whens, default=trunc(field), output_field=output)


def as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def _duration(prefix: str = "session__"):
    return ExpressionWrapper(
        F(f"{prefix}end") - F(f"{prefix}start"), output_field=DurationField()
    )


@dataclass
class _Context:
    period: RosterPeriod
    zones: list[str]
    first_start: datetime.datetime | None
    last_end: datetime.datetime | None

    @property
    def empty(self) -> bool:
        return self.first_start is None


def _context(period: RosterPeriod) -> _Context:
    bounds = period_sessions(period).aggregate(first=Min("start"), last=Max("end"))
    zones = sorted(set(Site.objects.values_list("time_zone", flat=True)))
    return _Context(period, zones, bounds["first"], bounds["last"])


# --- the rules ------------------------------------------------------------------------------
def check_no_worker(ctx: _Context) -> list[Issue]:
    rows = (
        period_sessions(ctx.period)
        .filter(~Exists(SessionWorker.objects.filter(session=OuterRef("pk"))))
        .values("pk", "start", "end", "site__time_zone")
    )
    return [
        Issue("no_worker", "Nobody is rostered to this session.", r["pk"], r["start"])
        for r in rows
    ]


_ATTENDEE = {
    # link model, attendee field, how to name it, extra conditions on both links
    "worker": (SessionWorker, ("worker__first_name", "worker__last_name"), {}),
    "client": (
        SessionClient,
        ("client__first_name", "client__last_name"),
        {"status": SessionClient.Status.SCHEDULED},
    ),
    "asset": (SessionAsset, ("asset__name",), {}),
}


def _double_bookings(ctx: _Context, attendee: str, *, live: bool) -> list[dict]:
    """Pairs (a link in the period, another link of the same attendee) whose sessions overlap.

    A self-join on the link table through the attendee (`worker__session_links` …); all the
    conditions on the other link sit in one filter() call, so Django joins it once.

    Inside the period, joining every link with every other link of the same attendee grows
    with the square of their sessions, so a window finds the clashing links first: in each
    attendee's links in start order, a link clashes when it starts before the latest end of
    the links before it (running MAX over the preceding rows). Only those are joined, with
    the earlier links they overlap. Against the live schedule, only the live sessions within
    the period's span take part, so the join stays small.
    """
    model, name_fields, extra = _ATTENDEE[attendee]
    other = f"{attendee}__session_links"
    mine = model.objects.filter(
        session__roster_period=ctx.period, session__status__in=NOT_CANCELLED, **extra
    )
    conditions = [
        Q(**{
            f"{other}__session__end__gt": F("session__start"),
            f"{other}__session__status__in": NOT_CANCELLED,
            **{f"{other}__{k}": v for k, v in extra.items()},
        })
    ]
    if live:
        window = live_sessions(start=ctx.first_start, end=ctx.last_end)
        conditions.append(Q(**{
            f"{other}__session__start__lt": F("session__end"),
            f"{other}__session__in": window.values("pk"),
        }))
    else:
        order = [F("session__start").asc(), F("session_id").asc()]
        clashing = mine.annotate(
            latest_end=Window(
                Max("session__end"), partition_by=[F(f"{attendee}_id")], order_by=order,
                frame=RowRange(start=None, end=-1),
            )
        ).filter(session__start__lt=F("latest_end"))
        mine = model.objects.filter(pk__in=clashing.values("pk"))
        # The earlier links (in start order) that overlap it.
        conditions.append(Q(**{f"{other}__session__roster_period": ctx.period}))
        conditions.append(
            Q(**{f"{other}__session__start__lt": F("session__start")})
            | Q(**{
                f"{other}__session__start": F("session__start"),
                f"{other}__session_id__lt": F("session_id"),
            })
        )
    return list(
        mine.filter(*conditions)
        .values(
            "session_id",
            "session__start",
            *name_fields,
            other_id=F(f"{other}__session_id"),
            other_start=F(f"{other}__session__start"),
            other_end=F(f"{other}__session__end"),
            other_subject=F(f"{other}__session__subject"),
            other_tz=F(f"{other}__session__site__time_zone"),
        )
        .order_by("session__start", "session_id", "other_id")
    )


def _attendee_name(row: dict, attendee: str) -> str:
    if attendee == "asset":
        return row["asset__name"]
    return _name(row, attendee)


def check_double_bookings(ctx: _Context) -> list[Issue]:
    issues = []
    for attendee, period_rule, live_rule in (
        ("worker", "worker_double_booked", "worker_live_clash"),
        ("client", "client_double_booked", "client_double_booked"),
        ("asset", "asset_double_booked", "asset_double_booked"),
    ):
        for live in (False, True):
            for r in _double_bookings(ctx, attendee, live=live):
                where = " on the live schedule" if live else ""
                message = (
                    f"{_attendee_name(r, attendee)} is also in “{r['other_subject']}”{where}, "
                    f"{_when(r['other_start'], r['other_end'], r['other_tz'])}."
                )
                issues.append(
                    Issue(live_rule if live else period_rule, message, r["session_id"],
                          r["session__start"], r["other_id"])
                )
    return issues


def check_unavailability(ctx: _Context) -> list[Issue]:
    rows = (
        SessionWorker.objects.filter(
            session__roster_period=ctx.period,
            session__status__in=NOT_CANCELLED,
            worker__unavailability__start__lt=F("session__end"),
            worker__unavailability__end__gt=F("session__start"),
        )
        .values(
            "session_id", "session__start", "worker__first_name", "worker__last_name",
            "session__site__time_zone",
            kind=F("worker__unavailability__kind"),
            from_=F("worker__unavailability__start"),
            to=F("worker__unavailability__end"),
            reason=F("worker__unavailability__reason"),
        )
        .order_by("session__start", "session_id")
    )
    issues = []
    for r in rows:
        what = "on leave" if r["kind"] == "leave" else "unavailable"
        reason = f" ({r['reason']})" if r["reason"] else ""
        issues.append(
            Issue(
                "worker_unavailable",
                f"{_name(r, 'worker')} is {what} "
                f"{_when(r['from_'], r['to'], r['session__site__time_zone'])}{reason}.",
                r["session_id"],
                r["session__start"],
            )
        )
    return issues


def check_qualifications(ctx: _Context) -> list[Issue]:
    """Each (worker, qualification required by the session type) not held on the local date.

    An anti-join (NOT EXISTS a valid WorkerQualification), then one query for what the workers
    do hold of those qualifications, to say "expired" rather than "missing".
    """
    day = local(TruncDate, "session__start", "session__site__time_zone", ctx.zones)
    valid = WorkerQualification.objects.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=OuterRef("day")),
        Q(obtained_on__isnull=True) | Q(obtained_on__lte=OuterRef("day")),
        worker=OuterRef("worker_id"),
        qualification=OuterRef("qualification_id"),
    )
    rows = list(
        SessionWorker.objects.filter(
            session__roster_period=ctx.period,
            session__status__in=NOT_CANCELLED,
            session__session_type__required_qualifications__isnull=False,
        )
        .annotate(
            day=day,
            qualification_id=F("session__session_type__required_qualifications"),
            qualification_name=F("session__session_type__required_qualifications__name"),
        )
        .filter(~Exists(valid))
        .values(
            "session_id", "session__start", "worker_id", "worker__first_name",
            "worker__last_name", "day", "qualification_id", "qualification_name",
        )
        .order_by("session__start", "session_id")
    )
    held = {}
    if rows:
        held = {
            (q["worker_id"], q["qualification_id"]): q
            for q in WorkerQualification.objects.filter(
                worker_id__in={r["worker_id"] for r in rows},
                qualification_id__in={r["qualification_id"] for r in rows},
            )
            .order_by()
            .values("worker_id", "qualification_id", "expires_on", "obtained_on")
        }
    issues = []
    for r in rows:
        who, qual = _name(r, "worker"), r["qualification_name"]
        h = held.get((r["worker_id"], r["qualification_id"]))
        if h and h["expires_on"] and h["expires_on"] < r["day"]:
            text = f"{who}'s {qual} expired on {nice_date(h['expires_on'])}."
        elif h and h["obtained_on"] and h["obtained_on"] > r["day"]:
            text = f"{who} only holds {qual} from {nice_date(h['obtained_on'])}."
        else:
            text = f"{who} does not hold {qual}, which this session type requires."
        issues.append(Issue("qualification", text, r["session_id"], r["session__start"]))
    return issues


def _planned_in_period(ctx: _Context) -> QuerySet[PlannedService]:
    return PlannedService.objects.filter(
        session_client__session__roster_period=ctx.period,
        session_client__session__status__in=NOT_CANCELLED,
        session_client__status=SessionClient.Status.SCHEDULED,
    )


def check_agreements(ctx: _Context) -> list[Issue]:
    day = local(
        TruncDate, "session_client__session__start",
        "session_client__session__site__time_zone", ctx.zones,
    )
    rows = (
        _planned_in_period(ctx)
        .annotate(day=day)
        .filter(
            Q(day__lt=F("agreement_line__agreement__start_date"))
            | Q(day__gt=F("agreement_line__agreement__end_date"))
            | ~Q(agreement_line__agreement__client=F("session_client__client"))
        )
        .values(
            "session_client__session_id", "session_client__session__start", "day",
            "session_client__client__first_name", "session_client__client__last_name",
            "support_item__item_number",
            agreement_start=F("agreement_line__agreement__start_date"),
            agreement_end=F("agreement_line__agreement__end_date"),
            agreement_client=F("agreement_line__agreement__client_id"),
            client_id=F("session_client__client_id"),
        )
        .order_by("session_client__session__start", "session_client__session_id")
    )
    issues = []
    for r in rows:
        who = _name(r, "session_client__client")
        item = r["support_item__item_number"]
        if r["agreement_client"] != r["client_id"]:
            text = f"{who}: {item} bills a line of another client's agreement."
        else:
            text = (
                f"{who}: {item} is on the agreement {nice_date(r['agreement_start'])} – "
                f"{nice_date(r['agreement_end'])}, not active on {nice_date(r['day'])}."
            )
        issues.append(
            Issue("agreement_inactive", text, r["session_client__session_id"],
                  r["session_client__session__start"])
        )
    return issues


def check_budgets(ctx: _Context) -> list[Issue]:
    """One warning per agreement line whose planned quantities exceed its budget.

    A running total per line (window, in session order) finds the session of this period at
    which the line goes over budget; the issue is linked to it.
    """
    lines = _planned_in_period(ctx).values("agreement_line_id")
    # Scheduled clients of sessions not cancelled, and claimable (short-notice) cancellations.
    scope = PlannedService.objects.in_budget().filter(
        Q(session_client__session__roster_period=ctx.period)
        | Q(session_client__session__in=live_sessions().values("pk")),
        agreement_line_id__in=lines,
    )
    order = [F("session_client__session__start").asc(), F("id").asc()]
    in_period = Case(
        When(session_client__session__roster_period=ctx.period, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    rows = (
        scope.annotate(
            budget=F("agreement_line__budget_quantity"),
            running=Window(Sum("quantity"), partition_by=[F("agreement_line_id")],
                           order_by=order),
            total=Window(Sum("quantity"), partition_by=[F("agreement_line_id")]),
            # A window of the row itself, so that the filter below stays outside the window.
            in_period=Window(Max(in_period), partition_by=[F("id")]),
        )
        .filter(running__gt=F("budget"), in_period=1)
        .values(
            "agreement_line_id", "budget", "total", "support_item__item_number",
            "session_client__session_id", "session_client__session__start",
            "session_client__client__first_name", "session_client__client__last_name",
        )
        .order_by("agreement_line_id", "session_client__session__start", "id")
    )
    issues, seen = [], set()
    for r in rows:
        if r["agreement_line_id"] in seen:
            continue
        seen.add(r["agreement_line_id"])
        issues.append(
            Issue(
                "over_budget",
                f"{_name(r, 'session_client__client')}: {r['support_item__item_number']} has "
                f"{_qty(r['total'])} planned against a budget of {_qty(r['budget'])}; it goes over "
                "budget with this session.",
                r["session_client__session_id"],
                r["session_client__session__start"],
            )
        )
    return issues


def _worker_scope(ctx: _Context) -> QuerySet[SessionWorker]:
    """The period's workers' sessions in the period and on the live schedule around it."""
    margin_live = live_sessions(
        start=ctx.first_start - FATIGUE_MARGIN, end=ctx.last_end + FATIGUE_MARGIN
    )
    return SessionWorker.objects.filter(
        Q(session__roster_period=ctx.period) | Q(session__in=margin_live.values("pk")),
        session__status__in=NOT_CANCELLED,
        worker_id__in=SessionWorker.objects.filter(
            session__roster_period=ctx.period, session__status__in=NOT_CANCELLED
        ).values("worker_id"),
    )


def _in_period_flag(ctx: _Context, field: str = "session__roster_period"):
    return Case(
        When(**{field: ctx.period}, then=Value(1)), default=Value(0), output_field=IntegerField()
    )


def check_rest(ctx: _Context) -> list[Issue]:
    """Less than 10 hours between the end of a worker's earlier work and a new day's first session.

    Windows over each worker's sessions in start order: the latest end of all earlier
    sessions (running MAX over the preceding rows) and the previous session's local day (LAG).
    """
    day = local(TruncDate, "session__start", "session__site__time_zone", ctx.zones)
    partition = [F("worker_id")]
    order = [F("session__start").asc(), F("session_id").asc()]
    flag = _in_period_flag(ctx)
    rows = (
        _worker_scope(ctx)
        .annotate(
            day=day,
            prev_end=Window(Max("session__end"), partition_by=partition, order_by=order,
                            frame=RowRange(start=None, end=-1)),
            prev_day=Window(Lag(day), partition_by=partition, order_by=order),
            prev_session_id=Window(Lag("session_id"), partition_by=partition, order_by=order),
            prev_in_period=Window(Lag(flag), partition_by=partition, order_by=order),
            in_period=Window(Max(flag), partition_by=[F("id")]),
        )
        .filter(
            Q(in_period=1) | Q(prev_in_period=1),
            prev_day__lt=F("day"),
            session__start__gte=F("prev_end"),
            session__start__lt=F("prev_end") + MIN_REST,
        )
        .values(
            "session_id", "session__start", "session__site__time_zone", "worker__first_name",
            "worker__last_name", "prev_end", "prev_session_id", "in_period",
        )
        .order_by("session__start", "session_id")
    )
    issues = []
    for r in rows:
        rest = r["session__start"] - r["prev_end"]
        tz = _tz(r["session__site__time_zone"])
        text = (
            f"{_name(r, 'worker')} has {_hours(rest)} rest after finishing at "
            f"{r['prev_end'].astimezone(tz):%a %-d %b %H:%M}."
        )
        # Linked to the session of this period: the new day's, else the one before the break.
        if r["in_period"]:
            issues.append(Issue("short_rest", text, r["session_id"], r["session__start"],
                                r["prev_session_id"]))
        else:
            issues.append(Issue("short_rest", text, r["prev_session_id"], r["session__start"],
                                r["session_id"]))
    return issues


def _long_spans(ctx: _Context, trunc, limit: datetime.timedelta) -> list[dict]:
    bucket = local(trunc, "session__start", "session__site__time_zone", ctx.zones)
    in_period = Q(session__roster_period=ctx.period)
    return list(
        _worker_scope(ctx)
        .annotate(bucket=bucket)
        .values("worker_id", "worker__first_name", "worker__last_name", "bucket")
        .annotate(
            total=Sum(_duration()),
            first_session=Min("session_id", filter=in_period),
            first_start=Min("session__start", filter=in_period),
        )
        .filter(total__gt=limit, first_session__isnull=False)
        .order_by("first_start", "worker_id")
    )


def check_hours(ctx: _Context) -> list[Issue]:
    issues = []
    for r in _long_spans(ctx, TruncDate, MAX_DAY):
        issues.append(
            Issue(
                "long_day",
                f"{_name(r, 'worker')} has {_hours(r['total'])} of sessions on "
                f"{as_date(r['bucket']):%a %-d %b}.",
                r["first_session"],
                r["first_start"],
            )
        )
    for r in _long_spans(ctx, TruncWeek, MAX_WEEK):
        monday = as_date(r["bucket"])
        sunday = monday + datetime.timedelta(days=6)
        issues.append(
            Issue(
                "long_week",
                f"{_name(r, 'worker')} has {_hours(r['total'])} of sessions in the week "
                f"{monday:%a %-d %b}–{sunday:%a %-d %b}.",
                r["first_session"],
                r["first_start"],
            )
        )
    return issues


CHECKS = (
    check_no_worker,
    check_double_bookings,
    check_unavailability,
    check_qualifications,
    check_agreements,
    check_budgets,
    check_rest,
    check_hours,
)


ANALYZED_MODELS = (Session, SessionWorker, SessionClient, SessionAsset, PlannedService)


def refresh_statistics():
    """PostgreSQL: ANALYZE the session tables, so the planner knows a period just generated.

    Right after tens of thousands of rows are bulk-inserted, the planner's statistics still
    describe the tables without them (autovacuum catches up a minute or so later): it then
    expects a handful of rows and picks nested loops that take 10× longer. ANALYZE samples
    a fixed number of rows, a fraction of a second. Elsewhere (SQLite) nothing to do.
    """
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in ANALYZED_MODELS)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")
    except DatabaseError:  # e.g. not the tables' owner: run on the statistics there are
        logger.warning("Could not ANALYZE the session tables", exc_info=True)


def check_period(period: RosterPeriod, *, analyze: bool = False) -> list[Issue]:
    """Every issue of the period, errors first, then by rule and session start."""
    if analyze:
        refresh_statistics()
    ctx = _context(period)
    if ctx.empty:
        return []
    issues = [issue for check in CHECKS for issue in check(ctx)]
    issues.sort(
        key=lambda i: (i.severity != ERROR, RULE_ORDER[i.rule], i.start, i.session_id)
    )
    return issues
