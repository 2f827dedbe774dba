"""Modify Clients & Services: the modal (scheduling.client_views)."""

import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sessions_app.models import PlannedService, Session, SessionClient
from sessions_app.services import ClientSpec, PlannedServiceSpec, session_create
from tests.factories import ClientFactory, ServiceAgreementLineFactory, SiteFactory, give_regions
from tests.scheduling.conftest import at, menu_post

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def coordinator(client, django_user_model):
    user = give_regions(django_user_model.objects.create_user("coord", password="pw-12345678"))
    user.groups.add(Group.objects.get(name="Coordinator"))
    client.force_login(user)
    return user


@pytest.fixture
def group_session(live):
    """A Group session 09:00–11:30 with Ada (her line, 2 hours)."""
    return session_create(
        work_type=Session.WorkType.GROUP, session_type=live["type"],
        start=at("2026-12-01", "09:00"), end=at("2026-12-01", "11:30"),
        subject="Morning group", site=live["site"], ratio="1:3",
        clients=[ClientSpec(live["ada"], [PlannedServiceSpec(live["ada_line"], Decimal("2"))])],
    )


def url(session):
    return reverse("scheduling:modify_clients", args=[session.pk])


def state(live, **extra):
    """The post of the modal showing Ada (2) and Bea (her line, 2.5)."""
    ada, bea = live["ada"].pk, live["bea"].pk
    al, bl = live["ada_line"].pk, live["bea_line"].pk
    data = {"clients": [ada, bea], f"line-{ada}": [al], f"qty-{ada}-{al}": "2",
            f"line-{bea}": [bl], f"qty-{bea}-{bl}": "2.5", "action": "save"}
    data.update(extra)
    return data


def snapshot():
    return (sorted(SessionClient.objects.values_list("session", "client", "status")),
            sorted(PlannedService.objects.values_list("agreement_line", "quantity")))


def test_get_shows_the_modal_with_clients_services_and_budget(client, coordinator, group_session,
                                                              live):
    r = client.get(url(group_session), **HTMX)
    assert r.status_code == 200
    html = r.content.decode()
    assert "<html" not in html and 'id="modify-clients"' in html
    assert "Modify Clients &amp; Services" in html and "Ada Lovelace" in html
    assert live["ada_line"].support_item.item_number in html
    # Budget left, as on the session form: what other sessions have not used (500 here).
    assert 'value="2"' in html and "500 hours" in html
    assert 'name="scope"' not in html  # not in a series
    page = client.get(url(group_session))
    assert page.status_code == 200 and "<html" in page.content.decode()


def test_adding_a_client_shows_their_line_at_the_session_length(client, coordinator, group_session,
                                                                live):
    ada, al = live["ada"].pk, live["ada_line"].pk
    before = snapshot()
    r = menu_post(client, url(group_session), {"clients": [ada], f"line-{ada}": [al],
                                   f"qty-{ada}-{al}": "2",
                                   "action": f"add_client:{live['bea'].pk}"}, **HTMX)
    assert r.status_code == 200
    html = r.content.decode()
    bea, bl = live["bea"].pk, live["bea_line"].pk
    assert f'name="qty-{bea}-{bl}"' in html and f'id="qty-{bea}-{bl}" value="2.5"' in html
    assert snapshot() == before  # an in-form action saves nothing


def test_the_client_search_lists_the_sites_clients_not_chosen(client, coordinator, group_session,
                                                             live):
    ClientFactory(first_name="Bob", last_name="Elsewhere", sites=[SiteFactory()])
    r = menu_post(client, url(group_session), {"clients": [live["ada"].pk], "client_q": "b",
                                   "action": "search"}, **HTMX)
    html = r.content.decode()
    assert r.status_code == 200
    assert f'value="add_client:{live["bea"].pk}"' in html
    assert "Elsewhere" not in html and f'add_client:{live["ada"].pk}"' not in html


def test_saving_through_htmx_triggers_session_saved(client, coordinator, group_session, live):
    r = menu_post(client, url(group_session), state(live), **HTMX)
    assert r.status_code == 200, r.content.decode()[:2000]
    events = json.loads(r["HX-Trigger"])
    assert events["sessionSaved"]["id"] == group_session.pk and events["closeModal"] is True
    [ps] = PlannedService.objects.filter(session_client__client=live["bea"])
    assert ps.quantity == Decimal("2.5") and ps.quantity_edited is False
    assert PlannedService.objects.get(session_client__client=live["ada"]).quantity_edited


def test_saving_without_javascript_goes_back_to_the_schedule(client, coordinator, group_session,
                                                            live):
    r = menu_post(client, url(group_session), state(live))
    assert r.status_code == 302 and r["Location"].startswith(reverse("scheduling:live"))
    assert SessionClient.objects.filter(session=group_session, client=live["bea"]).exists()


def test_over_budget_asks_to_accept_as_the_session_form_does(client, coordinator, group_session,
                                                             live):
    live["bea_line"].budget_quantity = Decimal("1")
    live["bea_line"].save()
    r = menu_post(client, url(group_session), state(live), **HTMX)
    assert r.status_code == 422
    html = r.content.decode()
    assert "Over budget" in html and 'name="accept_budget_overrun"' in html
    assert "needs 2.5 but only 1 hours remain" in html
    assert not SessionClient.objects.filter(client=live["bea"]).exists()
    r = menu_post(client, url(group_session), state(live, accept_budget_overrun="on"), **HTMX)
    assert r.status_code == 200
    assert SessionClient.objects.filter(client=live["bea"]).exists()


