"""The right-click session menu: which items a user gets for a session, and why one is off.

The rule is the server's: `modify_refusal` (scheduling.changes) decides the Modify items, the
same function every action's service checks before it writes. Read by the menu's view only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from sessions_app.models import Session

from .changes import modify_refusal


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: str
    url: str
    refusal: str | None = None  # why it is off (shown beside it), None when it applies

    @property
    def enabled(self) -> bool:
        return self.refusal is None


MODIFY_ITEMS = (
    ("workers", "Modify Workers", "scheduling:modify_workers"),
    ("clients", "Modify Clients & Services", "scheduling:modify_clients"),
    ("times", "Modify Session Times", "scheduling:modify_times"),
    ("activities", "Modify Activities", "scheduling:modify_activities"),
)


def menu_items(*, session: Session, user) -> list[MenuItem]:
    """The six items, in order, each with its link and, when off, the reason."""
    refusal = modify_refusal(session=session, user=user)
    items = [MenuItem(key, label, reverse(name, args=[session.pk]), refusal)
             for key, label, name in MODIFY_ITEMS]
    cancel_refusal = refusal
    if session.base_roster_id:
        cancel_refusal = ("A base roster's pattern sessions are not cancelled: cancel the "
                          "session in its roster period or on the live schedule.")
    elif session.status == Session.Status.CANCELLED:
        cancel_refusal = "This session is cancelled already."
    items.append(MenuItem("cancel", "Cancel Session",
                          reverse("scheduling:cancel_session", args=[session.pk]),
                          cancel_refusal))
    items.append(MenuItem("history", "View History",
                          reverse("scheduling:session_history", args=[session.pk])))
    return items
