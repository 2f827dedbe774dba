"""The services' rules over HTTP: a closed period, a form posted twice, the header count."""

import pytest
from django.urls import reverse

from sessions_app.models import Session
from tests.sessions_app.conftest import form_data

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def period_url(world):
    return reverse("rostering:roster_period_session_create", args=[world["period"].pk])


def period_form(world, **overrides):
    return form_data(
        world, start="2026-11-17T09:00", end="2026-11-17T11:00", **{"act-TOTAL_FORMS": "0"},
        **overrides,
    )


def publish(period):
    period.status = "published"
    period.save()


def test_a_published_period_opens_no_session_form(scheduler_client, world):
    publish(world["period"])
    page = scheduler_client.get(period_url(world), follow=True)
    assert page.redirect_chain[-1][0] == world["period"].get_absolute_url()
    assert "is published: it takes no more sessions" in page.content.decode()
    assert "Roster Session" not in page.content.decode()

    partial = scheduler_client.get(period_url(world), headers=HTMX)
    assert partial.headers["HX-Redirect"] == world["period"].get_absolute_url()


def test_a_form_posted_to_a_published_period_is_refused_beside_the_form(
    scheduler_client, world
):
    """The period was published while the form was open: 422, the form, and why."""
    publish(world["period"])
    response = scheduler_client.post(period_url(world), period_form(world), headers=HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "is published: it takes no more sessions" in html
    assert 'id="session-form"' in html
    assert Session.objects.count() == 0


def test_the_new_session_form_carries_a_one_time_token(scheduler_client, world):
    url = reverse("rostering:base_roster_session_create", args=[world["roster"].pk])
    first = scheduler_client.get(url, headers=HTMX).content.decode()
    second = scheduler_client.get(url, headers=HTMX).content.decode()
    assert 'type="hidden" name="form_token"' in first
    assert first.split('name="form_token" value="')[1][:36] != (
        second.split('name="form_token" value="')[1][:36]
    )


def test_save_pressed_twice_makes_one_session(scheduler_client, world):
    url = reverse("rostering:base_roster_session_create", args=[world["roster"].pk])
    data = form_data(world, form_token="0b5f7a2e-8d7c-4c7e-9a55-4f1f0c3e9d21")
    first = scheduler_client.post(url, data, headers=HTMX)
    second = scheduler_client.post(url, data, headers=HTMX)
    assert first.status_code == second.status_code == 200
    assert first.headers["HX-Trigger"] == second.headers["HX-Trigger"]  # same session, same answer
    assert Session.objects.count() == 1
    # Without a token (or with a garbled one) each post is a new form.
    scheduler_client.post(url, form_data(world, form_token="not-a-uuid"), headers=HTMX)
    assert Session.objects.count() == 2


@pytest.mark.parametrize("home", ["roster", "period"])
def test_the_header_count_follows_a_save(scheduler_client, world, home):
    """The grid reloads on sessionSaved; its response swaps the header's count out of band."""
    obj = world[home]
    url = obj.get_absolute_url()
    page = scheduler_client.get(url).content.decode()
    noun = "base roster" if home == "roster" else "period"
    assert f'<span id="session-count">0 sessions in this {noun}' in page

    create_url = reverse(
        f"rostering:{'base_roster' if home == 'roster' else 'roster_period'}_session_create",
        args=[obj.pk],
    )
    data = form_data(world) if home == "roster" else period_form(world)
    saved = scheduler_client.post(create_url, data, headers=HTMX)
    assert "sessionSaved" in saved.headers["HX-Trigger"]

    grid = scheduler_client.get(url, headers=HTMX).content.decode()
    assert f'<span id="session-count" hx-swap-oob="true">1 session in this {noun}' in grid
