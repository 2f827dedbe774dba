"""ServiceAgreementLine.objects.active_on(day) / active_between(first, last)."""

import datetime

import pytest

from clients.models import ServiceAgreementLine
from clients.selectors import agreement_lines_active_on
from tests.factories import ClientFactory, ServiceAgreementLineFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def lines():
    ada = ClientFactory()
    return {
        "march": ServiceAgreementLineFactory(
            agreement__client=ada, agreement__start_date=D(2026, 3, 1),
            agreement__end_date=D(2026, 3, 31),
        ),
        "april": ServiceAgreementLineFactory(
            agreement__client=ada, agreement__start_date=D(2026, 4, 1),
            agreement__end_date=D(2027, 3, 31),
        ),
        "one_day": ServiceAgreementLineFactory(
            agreement__client=ada, agreement__start_date=D(2026, 3, 20),
            agreement__end_date=D(2026, 3, 20),
        ),
    }


def names(qs, lines):
    ids = set(qs.values_list("pk", flat=True))
    return {name for name, line in lines.items() if line.pk in ids}


@pytest.mark.parametrize(
    "day, expected",
    [
        (D(2026, 2, 28), set()),
        (D(2026, 3, 1), {"march"}),  # first day
        (D(2026, 3, 20), {"march", "one_day"}),  # first = last day
        (D(2026, 3, 31), {"march"}),  # last day
        (D(2026, 4, 1), {"april"}),  # the next agreement's first day
        (D(2027, 3, 31), {"april"}),
        (D(2027, 4, 1), set()),
    ],
)
def test_active_on(lines, day, expected):
    assert names(ServiceAgreementLine.objects.active_on(day), lines) == expected
    assert {n for n, ln in lines.items() if ln.agreement.is_active_on(day)} == expected
    client = lines["march"].agreement.client
    assert {
        n for n, ln in lines.items() if ln in agreement_lines_active_on(clients=[client], day=day)
    } == expected


@pytest.mark.parametrize(
    "first, last, expected",
    [
        (D(2026, 2, 1), D(2026, 2, 28), set()),
        (D(2026, 2, 1), D(2026, 3, 1), {"march"}),  # touches the first day
        (D(2026, 3, 31), D(2026, 4, 1), {"march", "april"}),  # the last day and the next first
        (D(2026, 3, 21), D(2026, 3, 25), {"march"}),
        (D(2026, 1, 1), D(2027, 12, 31), {"march", "april", "one_day"}),
        (D(2027, 4, 1), D(2027, 4, 30), set()),
    ],
)
def test_active_between(lines, first, last, expected):
    assert names(ServiceAgreementLine.objects.active_between(first, last), lines) == expected
