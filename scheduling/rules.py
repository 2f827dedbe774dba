"""Who may do what, in one place: the roles (Django groups, `scheduling/roles.py`) and the
user's regions (`clients.access`), as `rules` predicates and object permissions.

`user.has_perm(name)` without an object answers from the role alone (Django's ModelBackend,
the groups' permissions); `user.has_perm(name, obj)` answers from here (rules'
ObjectPermissionBackend): the role's permission *and* the object in the user's regions (and
the rule of the permission, e.g. a coordinator never changes a base-roster pattern session).

Views fetch objects with `clients.access.get_scoped_or_404` (another region's object is a
404, as if it did not exist) and ask `has_perm(…, obj)` for what the page offers. Lower apps
ask by permission name (`request.user.has_perm("sessions_app.change_session", session)`),
so they never import this module.
"""

from __future__ import annotations

import rules
from django.contrib.auth.backends import ModelBackend

from clients.access import in_user_regions, user_group_names

from .roles import ROLES

_model_backend = ModelBackend()

# The name of the permission "may use the application at all" (any of the three roles).
USE_APP = "scheduling.use_app"


@rules.predicate
def has_role(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return not user_group_names(user).isdisjoint(ROLES)


@rules.predicate
def in_region(user, obj) -> bool:
    """The object is in the user's regions (no object: the question is about the role)."""
    return obj is None or in_user_regions(user, obj)


@rules.predicate
def is_pattern_session(user, obj) -> bool:
    """A session of a base roster (the regular pattern of care)."""
    return obj is not None and getattr(obj, "base_roster_id", None) is not None


def role_may(perm: str):
    """A predicate: the user's role (its group's permissions) grants `perm`. Asked of
    Django's ModelBackend directly, so a rule named like the permission does not recurse."""

    @rules.predicate(name=f"role_may:{perm}")
    def check(user) -> bool:
        return _model_backend.has_perm(user, perm)

    return check


def _in_region(perm: str):
    return role_may(perm) & in_region


PERMISSIONS = {
    USE_APP: has_role,
    # Sessions: a coordinator changes live and period sessions, never a base roster's
    # pattern (only those who may change base rosters do).
    "sessions_app.view_session": _in_region("sessions_app.view_session"),
    "sessions_app.add_session": _in_region("sessions_app.add_session"),
    "sessions_app.change_session": _in_region("sessions_app.change_session")
    & (~is_pattern_session | role_may("rostering.change_baseroster")),
    # Base rosters and roster periods: the object is the roster/period itself.
    "rostering.view_baseroster": _in_region("rostering.view_baseroster"),
    "rostering.change_baseroster": _in_region("rostering.change_baseroster"),
    "rostering.view_rosterperiod": _in_region("rostering.view_rosterperiod"),
    "rostering.add_rosterperiod": _in_region("rostering.add_rosterperiod"),
    "rostering.change_rosterperiod": _in_region("rostering.change_rosterperiod"),
    # Records the launcher and the filters offer.
    "workforce.view_worker": _in_region("workforce.view_worker"),
    "clients.view_client": _in_region("clients.view_client"),
    "clients.view_site": _in_region("clients.view_site"),
}

for _name, _predicate in PERMISSIONS.items():
    rules.add_perm(_name, _predicate)
