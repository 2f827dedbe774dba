"""No lost updates in the session menu: a modal saved after someone else changed the session is
refused with "Changed by … at …" and what is saved now, nothing written, the person's input
kept; saving again (now at the current version) applies it."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from sessions_app.models import Session
from tests.factories import give_regions
from tests.scheduling.conftest import at

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _coordinator(django_user_model, name):
    user = give_regions(django_user_model.objects.create_user(name, password="pw-12345678"))
    user.groups.add(Group.objects.get(name="Coordinator"))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def two(django_user_model):
    return _coordinator(django_user_model, "cora"), _coordinator(django_user_model, "dan")


def test_a_times_change_after_someone_elses_workers_change_is_refused(make, live, two):
    cora, dan = two
    session = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    opened_at = session.version  # both open their modal now

    workers = reverse("scheduling:modify_workers", args=[session.pk])
    saved = dan.post(workers, {"add": [live["will"].pk], "version": opened_at}, **HTMX)
    assert saved.status_code == 200

    times = reverse("scheduling:modify_times", args=[session.pk])
    refused = cora.post(times, {"start": "2026-12-01T10:00", "end": "2026-12-01T12:00",
                                "version": opened_at}, **HTMX)
    html = refused.content.decode()
    assert refused.status_code == 409
    assert "Changed by dan at " in html and "Nothing was saved" in html
    assert 'value="2026-12-01T10:00"' in html  # her input is kept
    session.refresh_from_db()
    assert session.wall_start.hour == 9  # nothing of hers was written
    assert session.version == opened_at + 1
    assert f'name="version" value="{session.version}"' in html  # now at the current version

    again = cora.post(times, {"start": "2026-12-01T10:00", "end": "2026-12-01T12:00",
                              "version": session.version}, **HTMX)
    assert again.status_code == 200
    session.refresh_from_db()
    assert session.wall_start.hour == 10 and session.updated_by.username == "cora"


def test_modify_clients_is_refused_the_same_way(make, live, two):
    cora, dan = two
    session = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    opened_at = session.version
    Session.objects.filter(pk=session.pk).update(version=opened_at + 1)  # someone saved
    url = reverse("scheduling:modify_clients", args=[session.pk])
    ada, line = live["ada"].pk, live["ada_line"].pk
    r = cora.post(url, {"clients": [ada], f"line-{ada}": [line], f"qty-{ada}-{line}": "2",
                        "action": "save", "version": opened_at}, **HTMX)
    assert r.status_code == 409
    assert "Changed by the system" in r.content.decode()


def test_a_modal_posted_without_its_version_is_refused_with_a_message(make, two):
    cora, _ = two
    session = make(at("2026-12-01", "09:00"), at("2026-12-01", "11:00"))
    times = reverse("scheduling:modify_times", args=[session.pk])
    for bad in ({}, {"version": "abc"}, {"version": "-1"}, {"version": "9" * 30}):
        r = cora.post(times, {"start": "2026-12-01T10:00", "end": "2026-12-01T12:00", **bad},
                      **HTMX)
        assert r.status_code == 422 and "Reload it and try again" in r.content.decode()
    session.refresh_from_db()
    assert session.wall_start.hour == 9
