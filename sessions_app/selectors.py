"""Reads of sessions: what the grids, the form and conflict hints need, in constant queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Sum

from clients.access import scoped
from clients.formatting import nice_date
from clients.models import Client, Site
from clients.selectors import clients_for_site
from workforce.models import Asset, Worker, WorkerQualification, WorkerUnavailability
from workforce.selectors import assets_for_region, workers_active_on

from .models import (
    PlannedService,
    Session,
    SessionAsset,
    SessionClient,
    SessionType,
    SessionWorker,
)


def session_grid_queryset() -> QuerySet[Session]:
    """Sessions with everything a grid chip shows, in a fixed number of queries."""
    return Session.objects.select_related("site", "session_type").prefetch_related(
        Prefetch(
            "session_clients",
            queryset=SessionClient.objects.select_related("client").order_by("client__last_name"),
        ),
        Prefetch(
            "session_workers",
            queryset=SessionWorker.objects.select_related("worker").order_by("worker__last_name"),
        ),
    )


def _in_days(qs: QuerySet[Session], days: GridWindow | None) -> QuerySet[Session]:
    """Sessions that may start on the window's days at their site's clock.

    A day either side covers every zone (sites are at most a day from UTC); the grid places
    each session by its local start date and leaves out those of the neighbouring days.
    """
    if days is None:
        return qs
    margin = datetime.timedelta(days=1)
    start = datetime.datetime.combine(days.first_day, datetime.time.min, tzinfo=datetime.UTC)
    end = datetime.datetime.combine(days.last_day, datetime.time.min, tzinfo=datetime.UTC)
    return qs.filter(start__gte=start - margin, start__lt=end + 2 * margin)


def sessions_for_base_roster(
    *, base_roster, site=None, days: GridWindow | None = None
) -> QuerySet[Session]:
    qs = session_grid_queryset().filter(base_roster=base_roster)
    if site is not None:
        qs = qs.filter(site=site)
    return _in_days(qs, days).order_by("start", "id")


def sessions_for_roster_period(
    *, roster_period, site=None, days: GridWindow | None = None
) -> QuerySet[Session]:
    qs = session_grid_queryset().filter(roster_period=roster_period)
    if site is not None:
        qs = qs.filter(site=site)
    return _in_days(qs, days).order_by("start", "id")


def session_detail(*, pk) -> Session:
    return (
        Session.objects.select_related(
            "site__region", "region", "session_type", "base_roster", "roster_period",
            "group_template",
        )
        .prefetch_related(
            Prefetch(
                "session_clients",
                queryset=SessionClient.objects.select_related("client").prefetch_related(
                    "planned_services__agreement_line__support_item",
                    "planned_services__agreement_line__agreement",
                ),
            ),
            "session_workers__worker",
            "session_assets__asset",
            "activities",
            "service_types",
        )
        .get(pk=pk)
    )


@dataclass(frozen=True)
class GridWindow:
    """The week of a grid shown on the page: week `number` of `count`, seven days at most."""

    number: int
    count: int
    first_day: datetime.date
    last_day: datetime.date

    @property
    def num_days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.count else None


def grid_window(*, start_date: datetime.date, num_days: int, week: str | None) -> GridWindow:
    """The week of a grid asked for in `?week=`: its number (1, 2 …) or any date inside it.

    Anything else — missing, malformed, out of range — is the first week: a link that no
    longer fits (a period made shorter, a hand-typed date) still lands on the grid.
    """
    count = max(1, -(-num_days // 7))
    number = 1
    value = (week or "").strip()
    if value.isdigit() and len(value) <= 3:
        number = int(value)
    elif value:
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            day = None
        if day is not None and 0 <= (day - start_date).days < num_days:
            number = (day - start_date).days // 7 + 1
    if not 1 <= number <= count:
        number = 1
    first = start_date + datetime.timedelta(days=7 * (number - 1))
    last = min(first + datetime.timedelta(days=6), start_date + datetime.timedelta(num_days - 1))
    return GridWindow(number=number, count=count, first_day=first, last_day=last)


@dataclass
class GridDay:
    date: datetime.date
    sessions: list = field(default_factory=list)


@dataclass
class GridWeek:
    number: int
    days: list[GridDay]


def build_week_grid(
    *, start_date: datetime.date, num_days: int, sessions, first_week: int = 1
) -> list[GridWeek]:
    """Place sessions on rows of seven consecutive days from start_date, by local start.

    Sessions starting on other days are left out. `first_week` numbers the first row (a grid
    showing week 3 of a period starts its numbering there).
    """
    days = [GridDay(start_date + datetime.timedelta(days=i)) for i in range(num_days)]
    by_date = {d.date: d for d in days}
    for session in sessions:
        day = by_date.get(session.local_start.date())
        if day is not None:
            day.sessions.append(session)
    for day in days:
        day.sessions.sort(key=lambda s: (s.local_start.time(), s.pk))
    return [
        GridWeek(number=first_week + i // 7, days=days[i : i + 7])
        for i in range(0, num_days, 7)
    ]


@dataclass
class Conflict:
    kind: str  # "worker", "client" or "asset"
    name: str
    session: Session


def session_conflicts(
    *,
    start: datetime.datetime,
    end: datetime.datetime,
    base_roster_id=None,
    roster_period_id=None,
    worker_ids=(),
    client_ids=(),
    asset_ids=(),
    exclude_session_id=None,
) -> list[Conflict]:
    """People and assets already in an overlapping session of the same place.

    On a base roster that is the same weekday and time in the cycle (its sessions carry
    first-cycle dates); on a roster period the same dates; otherwise the live schedule.
    Back-to-back sessions (one ends as the next starts) do not clash.
    """
    others = Session.objects.overlapping(start, end).exclude(
        status=Session.Status.CANCELLED
    )
    if base_roster_id:
        others = others.filter(base_roster_id=base_roster_id)
    elif roster_period_id:
        others = others.filter(roster_period_id=roster_period_id)
    else:
        others = others.live()
    if exclude_session_id:
        others = others.exclude(pk=exclude_session_id)
    found: list[Conflict] = []
    if worker_ids:
        for link in SessionWorker.objects.filter(
            session__in=others, worker_id__in=worker_ids
        ).select_related("worker", "session__site"):
            found.append(Conflict("worker", str(link.worker), link.session))
    if client_ids:
        for link in SessionClient.objects.filter(
            session__in=others, client_id__in=client_ids, status=SessionClient.Status.SCHEDULED
        ).select_related("client", "session__site"):
            found.append(Conflict("client", str(link.client), link.session))
    if asset_ids:
        for link in SessionAsset.objects.filter(
            session__in=others, asset_id__in=asset_ids
        ).select_related("asset", "session__site"):
            found.append(Conflict("asset", str(link.asset), link.session))
    return found


def first_site_with_sessions(**home):
    """The first site (by name) that has sessions in this place (base_roster= or
    roster_period=)."""
    return (
        Site.objects.filter(Exists(Session.objects.filter(site=OuterRef("pk"), **home)))
        .order_by("name")
        .first()
    )


def agreement_line_usage(*, line_ids, exclude_session_id=None, exclude_session_ids=()) -> dict:
    """Quantity already planned on each agreement line, across all sessions (but those
    excluded: the ones being changed): clients still scheduled, and short-notice cancellations
    (claimable); other cancellations are released."""
    qs = PlannedService.objects.in_budget().filter(agreement_line_id__in=line_ids)
    excluded = [*exclude_session_ids, *([exclude_session_id] if exclude_session_id else [])]
    if excluded:
        qs = qs.exclude(session_client__session_id__in=excluded)
    rows = qs.values("agreement_line_id").annotate(used=Sum("quantity"))
    return {r["agreement_line_id"]: r["used"] for r in rows}


# --- what the session form shows while it is being filled in ---------------------------
# Each read below runs a fixed number of queries, whatever the data size.
SEARCH_LIMIT = 15


def clients_by_ids(*, client_ids) -> list[Client]:
    """Chosen clients in the order they were chosen, with their sites."""
    by_id = Client.objects.prefetch_related("sites").in_bulk(client_ids) if client_ids else {}
    return [by_id[i] for i in client_ids if i in by_id]


def assets_shown(*, region_id, chosen_ids) -> tuple[list[Asset], list[Asset]]:
    """The region's assets, and the chosen ones that are not of the region (to flag)."""
    assets = list(assets_for_region(region_id=region_id)) if region_id else []
    others = set(chosen_ids) - {a.pk for a in assets}
    ineligible = list(Asset.objects.filter(pk__in=others).order_by("name")) if others else []
    return assets, ineligible


