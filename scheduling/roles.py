"""The three roles and what each may do. Used by the data migration that creates the groups."""

DOMAIN_APPS = ("clients", "rostering", "sessions_app")

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
