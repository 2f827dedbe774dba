"""Every rule of the roster-period validation, with a failing and a passing case."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest

from rostering.checks import ERROR, RULES, WARNING, check_period
from rostering.models import RosterPeriod
from sessions_app.models import Session, SessionClient
from tests.factories import (
    PlannedServiceFactory,
    QualificationFactory,
    RosterPeriodFactory,
    ServiceAgreementFactory,
    ServiceAgreementLineFactory,
    SessionTypeFactory,
    SiteFactory,
    WorkerQualificationFactory,
    WorkerUnavailabilityFactory,
)
from tests.rostering.lifecycle.conftest import at
from workforce.models import WorkerUnavailability

pytestmark = pytest.mark.django_db


def rules(found):
    return sorted(i.rule for i in found)


def test_every_rule_has_a_severity_and_a_label():
    assert {r.severity for r in RULES.values()} == {ERROR, WARNING}
    assert all(r.label and r.help for r in RULES.values())


def test_an_empty_period_has_no_issues(pw, issues):
    assert issues() == []


# --- no worker ---------------------------------------------------------------------------
def test_a_session_without_a_worker_is_an_error(pw, add_session, issues):
    bare = add_session("2026-11-17", "09:00")
    add_session("2026-11-18", "09:00", workers=[pw["wendy"]])
    found = issues()
    assert rules(found) == ["no_worker"]
    assert found[0].session_id == bare.pk and found[0].severity == ERROR


def test_cancelled_sessions_are_not_checked(pw, add_session, issues):
    add_session("2026-11-17", "09:00", status=Session.Status.CANCELLED)
    assert issues() == []


# --- double bookings -----------------------------------------------------------------------
def test_a_worker_in_two_overlapping_sessions_of_the_period_is_an_error(pw, add_session, issues):
    a = add_session("2026-11-17", "09:00", hours=2, workers=[pw["wendy"]])
    b = add_session("2026-11-17", "10:30", hours=2, workers=[pw["wendy"]])
    found = issues("worker_double_booked")
    assert len(found) == 1
    assert {found[0].session_id, found[0].other_session_id} == {a.pk, b.pk}
    assert "Wendy Walker is also in" in found[0].message
    assert found[0].severity == ERROR


def test_a_long_session_clashes_with_each_session_inside_it(pw, add_session, issues):
    long = add_session("2026-11-17", "09:00", hours=3, workers=[pw["wendy"]])
    first = add_session("2026-11-17", "10:00", hours=1, workers=[pw["wendy"]])
    second = add_session("2026-11-17", "11:30", hours=1, workers=[pw["wendy"]])
    found = issues("worker_double_booked")
    pairs = {(i.session_id, i.other_session_id) for i in found}
    # Each clash once, linked to the later session; the two short ones do not overlap.
    assert pairs == {(first.pk, long.pk), (second.pk, long.pk)}


def test_back_to_back_sessions_do_not_clash(pw, add_session, issues):
    add_session("2026-11-17", "09:00", hours=2, workers=[pw["wendy"]], clients=[pw["ada"]],
                assets=[pw["chair"]])
    add_session("2026-11-17", "11:00", hours=2, workers=[pw["wendy"]], clients=[pw["ada"]],
                assets=[pw["chair"]])
    assert issues() == []


def test_different_workers_at_the_same_time_do_not_clash(pw, add_session, issues):
    add_session("2026-11-17", "09:00", workers=[pw["wendy"]])
    add_session("2026-11-17", "09:00", workers=[pw["will"]])
    assert issues() == []


def test_a_worker_busy_on_the_live_schedule_is_an_error(pw, add_session, issues):
    mine = add_session("2026-11-17", "09:00", hours=2, workers=[pw["wendy"]])
    live = add_session("2026-11-17", "10:00", hours=2, workers=[pw["wendy"]], period=None)
    found = issues("worker_live_clash")
    assert len(found) == 1
    assert (found[0].session_id, found[0].other_session_id) == (mine.pk, live.pk)
    assert "on the live schedule" in found[0].message


def test_sessions_of_a_published_period_are_live_and_of_a_draft_period_are_not(
    pw, add_session, issues
):
    other = RosterPeriodFactory(
        base_roster=pw["roster"], start_date=datetime.date(2026, 11, 30),
        end_date=datetime.date(2026, 12, 13),
    )
    add_session("2026-11-17", "09:00", workers=[pw["wendy"]])
    add_session("2026-11-17", "09:30", workers=[pw["wendy"]], period=other)
    assert issues() == []
    RosterPeriod.objects.filter(pk=other.pk).update(status=RosterPeriod.Status.PUBLISHED)
    assert rules(issues()) == ["worker_live_clash"]


def test_back_to_back_with_the_live_schedule_does_not_clash(pw, add_session, issues):
    add_session("2026-11-17", "09:00", hours=2, workers=[pw["wendy"]])
    add_session("2026-11-17", "11:00", hours=2, workers=[pw["wendy"]], period=None)
    add_session("2026-11-17", "07:00", hours=2, workers=[pw["wendy"]], period=None)
    assert issues() == []


def test_a_cancelled_live_session_does_not_clash(pw, add_session, issues):
    add_session("2026-11-17", "09:00", workers=[pw["wendy"]])
    add_session("2026-11-17", "09:00", workers=[pw["wendy"]], period=None,
                status=Session.Status.CANCELLED)
    assert issues() == []


def test_a_client_in_two_overlapping_sessions_is_a_warning(pw, add_session, issues):
    add_session("2026-11-17", "09:00", workers=[pw["wendy"]], clients=[pw["ada"]])
    add_session("2026-11-17", "10:00", workers=[pw["will"]], clients=[pw["ada"]])
    found = issues()
    assert rules(found) == ["client_double_booked"]
    assert found[0].severity == WARNING
    assert "Ada Lovelace is also in" in found[0].message


def test_a_cancelled_client_is_not_double_booked(pw, add_session, issues):
    add_session("2026-11-17", "09:00", workers=[pw["wendy"]], clients=[pw["ada"]])
    later = add_session("2026-11-17", "10:00", workers=[pw["will"]], clients=[pw["ada"]])
    SessionClient.objects.filter(session=later).update(
        status=SessionClient.Status.CANCELLED, cancellation_reason="Unwell"
    )
    assert issues() == []


def test_a_client_busy_on_the_live_schedule_is_a_warning(pw, add_session, issues):
    add_session("2026-11-17", "09:00", workers=[pw["wendy"]], clients=[pw["ada"]])
    add_session("2026-11-17", "10:00", workers=[pw["will"]], clients=[pw["ada"]], period=None)
    found = issues()
    assert rules(found) == ["client_double_booked"]
    assert "live schedule" in found[0].message


def test_an_asset_in_two_overlapping_sessions_is_an_error(pw, add_session, issues):
    add_session("2026-11-17", "09:00", workers=[pw["wendy"]], assets=[pw["chair"]])
    add_session("2026-11-17", "10:59", workers=[pw["will"]], assets=[pw["chair"]])
    found = issues()
    assert rules(found) == ["asset_double_booked"]
    assert found[0].severity == ERROR
    assert "Shower chair 1 is also in" in found[0].message


def test_an_asset_busy_on_the_live_schedule_is_an_error(pw, add_session, issues):
    add_session("2026-11-17", "09:00", workers=[pw["wendy"]], assets=[pw["chair"]])
    add_session("2026-11-17", "08:00", workers=[pw["will"]], assets=[pw["chair"]], period=None)
    assert rules(issues()) == ["asset_double_booked"]


# --- unavailability and leave -----------------------------------------------------------------
def test_a_worker_on_leave_is_an_error(pw, add_session, issues):
    s = add_session("2026-11-17", "09:00", workers=[pw["wendy"]])
    WorkerUnavailabilityFactory(
        worker=pw["wendy"], kind=WorkerUnavailability.Kind.LEAVE,
        start=at("2026-11-17", "00:00"), end=at("2026-11-20", "00:00"), reason="Annual leave",
    )
    found = issues()
    assert rules(found) == ["worker_unavailable"]
    assert found[0].session_id == s.pk
    assert "Wendy Walker is on leave" in found[0].message and "Annual leave" in found[0].message


def test_unavailability_partly_overlapping_the_session_is_an_error(pw, add_session, issues):
    add_session("2026-11-17", "09:00", hours=2, workers=[pw["wendy"]])
    WorkerUnavailabilityFactory(
        worker=pw["wendy"], kind=WorkerUnavailability.Kind.UNAVAILABLE,
        start=at("2026-11-17", "10:45"), end=at("2026-11-17", "15:00"), reason="",
    )
    found = issues()
    assert rules(found) == ["worker_unavailable"]
    assert "is unavailable" in found[0].message


def test_leave_not_overlapping_the_session_is_fine(pw, add_session, issues):
    add_session("2026-11-17", "09:00", hours=2, workers=[pw["wendy"]])
    # Ends as the session starts; starts as it ends; another worker's leave.
    WorkerUnavailabilityFactory(
        worker=pw["wendy"], start=at("2026-11-16", "09:00"), end=at("2026-11-17", "09:00")
    )
    WorkerUnavailabilityFactory(
        worker=pw["wendy"], start=at("2026-11-17", "11:00"), end=at("2026-11-18", "09:00")
    )
    WorkerUnavailabilityFactory(
        worker=pw["will"], start=at("2026-11-17", "00:00"), end=at("2026-11-18", "00:00")
    )
    assert issues() == []


# --- qualifications ----------------------------------------------------------------------------
@pytest.fixture
def hoist_type(pw):
    hoist = QualificationFactory(name="Manual handling (hoist)", code="hoist")
    session_type = SessionTypeFactory(name="Hoist transfer")
    session_type.required_qualifications.add(hoist)
    return session_type, hoist


def test_a_missing_qualification_is_an_error(pw, add_session, issues, hoist_type):
    session_type, _ = hoist_type
    s = add_session("2026-11-17", "09:00", workers=[pw["wendy"]], session_type=session_type)
    found = issues()
    assert rules(found) == ["qualification"]
    assert found[0].session_id == s.pk
    assert "does not hold Manual handling (hoist)" in found[0].message


def test_a_qualification_expired_before_the_date_is_an_error(
    pw, add_session, issues, hoist_type
):
    session_type, hoist = hoist_type
    WorkerQualificationFactory(
        worker=pw["wendy"], qualification=hoist, expires_on=datetime.date(2026, 11, 16)
    )
    add_session("2026-11-17", "09:00", workers=[pw["wendy"]], session_type=session_type)
    found = issues()
    assert rules(found) == ["qualification"]
    assert "expired on Mon 16 Nov 2026" in found[0].message


def test_a_qualification_valid_on_the_date_is_fine(pw, add_session, issues, hoist_type):
    session_type, hoist = hoist_type
    # Expires on the session's local date: still valid that day.
    WorkerQualificationFactory(
        worker=pw["wendy"], qualification=hoist, expires_on=datetime.date(2026, 11, 17)
    )
    WorkerQualificationFactory(worker=pw["will"], qualification=hoist, expires_on=None)
    add_session("2026-11-17", "09:00", workers=[pw["wendy"]], session_type=session_type)
    add_session("2026-11-18", "09:00", workers=[pw["will"]], session_type=session_type)
    assert issues() == []


def test_the_date_of_a_qualification_is_the_sites_local_date(pw, add_session, issues, hoist_type):
    """00:30 on 18 Nov in Sydney is 17 Nov in UTC: a qualification expiring on 17 Nov fails."""
    session_type, hoist = hoist_type
    WorkerQualificationFactory(
        worker=pw["wendy"], qualification=hoist, expires_on=datetime.date(2026, 11, 17)
    )
    add_session("2026-11-18", "00:30", workers=[pw["wendy"]], session_type=session_type)
    assert rules(issues()) == ["qualification"]


def test_a_qualification_obtained_after_the_date_is_an_error(
    pw, add_session, issues, hoist_type
):
    session_type, hoist = hoist_type
    WorkerQualificationFactory(
        worker=pw["wendy"], qualification=hoist, obtained_on=datetime.date(2026, 11, 20)
    )
    add_session("2026-11-17", "09:00", workers=[pw["wendy"]], session_type=session_type)
    found = issues()
    assert rules(found) == ["qualification"]
    assert "only holds" in found[0].message


def test_a_session_type_without_requirements_needs_no_qualification(pw, add_session, issues):
    add_session("2026-11-17", "09:00", workers=[pw["wendy"]])
    assert issues() == []


# --- agreements and budgets ---------------------------------------------------------------------
def plan(session, client, line, quantity="2"):
    sc = SessionClient.objects.get(session=session, client=client)
    return PlannedServiceFactory(
        session_client=sc, agreement_line=line, quantity=Decimal(quantity)
    )


def test_a_service_on_an_agreement_not_active_on_the_date_is_an_error(pw, add_session, issues):
    line = ServiceAgreementLineFactory(
        agreement=ServiceAgreementFactory(
            client=pw["ada"], start_date=datetime.date(2026, 1, 1),
            end_date=datetime.date(2026, 11, 16),
        )
    )
    s = add_session("2026-11-17", "09:00", workers=[pw["wendy"]], clients=[pw["ada"]])
    plan(s, pw["ada"], line)
    found = issues()
    assert rules(found) == ["agreement_inactive"]
    assert found[0].session_id == s.pk
    assert "not active on Tue 17 Nov 2026" in found[0].message


def test_a_service_on_an_agreement_active_on_the_local_date_is_fine(pw, add_session, issues):
    """00:30 on 17 Nov in Sydney (16 Nov in UTC) is inside an agreement starting 17 Nov."""
    line = ServiceAgreementLineFactory(
        agreement=ServiceAgreementFactory(
            client=pw["ada"], start_date=datetime.date(2026, 11, 17),
            end_date=datetime.date(2026, 12, 31),
        )
    )
    s = add_session("2026-11-17", "00:30", workers=[pw["wendy"]], clients=[pw["ada"]])
    plan(s, pw["ada"], line)
    assert issues() == []


def test_a_service_on_another_clients_agreement_is_an_error(pw, add_session, issues):
    bea = pw["ada"].__class__.objects.create(first_name="Bea", last_name="Arthur")
    line = ServiceAgreementLineFactory(agreement__client=bea)
    s = add_session("2026-11-17", "09:00", workers=[pw["wendy"]], clients=[pw["ada"]])
    plan(s, pw["ada"], line)
    found = issues()
    assert rules(found) == ["agreement_inactive"]
    assert "another client's agreement" in found[0].message


def test_planned_quantities_over_the_budget_are_a_warning(pw, add_session, issues):
    line = ServiceAgreementLineFactory(agreement__client=pw["ada"], budget_quantity=Decimal("5"))
    live = add_session("2026-11-10", "09:00", workers=[pw["will"]], clients=[pw["ada"]],
                       period=None)
    plan(live, pw["ada"], line, "2")
    first = add_session("2026-11-17", "09:00", workers=[pw["wendy"]], clients=[pw["ada"]])
    plan(first, pw["ada"], line, "2")
    assert issues() == []  # 4 of 5
    second = add_session("2026-11-18", "09:00", workers=[pw["wendy"]], clients=[pw["ada"]])
    plan(second, pw["ada"], line, "1")
    assert issues() == []  # exactly 5 of 5
    third = add_session("2026-11-19", "09:00", workers=[pw["wendy"]], clients=[pw["ada"]])
    plan(third, pw["ada"], line, "0.5")
    found = issues()
    assert rules(found) == ["over_budget"]
    # Linked to the session that takes the line over its budget; one warning per line.
    assert found[0].session_id == third.pk and found[0].severity == WARNING
    assert "5.5 planned against a budget of 5" in found[0].message


def test_base_roster_and_other_draft_periods_do_not_use_the_budget(pw, add_session, issues):
    line = ServiceAgreementLineFactory(agreement__client=pw["ada"], budget_quantity=Decimal("2"))
    pattern = add_session("2026-11-03", "09:00", workers=[pw["wendy"]], clients=[pw["ada"]],
                          period=None, base_roster=pw["roster"])
    plan(pattern, pw["ada"], line, "2")
    mine = add_session("2026-11-17", "09:00", workers=[pw["wendy"]], clients=[pw["ada"]])
    plan(mine, pw["ada"], line, "2")
    assert issues() == []


# --- fatigue: rest between days -----------------------------------------------------------------
def test_ten_hours_rest_is_enough(pw, add_session, issues):
    add_session("2026-11-17", "14:00", hours=8, workers=[pw["wendy"]])  # ends 22:00
    add_session("2026-11-18", "08:00", hours=2, workers=[pw["wendy"]])
    assert issues() == []


def test_less_than_ten_hours_rest_is_a_warning(pw, add_session, issues):
    evening = add_session("2026-11-17", "14:00", hours=8, workers=[pw["wendy"]])
    morning = add_session("2026-11-18", "07:59", hours=2, workers=[pw["wendy"]])
    found = issues()
    assert rules(found) == ["short_rest"]
    assert (found[0].session_id, found[0].other_session_id) == (morning.pk, evening.pk)
    assert "9.98 h rest after finishing at Tue 17 Nov 22:00" in found[0].message
    assert found[0].severity == WARNING


def test_visits_on_the_same_day_are_not_rest_breaks(pw, add_session, issues):
    add_session("2026-11-17", "07:00", hours=2, workers=[pw["wendy"]])
    add_session("2026-11-17", "09:30", hours=2, workers=[pw["wendy"]])
    add_session("2026-11-17", "16:00", hours=2, workers=[pw["wendy"]])
    assert issues() == []


def test_rest_counts_from_the_latest_end_of_earlier_work(pw, add_session, issues):
    """A sleepover ending at 06:00 is the end of work, even if a shorter session started later."""
    add_session("2026-11-17", "22:00", hours=8, workers=[pw["wendy"]])  # ends 18 Nov 06:00
    add_session("2026-11-18", "15:00", hours=2, workers=[pw["wendy"]])  # 9 h after
    assert rules(issues()) == ["short_rest"]


def test_rest_after_a_live_session_before_the_period_counts(pw, add_session, issues):
    live = add_session("2026-11-15", "16:00", hours=7, workers=[pw["wendy"]], period=None)
    first = add_session("2026-11-16", "06:00", hours=2, workers=[pw["wendy"]])
    found = issues()
    assert rules(found) == ["short_rest"]
    assert (found[0].session_id, found[0].other_session_id) == (first.pk, live.pk)


def test_rest_before_a_live_session_after_the_period_is_linked_to_the_periods_session(
    pw, add_session, issues
):
    last = add_session("2026-11-29", "16:00", hours=7, workers=[pw["wendy"]])
    live = add_session("2026-11-30", "06:00", hours=2, workers=[pw["wendy"]], period=None)
    found = issues()
    assert rules(found) == ["short_rest"]
    assert (found[0].session_id, found[0].other_session_id) == (last.pk, live.pk)


# --- fatigue: hours in a day and a week -----------------------------------------------------
def test_ten_hours_in_a_day_is_fine(pw, add_session, issues):
    add_session("2026-11-17", "06:00", hours=6, workers=[pw["wendy"]])
    add_session("2026-11-17", "13:00", hours=4, workers=[pw["wendy"]])
    assert issues() == []


def test_more_than_ten_hours_in_a_day_is_a_warning(pw, add_session, issues):
    first = add_session("2026-11-17", "06:00", hours=6, workers=[pw["wendy"]])
    add_session("2026-11-17", "13:00", hours=4.25, workers=[pw["wendy"]])
    found = issues()
    assert rules(found) == ["long_day"]
    assert found[0].session_id == first.pk
    assert "10.25 h of sessions on Tue 17 Nov" in found[0].message


def week_of(add_session, worker, days, hours):
    return [add_session(d, "08:00", hours=hours, workers=[worker]) for d in days]


WEEK = ["2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19"]  # Monday to Thursday


def test_thirty_eight_hours_in_a_week_is_fine(pw, add_session, issues):
    week_of(add_session, pw["wendy"], WEEK, 9.5)  # 38 h
    assert issues() == []


def test_more_than_thirty_eight_hours_in_a_week_is_a_warning(pw, add_session, issues):
    week_of(add_session, pw["wendy"], WEEK, 9.5)
    add_session("2026-11-22", "08:00", hours=0.5, workers=[pw["wendy"]])  # Sunday
    found = issues()
    assert rules(found) == ["long_week"]
    assert "38.5 h of sessions in the week Mon 16 Nov–Sun 22 Nov" in found[0].message


def test_weeks_run_monday_to_sunday(pw, add_session, issues):
    week_of(add_session, pw["wendy"], WEEK, 9.5)
    add_session("2026-11-23", "08:00", hours=9.5, workers=[pw["wendy"]])  # next Monday
    assert issues() == []


def test_live_sessions_in_the_same_week_count(pw, add_session, issues):
    week_of(add_session, pw["wendy"], WEEK, 9.5)
    add_session("2026-11-20", "08:00", hours=1, workers=[pw["wendy"]], period=None)
    assert rules(issues()) == ["long_week"]


def test_days_are_local_to_the_site(pw, add_session, issues):
    """Perth is 3 hours behind Sydney in November: its 21:00–23:00 stays on its own day."""
    perth = SiteFactory(name="Perth", region=pw["region"], time_zone="Australia/Perth")
    add_session("2026-11-17", "13:00", hours=9, workers=[pw["wendy"]], site=perth)
    add_session("2026-11-17", "21:00", hours=2, workers=[pw["will"]], site=perth)
    late = add_session("2026-11-17", "22:30", hours=1.5, workers=[pw["wendy"]], site=perth)
    found = issues()
    # 9 + 1.5 h on Tue 17 Nov in Perth (in Sydney time the late one is on Wednesday).
    assert rules(found) == ["long_day"]
    assert late.start.astimezone(zoneinfo.ZoneInfo("Australia/Sydney")).day == 18


# --- report order and query count ----------------------------------------------------------
def test_errors_come_first(pw, add_session, issues):
    add_session("2026-11-17", "06:00", hours=11, workers=[pw["wendy"]])
    add_session("2026-11-18", "09:00")
    found = issues()
    assert [i.rule for i in found] == ["no_worker", "long_day"]
    assert found[0].as_dict()["severity"] == ERROR


def test_the_number_of_queries_does_not_grow_with_the_sessions(
    pw, add_session, django_assert_max_num_queries
):
    def fill(n):
        for i in range(n):
            day = f"2026-11-{16 + i % 14:02d}"
            add_session(day, f"{6 + (i // 14) % 12:02d}:00", hours=1,
                        workers=[pw["wendy"]] if i % 3 else [], clients=[pw["ada"]])

    fill(10)
    with django_assert_max_num_queries(20) as small:
        check_period(pw["period"])
    fill(50)
    with django_assert_max_num_queries(20) as large:
        found = check_period(pw["period"])
    assert len(large.captured_queries) == len(small.captured_queries)
    assert found
