"""Keeping the attendee links' bookings in step with their sessions, and naming a clash.

A worker or asset link books its attendee while its session is active (Rostered or In
Progress): it carries a copy of the session's time range and an `active` flag, and on PostgreSQL
an exclusion constraint refuses two overlapping active links of one attendee
(`sessions_app.constraints`). The services that change a session's times or status call
`links_sync` in the same transaction (set-based: one UPDATE per link table, whatever the number
of sessions); nothing happens in save() or signals.

`booking_clashes` finds the Rostered or In Progress sessions an attendee of some sessions is
already in, for the message a person reads ("Wendy Walker is already rostered to … Tue 1 Dec
09:00–11:00") — after the constraint refused a write (the loser of a race), or before writing,
which on SQLite is the whole guarantee.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Q, QuerySet

from clients.wallclock import to_local, zone

from .models import Session, SessionAsset, SessionClient, SessionWorker

ACTIVE_STATUSES = (Session.Status.ROSTERED, Session.Status.IN_PROGRESS)
LINK_MODELS = (SessionWorker, SessionAsset)


def is_active_status(status: str) -> bool:
    return status in ACTIVE_STATUSES


def books(session: Session) -> bool:
    """Whether the session's links book their attendees: Rostered or In Progress, and not a
    base-roster pattern (whose dates stand for every cycle)."""
    return is_active_status(session.status) and session.base_roster_id is None


def links_sync(*, sessions: QuerySet[Session]) -> int:
    """Copy each of `sessions`' times and status onto its worker and asset links.

    One `UPDATE … FROM (the sessions)` per link table: the sessions are read once and joined
    to their links; links already in step are not rewritten. Raises the database's
    IntegrityError when that would double-book someone (PostgreSQL); the caller, inside its
    own savepoint, turns it into a message (`booking_clashes`).
    """
    qn = connection.ops.quote_name
    rows_sql, rows_params = (
        sessions.order_by()
        .values(b_id=F("pk"), b_start=F("start"), b_end=F("end"), b_status=F("status"),
                b_pattern=F("base_roster_id"))
        .query.sql_with_params()
    )
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    active = (
        f"(s.b_status IN ({', '.join(['%s'] * len(ACTIVE_STATUSES))}) "
        "AND s.b_pattern IS NULL)"
    )
    end = qn("end")
    changed = 0
    for model in LINK_MODELS:
        t = qn(model._meta.db_table)
        sql = (
            f"UPDATE {t} SET start = s.b_start, {end} = s.b_end, active = {active} "
            f"FROM ({rows_sql}) s "
            f"WHERE s.b_id = {t}.session_id "
            f"AND ({t}.start {differs} s.b_start OR {t}.{end} {differs} s.b_end "
            f"OR {t}.active {differs} {active})"
        )
        params = [*ACTIVE_STATUSES, *rows_params, *ACTIVE_STATUSES]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            changed += cursor.rowcount
    return changed


# --- naming a clash ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Clash:
    session_id: int  # the session that would double-book
    kind: str  # "worker", "asset" or "client"
    name: str  # who or what
    attendee_id: int
    other_id: int  # the session they are already in
    other_subject: str
    other_start: datetime.datetime
    other_end: datetime.datetime
    other_time_zone: str

    @property
    def when(self) -> str:
        tz = zone(self.other_time_zone)
        s, e = to_local(self.other_start, tz), to_local(self.other_end, tz)
        ends = f"{e:%H:%M}" if s.date() == e.date() else f"{e:%a %-d %b %H:%M}"
        return f"{s:%a %-d %b %H:%M}–{ends}"

    @property
    def message(self) -> str:
        verb = {"worker": "rostered to", "asset": "booked for"}.get(self.kind, "in")
        return f"{self.name} is already {verb} {self.other_subject} {self.when}"


_NAMES = {
    # link model, how to name the attendee, conditions on both links
    "worker": (SessionWorker, ("worker__first_name", "worker__last_name"), {}),
    "asset": (SessionAsset, ("asset__name",), {}),
    "client": (
        SessionClient,
        ("client__first_name", "client__last_name"),
        {"status": SessionClient.Status.SCHEDULED},
    ),
}


def booking_clashes(
    *,
    sessions: QuerySet[Session],
    among: QuerySet[Session] | None = None,
    kinds=("worker", "asset"),
    limit: int | None = 50,
) -> list[Clash]:
    """Workers and assets (and, if asked, clients) of `sessions` already in an overlapping
    Rostered or In Progress session (or, with `among`, in an overlapping one of those too: a
    period about to be published). Back-to-back sessions do not clash; cancelled sessions and
    cancelled clients never count.

    One self-join per link table through the attendee, as the period checks do; reads the
    sessions' own status and times, so it holds whatever the links say.
    """
    found: list[Clash] = []
    for kind in kinds:
        model, name_fields, extra = _NAMES[kind]
        other = f"{kind}__session_links"
        busy = Q(**{
            f"{other}__session__status__in": ACTIVE_STATUSES,
            f"{other}__session__base_roster__isnull": True,
        })
        if among is not None:
            busy |= Q(**{f"{other}__session__in": among.values("pk")})
        rows = (
            model.objects.filter(session__in=sessions.values("pk"), **extra)
            .filter(
                busy,
                # Another session (a positive condition, so the join to the other link is one).
                Q(**{f"{other}__session_id__lt": F("session_id")})
                | Q(**{f"{other}__session_id__gt": F("session_id")}),
                **{f"{other}__{k}": v for k, v in extra.items()},
                **{
                    f"{other}__session__start__lt": F("session__end"),
                    f"{other}__session__end__gt": F("session__start"),
                },
            )
            .values(
                "session_id", *name_fields,
                attendee_id=F(f"{kind}_id"),
                other_id=F(f"{other}__session_id"),
                other_subject=F(f"{other}__session__subject"),
                other_start=F(f"{other}__session__start"),
                other_end=F(f"{other}__session__end"),
                other_tz=F(f"{other}__session__site__time_zone"),
            )
            .order_by("session__start", "session_id", f"{other}__session__start")
        )
        if limit is not None:
            rows = rows[:limit]
        for r in rows:
            name = " ".join(r[f] for f in name_fields)
            found.append(
                Clash(r["session_id"], kind, name, r["attendee_id"], r["other_id"],
                      r["other_subject"], r["other_start"], r["other_end"], r["other_tz"])
            )
    return found