def workers_by_ids(*, worker_ids) -> list[Worker]:
    """Chosen workers in the order they were chosen, with what their hints need."""
    if not worker_ids:
        return []
    by_id = Worker.objects.prefetch_related(
        Prefetch(
            "qualifications",
            queryset=WorkerQualification.objects.select_related("qualification"),
        ),
        "regions",
    ).in_bulk(worker_ids)
    return [by_id[i] for i in worker_ids if i in by_id]


@dataclass
class WorkerHints:
    problems: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)


def worker_hints(
    *, workers, day=None, start=None, end=None, session_type=None, region_id=None
) -> dict[int, WorkerHints]:
    """Why a worker may not fit the session: not active, another region, qualifications
    missing or expiring, leave or unavailability at the session's time.

    `workers` need their qualifications (with the qualification) and regions prefetched.
    """
    required = list(session_type.required_qualifications.all()) if session_type else []
    away: dict[int, list] = {}
    if start and end and workers:
        for u in WorkerUnavailability.objects.filter(
            worker__in=[w.pk for w in workers], start__lt=end, end__gt=start
        ).order_by("start"):
            away.setdefault(u.worker_id, []).append(u)
    soon = day + datetime.timedelta(days=30) if day else None
    out = {}
    for w in workers:
        h = out[w.pk] = WorkerHints()
        if day and not w.is_active_on(day):
            h.problems.append(f"Not active on {nice_date(day)}.")
        if region_id and all(r.pk != region_id for r in w.regions.all()):
            h.hints.append("Does not usually work in this region.")
        held = set()
        for q in w.qualifications.all():
            held.add(q.qualification_id)
            if day and q.expires_on and q.expires_on < day:
                h.hints.append(f"{q.qualification.name} expired {nice_date(q.expires_on)}.")
            elif day and q.expires_on and q.expires_on <= soon:
                h.hints.append(f"{q.qualification.name} expires {nice_date(q.expires_on)}.")
        for r in required:
            if r.pk not in held:
                h.hints.append(f"Missing {r.name}, required for {session_type}.")
        for u in away.get(w.pk, []):
            h.hints.append(f"{u.get_kind_display()}: {u.reason or 'unavailable'} at this time.")
    return out


def session_type_with_requirements(*, pk) -> SessionType | None:
    if not pk:
        return None
    return SessionType.objects.prefetch_related("required_qualifications").filter(pk=pk).first()


def client_search(*, site, search="", exclude_ids=(), limit=SEARCH_LIMIT) -> list[Client]:
    """The site's clients matching the search (the first ones when nothing is typed)."""
    if site is None:
        return []
    return list(clients_for_site(site=site, search=search).exclude(pk__in=exclude_ids)[:limit])


def worker_search(
    *, day, search, exclude_ids=(), limit=SEARCH_LIMIT, user=None
) -> list[Worker]:
    """Workers active on the day matching the search, ready for `worker_hints` (with `user`:
    of the user's regions only)."""
    if not search:
        return []
    workers = workers_active_on(day=day, search=search)
    return list(
        (workers if user is None else scoped(user, workers))
        .exclude(pk__in=exclude_ids)
        .prefetch_related("regions")[:limit]
    )