HOSTILE = [
    ("clients", "abc", "A client could not be read"),
    ("clients", "99999999999", "A client could not be found"),
    ("clients", str(2**70), "A client could not be read"),
    ("qty", "NaN", "Enter a quantity above zero"),
    ("qty", "-1", "Enter a quantity above zero"),
    ("qty", "1e20", "Enter a quantity above zero"),
    ("qty", "Infinity", "Enter a quantity above zero"),
    ("qty", "1.234", "no more than 2 decimal places"),
    ("line", "xyz", "A planned service could not be read"),
    ("line", "99999999999", "could not be found"),
    ("line", "ada", "That agreement line is not Bea Arthur"),
    ("line", "old", "is not active on Tue 1 Dec 2026"),
    ("foreign", "", "is not associated with Parramatta Day Centre"),
    ("scope", "everything", "Choose which sessions of the series to change."),
    ("action", "delete_everything:1", "That action could not be read"),
    ("action", "add_client:99999999999", "is not one of Parramatta Day Centre"),
    ("action", "add_service:xyz", "That action could not be read"),
]


@pytest.mark.parametrize("what,value,message", HOSTILE)
def test_hostile_values_are_4xx_with_a_message_and_save_nothing(
    client, coordinator, group_session, live, what, value, message
):
    bea, bl = live["bea"].pk, live["bea_line"].pk
    data = state(live)
    if what == "clients":
        data["clients"] = [live["ada"].pk, bea, value]
    elif what == "qty":
        data[f"qty-{bea}-{bl}"] = value
    elif what == "line":
        old = ServiceAgreementLineFactory(agreement__client=live["bea"],
                                          agreement__start_date="2025-01-01",
                                          agreement__end_date="2025-12-31")
        line = {"ada": live["ada_line"].pk, "old": old.pk}.get(value, value)
        data[f"line-{bea}"] = [line]
        data[f"qty-{bea}-{line}"] = "1"
    elif what == "foreign":
        stranger = ClientFactory(last_name="Stranger", sites=[SiteFactory()])
        data["clients"] = [live["ada"].pk, stranger.pk]
    else:
        data[what] = value
    before = snapshot()
    r = menu_post(client, url(group_session), data, **HTMX)
    assert 400 <= r.status_code < 500
    assert message in r.content.decode().replace("&#x27;", "'")
    assert snapshot() == before


def test_a_bad_session_id_is_404_and_a_complete_session_403(client, coordinator, group_session):
    assert client.get("/scheduling/sessions/99999999999999999999/clients/").status_code == 404
    assert client.get("/scheduling/sessions/0/clients/").status_code == 404
    Session.objects.filter(pk=group_session.pk).update(status=Session.Status.COMPLETE)
    r = client.get(url(group_session), **HTMX)
    assert r.status_code == 403 and "only Draft, Rostered and In Progress" in r.content.decode()
    r = menu_post(client, url(group_session), {"clients": [], "action": "save"}, **HTMX)
    assert r.status_code == 403


def test_a_series_session_offers_the_scope(client, coordinator, group_session):
    from sessions_app.models import SessionSeries

    series = SessionSeries.objects.create(rule="FREQ=WEEKLY;COUNT=2",
                                          first_start=group_session.start)
    Session.objects.filter(pk=group_session.pk).update(series=series)
    html = client.get(url(group_session), **HTMX).content.decode()
    for label in ("This session", "This and following", "All in the series"):
        assert label in html
    assert 'value="this" id="mc-scope-this" checked' in html


def _clients_with_services(live, group_session, n):
    specs = []
    for _ in range(n):
        c = ClientFactory(sites=[live["site"]])
        line = ServiceAgreementLineFactory(agreement__client=c)
        ServiceAgreementLineFactory(agreement__client=c)  # a second line to offer
        specs.append(ClientSpec(c, [PlannedServiceSpec(line, Decimal("1"))]))
    from sessions_app.services import session_update

    session_update(session=group_session, clients=specs)


def _measure(client, group_session):
    """Queries of the GET and of an in-form action (the search), with the modal as it is."""
    with CaptureQueriesContext(connection) as get:
        r = client.get(url(group_session), **HTMX)
    assert r.status_code == 200
    data = {"clients": [], "action": "search", "client_q": ""}
    for sc in group_session.session_clients.prefetch_related("planned_services"):
        data["clients"].append(sc.client_id)
        for ps in sc.planned_services.all():
            data[f"line-{sc.client_id}"] = [ps.agreement_line_id]
            data[f"qty-{sc.client_id}-{ps.agreement_line_id}"] = "1"
    with CaptureQueriesContext(connection) as post:
        r = menu_post(client, url(group_session), data, **HTMX)
    assert r.status_code == 200
    shown = r.content.decode().count('aria-labelledby="mc-client-')
    return len(get), len(post), shown


def test_the_modal_reads_a_fixed_number_of_queries(client, coordinator, group_session, live):
    _clients_with_services(live, group_session, 2)
    small = _measure(client, group_session)
    _clients_with_services(live, group_session, 12)
    large = _measure(client, group_session)
    assert small[2] == 2 and large[2] == 12
    assert small[:2] == large[:2], (small, large)
    assert small[0] <= 14 and small[1] <= 16
