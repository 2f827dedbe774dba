"""Worker.objects.active_on(day): from active_from to active_to, both inclusive."""

import datetime

import pytest

from tests.factories import WorkerFactory
from workforce.models import Worker
from workforce.selectors import workers_active_on

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def workers():
    return {
        "closed": WorkerFactory(active_from=D(2026, 3, 1), active_to=D(2026, 3, 31)),
        "open": WorkerFactory(active_from=D(2026, 3, 15), active_to=None),
        "one_day": WorkerFactory(active_from=D(2026, 3, 20), active_to=D(2026, 3, 20)),
    }


def names(qs, workers):
    ids = set(qs.values_list("pk", flat=True))
    return {name for name, w in workers.items() if w.pk in ids}


@pytest.mark.parametrize(
    "day, expected",
    [
        (D(2026, 2, 28), set()),  # before anyone starts
        (D(2026, 3, 1), {"closed"}),  # first day
        (D(2026, 3, 14), {"closed"}),
        (D(2026, 3, 15), {"closed", "open"}),
        (D(2026, 3, 20), {"closed", "open", "one_day"}),  # a one-day worker, first = last day
        (D(2026, 3, 21), {"closed", "open"}),
        (D(2026, 3, 31), {"closed", "open"}),  # last day
        (D(2026, 4, 1), {"open"}),  # after it; open-ended goes on
        (D(2099, 1, 1), {"open"}),
    ],
)
def test_active_on(workers, day, expected):
    assert names(Worker.objects.active_on(day), workers) == expected
    assert names(Worker.objects.inactive_on(day), workers) == set(workers) - expected
    # The instance method says the same.
    assert {n for n, w in workers.items() if w.is_active_on(day)} == expected
    # So does the selector the form's worker search goes through.
    assert names(workers_active_on(day=day), workers) == expected
