"""Cancel Session and Undo over HTTP (scheduling.cancel_views)."""

import datetime
import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from sessions_app.bookings import links_sync
from sessions_app.models import CancellationReason, Session, SessionClient
from sessions_app.services import ClientSpec, PlannedServiceSpec, session_create
from tests.factories import ClientFactory, ServiceAgreementLineFactory, give_regions
from tests.scheduling.conftest import menu_post

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def coordinator_client(client, django_user_model):
    user = give_regions(django_user_model.objects.create_user("cora", password="pw-cora-12345"))
    user.groups.add(Group.objects.get(name="Coordinator"))
    client.force_login(user)
    return client


def make_group(live, *, n=2, days_ahead=1):
    """A Rostered Group session `days_ahead` days from now at 09:00 (Sydney), n clients."""
    day = timezone.localdate() + datetime.timedelta(days=days_ahead)
    start = datetime.datetime.combine(day, datetime.time(9), tzinfo=live["site"].tzinfo)
    clients = [live["ada"], live["bea"]]
    for i in range(n - 2):
        c = ClientFactory(first_name=f"Extra{i}", last_name="Client", sites=[live["site"]])
        clients.append(c)
        live[f"extra{i}_line"] = ServiceAgreementLineFactory(
            agreement__client=c, support_item=live["ada_line"].support_item,
            agreement__start_date=day - datetime.timedelta(days=30),
            agreement__end_date=day + datetime.timedelta(days=30),
        )
    lines = {c.pk: live.get(f"{c.first_name.lower()}_line") for c in clients}
    session = session_create(
        work_type=Session.WorkType.GROUP, ratio="1:3", session_type=live["type"],
        start=start, end=start + datetime.timedelta(hours=2), subject="Group outing",
        site=live["site"],
        clients=[ClientSpec(c, [PlannedServiceSpec(lines[c.pk], Decimal("2"))])
                 if lines[c.pk] is not None and _active(lines[c.pk], day) else ClientSpec(c, [])
                 for c in clients],
        workers=[live["wendy"]],
    )
    Session.objects.filter(pk=session.pk).update(status=Session.Status.ROSTERED)
    links_sync(sessions=Session.objects.filter(pk=session.pk))
    session.refresh_from_db()
    return session


def _active(line, day):
    return line.agreement.start_date <= day <= line.agreement.end_date


def url(session, name="scheduling:cancel_session"):
    return reverse(name, args=[session.pk])


