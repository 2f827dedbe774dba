"""Helpers for tests that race two real transactions on PostgreSQL."""

import time

from django.db import connection


def wait_until_a_transaction_waits_on_a_lock(*, timeout: float = 30.0) -> bool:
    """PostgreSQL's own signal that the second transaction is blocked by the first: a backend
    of this database waiting on a lock (polled, never a fixed sleep). False after `timeout`."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.01)
    return False
