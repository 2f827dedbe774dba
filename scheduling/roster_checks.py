"""The checks of Save and Roster: may each occurrence become Rostered? Reads only.

`plan_occurrences(sessions)` decides, in the occurrences' order, for each Draft occurrence:
rostered, or left Draft with the reasons; and its fatigue warnings either way. It reads with a
fixed number of set-based queries whatever the number of occurrences (a year's weekly series
is as many queries as one session), then decides in memory, where each occurrence accepted
counts for the ones after it (two occurrences of one series clash like any two sessions).

Blocking (the occurrence stays Draft):

* a worker, client or asset already in an overlapping Rostered or In Progress session (or in an
  earlier occurrence accepted in this run); back-to-back sessions do not clash;
* nobody to roster (no worker), a worker not active on the date;
* a worker's leave or unavailability overlapping it;
* a qualification the session type requires that the worker does not hold on the local date;
* a planned service that would take its agreement line over its budget, counting what is
  planned on Rostered, In Progress and Complete sessions and the occurrences accepted before.

Warnings (recorded, not blocking) — the period checks' fatigue rules (`rostering.checks`):
less than 10 hours' rest before a new day's work, more than 10 hours of sessions starting on one
local day, more than 38 in a Monday–Sunday week, counted over the worker's Rostered, In Progress
and Complete sessions with the occurrence.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Q, Sum

from clients.formatting import nice_date
from clients.wallclock import to_local, zone
from rostering.checks import MAX_DAY, MAX_WEEK, MIN_REST, RULES
from sessions_app.bookings import ACTIVE_STATUSES, booking_clashes
from sessions_app.models import (
    PlannedService,
    Session,
    SessionAsset,
    SessionClient,
    SessionType,
    SessionWorker,
)
from workforce.models import WorkerQualification

# Sessions whose work counts towards fatigue and budgets: rostered, running or done.
WORKED = (*ACTIVE_STATUSES, Session.Status.COMPLETE)
FATIGUE_MARGIN = datetime.timedelta(days=8)


@dataclass
class Verdict:
    session_id: int
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    other_session_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.reasons


def _hours(value: datetime.timedelta) -> str:
    hours = value.total_seconds() / 3600
    return f"{hours:.2f}".rstrip("0").rstrip(".") + " h"


def _qty(value) -> str:
    return f"{Decimal(str(value)).normalize():f}"


def _when(start, end, tz) -> str:
    s, e = to_local(start, tz), to_local(end, tz)
    ends = f"{e:%H:%M}" if s.date() == e.date() else f"{e:%a %-d %b %H:%M}"
    return f"{s:%a %-d %b %H:%M}–{ends}"


@dataclass
class _Span:
    start: datetime.datetime
    end: datetime.datetime
    tz: object
    session_id: int
    subject: str = ""

    @property
    def day(self) -> datetime.date:
        return to_local(self.start, self.tz).date()

    @property
    def monday(self) -> datetime.date:
        d = self.day
        return d - datetime.timedelta(days=d.weekday())


class _Fatigue:
    """One worker's worked sessions near the occurrences, for the three fatigue rules."""

    def __init__(self, name: str):
        self.name = name
        self.spans: list[_Span] = []  # sorted by start
        self.day_total: dict[datetime.date, datetime.timedelta] = defaultdict(datetime.timedelta)
        self.week_total: dict[datetime.date, datetime.timedelta] = defaultdict(
            datetime.timedelta
        )

    def add(self, span: _Span):
        keys = [(s.start, s.session_id) for s in self.spans]
        self.spans.insert(bisect.bisect(keys, (span.start, span.session_id)), span)
        self.day_total[span.day] += span.end - span.start
        self.week_total[span.monday] += span.end - span.start

    def warnings(self, span: _Span) -> list[str]:
        found = []
        length = span.end - span.start
        day = self.day_total[span.day] + length
        if day > MAX_DAY:
            found.append(
                f"{RULES['long_day'].label}: {self.name} would have {_hours(day)} of sessions "
                f"on {span.day:%a %-d %b}."
            )
        week = self.week_total[span.monday] + length
        if week > MAX_WEEK:
            sunday = span.monday + datetime.timedelta(days=6)
            found.append(
                f"{RULES['long_week'].label}: {self.name} would have {_hours(week)} of sessions "
                f"in the week {span.monday:%a %-d %b}–{sunday:%a %-d %b}."
            )
        found += self._rest(span)
        return found

    def _rest(self, span: _Span) -> list[str]:
        """The rest before the occurrence's day (if it starts that day's work), and the rest it
        leaves before the next day of work (if it is the day's last)."""
        found = []
        before = [s for s in self.spans if (s.start, s.session_id) < (span.start, span.session_id)]
        after = [s for s in self.spans if (s.start, s.session_id) > (span.start, span.session_id)]
        if before:
            prev_end = max(s.end for s in before)
            first_of_day = all(s.day < span.day for s in before)
            rest = span.start - prev_end
            if first_of_day and datetime.timedelta(0) <= rest < MIN_REST:
                found.append(
                    f"{RULES['short_rest'].label}: {self.name} would have {_hours(rest)} rest "
                    f"after finishing at {to_local(prev_end, span.tz):%a %-d %b %H:%M}."
                )
        if after:
            nxt = after[0]
            if nxt.day > span.day:
                ends = max([span.end, *(s.end for s in before)])
                rest = nxt.start - ends
                if ends == span.end and datetime.timedelta(0) <= rest < MIN_REST:
                    found.append(
                        f"{RULES['short_rest'].label}: {self.name} would have {_hours(rest)} "
                        f"rest before starting at {to_local(nxt.start, nxt.tz):%a %-d %b %H:%M}."
                    )
        return found


