"""The session menu's actions that change a session: Modify Workers, Modify Session Times,
Modify Activities. Writes only; each press is one transaction.

    session_workers_modify(session=s, add_ids=[…], remove_ids=[…], scope="this", user=u)
    session_times_modify(session=s, start=naive, end=naive, scope="following", user=u)
    session_activities_modify(session=s, activities=[ActivitySpec…], scope="all", user=u)

Each checks `changes.check_can_modify`, then changes every session of the scope through
`sessions_app.services.session_update`, so every rule of the session form applies there too
(the site's clients, activities inside the times, no double booking on the live schedule).
On a Rostered or In Progress session a worker must also be rostrable as Save and Roster asks
(`rostrable_problems`): active that day, not on leave or unavailable, holding the session
type's qualifications. A problem on any session of the scope rolls back the whole press and
names the date. Workers added to, removed from or moved with an active session are told once
per press (`changes.notify_workers`); Draft sessions notify nobody.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from clients import wallclock
from clients.formatting import nice_date
from sessions_app import recurrence
from sessions_app.bookings import ACTIVE_STATUSES
from sessions_app.forms import make_site_aware
from sessions_app.models import Session, SessionType, SessionWorker
from sessions_app.services import ActivitySpec, session_update
from workforce.models import Worker, WorkerQualification, WorkerUnavailability

from .changes import check_can_modify, notify_workers, sessions_in_scope

NOTICE_SUBJECT = "Your sessions have changed"


def when(session: Session, start=None, end=None) -> str:
    """'Tue 1 Dec 2026 09:00–11:00' at the session's site (the next day's end named)."""
    tz = session.site.tzinfo
    s = wallclock.to_local(start or session.start, tz)
    e = wallclock.to_local(end or session.end, tz)
    ends = f"{e:%H:%M}" if e.date() == s.date() else f"{nice_date(e)} {e:%H:%M}"
    return f"{nice_date(s)} {s:%H:%M}–{ends}"


def _dated(session: Session, messages: Iterable[str]) -> list[str]:
    day = nice_date(session.local_date)
    return [m if day in m else f"{day}: {m}" for m in messages]


class _Collected:
    """Messages per field over the sessions of a scope, each naming its session's date."""

    def __init__(self):
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, session: Session, messages: Iterable[str]):
        self.by_field.setdefault(field, []).extend(_dated(session, messages))

    def absorb(self, session: Session, exc: ValidationError):
        for key, msgs in exc.message_dict.items():
            self.add(key, session, msgs)

    def raise_if_any(self):
        if self.by_field:
            raise ValidationError(self.by_field)


# --- may these workers be rostered to these sessions? ------------------------------------------
def rostrable_problems(*, sessions: Sequence[Session], worker_ids: Iterable[int]
                       ) -> dict[tuple[int, int], list[str]]:
    """Why each worker may not be rostered to each session, as Save and Roster decides:
    not active on the date, on leave or unavailable during it, missing (or holding an expired)
    qualification the session type requires. {(session id, worker id): [reasons]}; three
    queries whatever the number of sessions and workers. `sessions` need `site` selected."""
    worker_ids = set(worker_ids)
    out: dict[tuple[int, int], list[str]] = defaultdict(list)
    if not sessions or not worker_ids:
        return out
    workers = Worker.objects.in_bulk(worker_ids)
    first = min(s.start for s in sessions)
    last = max(s.end for s in sessions)
    away = defaultdict(list)
    for u in WorkerUnavailability.objects.filter(
        worker_id__in=worker_ids, start__lt=last, end__gt=first
    ).order_by("start"):
        away[u.worker_id].append(u)
    type_ids = {s.session_type_id for s in sessions}
    required = defaultdict(list)
    for r in (
        SessionType.required_qualifications.through.objects.filter(sessiontype_id__in=type_ids)
        .values("sessiontype_id", "qualification_id", "qualification__name")
        .order_by("qualification__name")
    ):
        required[r["sessiontype_id"]].append((r["qualification_id"], r["qualification__name"]))
    held = defaultdict(list)
    wanted = {q for qs in required.values() for q, _ in qs}
    if wanted:
        for wq in WorkerQualification.objects.filter(
            worker_id__in=worker_ids, qualification_id__in=wanted
        ):
            held[(wq.worker_id, wq.qualification_id)].append(wq)
    for s in sessions:
        day, tz = s.local_date, s.site.tzinfo
        for wid in worker_ids:
            w = workers.get(wid)
            if w is None:
                continue
            reasons = out[(s.pk, wid)]
            if not w.is_active_on(day):
                reasons.append(f"{w} is not active on {nice_date(day)}.")
            for u in away[wid]:
                if u.start < s.end and u.end > s.start:
                    what = "on leave" if u.kind == WorkerUnavailability.Kind.LEAVE \
                        else "unavailable"
                    why = f" ({u.reason})" if u.reason else ""
                    reasons.append(
                        f"{w} is {what} {nice_date(wallclock.to_local(u.start, tz))} "
                        f"{wallclock.to_local(u.start, tz):%H:%M} to "
                        f"{nice_date(wallclock.to_local(u.end, tz))} "
                        f"{wallclock.to_local(u.end, tz):%H:%M}{why}."
                    )
            for q_id, q_name in required[s.session_type_id]:
                options = held[(wid, q_id)]
                if any(wq.is_valid_on(day) and (wq.obtained_on is None or wq.obtained_on <= day)
                       for wq in options):
                    continue
                if any(wq.expires_on and wq.expires_on < day for wq in options):
                    reasons.append(f"{w}'s {q_name} has expired by {nice_date(day)}.")
                else:
                    reasons.append(f"{w} does not hold {q_name}, which this session type "
                                   "requires.")
    return out


