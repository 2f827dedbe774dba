"""A scheduler logs in through the real login page and lands on the dashboard."""

import os

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from tests.e2e.helpers import assert_no_axe_violations
from tests.factories import give_regions


@pytest.fixture
def scheduler_user(db):
    # transaction=True tests flush the tables, taking the roles from the data migration with
    # them, so make sure the group exists.
    group, _ = Group.objects.get_or_create(name="Scheduler")
    user = User.objects.create_user(username="scheduler", password="scheduler")
    user.groups.add(group)
    give_regions(user)
    return user


@pytest.mark.django_db(transaction=True)
def test_scheduler_logs_in_and_sees_the_dashboard(live_server, page: Page, scheduler_user):
    page.goto(live_server.url + "/")

    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    page.get_by_label("Username").fill("scheduler")
    page.get_by_label("Password").fill("scheduler")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    assert page.url == live_server.url + "/"
    nav = page.get_by_role("navigation", name="Main")
    for name in ("Base Rosters", "Roster Periods", "Scheduling"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_wrong_password_stays_on_the_login_page(live_server, page: Page, scheduler_user):
    page.goto(live_server.url + "/accounts/login/")

    page.get_by_label("Username").fill("scheduler")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("heading", name="Dashboard")).to_have_count(0)


@pytest.mark.django_db(transaction=True)
def test_a_user_without_a_role_sees_only_that_they_have_none(live_server, page: Page):
    give_regions(User.objects.create_user(username="newbie", password="newbie"))
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("newbie")
    page.get_by_label("Password").fill("newbie")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="No role yet")).to_be_visible()
    expect(page.get_by_text("Your account has no role yet. Ask an administrator to give you "
                            "the Scheduler, Coordinator or Administrator role.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert_no_axe_violations(page)
    if shots := os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=f"{shots}/regions-no-role.png", full_page=True)


def test_after_the_session_ends_the_next_htmx_request_shows_the_login_page(
    live_server, page: Page, scheduler_user
):
    from django.contrib.sessions.models import Session

    page.goto(live_server.url + "/base-rosters/")
    page.get_by_label("Username").fill("scheduler")
    page.get_by_label("Password").fill("scheduler")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Base Rosters")).to_be_visible()
    Session.objects.all().delete()  # as if idle past the limit

    page.keyboard.press("/")
    page.keyboard.type("sched")  # the launcher asks the server (htmx)

    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/base-rosters/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
