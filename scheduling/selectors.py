"""Reads for the dashboard and the live schedule."""

import datetime
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from clients import wallclock
from clients.access import scoped
from clients.formatting import nice_date
from clients.models import Site
from jobs.models import Job
from rostering.checks import MAX_DAY
from rostering.models import BaseRoster, RosterPeriod
from sessions_app.forms import parse_id
from sessions_app.models import PlannedService, Session, SessionClient, SessionWorker
from sessions_app.selectors import session_grid_queryset
from workforce.models import Worker, WorkerQualification, WorkerUnavailability

from .models import JOB_ROSTER, RosterOutcome, RosterRequest
from .roster_checks import WORKED as WORKED_STATUSES


def live_schedule(*, monday: datetime.date, site=None, region=None):
    """The live sessions of the week from `monday`, each week cut at its own site's midnight."""
    qs = session_grid_queryset().live()
    if site is not None:
        qs = qs.filter(site=site)
    if region is not None:
        qs = qs.filter(site__region=region)
    return qs.filter(week_at_sites(monday, site=site, region=region)).order_by("start", "id")


def live_sessions_in_days(
    sessions: QuerySet[Session], *, first_day: datetime.date, num_days: int, site=None,
    region=None,
) -> QuerySet[Session]:
    """The live sessions among `sessions` overlapping these days at their own site's clocks
    (`site`/`region`: the scope already filtered on, to name only the zones it has)."""
    return sessions.live().filter(days_at_sites(first_day, num_days, site=site, region=region))


def week_bounds(day: datetime.date) -> datetime.date:
    """The Monday of `day`'s week."""
    return day - datetime.timedelta(days=day.weekday())


def week_at_sites(monday: datetime.date, *, site=None, region=None) -> Q:
    """Sessions overlapping Monday 00:00 to the next Monday 00:00 on their own site's clocks.

    One time range per zone of the sites in scope (a handful), so a Perth session on Sunday
    at 23:00 is in that week, not the next one as Sydney's clocks would have it.
    """
    return days_at_sites(week_bounds(monday), 7, site=site, region=region)


def days_at_sites(first_day: datetime.date, num_days: int, *, site=None, region=None) -> Q:
    """Sessions overlapping `first_day` 00:00 to `num_days` later, 00:00, on their own site's
    clocks: one time range per zone of the sites in scope (one query finds the zones)."""
    if site is not None:
        zones = [site.time_zone]
    else:
        sites = Site.objects.all() if region is None else Site.objects.filter(region=region)
        zones = sorted(set(sites.order_by().values_list("time_zone", flat=True).distinct()))
    last = first_day + datetime.timedelta(days=num_days - 1)
    condition = Q(pk__in=[])
    for name in zones:
        tz = zoneinfo.ZoneInfo(name)
        start, _ = wallclock.local_day_bounds(first_day, tz)
        _, end = wallclock.local_day_bounds(last, tz)
        condition |= Q(site__time_zone=name, start__lt=end, end__gt=start)
    return condition


# --- the live schedule's board: a page of rows and the sessions in them -----------------------
ROWS_PER_PAGE = 25


@dataclass
class BoardSession:
    """A session as the board shows it: plain values (no model instances: a region's week is
    thousands of sessions), times as wall-clock times at its site."""

    pk: int
    start: datetime.datetime  # naive, at the site
    end: datetime.datetime  # naive, at the site
    status: str
    work_type: str
    subject: str
    site_id: int
    site: str
    session_type: str
    ratio: str
    workers: list[tuple[int, str]] = field(default_factory=list)
    clients: list[tuple[int, str, bool]] = field(default_factory=list)  # (id, name, cancelled)
    short_notice: set[int] = field(default_factory=set)  # clients cancelled at short notice


@dataclass
class BoardRows:
    kind: str  # worker, client or site
    page: object  # a Paginator page of (pk, label) pairs
    none_row: bool  # page 1 of worker/client rows also has the "Unstaffed" / "No client" row
    sessions: list[BoardSession]


def _person(first, last, preferred=""):
    return f"{preferred or first} {last}"


