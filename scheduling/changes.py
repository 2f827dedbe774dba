"""What every action of the right-click session menu shares: who may change which session,
which sessions a change reaches in a recurring series, and the one notice a worker gets.

    check_can_modify(session=session, user=user)        # PermissionDenied with the reason
    targets = sessions_in_scope(session=session, scope=Scope.FOLLOWING)   # locked, by start
    change = SessionChange.objects.create(...)           # one per press of a menu action
    notify_workers(change=change, notices={worker_id: ["…line…", …]}, subject="…")

The rules live here (and in the services that call them), never only in the menu's template:
the menu asks `modify_refusal` to show an item disabled with its reason, and every action's
service calls `check_can_modify` again before it writes.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, get_connection
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from rostering.models import Notification
from sessions_app.models import Session
from workforce.models import Worker

# A session may be changed from the menu in these statuses only.
MODIFIABLE_STATUSES = (
    Session.Status.DRAFT,
    Session.Status.ROSTERED,
    Session.Status.IN_PROGRESS,
)
# Changing a base roster's pattern sessions is planning, a scheduler's work: the permission
# only the Scheduler (and Administrator) role has.
PATTERN_PERMISSION = "rostering.change_baseroster"
CHANGE_PERMISSION = "sessions_app.change_session"


class Scope(models.TextChoices):
    THIS = "this", "This session"
    FOLLOWING = "following", "This and following"
    ALL = "all", "All in the series"


def modify_refusal(*, session: Session, user) -> str | None:
    """Why `user` may not change `session` from the menu, or None when they may."""
    if not user.has_perm(CHANGE_PERMISSION):
        return "Your role cannot change sessions."
    if session.base_roster_id and not user.has_perm(PATTERN_PERMISSION):
        return "Only a scheduler changes a base roster's pattern sessions."
    if session.status not in MODIFIABLE_STATUSES:
        return (
            f"A {session.get_status_display()} session cannot be changed: only Draft, "
            "Rostered and In Progress sessions can."
        )
    return None


def check_can_modify(*, session: Session, user) -> None:
    """Raise PermissionDenied with the reason when `user` may not change `session`."""
    reason = modify_refusal(session=session, user=user)
    if reason:
        raise PermissionDenied(reason)


def sessions_in_scope(*, session: Session, scope: str) -> list[Session]:
    """The sessions a change to `session` reaches, locked for the change, in start order.

    "This session" is the session alone (also for a session in no series). "This and
    following" and "All in the series" are the series' sessions from this one's start, or all
    of them — only those still open to change (not Complete, not Cancelled). Call it inside the
    change's transaction.
    """
    if scope not in Scope.values:
        raise PermissionDenied("Choose which sessions of the series to change.")
    if scope == Scope.THIS or session.series_id is None:
        return list(Session.objects.select_for_update().filter(pk=session.pk))
    qs = Session.objects.select_for_update().filter(
        series_id=session.series_id, status__in=MODIFIABLE_STATUSES
    )
    if scope == Scope.FOLLOWING:
        qs = qs.filter(Q(start__gte=session.start) | Q(pk=session.pk))
    return list(qs.order_by("start", "pk"))


def notify_workers(*, change_key: str, notices: dict[int, list[str]], subject: str) -> int:
    """Record one notification per worker for one change (`change_key`, unique per change),
    each listing its lines, and email them after commit. A worker named twice in `notices` is
    still told once; a retry of the same change adds nothing (unique per worker and key)."""
    notices = {wid: lines for wid, lines in notices.items() if lines}
    if not notices:
        return 0
    workers = Worker.objects.in_bulk(list(notices))
    rows = [
        Notification(
            worker_id=wid, change_key=change_key, email=workers[wid].email or "",
            subject=subject[:255], body=_body(workers[wid], lines),
        )
        for wid, lines in notices.items() if wid in workers
    ]
    created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    transaction.on_commit(lambda: change_notifications_send(change_key=change_key))
    return len(created)


def _body(worker: Worker, lines: Iterable[str]) -> str:
    return "\n".join(
        [f"Hello {worker.first_name},", "", *(f"  {line}" for line in lines), "",
         "Times are local to each site.", ""]
    )


def change_notifications_send(*, change_key: str) -> int:
    """Email a change's notifications not sent yet. Idempotent, like the other senders."""
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(change_key=change_key, sent_at__isnull=True)
            .exclude(email="")
            .order_by("pk")
        )
        if not pending:
            return 0
        now = timezone.now()
        with get_connection() as connection:
            connection.send_messages(
                [EmailMessage(n.subject, n.body, None, [n.email]) for n in pending]
            )
        for n in pending:
            n.sent_at = now
        Notification.objects.bulk_update(pending, ["sent_at"])
    return len(pending)
