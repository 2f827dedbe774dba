"""The history of a session, as a coordinator reads it ("View History").

`session_history(session=…)` reads the historical rows (django-simple-history) of the session,
its service types, clients, planned services, workers, assets and activities — one query per
table, whatever the length of the history — compares each row with the one before it of the
same object, and groups the changes of one save (same user and reason, within a second, from
one save of the session's own row to the next) into one entry, newest first:

    Fri 27 Nov 10:42 · coordinator · Workers: Mei Kelly → Dan O'Brien

Times are wall-clock at the session's site.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import models
from simple_history.models import HistoricalRecords

from .history_records import CREATED, DELETED, STATUS_ONLY
from .models import (
    PlannedService,
    Session,
    SessionActivity,
    SessionAsset,
    SessionClient,
    SessionWorker,
)

# The changes of one save land within this of each other (one request, one job's batch).
SAME_SAVE = datetime.timedelta(seconds=1)
# A historical row of the session itself: a save, which starts an entry of its own.
SAVES = ("created", "deleted", "save")

# The session's fields a coordinator reads, in the form's order; the rest (its home, the
# base-roster session it came from, its series, timestamps) change with no one asking.
SESSION_FIELDS = [
    "work_type", "billable", "session_type", "start", "end", "subject", "site", "region",
    "group_template", "ratio", "status", "comments", "employee_message", "recurrence",
]
CLIENT_FIELDS = ["status", "cancellation_reason", "short_notice"]


@dataclass
class HistoryEntry:
    when: datetime.datetime  # aware, in the session's site's zone
    who: str  # a username, or "system"
    changes: list[str] = field(default_factory=list)
    reason: str = ""

    @property
    def wall(self) -> datetime.datetime:
        """`when` as the site's clocks showed it, without a zone (for templates)."""
        return self.when.replace(tzinfo=None)


@dataclass
class _Event:
    date: datetime.datetime
    user_id: int | None
    username: str
    reason: str
    section: str  # "Workers", "Start" …
    kind: str  # "add", "remove", "change", "field", "created", "deleted", "save" (no line)
    text: str = ""  # the added/removed object, or the whole line for "field"/"change"
    order: int = 0  # sections in the form's order


class _Formatter:
    def __init__(self, tz):
        self.tz = tz

    def time(self, value: datetime.datetime) -> str:
        return f"{value.astimezone(self.tz):%H:%M}"

    def when(self, value, other=None) -> str:
        """A date-time at the site: the time alone when `other` falls on the same day."""
        local = value.astimezone(self.tz)
        if other is not None and other.astimezone(self.tz).date() == local.date():
            return f"{local:%H:%M}"
        return f"{local:%a %-d %b %Y %H:%M}"

    def value(self, f: models.Field, record, other=None) -> str:
        if f.is_relation:
            obj = getattr(record, f.name)
            return "—" if obj is None else str(obj)
        value = getattr(record, f.attname)
        if value is None or value == "":
            return "—"
        if f.choices:
            return str(dict(f.flatchoices).get(value, value))
        if isinstance(f, models.BooleanField):
            return "Yes" if value else "No"
        if isinstance(f, models.DateTimeField):
            return self.when(value, getattr(other, f.attname, None) if other else None)
        if isinstance(f, models.DecimalField):
            return f"{value:.2f}"
        return str(value)


def _label(f: models.Field) -> str:
    name = str(f.verbose_name)
    return name[:1].upper() + name[1:]


def _by_object(rows):
    """Pairs (previous row of the same object or None, row), in time order."""
    last = {}
    for row in rows:
        yield last.get(row.id), row
        last[row.id] = row


def _event(row, section, kind, text="", order=0) -> _Event:
    user = row.history_user
    return _Event(
        date=row.history_date, user_id=row.history_user_id,
        username=user.get_username() if user is not None else "system",
        reason=row.history_change_reason or "", section=section, kind=kind, text=text,
        order=order,
    )


