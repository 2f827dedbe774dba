"""Recording history for set-based writes (generation, publishing, Save and Roster).

django-simple-history records a historical row when a model instance is saved or deleted
one by one. Writes that change many rows at once (`bulk_create`, `QuerySet.update()`) send no
signals; they call `record_history` right after, in the same transaction, with the rows they
changed as a QuerySet. It copies those rows into the historical table with one
`INSERT … SELECT` (and, for sessions, one more for the snapshot of their service types that
every historical session row carries), so the cost is a fixed number of statements whatever the
number of rows, and no row passes through Python. Portable SQL (PostgreSQL and SQLite).

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
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({columns}) "
        f"SELECT %s, %s, %s, %s, q.* FROM ({select_sql}) q"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *select_params])
        recorded = cursor.rowcount
    for field in history._history_m2m_fields:
        _record_m2m(model, history, field, select_sql, select_params, values)
    return recorded


def _record_m2m(model, history, field, select_sql, select_params, values):
    """The snapshot of a many-to-many field (a session's service types) for the historical rows
    just written: one INSERT … SELECT joining them to the field's current links."""
    qn = connection.ops.quote_name
    m2m_history = HistoricalRecords.m2m_models[field]
    through = getattr(model, field.name).through
    source = next(
        f for f in through._meta.fields
        if f.is_relation and f.related_model is model
    )
    link_columns = [f.column for f in through._meta.fields]
    h = qn(history._meta.db_table)
    pk = qn(model._meta.pk.column)
    sql = (
        f"INSERT INTO {qn(m2m_history._meta.db_table)} "
        f"({qn(m2m_history._meta.get_field('history').column)}, "
        f"{', '.join(qn(c) for c in link_columns)}) "
        f"SELECT h.history_id, {', '.join('l.' + qn(c) for c in link_columns)} "
        f"FROM {qn(through._meta.db_table)} l "
        f"JOIN {h} h ON h.{pk} = l.{qn(source.column)} "
        f"WHERE h.history_date = %s AND h.history_change_reason = %s "
        f"AND h.history_type = %s "
        f"AND l.{qn(source.column)} IN (SELECT q.{pk} FROM ({select_sql}) q)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values[:3], *select_params])
