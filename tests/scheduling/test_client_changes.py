"""Modify Clients & Services: the service (scheduling.client_changes)."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError

from rostering.models import Notification
from scheduling.changes import Scope
from scheduling.client_changes import session_clients_modify
from sessions_app.models import PlannedService, Session, SessionClient
from sessions_app.services import (
    ClientSpec,
    PlannedServiceSpec,
    planned_quantities_follow_length,
    session_create,
    session_series_create,
    session_update,
)
from tests.factories import (
    BaseRosterFactory,
    ClientFactory,
    ServiceAgreementLineFactory,
    SiteFactory,
    give_regions,
)
from tests.scheduling.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(django_user_model):
    user = give_regions(django_user_model.objects.create_user("coord", password="pw-12345678"))
    user.groups.add(Group.objects.get(name="Coordinator"))
    return user


@pytest.fixture
def group(live):
    """group(start, end, clients=("ada",), **fields): a Group session with each client's line
    planned for 2 (typed)."""

    def _group(start=None, end=None, clients=("ada",), workers=(), **fields):
        return session_create(
            work_type=Session.WorkType.GROUP, session_type=live["type"],
            start=start or at("2026-12-01", "09:00"), end=end or at("2026-12-01", "11:30"),
            subject=fields.pop("subject", "Morning group"), site=live["site"], ratio="1:3",
            clients=[ClientSpec(live[c], [PlannedServiceSpec(live[f"{c}_line"], Decimal("2"))])
                     for c in clients],
            workers=[live[w] for w in workers], **fields,
        )

    return _group


def keep(session, name, live):
    """The spec keeping a client of `session` as it is."""
    sc = session.session_clients.get(client=live[name])
    return ClientSpec(live[name], [
        PlannedServiceSpec(ps.agreement_line, ps.quantity) for ps in sc.planned_services.all()
    ])


def services_of(session, client):
    return list(PlannedService.objects.filter(
        session_client__session=session, session_client__client=client
    ).select_related("agreement_line"))


def test_a_client_with_a_planned_service_is_added_to_a_group(live, group, coordinator):
    session = group()
    change = session_clients_modify(
        session=session, user=coordinator, scope=Scope.THIS,
        clients=[keep(session, "ada", live),
                 ClientSpec(live["bea"], [PlannedServiceSpec(live["bea_line"], Decimal("2.5"))])],
    )
    assert [c.pk for c in change.added] == [live["bea"].pk] and change.removed == []
    [ps] = services_of(session, live["bea"])
    assert ps.agreement_line == live["bea_line"] and ps.quantity == Decimal("2.5")
    assert ps.unit_price == live["bea_line"].support_item.price
    assert ps.quantity_edited is False  # 2.5 is the session's length: it follows it
    [ada] = services_of(session, live["ada"])
    assert ada.quantity == Decimal("2") and ada.quantity_edited is True  # typed, kept


def test_an_appointment_refuses_a_second_client_and_says_group(live, make, coordinator):
    session = make(at("2026-12-01"), at("2026-12-01", "11:00"))
    with pytest.raises(ValidationError) as exc:
        session_clients_modify(
            session=session, user=coordinator,
            clients=[keep(session, "ada", live), ClientSpec(live["bea"])],
        )
    [message] = exc.value.message_dict["clients"]
    assert "exactly one client" in message and "Group" in message
    assert session.session_clients.count() == 1


def test_a_client_of_another_site_is_refused(live, group, coordinator):
    session = group()
    stranger = ClientFactory(first_name="Sam", last_name="Stranger", sites=[SiteFactory()])
    with pytest.raises(ValidationError) as exc:
        session_clients_modify(session=session, user=coordinator,
                               clients=[keep(session, "ada", live), ClientSpec(stranger)])
    assert "Sam Stranger is not associated with Parramatta Day Centre." in \
        exc.value.message_dict["clients"]
    assert not SessionClient.objects.filter(client=stranger).exists()


def test_a_line_of_an_agreement_not_active_on_the_date_is_refused(live, group, coordinator):
    session = group()
    old = ServiceAgreementLineFactory(
        agreement__client=live["bea"], agreement__start_date=datetime.date(2025, 1, 1),
        agreement__end_date=datetime.date(2025, 12, 31),
    )
    with pytest.raises(ValidationError) as exc:
        session_clients_modify(session=session, user=coordinator, clients=[
            keep(session, "ada", live),
            ClientSpec(live["bea"], [PlannedServiceSpec(old, Decimal("1"))]),
        ])
    assert "is not active on Tue 1 Dec 2026" in " ".join(exc.value.message_dict["planned_services"])
    assert not session.session_clients.filter(client=live["bea"]).exists()


def test_a_line_of_another_client_is_refused(live, group, coordinator):
    session = group()
    with pytest.raises(ValidationError) as exc:
        session_clients_modify(session=session, user=coordinator, clients=[
            keep(session, "ada", live),
            ClientSpec(live["bea"], [PlannedServiceSpec(live["ada_line"], Decimal("1"))]),
        ])
    assert "That agreement line is not Bea Arthur's." in \
        " ".join(exc.value.message_dict["planned_services"])
    assert services_of(session, live["bea"]) == []


def test_over_budget_is_refused_unless_accepted_as_on_the_session_form(live, group, coordinator):
    session = group()
    small = ServiceAgreementLineFactory(agreement__client=live["bea"], delivery_ratio="1:3",
                                        budget_quantity=Decimal("3"))
    other = group(start=at("2026-12-02"), end=at("2026-12-02", "11:00"), subject="Other")
    session_update(session=other, clients=[
        keep(other, "ada", live), ClientSpec(live["bea"], [PlannedServiceSpec(small, Decimal(2))])
    ])  # 1 hour left on the line
    wanted = [keep(session, "ada", live),
              ClientSpec(live["bea"], [PlannedServiceSpec(small, Decimal("2.5"))])]
    with pytest.raises(ValidationError) as exc:
        session_clients_modify(session=session, user=coordinator, clients=wanted)
    messages = exc.value.message_dict["planned_services"]
    assert messages[0].startswith("Bea Arthur: ") and "needs 2.5 but only 1 hours remain" \
        in messages[0]
    assert "Save even though a planned service goes over its budget" in messages[-1]
    assert services_of(session, live["bea"]) == []

    session_clients_modify(session=session, user=coordinator, clients=wanted,
                           accept_budget_overrun=True)
    assert [ps.quantity for ps in services_of(session, live["bea"])] == [Decimal("2.5")]


def test_this_and_following_take_each_dates_line_and_length(live, coordinator):
    series = session_series_create(
        rule="FREQ=WEEKLY;COUNT=3", first_start=at("2026-12-01", "09:00"),
        end=at("2026-12-01", "11:00"), work_type=Session.WorkType.GROUP,
        session_type=live["type"], subject="Weekly group", site=live["site"], ratio="1:3",
        clients=[ClientSpec(live["ada"], [PlannedServiceSpec(live["ada_line"], Decimal("2"))])],
    )
    first, second, third = series.sessions.order_by("start")
    Session.objects.filter(pk=third.pk).update(end=at("2026-12-15", "12:00"))  # 3 hours
    item = live["bea_line"].support_item
    until_10th = ServiceAgreementLineFactory(
        agreement__client=live["bea"], support_item=item, delivery_ratio="1:3",
        agreement__start_date=datetime.date(2026, 11, 1),
        agreement__end_date=datetime.date(2026, 12, 10),
    )
    from_11th = ServiceAgreementLineFactory(
        agreement__client=live["bea"], support_item=item, delivery_ratio="1:3",
        agreement__start_date=datetime.date(2026, 12, 11),
        agreement__end_date=datetime.date(2027, 6, 30),
    )
    change = session_clients_modify(
        session=second, user=coordinator, scope=Scope.FOLLOWING,
        clients=[keep(second, "ada", live),
                 ClientSpec(live["bea"], [PlannedServiceSpec(until_10th, Decimal("2"))])],
    )
    assert [s.pk for s in change.sessions] == [second.pk, third.pk]
    assert services_of(first, live["bea"]) == []
    [on_8th] = services_of(second, live["bea"])
    [on_15th] = services_of(third, live["bea"])
    assert on_8th.agreement_line == until_10th and on_8th.quantity == Decimal("2")
    assert on_15th.agreement_line == from_11th and on_15th.quantity == Decimal("3")
    assert on_15th.quantity_edited is False


def test_a_problem_on_a_later_date_rolls_back_everything_and_names_it(live, coordinator):
    series = session_series_create(
        rule="FREQ=WEEKLY;COUNT=2", first_start=at("2026-12-01", "09:00"),
        end=at("2026-12-01", "11:00"), work_type=Session.WorkType.GROUP,
        session_type=live["type"], subject="Weekly group", site=live["site"], ratio="1:3",
        clients=[ClientSpec(live["ada"], [PlannedServiceSpec(live["ada_line"], Decimal("2"))])],
    )
    first, second = series.sessions.order_by("start")
    short = ServiceAgreementLineFactory(
        agreement__client=live["bea"], delivery_ratio="1:3",
        agreement__start_date=datetime.date(2026, 11, 1),
        agreement__end_date=datetime.date(2026, 12, 5),
    )
    with pytest.raises(ValidationError) as exc:
        session_clients_modify(
            session=first, user=coordinator, scope=Scope.ALL,
            clients=[keep(first, "ada", live),
                     ClientSpec(live["bea"], [PlannedServiceSpec(short, Decimal("2"))])],
        )
    assert "Tue 8 Dec 2026: Bea Arthur has no service agreement active" in \
        " ".join(exc.value.message_dict["planned_services"])
    assert not SessionClient.objects.filter(client=live["bea"]).exists()


def test_workers_of_rostered_sessions_are_told_once(live, coordinator, django_user_model):
    series = session_series_create(
        rule="FREQ=WEEKLY;COUNT=2", first_start=at("2026-12-01", "09:00"),
        end=at("2026-12-01", "11:00"), work_type=Session.WorkType.GROUP,
        session_type=live["type"], subject="Weekly group", site=live["site"], ratio="1:3",
        clients=[ClientSpec(live["ada"], [PlannedServiceSpec(live["ada_line"], Decimal("2"))])],
        workers=[live["wendy"], live["will"]],
    )
    first, second = series.sessions.order_by("start")
    Session.objects.filter(series=series).update(status=Session.Status.ROSTERED)
    first.refresh_from_db()
    session_clients_modify(
        session=first, user=coordinator, scope=Scope.ALL,
        clients=[ClientSpec(live["bea"], [PlannedServiceSpec(live["bea_line"], Decimal("2"))])],
    )
    notes = Notification.objects.exclude(change_key="")
    assert sorted(n.worker_id for n in notes) == sorted([live["wendy"].pk, live["will"].pk])
    body = notes.get(worker=live["wendy"]).body
    assert body.count("Client added: Bea Arthur") == 2  # one notice, a line per session
    assert body.count("Client removed: Ada Lovelace") == 2
    assert "Tue 1 Dec 2026 09:00–11:00" in body and "Tue 8 Dec 2026" in body


def test_workers_of_a_draft_are_not_told(live, group, coordinator):
    session = group(workers=("wendy",))
    session_clients_modify(session=session, user=coordinator, clients=[
        keep(session, "ada", live), ClientSpec(live["bea"])])
    assert not Notification.objects.exists()


def test_a_coordinator_may_not_change_a_base_roster_pattern_session(live, coordinator):
    roster = BaseRosterFactory(site=live["site"], start_date=datetime.date(2026, 11, 30))
    session = session_create(
        base_roster=roster, work_type=Session.WorkType.GROUP, session_type=live["type"],
        start=at("2026-12-01"), end=at("2026-12-01", "11:00"), subject="Pattern",
        site=live["site"], clients=[ClientSpec(live["ada"])],
    )
    with pytest.raises(PermissionDenied, match="Only a scheduler"):
        session_clients_modify(session=session, user=coordinator, clients=[
            ClientSpec(live["ada"]), ClientSpec(live["bea"])])
    assert session.session_clients.count() == 1


def test_a_complete_session_is_refused(live, group, coordinator):
    session = group()
    Session.objects.filter(pk=session.pk).update(status=Session.Status.COMPLETE)
    session.refresh_from_db()
    with pytest.raises(PermissionDenied, match="Complete"):
        session_clients_modify(session=session, user=coordinator, clients=[
            keep(session, "ada", live), ClientSpec(live["bea"])])
    assert session.session_clients.count() == 1


def test_a_cancelled_client_is_kept_as_it_is(live, group, coordinator):
    session = group(clients=("ada", "bea"))
    SessionClient.objects.filter(session=session, client=live["ada"]).update(
        status=SessionClient.Status.CANCELLED, cancellation_reason="NSDH")
    cal = ClientFactory(first_name="Cal", last_name="Nguyen", sites=[live["site"]])
    change = session_clients_modify(session=session, user=coordinator, clients=[
        ClientSpec(cal)])  # Ada not listed: still kept; Bea removed
    assert [c.pk for c in change.removed] == [live["bea"].pk]
    ada = session.session_clients.get(client=live["ada"])
    assert ada.status == "cancelled" and ada.cancellation_reason == "NSDH"
    assert [ps.quantity for ps in ada.planned_services.all()] == [Decimal("2")]
    assert set(session.session_clients.values_list("client", flat=True)) == {
        live["ada"].pk, cal.pk}


def test_the_subject_keeps_following_the_naming_convention(live, group, coordinator):
    session = group(subject="Parramatta Day Centre · Personal Care · Ada Lovelace")
    session_clients_modify(session=session, user=coordinator, clients=[
        keep(session, "ada", live), ClientSpec(live["bea"])])
    session.refresh_from_db()
    assert session.subject == "Parramatta Day Centre · Personal Care · Ada Lovelace, Bea Arthur"
    typed = group(start=at("2026-12-02"), end=at("2026-12-02", "11:00"), subject="Art class")
    session_clients_modify(session=typed, user=coordinator, clients=[
        keep(typed, "ada", live), ClientSpec(live["bea"])])
    typed.refresh_from_db()
    assert typed.subject == "Art class"


def test_hourly_quantities_follow_the_length_until_edited(live, group, coordinator):
    session = group()  # 09:00–11:30; Ada's 2 was typed
    session_clients_modify(session=session, user=coordinator, clients=[
        keep(session, "ada", live),
        ClientSpec(live["bea"], [PlannedServiceSpec(live["bea_line"], Decimal("2.5"))]),
    ])
    session_update(session=session, end=at("2026-12-01", "12:30"))
    assert services_of(session, live["bea"])[0].quantity == Decimal("3.5")  # followed
    assert services_of(session, live["ada"])[0].quantity == Decimal("2")  # typed: kept

    # Once typed (even by the modal, saying so), it stays.
    session_clients_modify(session=session, user=coordinator, clients=[
        keep(session, "ada", live),
        ClientSpec(live["bea"], [PlannedServiceSpec(live["bea_line"], Decimal("3.5"),
                                                    quantity_edited=True)]),
    ])
    session_update(session=session, end=at("2026-12-01", "11:00"))
    assert services_of(session, live["bea"])[0].quantity == Decimal("3.5")


def test_follow_length_leaves_other_units_and_cancelled_clients(live, group):
    session = group(clients=("ada", "bea"))
    PlannedService.objects.filter(session_client__session=session).update(quantity_edited=False)
    SessionClient.objects.filter(session=session, client=live["bea"]).update(
        status=SessionClient.Status.CANCELLED, cancellation_reason="NSDF")
    Session.objects.filter(pk=session.pk).update(end=at("2026-12-01", "10:00"))
    session.refresh_from_db()
    assert planned_quantities_follow_length(session=session) == 1
    assert services_of(session, live["ada"])[0].quantity == Decimal("1")
    assert services_of(session, live["bea"])[0].quantity == Decimal("2")
    daily = ServiceAgreementLineFactory(agreement__client=live["ada"], delivery_ratio="1:3",
                                        support_item__unit="day")
    session_update(session=session, clients=[
        ClientSpec(live["ada"], [PlannedServiceSpec(daily, Decimal("1"))]),
        keep(session, "bea", live)])
    session_update(session=session, end=at("2026-12-01", "13:00"))
    assert services_of(session, live["ada"])[0].quantity == Decimal("1")


def test_a_client_cancelled_on_this_date_only_stays_in_the_following(live, coordinator):
    series = session_series_create(
        rule="FREQ=WEEKLY;COUNT=2", first_start=at("2026-12-01", "09:00"),
        end=at("2026-12-01", "11:00"), work_type=Session.WorkType.GROUP,
        session_type=live["type"], subject="Weekly group", site=live["site"], ratio="1:3",
        clients=[ClientSpec(live["ada"], [PlannedServiceSpec(live["ada_line"], Decimal("2"))])],
    )
    first, second = series.sessions.order_by("start")
    SessionClient.objects.filter(session=first, client=live["ada"]).update(
        status=SessionClient.Status.CANCELLED, cancellation_reason="NSDT")
    session_clients_modify(session=first, user=coordinator, scope=Scope.FOLLOWING, clients=[
        ClientSpec(live["bea"], [PlannedServiceSpec(live["bea_line"], Decimal("2"))])])
    assert set(second.session_clients.values_list("client", "status")) == {
        (live["ada"].pk, "scheduled"), (live["bea"].pk, "scheduled")}
    assert [ps.quantity for ps in services_of(second, live["ada"])] == [Decimal("2")]
    assert first.session_clients.get(client=live["ada"]).status == "cancelled"


@pytest.mark.parametrize("scope", [Scope.THIS, Scope.FOLLOWING])
def test_a_session_closed_since_the_modal_opened_is_refused(live, group, coordinator, scope):
    session = group()  # as the modal read it: Draft
    Session.objects.filter(pk=session.pk).update(status=Session.Status.COMPLETE)
    with pytest.raises(PermissionDenied):
        session_clients_modify(session=session, user=coordinator, scope=scope, clients=[
            keep(session, "ada", live), ClientSpec(live["bea"])])
    assert session.session_clients.count() == 1
