"""The three roles and what each may do. Used by the data migration that creates the groups."""

DOMAIN_APPS = ("clients", "workforce", "sessions_app", "rostering")

SESSION_PARTS = (
    "session",
    "sessionclient",
    "plannedservice",
    "sessionworker",
    "sessionasset",
    "sessionactivity",
)

ROLES = {
    # Plans the work: base rosters, periods, sessions. Reads everything else.
    "Scheduler": {
        "view": "*",
        "add": SESSION_PARTS + ("baseroster", "rosterperiod"),
        "change": SESSION_PARTS + ("baseroster", "rosterperiod"),
        "delete": SESSION_PARTS + ("baseroster", "rosterperiod"),
    },
    # Changes sessions after creation (Modify Workers, Modify Clients & Services, …).
    "Coordinator": {
        "view": "*",
        "add": SESSION_PARTS[1:],
        "change": SESSION_PARTS,
        "delete": SESSION_PARTS[1:],
    },
    # Keeps the reference data in the Django admin.
    "Administrator": {"view": "*", "add": "*", "change": "*", "delete": "*"},
}


def sync_roles(apps=None):
    """Create or update the three groups with their permissions.

    Used by the data migration (with its historical `apps`) and by tests whose database
    was flushed (transactional browser tests) — `ensure_roles()` below.
    """
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = list(
        Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS).select_related(
            "content_type"
        )
    )
    groups = {}
    for name, rules in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        chosen = []
        for perm in perms:
            action, _, model = perm.codename.partition("_")
            allowed = rules.get(action, ())
            if allowed == "*" or model in allowed:
                chosen.append(perm)
        group.permissions.set(chosen)
        groups[name] = group
    return groups


def ensure_roles():
    """The groups with their permissions, (re)created if a test flushed them."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    return sync_roles()
