"""A base roster's name has a limit (150 characters): the form says so beside the field."""

import pytest
from django.urls import reverse

from rostering.models import BaseRoster

pytestmark = pytest.mark.django_db


def post(client, name):
    return client.post(reverse("rostering:base_roster_create"), {
        "name": name, "active": "on", "cycle_weeks": "2", "start_date": "2026-11-02",
    })


def test_a_name_over_the_limit_is_a_422_beside_the_field(scheduler_client):
    r = post(scheduler_client, "R" * 151)

    assert r.status_code == 422
    html = r.content.decode()
    field = html[html.index('id="field-name"'):]
    assert "At most 150 characters: this has 151." in field[: field.index("</div>")]
    assert 'maxlength="150"' in field[: field.index("</div>")]
    assert not BaseRoster.objects.exists()


def test_a_name_at_the_limit_saves(scheduler_client):
    r = post(scheduler_client, "R" * 150)

    assert r.status_code == 302
    assert BaseRoster.objects.get().name == "R" * 150
