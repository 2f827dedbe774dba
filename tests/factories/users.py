"""Users with a role and regions, as the permission rules see them."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from clients.services import region_access_set
from scheduling.roles import ensure_roles


def give_regions(user, *, all_regions: bool = True, regions=()):
    """The user's region access: every region by default, else `regions` only."""
    region_access_set(user=user, all_regions=all_regions and not regions, regions=regions)
    return user


def make_user(username: str, role: str | None = None, *, password: str | None = None,
              all_regions: bool = True, regions=(), access: bool = True, **fields):
    """A user in `role` (a group of scheduling/roles.py, None for no role) who sees every
    region, or only `regions`; `access=False` gives no region access at all."""
    user = get_user_model().objects.create_user(
        username, password=password or f"pw-{username}-12345", **fields
    )
    if role is not None:
        group = Group.objects.filter(name=role).first() or ensure_roles()[role]
        user.groups.add(group)
    if access:
        give_regions(user, all_regions=all_regions, regions=regions)
    return user

