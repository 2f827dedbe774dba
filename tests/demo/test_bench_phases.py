"""The benchmark phases of validating and publishing run (tiny data; figures come from PG)."""

from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from demo import bench as period_bench
from rostering.models import RosterPeriod
from sessions_app.models import Session

pytestmark = pytest.mark.django_db


@dataclass
class Measured:
    phase: str
    note: str = ""
    seconds: float = 0.0
    queries: int = 0
    rows: Counter = field(default_factory=Counter)


@contextmanager
def measure(phase):
    yield Measured(phase)


def test_the_phases_validate_take_out_errors_and_publish(pw, add_session):
    add_session("2026-11-17", "09:00", workers=[pw["wendy"]])
    add_session("2026-11-18", "09:00", workers=[pw["will"]])
    add_session("2026-11-19", "09:00")  # no worker: taken out before publishing
    (validated,) = period_bench.phase_validate(pw["period"], measure)
    assert validated.note.startswith("3 sessions: 1 errors, 0 warnings (no_worker 1)")
    published, sent = period_bench.phase_publish(pw["period"], measure)
    assert "2 sessions Rostered, 2 notifications; statements: " in published.note
    # The sessions, their worker and asset links (the bookings), the period; the
    # notifications and the history of the sessions and of the period.
    assert "4 UPDATE" in published.note and "3 INSERT" in published.note
    assert sent.note.startswith("2 emails")
    assert RosterPeriod.objects.get(pk=pw["period"].pk).is_published
    assert set(Session.objects.values_list("status", flat=True)) == {"rostered"}


def test_the_pages_phase_times_the_period_page_and_the_dashboard(pw, add_session):
    add_session("2026-11-17", "09:00", workers=[pw["wendy"]])
    period_page, dashboard = period_bench.phase_pages(pw["period"], measure, repeat=2)
    assert period_page.phase == "roster-period page" and dashboard.phase == "dashboard"
    assert "median of 2 requests" in period_page.note and "≤ 250 ms" in period_page.note
    assert "≤ 100 ms" in dashboard.note
    assert period_page.seconds > 0 and dashboard.seconds > 0