def _active(session: Session) -> bool:
    return session.status in ACTIVE_STATUSES and session.base_roster_id is None


# --- Modify Workers ------------------------------------------------------------------------------
def session_workers_modify(*, session: Session, add_ids: Sequence[int], remove_ids: Sequence[int],
                           scope: str, user,
        expected_version: int | None = None) -> list[Session]:
    """Add and remove workers (a swap is one of each) on `session` and, for a series, the other
    open sessions of `scope`. Returns the sessions changed."""
    check_can_modify(session=session, user=user)
    add_ids = list(dict.fromkeys(add_ids))
    remove_ids = list(dict.fromkeys(remove_ids))
    if not add_ids and not remove_ids:
        raise ValidationError({"__all__": "Choose a worker to add or remove."})
    if set(add_ids) & set(remove_ids):
        raise ValidationError({"add": "A worker cannot be both added and removed."})
    with transaction.atomic():
        targets = sessions_in_scope(session=session, scope=scope,
                                    expected_version=expected_version)
        adding = Worker.objects.in_bulk(add_ids)
        if len(adding) != len(add_ids):
            raise ValidationError({"add": "That worker does not exist: choose from the list."})
        ids = [t.pk for t in targets]
        current = defaultdict(list)
        for sw in SessionWorker.objects.filter(session_id__in=ids).select_related("worker") \
                .order_by("pk"):
            current[sw.session_id].append(sw.worker)
        missing = set(remove_ids) - {w.pk for w in current[session.pk]}
        if missing:
            raise ValidationError({"remove": "That worker is not in this session."})
        sites = {t.pk: t for t in Session.objects.select_related("site").filter(pk__in=ids)}
        targets = [sites[t.pk] for t in targets]
        problems = rostrable_problems(sessions=[t for t in targets if _active(t)],
                                      worker_ids=add_ids)
        errors = _Collected()
        notices: dict[int, list[str]] = defaultdict(list)
        changed = []
        for t in targets:
            now = current[t.pk]
            keep = [w for w in now if w.pk not in remove_ids]
            new = keep + [adding[i] for i in add_ids if all(w.pk != i for w in keep)]
            if [w.pk for w in new] == [w.pk for w in now]:
                continue
            if _active(t):
                for wid in add_ids:
                    if problems.get((t.pk, wid)):
                        errors.add("add", t, problems[(t.pk, wid)])
            try:
                with transaction.atomic():
                    session_update(session=t, workers=new, user=user)
            except ValidationError as exc:
                errors.absorb(t, exc)
                continue
            changed.append(t)
            if _active(t):
                label = f"{t.subject}, {when(t)} at {t.site}"
                for w in new:
                    if w not in now:
                        notices[w.pk].append(f"You are now rostered to {label}.")
                for w in now:
                    if w not in new:
                        notices[w.pk].append(f"You are no longer rostered to {label}.")
        errors.raise_if_any()
        if not changed:
            raise ValidationError({"__all__": "Nothing to change: those workers are already "
                                              "as chosen."})
        notify_workers(change_key=uuid.uuid4().hex, notices=notices, subject=NOTICE_SUBJECT)
    return changed


