"""Shared browser-test helpers: logging in, waiting for htmx, htmx errors and Content Security
Policy violations on the console, the axe accessibility check.

`assert_no_axe_violations(page)` runs axe-core (bundled by the pinned `axe-playwright-python`
dev dependency, so no CDN is needed) with the WCAG 2.0/2.1 A and AA rules, and fails with
every violation listed. Also a fixture of the same name in tests/e2e/conftest.py.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_axe = Axe()


def axe_violations(page: Page) -> list[dict]:
    """The WCAG 2.1 A/AA violations axe-core finds on the page as it is now."""
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return _axe.run(page, options=options).response["violations"]


def describe_violations(url: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} axe rule(s) violated on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}, {len(v['nodes'])} node(s)): {v['help']}")
        for node in v["nodes"][:5]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {node['target']}: {summary[:300]}")
    return "\n".join(lines)


def assert_no_axe_violations(page: Page) -> None:
    """Fail, listing each rule and its first nodes, unless axe finds 0 violations."""
    violations = axe_violations(page)
    if violations:
        pytest.fail(describe_violations(page.url, violations), pytrace=False)


# While htmx works, one of these classes is on the page: a request in flight (htmx-request),
# a swap under way (htmx-swapping), new content not yet processed (htmx-added: its hx-*
# attributes do nothing until htmx has processed it) or settling (htmx-settling).
HTMX_BUSY = ".htmx-request, .htmx-swapping, .htmx-added, .htmx-settling"


def settle(page: Page) -> None:
    """Wait until htmx has no request in flight and everything swapped in is live."""
    # A function, not an expression: Playwright polls an expression with eval(), which the
    # Content Security Policy refuses once the first check has to wait.
    page.wait_for_function(f"() => document.querySelector({HTMX_BUSY!r}) === null")


# How Chromium reports what the Content Security Policy blocked, e.g. "Refused to execute
# inline script because it violates the following Content Security Policy directive: …".
CSP_VIOLATION_MARKERS = ("Content Security Policy", "Refused to")


def watch_console(page: Page) -> list[str]:
    """Collect, as they happen: the htmx errors logged to the console (htmx logs them with
    console.error, e.g. "htmx:targetError, #modal-body"), whatever the Content Security
    Policy refused, and uncaught page errors."""
    problems: list[str] = []

    def on_console(msg):
        text = msg.text
        if (msg.type == "error" and "htmx:" in text) or any(
            marker in text for marker in CSP_VIOLATION_MARKERS
        ):
            problems.append(f"console: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    return problems


def log_in(page: Page, live_server, username: str, password: str | None = None) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password or username)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
