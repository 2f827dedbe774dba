"""The database's guarantee that nobody is booked twice: an exclusion constraint on PostgreSQL.

A worker (or an asset) can never be in two overlapping Rostered or In Progress sessions. Each
attendee link (`SessionWorker`, `SessionAsset`) carries a copy of its session's time range and
whether the session is active (`sessions_app.bookings` keeps them in step, in the services that
change a session's times or status); PostgreSQL refuses two active links of one attendee whose
ranges overlap (`[)`: back-to-back sessions do not clash), also when two transactions write them
at the same moment. btree_gist gives GiST the `=` on the attendee's id.

SQLite has no exclusion constraints: there the services' own check is the guarantee, and this
constraint is left out of the schema (and out of model validation).
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Func


class TsTzRange(Func):
    """tstzrange(start, end, bounds): the range of a row's two datetime columns."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """An ExclusionConstraint on PostgreSQL; nothing on other databases."""

    @staticmethod
    def _postgres(schema_editor) -> bool:
        return schema_editor.connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        if self._postgres(schema_editor):
            return super().constraint_sql(model, schema_editor)
        return None

    def create_sql(self, model, schema_editor):
        if self._postgres(schema_editor):
            return super().create_sql(model, schema_editor)
        return None

    def remove_sql(self, model, schema_editor):
        if self._postgres(schema_editor):
            return super().remove_sql(model, schema_editor)
        return None

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if connections[using].vendor == "postgresql":
            super().validate(model, instance, exclude=exclude, using=using)


def is_booking_clash(exc: Exception) -> bool:
    """True when a database error is one of the no-double-booking constraints."""
    cause = getattr(exc, "__cause__", None)
    diag = getattr(cause, "diag", None)
    name = getattr(diag, "constraint_name", None) or ""
    text = name or str(exc)
    return any(n in text for n in BOOKING_CONSTRAINTS)


BOOKING_CONSTRAINTS = ("session_worker_no_overlap", "session_asset_no_overlap")