def plan_occurrences(sessions: list[Session]) -> dict[int, Verdict]:
    """A verdict for each of `sessions` (Draft occurrences, in order; `site` selected)."""
    ids = [s.pk for s in sessions]
    if not ids:
        return {}
    verdicts = {s.pk: Verdict(s.pk) for s in sessions}
    these = Session.objects.filter(pk__in=ids)
    first = min(s.start for s in sessions)
    last = max(s.end for s in sessions)

    # --- what the occurrences take: one query per kind of attendee -------------------------
    workers = defaultdict(list)  # session -> [row]
    for r in SessionWorker.objects.filter(session_id__in=ids).values(
        "session_id", "worker_id", "worker__first_name", "worker__last_name",
        "worker__active_from", "worker__active_to",
    ).order_by("worker__last_name", "worker__first_name"):
        workers[r["session_id"]].append(r)
    assets = defaultdict(list)
    for r in SessionAsset.objects.filter(session_id__in=ids).values(
        "session_id", "asset_id", "asset__name"
    ):
        assets[r["session_id"]].append(r)
    clients = defaultdict(list)
    for r in SessionClient.objects.filter(
        session_id__in=ids, status=SessionClient.Status.SCHEDULED
    ).values("session_id", "client_id", "client__first_name", "client__last_name"):
        clients[r["session_id"]].append(r)
    worker_ids = {r["worker_id"] for rows in workers.values() for r in rows}

    # --- against the live schedule: double bookings, leave, qualifications ------------------
    for clash in booking_clashes(
        sessions=these, kinds=("worker", "client", "asset"), limit=None
    ):
        v = verdicts[clash.session_id]
        v.reasons.append(f"{clash.message}.")
        v.other_session_id = v.other_session_id or clash.other_id

    tz_of = {s.pk: s.site.tzinfo for s in sessions}
    for r in SessionWorker.objects.filter(
        session_id__in=ids,
        worker__unavailability__start__lt=F("session__end"),
        worker__unavailability__end__gt=F("session__start"),
    ).values(
        "session_id", "worker__first_name", "worker__last_name",
        kind=F("worker__unavailability__kind"), from_=F("worker__unavailability__start"),
        to=F("worker__unavailability__end"), reason=F("worker__unavailability__reason"),
    ).order_by("session_id", "worker__unavailability__start"):
        what = "on leave" if r["kind"] == "leave" else "unavailable"
        why = f" ({r['reason']})" if r["reason"] else ""
        who = f"{r['worker__first_name']} {r['worker__last_name']}"
        verdicts[r["session_id"]].reasons.append(
            f"{who} is {what} {_when(r['from_'], r['to'], tz_of[r['session_id']])}{why}."
        )

    required = defaultdict(list)  # session type -> [(qualification id, name)]
    type_ids = {s.session_type_id for s in sessions}
    for r in (
        SessionType.required_qualifications.through.objects
        .filter(sessiontype_id__in=type_ids)
        .values("sessiontype_id", "qualification_id", "qualification__name")
        .order_by("qualification__name")
    ):
        required[r["sessiontype_id"]].append((r["qualification_id"], r["qualification__name"]))
    held = defaultdict(list)  # (worker, qualification) -> [WorkerQualification]
    wanted = {q for qs in required.values() for q, _ in qs}
    if wanted and worker_ids:
        for wq in WorkerQualification.objects.filter(
            worker_id__in=worker_ids, qualification_id__in=wanted
        ):
            held[(wq.worker_id, wq.qualification_id)].append(wq)

    # --- budgets: what Rostered, In Progress and Complete sessions plan on the lines --------
    planned = defaultdict(list)  # session -> [row]
    for r in PlannedService.objects.filter(
        session_client__session_id__in=ids, session_client__status=SessionClient.Status.SCHEDULED
    ).values(
        "agreement_line_id", "quantity", "support_item__item_number",
        "session_client__client__first_name", "session_client__client__last_name",
        session_id=F("session_client__session_id"), budget=F("agreement_line__budget_quantity"),
    ).order_by("session_client__session_id", "id"):
        planned[r["session_id"]].append(r)
    line_ids = {r["agreement_line_id"] for rows in planned.values() for r in rows}
    used = defaultdict(Decimal)
    if line_ids:
        for r in (
            PlannedService.objects.in_budget().filter(
                # Worked sessions' scheduled clients, and claimable (short-notice) cancellations.
                Q(session_client__session__status__in=WORKED)
                | Q(session_client__claimable=True),
                agreement_line_id__in=line_ids,
            )
            .exclude(session_client__session_id__in=ids)
            .values("agreement_line_id")
            .annotate(used=Sum("quantity"))
            .order_by()
        ):
            used[r["agreement_line_id"]] = r["used"]

    # --- fatigue: each worker's worked sessions around the occurrences ----------------------
    fatigue: dict[int, _Fatigue] = {}
    for rows in workers.values():
        for r in rows:
            fatigue.setdefault(
                r["worker_id"], _Fatigue(f"{r['worker__first_name']} {r['worker__last_name']}")
            )
    if worker_ids:
        for r in SessionWorker.objects.filter(
            worker_id__in=worker_ids,
            session__status__in=WORKED,
            session__start__lt=last + FATIGUE_MARGIN,
            session__end__gt=first - FATIGUE_MARGIN,
        ).exclude(session_id__in=ids).values(
            "worker_id", "session_id", "session__start", "session__end",
            "session__site__time_zone",
        ):
            fatigue[r["worker_id"]].add(_Span(
                r["session__start"], r["session__end"], zone(r["session__site__time_zone"]),
                r["session_id"],
            ))

    # --- in order: each occurrence accepted counts for the next -----------------------------
    taken: dict[tuple[str, int], list[_Span]] = defaultdict(list)
    for s in sessions:
        v = verdicts[s.pk]
        span = _Span(s.start, s.end, s.site.tzinfo, s.pk, s.subject)
        day = span.day
        if not workers[s.pk]:
            v.reasons.append("Nobody is rostered to it: add a worker.")
        attendees = (
            [("worker", r["worker_id"], f"{r['worker__first_name']} {r['worker__last_name']}")
             for r in workers[s.pk]]
            + [("client", r["client_id"], f"{r['client__first_name']} {r['client__last_name']}")
               for r in clients[s.pk]]
            + [("asset", r["asset_id"], r["asset__name"]) for r in assets[s.pk]]
        )
        for kind, pk, name in attendees:
            for other in taken[(kind, pk)]:
                if other.start < s.end and other.end > s.start:
                    verb = {"worker": "rostered to", "asset": "booked for"}.get(kind, "in")
                    v.reasons.append(
                        f"{name} is already {verb} {other.subject} "
                        f"{_when(other.start, other.end, other.tz)}."
                    )
                    v.other_session_id = v.other_session_id or other.session_id
                    break
        for r in workers[s.pk]:
            who = f"{r['worker__first_name']} {r['worker__last_name']}"
            if r["worker__active_from"] > day or (
                r["worker__active_to"] and r["worker__active_to"] < day
            ):
                v.reasons.append(f"{who} is not active on {nice_date(day)}.")
            for q_id, q_name in required[s.session_type_id]:
                options = held[(r["worker_id"], q_id)]
                if any(wq.is_valid_on(day) for wq in options):
                    continue
                expired = [wq for wq in options if wq.expires_on and wq.expires_on < day]
                later = [wq for wq in options if wq.obtained_on and wq.obtained_on > day]
                if expired:
                    text = f"{who}'s {q_name} expired on {nice_date(expired[0].expires_on)}."
                elif later:
                    text = f"{who} only holds {q_name} from {nice_date(later[0].obtained_on)}."
                else:
                    text = f"{who} does not hold {q_name}, which this session type requires."
                v.reasons.append(text)
        adds = defaultdict(Decimal)
        for r in planned[s.pk]:
            adds[r["agreement_line_id"]] += r["quantity"]
        for r in planned[s.pk]:
            line = r["agreement_line_id"]
            total = used[line] + adds[line]
            if total > r["budget"]:
                who = f"{r['session_client__client__first_name']} " \
                      f"{r['session_client__client__last_name']}"
                left = max(r["budget"] - used[line], Decimal(0))
                v.reasons.append(
                    f"{who}: {r['support_item__item_number']} has {_qty(left)} left of its "
                    f"budget of {_qty(r['budget'])}; this session plans {_qty(adds[line])}."
                )
                adds[line] = Decimal(0)  # said once per line
        for r in workers[s.pk]:
            v.warnings += fatigue[r["worker_id"]].warnings(span)
        if v.ok:
            for kind, pk, _ in attendees:
                taken[(kind, pk)].append(span)
            for r in planned[s.pk]:
                used[r["agreement_line_id"]] += r["quantity"]
            for r in workers[s.pk]:
                fatigue[r["worker_id"]].add(span)
    return verdicts