def board_row_queryset(sessions: QuerySet[Session], *, rows: str) -> QuerySet:
    """The rows that have sessions among `sessions`, in name order, as (pk, label parts).

    Read from the links of those sessions (DISTINCT), not as "workers having a session
    among …": PostgreSQL would then walk every worker in name order and probe each one's
    sessions of all weeks, where this finds the week's few thousand sessions first.
    """
    if rows == "worker":
        return (
            SessionWorker.objects.filter(session__in=sessions.values("pk"))
            .order_by("worker__last_name", "worker__first_name", "worker_id")
            .values_list("worker_id", "worker__first_name", "worker__last_name")
            .distinct()
        )
    if rows == "client":
        return (
            SessionClient.objects.filter(session__in=sessions.values("pk"))
            .order_by("client__last_name", "client__first_name", "client_id")
            .values_list(
                "client_id", "client__first_name", "client__last_name", "client__preferred_name"
            )
            .distinct()
        )
    return (
        Site.objects.filter(Exists(sessions.filter(site_id=OuterRef("pk"))))
        .order_by("name", "pk")
        .values_list("pk", "name", "time_zone")
    )


def _ids_param(ids: list[int]):
    """`ids` for an `__in` lookup: on PostgreSQL one array parameter (`unnest`), not thousands
    of parameters to build and send."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return ids


def live_board(
    sessions: QuerySet[Session], *, rows: str, page_number, per_page: int = ROWS_PER_PAGE
) -> BoardRows:
    """One page of rows and the sessions of those rows among `sessions` (already scoped to the
    days shown and filtered), in a fixed number of queries: the rows' count and page, the
    sessions, their workers, their clients.

    By worker (or client), page 1 also has the row of sessions with none; a session with two
    workers is in both their rows.
    """
    page = Paginator(board_row_queryset(sessions, rows=rows), per_page).get_page(page_number)
    ids = [r[0] for r in page.object_list]
    with_none = page.number == 1 and rows in ("worker", "client")
    if rows == "worker":
        link = SessionWorker.objects.filter(session=OuterRef("pk"), worker_id__in=ids)
        mine = Q(Exists(link))
        if with_none:
            mine |= ~Exists(SessionWorker.objects.filter(session=OuterRef("pk")))
    elif rows == "client":
        link = SessionClient.objects.filter(session=OuterRef("pk"), client_id__in=ids)
        mine = Q(Exists(link))
        if with_none:
            mine |= ~Exists(SessionClient.objects.filter(session=OuterRef("pk")))
    else:
        mine = Q(site_id__in=ids)
    found = list(
        sessions.filter(mine)
        .order_by("start", "pk")
        .values_list(
            "pk", "start", "end", "status", "work_type", "subject", "site_id", "site__name",
            "site__time_zone", "session_type__name", "ratio",
        )
    )
    by_pk = {}
    board = []
    for pk, start, end, status, work_type, subject, site_id, site, tz, kind, ratio in found:
        zone = wallclock.zone(tz)
        s = BoardSession(
            pk, wallclock.to_local(start, zone), wallclock.to_local(end, zone), status,
            work_type, subject, site_id, site, kind, ratio,
        )
        by_pk[pk] = s
        board.append(s)
    if by_pk:
        chosen = _ids_param(list(by_pk))
        for session_id, worker_id, first, last in (
            SessionWorker.objects.filter(session_id__in=chosen)
            .order_by("worker__last_name", "worker__first_name", "worker_id")
            .values_list("session_id", "worker_id", "worker__first_name", "worker__last_name")
        ):
            by_pk[session_id].workers.append((worker_id, _person(first, last)))
        for session_id, client_id, status, short, first, last, preferred in (
            SessionClient.objects.filter(session_id__in=chosen)
            .order_by("client__last_name", "client__first_name", "client_id")
            .values_list(
                "session_id", "client_id", "status", "short_notice", "client__first_name",
                "client__last_name", "client__preferred_name",
            )
        ):
            cancelled = status == SessionClient.Status.CANCELLED
            by_pk[session_id].clients.append(
                (client_id, _person(first, last, preferred), cancelled)
            )
            if cancelled and short:
                by_pk[session_id].short_notice.add(client_id)
    return BoardRows(kind=rows, page=page, none_row=with_none, sessions=board)


def dashboard_stats(*, today: datetime.date, user) -> dict:
    """The dashboard's figures; the live week's two counts in one pass over its sessions.

    The sessions are joined to their workers once (a session with two workers is two rows, so
    the sessions are counted distinct; one with none is one row with no worker).
    """
    week = (
        scoped(user, Session.objects.live())
        .filter(week_at_sites(week_bounds(today)))
        .order_by()
        .aggregate(
            live=Count("pk", distinct=True),
            unstaffed=Count("pk", filter=Q(session_workers__isnull=True)),
        )
    )
    return {
        "base_rosters": scoped(user, BaseRoster.objects.filter(active=True)).count(),
        "draft_periods": scoped(
            user, RosterPeriod.objects.filter(status=RosterPeriod.Status.DRAFT)
        ).count(),
        "live_this_week": week["live"],
        "unstaffed_this_week": week["unstaffed"],
    }


def dashboard_base_rosters(*, user, limit: int = 8):
    """The active base rosters the dashboard lists (no session counts: it does not show them)."""
    rosters = scoped(user, BaseRoster.objects.filter(active=True))
    return rosters.select_related("site").order_by("name")[:limit]


def dashboard_periods(*, user, limit: int = 6):
    """The latest roster periods, as the period list orders them, without its session counts."""
    return scoped(user, RosterPeriod.objects.all()).select_related("base_roster").order_by(
        "-start_date", "base_roster__name"
    )[:limit]


# --- Save and Roster ------------------------------------------------------------------------
def roster_job(*, job_id, user=None) -> Job | None:
    """A Save and Roster job (jobs.Job of kind JOB_ROSTER), or None (also when `user` is
    given and none of the job's sessions is in the user's regions)."""
    job = Job.objects.filter(pk=job_id, kind=JOB_ROSTER).first()
    if job is not None and user is not None:
        if not scoped(user, RosterRequest.objects.filter(pk=job.target_id)).exists():
            return None
    return job


def roster_outcomes(*, job: Job) -> list[RosterOutcome]:
    """Each occurrence of the job and what became of it, in order (one query)."""
    return list(
        RosterOutcome.objects.filter(request_id=job.target_id)
        .select_related("session__site")
        .order_by("position")
    )


def latest_roster_outcomes(*, session_ids) -> dict[int, RosterOutcome]:
    """The latest Save and Roster outcome of each session that has one (to show the reason a
    Draft occurrence was not rostered beside it)."""
    latest = {}
    for o in RosterOutcome.objects.filter(session_id__in=list(session_ids)).order_by("-id"):
        latest.setdefault(o.session_id, o)
    return latest


@dataclass
class Candidate:
    """A worker offered in Modify Workers, with why they may not fit (empty: free and
    qualified)."""

    worker: Worker
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def rank(self) -> tuple:
        return (bool(self.problems), bool(self.warnings),
                self.worker.last_name.lower(), self.worker.first_name.lower(), self.worker.pk)


CANDIDATE_LIMIT = 20


def worker_candidates(*, session: Session, search: str = "", chosen_ids=(),
                      limit: int = CANDIDATE_LIMIT) -> tuple[list[Candidate], int]:
    """Workers to add to `session`, ranked: free and qualified first, then those with warnings
    (another region, fatigue) and then those with problems (leave, unavailability, a missing
    qualification, already in an overlapping session), each with why. The first `limit`, and
    how many matched; workers already ticked (`chosen_ids`) stay listed, first. A fixed number
    of queries whatever the number of workers."""
    day = session.local_date
    tz = session.site.tzinfo
    qs = Worker.objects.active_on(day).exclude(
        pk__in=[sw.worker_id for sw in session.session_workers.all()]
    )
    matches = Q()
    for word in search.split()[:5]:
        matches &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    chosen_ids = list(chosen_ids)[:50]
    if chosen_ids:
        matches |= Q(pk__in=chosen_ids)
    qs = qs.filter(matches)
    workers = {w.pk: w for w in qs.only("pk", "first_name", "last_name", "active_from",
                                         "active_to")}
    if not workers:
        return [], 0
    found = {pk: Candidate(w) for pk, w in workers.items()}
    # Leave and unavailability during the session.
    for u in WorkerUnavailability.objects.filter(
        worker_id__in=workers, start__lt=session.end, end__gt=session.start
    ).order_by("start"):
        what = "On leave" if u.kind == WorkerUnavailability.Kind.LEAVE else "Unavailable"
        found[u.worker_id].problems.append(f"{what}{f' ({u.reason})' if u.reason else ''}.")
    # The session type's qualifications on the session date.
    required = list(session.session_type.required_qualifications.values_list("pk", "name"))
    if required:
        holds = defaultdict(set)
        for wq in WorkerQualification.objects.filter(
            worker_id__in=workers, qualification_id__in=[q for q, _ in required]
        ):
            if wq.is_valid_on(day) and (wq.obtained_on is None or wq.obtained_on <= day):
                holds[wq.worker_id].add(wq.qualification_id)
        for pk, c in found.items():
            for q, name in required:
                if q not in holds[pk]:
                    c.problems.append(f"Missing qualification {name}.")
    # Already in an overlapping session (rostered, in progress, or a draft of the same place).
    others = Session.objects.overlapping(session.start, session.end).exclude(
        status=Session.Status.CANCELLED).exclude(pk=session.pk)
    others = (others.filter(base_roster_id=session.base_roster_id) if session.base_roster_id
              else others.filter(roster_period_id=session.roster_period_id)
              if session.roster_period_id else others.live())
    for r in SessionWorker.objects.filter(session__in=others, worker_id__in=workers).values(
        "worker_id", "session__subject", "session__start", "session__end",
        "session__site__time_zone",
    ).order_by("session__start"):
        other_tz = wallclock.zone(r["session__site__time_zone"])
        s, e = (wallclock.to_local(r["session__start"], other_tz),
                wallclock.to_local(r["session__end"], other_tz))
        found[r["worker_id"]].problems.append(
            f"Already in an overlapping session at {s:%H:%M}–{e:%H:%M}: {r['session__subject']}."
        )
    # Another region, and the fatigue limits of the day (rostering.checks).
    if session.region_id:
        in_region = set(Worker.regions.through.objects.filter(
            worker_id__in=workers, region_id=session.region_id).values_list("worker_id",
                                                                              flat=True))
        for pk, c in found.items():
            if pk not in in_region:
                c.warnings.append("Does not usually work in this region.")
    day_start, day_end = wallclock.local_day_bounds(day, tz)
    length = session.end - session.start
    worked = defaultdict(datetime.timedelta)
    for r in SessionWorker.objects.filter(
        worker_id__in=workers, session__status__in=WORKED_STATUSES,
        session__start__gte=day_start, session__start__lt=day_end,
    ).exclude(session_id=session.pk).values("worker_id", "session__start", "session__end"):
        worked[r["worker_id"]] += r["session__end"] - r["session__start"]
    for pk, hours in worked.items():
        total = (hours + length).total_seconds() / 3600
        if hours + length > MAX_DAY:
            found[pk].warnings.append(
                f"Over the fatigue limit: {total:g} h of sessions on {nice_date(day)}.")
    chosen = set(chosen_ids)
    ranked = sorted(found.values(), key=lambda c: (c.worker.pk not in chosen, c.rank))
    return ranked[:limit], len(ranked)
# --- the right-click session menu ---------------------------------------------------------------
def session_for_menu(*, pk, user) -> Session:
    """The session a menu action works on, with what its pages show (site, type, home,
    clients with their planned services, workers), in a fixed number of queries; Http404 for
    a missing or malformed id. `user`: who asks (every action checks what they may change
    with `scheduling.changes.check_can_modify`). Every view of the menu fetches its session
    here: the one place that scopes sessions to what a user may see."""
    session_id = parse_id(pk)
    session = None
    if session_id is not None:
        session = (
            scoped(user, Session.objects.all()).select_related(
                "site__region", "region", "session_type", "base_roster", "roster_period",
                "series",
            )
            .prefetch_related(
                Prefetch(
                    "session_clients",
                    queryset=SessionClient.objects.select_related("client").prefetch_related(
                        Prefetch(
                            "planned_services",
                            queryset=PlannedService.objects.select_related(
                                "support_item", "agreement_line__agreement",
                                "agreement_line__support_item",
                            ),
                        )
                    ).order_by("client__last_name", "client__first_name", "pk"),
                ),
                Prefetch(
                    "session_workers",
                    queryset=SessionWorker.objects.select_related("worker")
                    .order_by("worker__last_name", "worker__first_name", "pk"),
                ),
                "activities",
            )
            .filter(pk=session_id)
            .first()
        )
    if session is None:
        raise Http404("No such session.")
    return session
