"""The demo logins (admin / scheduler / coordinator, password = username), refused under
production settings (`DEMO_LOGINS_ALLOWED = False`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from scheduling.roles import ensure_roles

DEMO_LOGINS = (
    # username, group, is_staff, is_superuser
    ("admin", "Administrator", True, True),
    ("scheduler", "Scheduler", False, False),
    ("coordinator", "Coordinator", False, False),
)


class DemoLoginsRefused(Exception):
    """Demo logins (admin/admin …) may not be created under production settings."""


def refuse_under_production_settings() -> None:
    if not getattr(settings, "DEMO_LOGINS_ALLOWED", False):
        raise DemoLoginsRefused("Demo logins are refused under production settings")


def ensure_demo_logins() -> tuple[list[str], int]:
    """admin / scheduler / coordinator, password = username. Existing users are left alone."""
    refuse_under_production_settings()
    User = get_user_model()
    names = [group for _, group, _, _ in DEMO_LOGINS]
    groups = {g.name: g for g in Group.objects.filter(name__in=names)}
    if len(groups) < len(names):  # the data migration's groups were flushed: recreate them
        groups = ensure_roles()
    made = 0
    for username, group_name, is_staff, is_superuser in DEMO_LOGINS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                email=f"{username}@brightpath-care.example",
                is_staff=is_staff,
                is_superuser=is_superuser,
            )
            user.set_password(username)
            user.save()
            made += 1
        user.groups.add(groups[group_name])
    return [name for name, *_ in DEMO_LOGINS], made