def _session_events(session, fmt: _Formatter) -> list[_Event]:
    history = Session.history.model
    rows = list(
        history.objects.filter(id=session.pk)
        .select_related("history_user", "session_type", "site", "region", "group_template")
        .order_by("history_date", "history_id")
    )
    m2m = HistoricalRecords.m2m_models[Session._meta.get_field("service_types")]
    types = defaultdict(set)
    for history_id, name in m2m.objects.filter(
        history__id=session.pk
    ).values_list("history_id", "servicetype__name"):
        types[history_id].add(name)
    fields = [history._meta.get_field(name) for name in SESSION_FIELDS]
    events = []
    for prev, row in _by_object(rows):
        if prev is not None and row.history_change_reason in STATUS_ONLY:
            types[row.history_id] = types[prev.history_id]  # recorded without a snapshot
        if row.history_type == CREATED:
            events.append(_event(row, "Session", "created", "Created", order=-1))
            continue
        if row.history_type == DELETED:
            events.append(_event(row, "Session", "deleted", "Deleted", order=-1))
            continue
        if prev is None:
            continue
        changed = []
        for i, f in enumerate(fields):
            old, new = getattr(prev, f.attname), getattr(row, f.attname)
            if old != new:
                text = (
                    f"{_label(f)}: {fmt.value(f, prev, other=row)} → "
                    f"{fmt.value(f, row, other=prev)}"
                )
                changed.append(_event(row, _label(f), "field", text, order=i))
        before, after = types[prev.history_id], types[row.history_id]
        if changed or before == after:
            # A save of the session starts an entry: another save, even within the second, is
            # another change (a save writes the session's row before its children's). A row
            # with only new service types is the same save's (recorded as the types are set).
            events.append(_event(row, "Session", "save", order=-1))
        events += changed
        for name in sorted(after - before):
            events.append(_event(row, "Service types", "add", name, order=len(fields)))
        for name in sorted(before - after):
            events.append(_event(row, "Service types", "remove", name, order=len(fields)))
    return events


def _link_events(rows, section, order, describe, fields=(), fmt=None,
                 summary=None) -> list[_Event]:
    """Added, removed and changed rows of one kind of child. `summary(prev, row)`, when given,
    may say a change in one line of its own (a client cancelled) instead of field by field."""
    events = []
    for prev, row in _by_object(rows):
        if row.history_type == CREATED:
            events.append(_event(row, section, "add", describe(row), order))
        elif row.history_type == DELETED:
            events.append(_event(row, section, "remove", describe(prev or row), order))
        elif prev is not None and summary is not None and (text := summary(prev, row)):
            events.append(_event(row, section, "change", text, order))
        elif prev is not None:
            if describe(prev) != describe(row):
                text = f"{section}: {describe(prev)} → {describe(row)}"
                events.append(_event(row, section, "change", text, order))
            for f in fields:
                if getattr(prev, f.attname) != getattr(row, f.attname):
                    text = (
                        f"{section}: {describe(row)}: {_label(f)}: "
                        f"{fmt.value(f, prev)} → {fmt.value(f, row)}"
                    )
                    events.append(_event(row, section, "change", text, order))
    return events


