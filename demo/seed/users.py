"""The demo logins (admin / scheduler / coordinator, password = username), refused under
production settings (`DEMO_LOGINS_ALLOWED = False`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from clients.models import Region, RegionAccess
from clients.services import region_access_set
from scheduling.roles import ensure_roles

DEMO_LOGINS = (
    # username, group, is_staff, is_superuser
    ("admin", "Administrator", True, True),
    ("scheduler", "Scheduler", False, False),
    ("coordinator", "Coordinator", False, False),
)


# Each login's regions: admin and scheduler see every region; the coordinator works in one
# region (Sydney West: the demo's live-schedule visits and series are there), which shows the
# scoping — the Brisbane and Perth sessions are not on the coordinator's schedule.
ALL_REGIONS = None
DEMO_REGIONS = {"admin": ALL_REGIONS, "scheduler": ALL_REGIONS, "coordinator": "syd-west"}


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
        _ensure_region_access(user, DEMO_REGIONS[username])
    return [name for name, *_ in DEMO_LOGINS], made


def _ensure_region_access(user, region_code: str | None) -> None:
    """The login's regions, unless an administrator set them already. A region code the data
    does not have (the large demo) gives the first region by name."""
    if RegionAccess.objects.filter(user=user).exists():
        return
    if region_code is ALL_REGIONS:
        region_access_set(user=user, all_regions=True)
        return
    region = (
        Region.objects.filter(code=region_code).first() or Region.objects.order_by("name").first()
    )
    region_access_set(user=user, regions=[region] if region else [])
