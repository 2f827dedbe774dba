"""A signed-in user without a role (Scheduler, Coordinator or Administrator) gets one page
saying so, with status 403, whatever URL they ask for: no data, no links to data."""

from django.shortcuts import render
from django.urls import reverse

from .rules import USE_APP

# Paths a user without a role may still reach: logging out, and the Django admin (which
# checks is_staff and the model permissions itself).
OPEN_PREFIXES = ("/admin/",)
NO_ROLE_MESSAGE = (
    "Your account has no role yet. Ask an administrator to give you the Scheduler, "
    "Coordinator or Administrator role."
)


class NoRoleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.has_perm(USE_APP) and not self._open(request):
            return render(
                request, "no_role.html", {"message": NO_ROLE_MESSAGE, "hide_nav": True},
                status=403,
            )
        return self.get_response(request)

    @staticmethod
    def _open(request) -> bool:
        path = request.path_info
        if path in (reverse("logout"), reverse("login")):
            return True
        return path.startswith(OPEN_PREFIXES)
