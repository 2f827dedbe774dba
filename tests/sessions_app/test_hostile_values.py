"""Every bad value posted to the session form is a 4xx with a message, never a 500, and
nothing is saved."""

import pytest
from django.urls import reverse

from sessions_app.models import Session
from tests.factories import AssetFactory, ClientFactory, SiteFactory
from tests.sessions_app.conftest import form_data, planned

pytestmark = pytest.mark.django_db

HUGE = "9" * 30


def _ada(world):
    return f"ps-{world['ada'].pk}"


# name -> function(world) giving the overrides of a valid post, and the message expected.
BAD_VALUES = {
    "session_type: not a number": (lambda w: {"session_type": "abc"}, "Select a valid choice"),
    "session_type: huge": (lambda w: {"session_type": HUGE}, "Select a valid choice"),
    "group_template: not a number": (
        lambda w: {"work_type": "group", "group_template": "x1"},
        "Choose a group template of the session",
    ),
    "region: not a number": (lambda w: {"region": "north"}, "Select a valid choice"),
    "site: not a number": (lambda w: {"site": "1 OR 1=1"}, "Select a valid choice"),
    "site: nonexistent": (lambda w: {"site": "999999"}, "Select a valid choice"),
    "clients: not a number": (lambda w: {"clients": ["ada"]}, "is not a valid value"),
    "clients: nonexistent": (lambda w: {"clients": ["999999"]}, "Select a valid choice"),
    "clients: another site's": (
        lambda w: {"clients": [w["cal"].pk]},
        "Cal Northern is not associated with Parramatta Day Centre.",
    ),
    "workers: not a number": (lambda w: {"workers": ["wendy"]}, "is not a valid value"),
    "workers: huge": (lambda w: {"workers": [HUGE]}, "Select a valid choice"),
    "assets: not a number": (lambda w: {"assets": ["chair"]}, "is not a valid value"),
    "assets: another region's": (
        lambda w: {"assets": [w["bus"].pk]}, "Minibus North is not in the session&#x27;s region."
    ),
    "billable: unknown": (lambda w: {"billable": "maybe"}, "Select a valid choice"),
    "service_types: not a number": (lambda w: {"service_types": ["x"]}, "is not a valid value"),
    "planned line: not a number": (
        lambda w: {f"{_ada(w)}-0-line": "abc"}, "not from that client&#x27;s agreement"
    ),
    "planned line: another client's": (
        lambda w: {f"{_ada(w)}-0-line": w["cal_line"].pk}, "not from that client&#x27;s agreement"
    ),
    "planned template item: not a number": (
        lambda w: {f"{_ada(w)}-0-group_template_item": "abc"}, "group-template service"
    ),
    "planned formset: TOTAL_FORMS not a number": (
        lambda w: {f"{_ada(w)}-TOTAL_FORMS": "many"}, "planned services could not be read"
    ),
    "planned formset: missing": (
        lambda w: {f"{_ada(w)}-TOTAL_FORMS": None}, "planned services could not be read"
    ),
    "quantity: NaN": (lambda w: {f"{_ada(w)}-0-quantity": "NaN"}, "Enter a number."),
    "quantity: Infinity": (lambda w: {f"{_ada(w)}-0-quantity": "Infinity"}, "Enter a number."),
    "quantity: -Infinity": (lambda w: {f"{_ada(w)}-0-quantity": "-inf"}, "Enter a number."),
    "quantity: 1e400": (lambda w: {f"{_ada(w)}-0-quantity": "1e400"}, "no more than 8 digits"),
    "quantity: zero": (lambda w: {f"{_ada(w)}-0-quantity": "0"}, "quantity above zero"),
    "quantity: words": (lambda w: {f"{_ada(w)}-0-quantity": "two"}, "Enter a number."),
    "act-TOTAL_FORMS: not a number": (
        lambda w: {"act-TOTAL_FORMS": "lots"}, "activity rows could not be read"
    ),
    "act-TOTAL_FORMS: huge": (
        lambda w: {"act-TOTAL_FORMS": HUGE}, "A session has at most 20 activities."
    ),
    "act-TOTAL_FORMS: 21": (lambda w: {"act-TOTAL_FORMS": "21"}, "at most 20 activities"),
    "start: year 0001": (lambda w: {"start": "0001-01-01T09:00"}, "between 2000 and 2100"),
    "start: year 9999": (lambda w: {"start": "9999-12-31T23:00"}, "between 2000 and 2100"),
    "end: year 9999": (lambda w: {"end": "9999-12-31T23:59"}, "between 2000 and 2100"),
    "end: malformed": (lambda w: {"end": "2026-02-30T09:00"}, "Enter a date and time."),
    "start: garbage": (lambda w: {"start": "tomorrow-ish"}, "Enter a date and time."),
    "activity start: year 0001": (
        lambda w: {"act-0-start": "0001-01-01T00:00"}, "between 2000 and 2100"
    ),
    "activity end: year 9999": (
        lambda w: {"act-0-end": "9999-12-31T23:59"}, "between 2000 and 2100"
    ),
    "activity end: malformed": (lambda w: {"act-0-end": "10:30"}, "Enter a date and time."),
    "activity kind: unknown": (lambda w: {"act-0-kind": "nap"}, "Select a valid choice"),
    "ratio: malformed": (
        lambda w: {"work_type": "group", "ratio": "1:many"}, "Enter a ratio such as 1:3."
    ),
}