# --- Modify Session Times ----------------------------------------------------------------------
def session_times_modify(*, session: Session, start: datetime.datetime, end: datetime.datetime,
                         scope: str, user,
        expected_version: int | None = None) -> list[Session]:
    """New wall-clock Start and End (naive, at the session's site) for `session`; for a series,
    every other session of `scope` keeps its own date (moved by as many days as this one) and
    takes the same wall-clock times. A typed time in a DST gap is refused; an occurrence's time
    in a gap follows RFC 5545 (as the series' dates do). Activities move with their session."""
    check_can_modify(session=session, user=user)
    start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
    tz = session.site.tzinfo
    errors: dict[str, list[str]] = {}
    for name, value in (("start", start), ("end", end)):
        try:
            make_site_aware(value, tz)
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    if end <= start:
        raise ValidationError({"end": "End must be after start."})
    shift_days = (start.date() - session.local_date).days
    span_days = (end.date() - start.date()).days
    with transaction.atomic():
        targets = sessions_in_scope(session=session, scope=scope,
                                    expected_version=expected_version)
        by_pk = Session.objects.select_related("site").prefetch_related(
            "activities", "session_workers"
        ).in_bulk([t.pk for t in targets])
        targets = [by_pk[t.pk] for t in targets]
        moves = []
        for t in targets:
            day = t.local_date + datetime.timedelta(days=shift_days)
            t_tz = t.site.tzinfo
            new_start = wallclock.resolve(day, start.time(), t_tz)
            new_end = wallclock.resolve(day + datetime.timedelta(days=span_days), end.time(), t_tz)
            if t.pk == session.pk:
                new_start, new_end = make_site_aware(start, t_tz), make_site_aware(end, t_tz)
            if new_end <= new_start:
                new_end = new_start + (end - start)
            moves.append((t, new_start, new_end))
        moved = [m for m in moves if (m[1], m[2]) != (m[0].start, m[0].end)]
        if not moved:
            raise ValidationError({"__all__": "Those are the session's times already."})
        collected = _Collected()
        probe = []
        for t, new_start, new_end in moved:
            if _active(t):
                probe.append(Session(pk=t.pk, start=new_start, end=new_end, site=t.site,
                                     session_type_id=t.session_type_id, status=t.status))
        worker_ids = {sw.worker_id for t, _, _ in moved for sw in t.session_workers.all()}
        problems = rostrable_problems(sessions=probe, worker_ids=worker_ids)
        notices: dict[int, list[str]] = defaultdict(list)
        for t, new_start, new_end in moved:
            workers = [sw.worker_id for sw in t.session_workers.all()]
            if _active(t):
                for wid in workers:
                    if problems.get((t.pk, wid)):
                        collected.add("start", t, problems[(t.pk, wid)])
            delta = new_start - t.start
            acts = []
            for a in t.activities.all():
                a_start, a_end = max(a.start + delta, new_start), min(a.end + delta, new_end)
                if a_end <= a_start:
                    collected.add("start", t, [
                        f"The {a.get_kind_display().lower()} would fall outside the new times: "
                        "change the session's activities first."])
                    continue
                acts.append(ActivitySpec(a.kind, a_start, a_end, a.paid, id=a.pk))
            try:
                with transaction.atomic():
                    session_update(session=t, start=new_start, end=new_end, activities=acts,
                                   user=user)
            except ValidationError as exc:
                collected.absorb(t, exc)
                continue
            if _active(t):
                line = f"{t.subject} at {t.site}: {when(t)} → now {when(t, new_start, new_end)}."
                for wid in workers:
                    notices[wid].append(line)
        collected.raise_if_any()
        notify_workers(change_key=uuid.uuid4().hex, notices=notices, subject=NOTICE_SUBJECT)
    return [t for t, _, _ in moved]


# --- Modify Activities --------------------------------------------------------------------------
def session_activities_modify(*, session: Session, activities: Sequence[ActivitySpec], scope: str,
                              user, expected_version: int | None = None) -> list[Session]:
    """Make `session`'s activities these (ActivitySpecs with aware times; `id` for a row kept)
    and, for a series, give every other open session of `scope` the same activities at the same
    wall-clock times on its own date (their rows kept where unchanged)."""
    check_can_modify(session=session, user=user)
    with transaction.atomic():
        targets = sessions_in_scope(session=session, scope=scope,
                                    expected_version=expected_version)
        by_pk = Session.objects.select_related("site").prefetch_related("activities") \
            .in_bulk([t.pk for t in targets])
        targets = [by_pk[t.pk] for t in targets]
        collected = _Collected()
        for t in targets:
            if t.pk == session.pk:
                specs = list(activities)
            else:
                days = recurrence.days_between(session.local_start, t.start)
                specs = []
                for a in activities:
                    a_start, a_end = recurrence.shift_span(
                        a.start.astimezone(session.site.tzinfo),
                        a.end.astimezone(session.site.tzinfo), days=days)
                    specs.append(ActivitySpec(a.kind, max(a_start, t.start),
                                              min(a_end, t.end), a.paid))
            try:
                with transaction.atomic():
                    session_update(session=t, activities=specs, user=user)
            except ValidationError as exc:
                collected.absorb(t, exc)
        collected.raise_if_any()
    return targets
