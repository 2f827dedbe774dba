"""Recording history for set-based writes (generation, publishing, Save and Roster).

django-simple-history records a historical row when a model instance is saved or deleted
one by one. Writes that change many rows at once (`bulk_create`, `QuerySet.update()`) send no
signals; they call `record_history` right after, in the same transaction, with the rows they
changed as a QuerySet. It copies those rows into the historical table with one
`INSERT … SELECT` — for sessions, with the snapshot of their service types that every
historical session row carries: in the same statement on PostgreSQL (`WITH … RETURNING`), one
more on SQLite — so the cost is a fixed number of statements whatever the number of rows, and
no row passes through Python.

    record_history(queryset=Session.objects.filter(...), history_type=CHANGED,
                   reason=PUBLISHED, user=user)
"""

from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from simple_history.models import HistoricalRecords

# history_type, as django-simple-history writes it
CREATED, CHANGED, DELETED = "+", "~", "-"

# Change reasons of the bulk writes (shown on the session's history).
GENERATED = "Generated"
BROUGHT_IN = "Brought in"
PUBLISHED = "Published"
SAVE_AND_ROSTER = "Save and Roster"

# The bulk writes that change the status of sessions and nothing else. Their historical rows
# carry no snapshot of the service types (a publish would copy every link of the period for
# nothing): the timeline carries the previous snapshot forward (`sessions_app.history`).
STATUS_ONLY = frozenset({PUBLISHED, SAVE_AND_ROSTER})


@contextmanager
def acting_as(user):
    """Saves made in this block are recorded as `user`'s, outside a request (a background job,
    a script, a test): what HistoryRequestMiddleware does for a request. Inside a request, or
    without a user, it changes nothing."""
    context = HistoricalRecords.context
    if user is None or getattr(context, "request", None) is not None:
        yield
        return
    context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        del context.request


def _user_id(user) -> int | None:
    if user is None:
        return None
    if isinstance(user, int):
        return user
    return user.pk if getattr(user, "is_authenticated", False) else None


def record_history(
    *, queryset: QuerySet, history_type: str, reason: str, user=None, date=None
) -> int:
    """One historical row per row of `queryset`, as it is now: who (`user`, a user or its id),
    when (`date`, default now), why (`reason`). Returns the number of rows recorded."""
    model = queryset.model
    history = model.history.model
    date = date or timezone.now()
    qn = connection.ops.quote_name
    fields = history.tracked_fields
    select_sql, select_params = (
        queryset.order_by().values_list(*[f.attname for f in fields]).query.sql_with_params()
    )
    meta = history._meta
    extra = [meta.get_field(name) for name in (
        "history_date", "history_change_reason", "history_type", "history_user"
    )]
    columns = ", ".join(qn(f.column) for f in [*extra, *fields])
    values = [
        extra[0].get_db_prep_value(date, connection),
        reason, history_type, _user_id(user),
    ]
    insert = (
        f"INSERT INTO {qn(meta.db_table)} ({columns}) "
        f"SELECT %s, %s, %s, %s, q.* FROM ({select_sql}) q"
    )
    params = [*values, *select_params]
    m2m_fields = [] if reason in STATUS_ONLY else list(history._history_m2m_fields)
    if m2m_fields and connection.vendor == "postgresql":
        # One statement: the snapshot joins the historical rows straight from RETURNING.
        pk = qn(model._meta.pk.column)
        parts = [f"h AS ({insert} RETURNING history_id, {pk})"]
        for i, field in enumerate(m2m_fields):
            target, links, source = _m2m_parts(model, field)
            fk = _source_column(model, field)
            parts.append(
                f"m{i} AS (INSERT INTO {target} SELECT h.history_id, {links} "
                f"FROM h JOIN {source} ON l.{fk} = h.{pk} RETURNING 1)"
            )
        sql = f"WITH {', '.join(parts)} SELECT count(*) FROM h"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]
    with connection.cursor() as cursor:
        cursor.execute(insert, params)
        recorded = cursor.rowcount
    for field in m2m_fields:
        _record_m2m(model, history, field, select_sql, select_params, values)
    return recorded


def _source_column(model, field) -> str:
    through = getattr(model, field.name).through
    source = next(
        f for f in through._meta.fields if f.is_relation and f.related_model is model
    )
    return connection.ops.quote_name(source.column)


def _m2m_parts(model, field):
    """(the snapshot table with its columns, the link columns as `l.…`, the link table as l)."""
    qn = connection.ops.quote_name
    m2m_history = HistoricalRecords.m2m_models[field]
    through = getattr(model, field.name).through
    link_columns = [f.column for f in through._meta.fields]
    target = (
        f"{qn(m2m_history._meta.db_table)} "
        f"({qn(m2m_history._meta.get_field('history').column)}, "
        f"{', '.join(qn(c) for c in link_columns)})"
    )
    links = ", ".join("l." + qn(c) for c in link_columns)
    return target, links, f"{qn(through._meta.db_table)} l"


def _record_m2m(model, history, field, select_sql, select_params, values):
    """The snapshot of a many-to-many field (a session's service types) for the historical rows
    just written (SQLite: no INSERT in a WITH): one INSERT … SELECT joining them, found by
    their date, reason and type, to the field's current links."""
    qn = connection.ops.quote_name
    target, links, source = _m2m_parts(model, field)
    fk = _source_column(model, field)
    pk = qn(model._meta.pk.column)
    sql = (
        f"INSERT INTO {target} SELECT h.history_id, {links} "
        f"FROM {source} JOIN {qn(history._meta.db_table)} h ON h.{pk} = l.{fk} "
        f"WHERE h.history_date = %s AND h.history_change_reason = %s "
        f"AND h.history_type = %s AND l.{fk} IN (SELECT q.{pk} FROM ({select_sql}) q)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values[:3], *select_params])