def _post_data(world, overrides):
    data = form_data(world)
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def _urls(world, session):
    return {
        "base roster": reverse(
            "rostering:base_roster_session_create", args=[world["roster"].pk]
        ),
        "roster period": reverse(
            "rostering:roster_period_session_create", args=[world["period"].pk]
        ),
        "live": reverse("sessions_app:create"),
        "edit": reverse("sessions_app:edit", args=[session.pk]),
    }


@pytest.fixture
def saved(scheduler_client, world):
    """A session saved on the base roster, to edit."""
    r = scheduler_client.post(
        reverse("rostering:base_roster_session_create", args=[world["roster"].pk]),
        form_data(world),
    )
    assert r.status_code == 302
    return Session.objects.get()


@pytest.mark.parametrize("place", ["base roster", "roster period", "live", "edit"])
@pytest.mark.parametrize("case", list(BAD_VALUES))
def test_a_bad_value_is_a_422_with_its_message_and_nothing_is_saved(
    scheduler_client, world, saved, place, case
):
    overrides, message = BAD_VALUES[case]
    url = _urls(world, saved)[place]
    before = Session.objects.get()
    data = _post_data(world, overrides(world))
    if place == "edit":
        data["version"] = before.version  # the version the edit form was opened on
    # Each place with dates that fit it, so the bad value is the only thing wrong.
    if place == "roster period":
        for key in ("start", "end", "act-0-start", "act-0-end"):
            if data.get(key, "").startswith("2026-11-03"):
                data[key] = data[key].replace("2026-11-03", "2026-11-17")
    r = scheduler_client.post(url, data, headers={"HX-Request": "true"})
    assert r.status_code == 422, (case, place, r.content.decode()[:3000])
    assert message in r.content.decode(), (case, place)
    assert Session.objects.count() == 1
    after = Session.objects.get()
    assert (after.subject, after.start, after.end) == (before.subject, before.start, before.end)


