"""Login required everywhere, and an htmx request whose session has ended (idle too long)
takes the whole page to the login page instead of swapping the login form into a fragment."""

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import resolve_url
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
