"""Helpers shared by the browser tests: wait for the page's own signals, never for fixed times."""

from playwright.sync_api import Page

# While htmx works, one of these classes is on the page: a request in flight (htmx-request),
# a swap under way (htmx-swapping), new content not yet processed (htmx-added: its hx-*
# attributes do nothing until htmx has processed it) or settling (htmx-settling).
HTMX_BUSY = ".htmx-request, .htmx-swapping, .htmx-added, .htmx-settling"


def settle(page: Page):
    """Wait until htmx has no request in flight and everything swapped in is live."""
    page.wait_for_function(f"document.querySelector({HTMX_BUSY!r}) === null")


def watch_console(page: Page) -> list[str]:
    """Collect the htmx errors logged to the console (htmx logs them with console.error, e.g.
    "htmx:targetError, #modal-body") and uncaught page errors, as they happen."""
    problems: list[str] = []

    def on_console(msg):
        if msg.type == "error" and "htmx:" in msg.text:
            problems.append(f"console: {msg.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    return problems