@pytest.mark.parametrize("action", ["refresh", "apply_template", "add_activity"])
@pytest.mark.parametrize("case", list(BAD_VALUES))
def test_a_bad_value_never_breaks_an_in_form_action(scheduler_client, world, action, case):
    overrides, _ = BAD_VALUES[case]
    data = _post_data(world, overrides(world))
    data["_action"] = action
    url = reverse("rostering:base_roster_session_create", args=[world["roster"].pk])
    for headers in ({"HX-Request": "true"}, {"HX-Request": "true", "HX-Trigger-Name": "site"}):
        r = scheduler_client.post(url, data, headers=headers)
        assert r.status_code < 500, (case, action)
    assert Session.objects.count() == 0


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("add_client", "ada", "That client is not one of the site&#x27;s clients."),
        ("add_client", HUGE, "That client is not one of the site&#x27;s clients."),
        ("add_client", "999999", "That client is not one of the site&#x27;s clients."),
        ("add_worker", "wendy", "That worker is not active on the session date."),
    ],
)
def test_a_bad_add_action_is_a_422_beside_its_field(scheduler_client, world, field, value,
                                                     message):
    data = form_data(world, _action="refresh", **{field: value})
    r = scheduler_client.post(
        reverse("rostering:base_roster_session_create", args=[world["roster"].pk]), data,
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 422
    assert message in r.content.decode()
    assert Session.objects.count() == 0


def test_adding_a_client_of_another_site_is_refused(scheduler_client, world):
    data = form_data(world, _action="refresh", add_client=world["cal"].pk, clients=[])
    r = scheduler_client.post(
        reverse("rostering:base_roster_session_create", args=[world["roster"].pk]), data,
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 422
    html = r.content.decode()
    assert "That client is not one of the site&#x27;s clients." in html
    assert f'name="clients" value="{world["cal"].pk}"' not in html


@pytest.mark.parametrize(
    "field", ["act-TOTAL_FORMS", "ps-{ada}-TOTAL_FORMS"]
)
@pytest.mark.parametrize("value", ["abc", "-1", HUGE])
def test_an_unreadable_formset_on_an_in_form_action_is_a_422(scheduler_client, world, field,
                                                             value):
    field = field.format(ada=world["ada"].pk)
    data = form_data(world, _action="add_activity", **{field: value})
    r = scheduler_client.post(
        reverse("rostering:base_roster_session_create", args=[world["roster"].pk]), data,
        headers={"HX-Request": "true"},
    )
    assert r.status_code in (200, 422)
    if value == "abc":
        assert r.status_code == 422
        assert "could not be read" in r.content.decode()


def test_a_foreign_asset_and_client_are_named_in_their_messages(scheduler_client, world):
    other_site = SiteFactory(name="Far Away", region=world["north"])
    stranger = ClientFactory(first_name="Sam", last_name="Stranger", sites=[other_site])
    van = AssetFactory(name="Far van", region=world["north"])
    data = form_data(world, clients=[stranger.pk], assets=[van.pk],
                     **planned(stranger))
    r = scheduler_client.post(
        reverse("rostering:base_roster_session_create", args=[world["roster"].pk]), data
    )
    assert r.status_code == 422
    html = r.content.decode()
    assert "Sam Stranger is not associated with Parramatta Day Centre." in html
    assert "Far van is not in the session&#x27;s region." in html


@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01", "garbage", "2026-02-30"])
@pytest.mark.parametrize("place", ["base roster", "roster period", "live"])
def test_a_hostile_date_in_the_query_opens_the_form_on_a_sane_day(
    scheduler_client, world, saved, place, date
):
    url = _urls(world, saved)[place]
    r = scheduler_client.get(url, {"date": date})
    assert r.status_code == 200
    assert date not in r.content.decode()


@pytest.mark.parametrize("query", [
    {"site": "abc"}, {"site": HUGE}, {"clients": ["x", HUGE]}, {"client_q": "a" * 5000},
])
def test_client_options_tolerate_bad_values(scheduler_client, world, query):
    r = scheduler_client.get(reverse("sessions_app:client_options"), query)
    assert r.status_code == 200


@pytest.mark.parametrize("query", [
    {"start": "9999-12-31T23:00", "worker_q": "w"}, {"start": "0001-01-01T00:00", "worker_q": "w"},
    {"start": "garbage", "worker_q": "w"}, {"workers": ["x"], "worker_q": "w", "site": "x",
                                             "session_type": HUGE, "region": "y"},
])
def test_worker_options_tolerate_bad_values(scheduler_client, world, query):
    r = scheduler_client.get(reverse("sessions_app:worker_options"), query)
    assert r.status_code == 200


@pytest.mark.parametrize("query", [{"region": "x"}, {"region": HUGE}, {"site": "x"},
                                   {"assets": ["x", HUGE]}])
def test_asset_options_tolerate_bad_values(scheduler_client, world, query):
    assert scheduler_client.get(reverse("sessions_app:asset_options"), query).status_code == 200
