"""The database not reachable (PostgreSQL restarting, the network between): a clean 503 page
instead of a 500, and recovery by itself once it is back.

Django opens a fresh connection for the next request (CONN_HEALTH_CHECKS checks a persistent
one before use), so nothing has to be restarted; this module only makes the failing requests
fail plainly. A request whose queries fail mid-way has rolled its transaction back: the page
says the last change was not saved. Rendered without the database (no context processors, no
user), with `Retry-After`. htmx requests get the message alone and `HX-Reswap: none`: the
page stays as it was and `static/js/app.js` shows the message; polling panels carry on and
pick up again by themselves.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger(__name__)

HEADLINE = "The database is not reachable just now"
ADVICE = "Your last change was not saved; try again in a minute."
MESSAGE = f"{HEADLINE}. {ADVICE}"
RETRY_AFTER = 30  # seconds


def database_unavailable(request) -> HttpResponse:
    if getattr(request, "htmx", False) or request.headers.get("HX-Request") == "true":
        response = HttpResponse(MESSAGE, status=503, content_type="text/plain; charset=utf-8")
        response["HX-Reswap"] = "none"
    else:
        page = render_to_string("503.html", {"headline": HEADLINE, "advice": ADVICE})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def is_database_down(exc: BaseException | None) -> bool:
    return isinstance(exc, OperationalError | InterfaceError)


class DatabaseUnavailableMiddleware:
    """A view whose database connection failed answers 503, not 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_down(exception):
            return None
        logger.warning("Database unreachable during %s %s: %s", request.method,
                       request.path, exception)
        return database_unavailable(request)


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME) -> HttpResponse:
    """handler500: the same 503 when the database failed outside a view (loading the
    session or the user in a middleware); Django's 500 otherwise."""
    if is_database_down(sys.exc_info()[1]):
        return database_unavailable(request)
    try:
        return defaults.server_error(request, template_name)
    except Exception:  # noqa: BLE001 - the 500 template itself needed the database
        return HttpResponseServerError("<h1>Server Error (500)</h1>")