def test_the_modal_shows_each_client_with_short_notice(coordinator_client, live):
    session = make_group(live)
    response = coordinator_client.get(url(session), **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="modal-title">Cancel Session' in html
    assert "<html" not in html  # the partial
    assert html.count('name="clients"') == 2 and html.count("checked") == 2
    assert html.count("Short notice: claimable") == 2
    assert "NSDH — No show due to health reasons" in html
    assert "onclick" not in html and "<script" not in html
    page = coordinator_client.get(url(session))
    assert page.status_code == 200 and b"<html" in page.content


def test_far_ahead_is_not_short_notice(coordinator_client, live):
    session = make_group(live, days_ahead=20)
    html = coordinator_client.get(url(session), **HX).content.decode()
    assert "Short notice" not in html
    assert html.count("Not short notice: released from the budget") == 2


def test_posting_with_htmx_cancels_and_triggers_a_board_refresh(coordinator_client, live):
    session = make_group(live)
    nsdt = CancellationReason.objects.get(code="NSDT")
    response = menu_post(
        coordinator_client, url(session),
        {"clients": [live["ada"].pk], "reason": nsdt.pk, "details": "Bus late"},
        **HX,
    )
    assert response.status_code == 200
    trigger = json.loads(response["HX-Trigger"])
    assert trigger["sessionSaved"]["id"] == session.pk
    html = response.content.decode()
    assert "Cancelled Ada Lovelace (short notice: claimable)" in html
    assert ">Undo</button>" in html
    ada = SessionClient.objects.get(session=session, client=live["ada"])
    assert (ada.status, ada.reason, ada.cancellation_reason) == ("cancelled", nsdt, "Bus late")
    session.refresh_from_db()
    assert session.status == Session.Status.ROSTERED

    # Undo puts Ada back.
    response = coordinator_client.post(url(session, "scheduling:undo_cancellation"),
                                       {"clients": [live["ada"].pk]}, **HX)
    assert response.status_code == 200 and "sessionSaved" in response["HX-Trigger"]
    ada.refresh_from_db()
    assert ada.status == "scheduled"


def test_all_clients_cancel_the_session_without_javascript(coordinator_client, live, mailoutbox):
    session = make_group(live)
    nsdh = CancellationReason.objects.get(code="NSDH")
    response = menu_post(
        coordinator_client, url(session),
        {"clients": [live["ada"].pk, live["bea"].pk], "reason": nsdh.pk},
    )
    assert response.status_code == 302 and response["Location"] == url(session)
    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED
    page = coordinator_client.get(url(session))
    html = page.content.decode()
    assert ("Session cancelled: Bea Arthur (short notice: claimable), "
            "Ada Lovelace (short notice: claimable).") in html
    assert "1 worker notified" in html
    assert ">Undo</button>" in html and "Confirm cancellation" not in html
    response = coordinator_client.post(url(session, "scheduling:undo_cancellation"))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == Session.Status.ROSTERED


def test_no_reason_is_a_422_with_the_message_by_the_field(coordinator_client, live):
    session = make_group(live)
    response = menu_post(coordinator_client, url(session), {"clients": [live["ada"].pk]}, **HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="reason-errors"><li>Choose a reason for the cancellation.' in html
    assert 'aria-describedby="reason-errors"' in html
    assert not SessionClient.objects.filter(status="cancelled").exists()


@pytest.mark.parametrize("clients", [["x"], ["999999999"], [str(2**70)], ["NaN"], []])
def test_garbage_or_foreign_clients_are_a_422(coordinator_client, live, clients):
    session = make_group(live)
    nsdh = CancellationReason.objects.get(code="NSDH")
    response = menu_post(coordinator_client, url(session), {"clients": clients, "reason": nsdh.pk},
                                       **HX)
    assert response.status_code == 422
    assert 'id="clients-errors"' in response.content.decode()
    assert not SessionClient.objects.filter(status="cancelled").exists()


@pytest.mark.parametrize("reason", ["x", "99999", str(2**70), "1e9"])
def test_garbage_reasons_are_a_422(coordinator_client, live, reason):
    session = make_group(live)
    response = menu_post(coordinator_client, url(session), {"clients": [live["ada"].pk],
                                                      "reason": reason}, **HX)
    assert response.status_code == 422
    assert "That is not a cancellation reason in use." in response.content.decode()


def test_garbage_undo_ids_and_unknown_sessions(coordinator_client, live):
    session = make_group(live)
    response = coordinator_client.post(url(session, "scheduling:undo_cancellation"),
                                       {"clients": ["abc"]}, **HX)
    assert response.status_code == 422
    response = coordinator_client.post(url(session, "scheduling:undo_cancellation"), **HX)
    assert response.status_code == 422  # nothing cancelled
    assert "No client of this session is cancelled." in response.content.decode()
    assert coordinator_client.get("/scheduling/sessions/99999999999999999999/cancel/").status_code \
        == 404
    assert coordinator_client.get(reverse("scheduling:undo_cancellation",
                                          args=[session.pk])).status_code == 405


def test_a_complete_session_shows_why_and_refuses(coordinator_client, live):
    session = make_group(live)
    Session.objects.filter(pk=session.pk).update(status=Session.Status.COMPLETE)
    html = coordinator_client.get(url(session), **HX).content.decode()
    assert "A Complete session cannot be cancelled." in html
    assert "Confirm cancellation" not in html
    nsdh = CancellationReason.objects.get(code="NSDH")
    response = menu_post(coordinator_client, url(session), {"clients": [live["ada"].pk],
                                                      "reason": nsdh.pk}, **HX)
    assert response.status_code == 422


def test_a_user_without_the_permission_gets_403(client, django_user_model, live):
    session = make_group(live)
    user = give_regions(django_user_model.objects.create_user("nobody", password="pw-nobody-12345"))
    client.force_login(user)
    assert client.get(url(session)).status_code == 403
    assert client.post(url(session, "scheduling:undo_cancellation")).status_code == 403


@pytest.mark.parametrize("n", [2, 8])
def test_the_form_runs_a_fixed_number_of_queries(
    coordinator_client, live, n, django_assert_max_num_queries
):
    session = make_group(live, n=n)
    with django_assert_max_num_queries(12):
        response = coordinator_client.get(url(session), **HX)
    assert response.content.decode().count('name="clients"') == n
