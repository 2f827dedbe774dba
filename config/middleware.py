"""Login required everywhere; an htmx request whose session has ended (idle too long) takes
the whole page to the login page instead of swapping the login form into a fragment; and
sessions renewed by activity."""

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import resolve_url
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect


class LoginRequiredMiddleware(DjangoLoginRequired):
    def handle_no_permission(self, request, view_func):
        htmx = getattr(request, "htmx", None)
        if not htmx:
            return super().handle_no_permission(request, view_func)
        # Back to the page the person was on, not to the fragment it asked for.
        login = redirect_to_login(
            htmx.current_url_abs_path or "/",
            resolve_url(self.get_login_url(view_func)),
            self.get_redirect_field_name(view_func),
        )
        return HttpResponseClientRedirect(login.url)


class SessionRenewalMiddleware:
    """Sessions end after SESSION_COOKIE_AGE seconds without a request.

    Django's SESSION_SAVE_EVERY_REQUEST would renew the session by writing it on every
    request, polling included; this renews it only when the last renewal (or the login) is
    more than RENEW_AFTER seconds old, so the idle limit holds to within that much at one
    write a minute at most.
    """

    KEY = "_renewed_at"
    RENEW_AFTER = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now().timestamp()
            last = request.session.get(self.KEY)
            if last is None and user.last_login is not None:
                last = user.last_login.timestamp()
            if last is None or now - last >= self.RENEW_AFTER:
                request.session[self.KEY] = now  # marks the session modified: it is saved
        return self.get_response(request)