def _children_events(session, fmt: _Formatter) -> list[_Event]:
    n = len(SESSION_FIELDS) + 1
    client_history = SessionClient.history.model
    clients = list(
        client_history.objects.filter(session_id=session.pk)
        .select_related("history_user", "client", "reason")
        .order_by("history_date", "history_id")
    )
    client_names = {row.id: str(row.client) if row.client else "—" for row in clients}

    def cancelled_or_back(prev, row) -> str:
        """"Clients: Bea Arthur cancelled (NSDH, short notice): Flu" or "… back on"."""
        if prev.status == row.status:
            return ""
        name = client_names.get(row.id, "—")
        if row.status != SessionClient.Status.CANCELLED:
            return f"Clients: {name} back on (cancellation undone)"
        why = [row.reason.code if row.reason else "no reason"]
        if row.short_notice:
            why.append("short notice")
        details = f": {row.cancellation_reason}" if row.cancellation_reason else ""
        return f"Clients: {name} cancelled ({', '.join(why)}){details}"

    events = _link_events(
        clients, "Clients", n, lambda r: client_names.get(r.id, "—"),
        fields=[client_history._meta.get_field(f) for f in CLIENT_FIELDS], fmt=fmt,
        summary=cancelled_or_back,
    )

    services = list(
        PlannedService.history.model.objects.filter(
            session_client_id__in=client_history.objects.filter(
                session_id=session.pk
            ).values("id")
        )
        .select_related("history_user", "support_item")
        .order_by("history_date", "history_id")
    )

    def service(r):
        item = r.support_item.item_number if r.support_item else "—"
        return f"{client_names.get(r.session_client_id, '—')} {item} × {r.quantity:.2f}"

    for prev, row in _by_object(services):
        if row.history_type == CREATED:
            events.append(_event(row, "Planned services", "add", service(row), n + 1))
        elif row.history_type == DELETED:
            events.append(_event(row, "Planned services", "remove", service(prev or row), n + 1))
        elif prev is not None and (prev.quantity, prev.support_item_id) != (
            row.quantity, row.support_item_id
        ):
            new = f"× {row.quantity:.2f}" if prev.support_item_id == row.support_item_id else (
                service(row)
            )
            text = f"Planned services: {service(prev)} → {new}"
            events.append(_event(row, "Planned services", "change", text, n + 1))

    workers = list(
        SessionWorker.history.model.objects.filter(session_id=session.pk)
        .select_related("history_user", "worker").order_by("history_date", "history_id")
    )
    events += _link_events(workers, "Workers", n + 2, lambda r: str(r.worker or "—"))
    assets = list(
        SessionAsset.history.model.objects.filter(session_id=session.pk)
        .select_related("history_user", "asset").order_by("history_date", "history_id")
    )
    events += _link_events(assets, "Assets", n + 3, lambda r: str(r.asset or "—"))
    activities = list(
        SessionActivity.history.model.objects.filter(session_id=session.pk)
        .select_related("history_user").order_by("history_date", "history_id")
    )

    def activity(r):
        kind = dict(SessionActivity.Kind.choices).get(r.kind, r.kind)
        return f"{kind} {fmt.time(r.start)}–{fmt.time(r.end)}{'' if r.paid else ' (unpaid)'}"

    events += _link_events(activities, "Activities", n + 4, activity)
    return events


def _lines(events: list[_Event]) -> list[str]:
    """The readable changes of one save: a removal and an addition of the same section make
    one line ("Workers: Mei Kelly → Dan O'Brien")."""
    sections: dict[str, dict] = {}
    for e in sorted(events, key=lambda e: e.order):
        if e.kind == "save":
            continue
        s = sections.setdefault(e.section, {"add": [], "remove": [], "lines": []})
        if e.kind in ("add", "remove"):
            s[e.kind].append(e.text)
        else:
            s["lines"].append(e.text)
    lines = []
    for section, s in sections.items():
        lines += s["lines"]
        added, removed = s["add"], s["remove"]
        if added and removed:
            lines.append(f"{section}: {', '.join(removed)} → {', '.join(added)}")
        elif added:
            lines.append(f"{section}: + {', '.join(added)}")
        elif removed:
            lines.append(f"{section}: − {', '.join(removed)}")
    return list(dict.fromkeys(lines))


def session_history(*, session: Session) -> list[HistoryEntry]:
    """The session's changes, newest first; one entry per save. A fixed number of queries
    (eight) whatever the length of the history. `session.site` is read (select it with the
    session)."""
    tz = session.site.tzinfo
    fmt = _Formatter(tz)
    events = _session_events(session, fmt) + _children_events(session, fmt)
    events.sort(key=lambda e: e.date)
    groups: list[list[_Event]] = []
    for e in events:
        g = groups[-1] if groups else None
        if (
            g is not None and e.user_id == g[0].user_id and e.reason == g[0].reason
            and e.date - g[0].date <= SAME_SAVE and e.kind not in SAVES
        ):
            g.append(e)
        else:
            groups.append([e])
    entries = []
    for g in groups:
        lines = _lines(g)
        if lines:
            entries.append(HistoryEntry(
                when=g[0].date.astimezone(tz), who=g[0].username, changes=lines,
                reason=g[0].reason,
            ))
    entries.reverse()
    return entries

