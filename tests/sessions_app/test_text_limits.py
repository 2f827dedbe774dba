"""The texts people type into a session have limits: the form says so beside the field (and
the browser stops typing at them), the services refuse longer text whoever calls them."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sessions_app.forms import subject_for
from sessions_app.models import Session
from sessions_app.services import session_update
from tests.factories import ClientFactory, SiteFactory
from tests.sessions_app.conftest import form_data

pytestmark = pytest.mark.django_db

LIMITS = {"subject": 255, "comments": 4000, "employee_message": 1000}


@pytest.fixture
def saved(scheduler_client, world):
    r = scheduler_client.post(
        reverse("rostering:base_roster_session_create", args=[world["roster"].pk]),
        form_data(world),
    )
    assert r.status_code == 302
    return Session.objects.get()


def test_texts_exactly_at_their_limits_save(scheduler_client, world, saved):
    texts = {name: "é" * limit for name, limit in LIMITS.items()}

    r = scheduler_client.post(
        reverse("sessions_app:edit", args=[saved.pk]),
        form_data(world, version=saved.version, **texts),
        headers={"HX-Request": "true"},
    )

    assert r.status_code in (200, 204), r.content.decode()[:2000]
    saved.refresh_from_db()
    assert {name: getattr(saved, name) for name in LIMITS} == texts


@pytest.mark.parametrize("name", list(LIMITS))
def test_one_character_over_is_a_422_beside_the_field_and_nothing_changes(
    scheduler_client, world, saved, name
):
    limit = LIMITS[name]

    r = scheduler_client.post(
        reverse("sessions_app:edit", args=[saved.pk]),
        form_data(world, version=saved.version, **{name: "x" * (limit + 1)}),
        headers={"HX-Request": "true"},
    )

    assert r.status_code == 422
    html = r.content.decode()
    field = html[html.index(f'id="field-{name}"'):]
    assert f"At most {limit} characters: this has {limit + 1}." in field[: field.index("</div>")]
    before = Session.objects.get()
    assert (before.subject, before.comments, before.employee_message) == (
        saved.subject, saved.comments, saved.employee_message
    )


def test_the_form_tells_the_browser_the_limits(scheduler_client, world):
    r = scheduler_client.get(
        reverse("rostering:base_roster_session_create", args=[world["roster"].pk])
    )

    html = r.content.decode()
    for name, limit in LIMITS.items():
        tag = html[html.index(f'name="{name}"') - 200: html.index(f'name="{name}"') + 200]
        assert f'maxlength="{limit}"' in tag, name
    assert "Up to 4000 characters." in html and "Up to 1000 characters." in html


@pytest.mark.parametrize("name", ["comments", "employee_message"])
def test_the_service_refuses_longer_text_from_any_caller(saved, name):
    with pytest.raises(ValidationError) as caught:
        session_update(session=saved, **{name: "x" * (LIMITS[name] + 1)})

    assert caught.value.message_dict[name] == [
        f"At most {LIMITS[name]} characters: this has {LIMITS[name] + 1}."
    ]
    saved.refresh_from_db()
    assert getattr(saved, name) != "x" * (LIMITS[name] + 1)


def test_a_suggested_subject_never_exceeds_the_limit():
    site = SiteFactory.build(name="S" * 150)
    clients = [ClientFactory.build(first_name="F" * 60, last_name="L" * 60) for _ in range(3)]

    subject = subject_for(site=site, session_type="Personal Care", clients=clients)

    assert len(subject) == 255
    assert subject.startswith("S" * 150) and subject.endswith("…")
