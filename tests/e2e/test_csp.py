"""Every main page works under the Content Security Policy: nothing refused on the console
(inline scripts, event-handler attributes, <style> elements, eval), the Django admin included.

Every browser test fails on a policy violation (tests/e2e/conftest.py); these visit each page
on purpose, and show that a violation is caught."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from tests.e2e.helpers import log_in, settle, watch_console

pytestmark = pytest.mark.django_db(transaction=True)


def visit(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    settle(page)


def test_every_main_page_loads_without_a_policy_violation(live_server, page: Page, ui_world):
    from rostering.models import BaseRoster

    User.objects.create_superuser("admin", password="admin")
    problems = watch_console(page)
    found: dict[str, list[str]] = {}

    def check(name: str) -> None:
        if problems:
            found[name] = list(problems)
            problems.clear()

    visit(page, live_server.url + reverse("login"))
    assert page.evaluate("document.querySelector('style') === null")  # htmx added none
    check("login page")
    log_in(page, live_server, "admin")
    roster, period, session = ui_world["roster"], ui_world["period"], ui_world["session"]
    pages = [
        ("dashboard", reverse("scheduling:dashboard")),
        ("scheduling", reverse("scheduling:live")),
        ("base rosters", reverse("rostering:base_roster_list")),
        ("base roster grid", reverse("rostering:base_roster_detail", args=[roster.pk])),
        ("roster periods", reverse("rostering:roster_period_list")),
        ("roster period", reverse("rostering:roster_period_detail", args=[period.pk])),
        ("session form page", reverse("sessions_app:edit", args=[session.pk])),
        ("admin index", reverse("admin:index")),
        ("admin sessions", reverse("admin:sessions_app_session_changelist")),
        ("admin session", reverse("admin:sessions_app_session_change", args=[session.pk])),
        ("admin base roster", reverse("admin:rostering_baseroster_change", args=[roster.pk])),
        ("admin access attempts", reverse("admin:axes_accessattempt_changelist")),
        ("admin users", reverse("admin:auth_user_changelist")),
    ]
    for name, path in pages:
        visit(page, live_server.url + path)
        expect(page.locator("h1, h2").first).to_be_visible()
        check(name)

    # The session form in the modal, from a session on the period's grid.
    visit(page, live_server.url + reverse("rostering:roster_period_detail", args=[period.pk]))
    page.locator(".chip").first.click()
    expect(page.locator("#modal #session-form")).to_be_visible()
    settle(page)
    check("session form in the modal")

    # The launcher's results.
    visit(page, live_server.url + reverse("scheduling:dashboard"))
    page.keyboard.press("/")
    page.keyboard.type("sched")
    expect(page.get_by_role("listbox", name="Go to")).to_be_visible()
    settle(page)
    check("launcher")

    # The grid's site filter submits itself when changed (data-autosubmit, no onchange=).
    BaseRoster.objects.filter(pk=roster.pk).update(site=None)
    visit(page, live_server.url + reverse("rostering:base_roster_detail", args=[roster.pk]))
    page.get_by_label("Site", exact=True).select_option(label=ui_world["site"].name)
    expect(page).to_have_url(re.compile(rf"[?&]site={ui_world['site'].pk}(&|$)"))
    settle(page)
    check("site filter")

    assert found == {}, "\n".join(f"{name}: {p}" for name, ps in found.items() for p in ps)


def test_an_inline_script_is_refused_and_the_watch_catches_it(
    live_server, browser: Browser, ui_world
):
    # A page of its own: the autouse watch on `page` would (rightly) fail this test.
    page = browser.new_page()
    try:
        problems = watch_console(page)
        visit(page, live_server.url + reverse("login"))
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.injected = true'; document.body.appendChild(s);"
            " const b = document.createElement('button');"
            " b.setAttribute('onclick', 'window.clicked = true'); document.body.appendChild(b);"
            " b.click(); }"
        )
        page.wait_for_timeout(200)

        assert page.evaluate("window.injected === undefined && window.clicked === undefined")
        assert any("Content Security Policy" in p for p in problems), problems
    finally:
        page.close()
