"""Cancelling a session's clients, or the whole session, and undoing it.

    session_clients_cancel(session=s, client_ids=[…], reason=nsdh, details="", user=u)
    session_cancel(session=s, reason=nsdh, user=u)
    cancellation_undo(session=s, user=u)            # all its cancelled clients
    client_notices(session=s, links=[…], now=now)   # what the form shows before confirming

Cancellation is per client: a Group session goes on for the others; cancelling its last
scheduled client (or the whole session) makes the session Cancelled, which releases its workers'
and assets' bookings (`sessions_app.bookings.links_sync`) and notifies each of its workers once
(if they had been rostered to it). A reason is required (`CancellationReason`: NDIS's NSDH,
NSDF, NSDT, NSDO and the provider's own).

Short notice (`clients.notice`): less notice than the window of the client's planned services'
support items (NDIS: 7 clear days for disability-support-worker supports, 2 clear business days
for others), counted in the site's local dates, business days skipping the site's state public
holidays. A short-notice cancellation stays claimable: its planned services still count against
the agreement's budget (`PlannedService.objects.in_budget()`); any other releases them.

An undo, while the session has not started, puts the clients back to Scheduled and a Cancelled
session back to the status it had, booking its workers and assets again — refused with the
clash named if one of them was booked elsewhere meanwhile — and tells its workers it is back on.

Every write: one transaction, the session locked first (`select_for_update`), the rules checked
under the lock, so two coordinators at once (or a retried request) cannot cancel twice.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from clients.access import in_user_regions
from clients.notice import NoticeWindow, default_window, is_short_notice, window_of
from clients.wallclock import to_local, zone
from sessions_app.bookings import booking_clashes, books, is_active_status, links_sync
from sessions_app.constraints import is_booking_clash
from sessions_app.history_records import CHANGED, record_history
from sessions_app.models import (
    CancellationReason,
    PlannedService,
    Session,
    SessionClient,
    SessionWorker,
)
from sessions_app.versioning import bump, check_version

from .changes import CHANGE_PERMISSION, MODIFIABLE_STATUSES, notify_workers

PERMISSION = CHANGE_PERMISSION  # the session menu's: Coordinators and Schedulers have it
CANCELLABLE = MODIFIABLE_STATUSES


# --- what the form shows: short notice and claimable, per client -----------------------------
@dataclass(frozen=True)
class ClientNotice:
    client_id: int
    name: str
    short_notice: bool
    claimable: bool
    windows: tuple[NoticeWindow, ...] = field(default_factory=tuple)

    @property
    def window_text(self) -> str:
        return ", ".join(dict.fromkeys(str(w) for w in self.windows))


def notice_windows(link: SessionClient) -> tuple[NoticeWindow, ...]:
    """The notice windows of a client's planned services' support items (the default one when
    nothing is planned). `link` needs planned_services with support_item prefetched."""
    windows = tuple(
        window_of(ps.support_item.cancellation_notice_days, ps.support_item.notice_in_business_days)
        for ps in link.planned_services.all()
    )
    return windows or (default_window(),)


def notice_for(*, windows, given: datetime.date, service: datetime.date, state: str) -> bool:
    """Short notice if any of the windows is not met (a pure function of dates)."""
    return any(is_short_notice(given, service, window=w, state=state) for w in windows)


def client_notices(*, session: Session, links, now: datetime.datetime | None = None
                   ) -> dict[int, ClientNotice]:
    """For each of `links` (the session's SessionClients, planned services prefetched): whether
    cancelling it at `now` is short notice, and so claimable. Dates are the site's."""
    now = now or timezone.now()
    tz = session.site.tzinfo
    given, service = to_local(now, tz).date(), to_local(session.start, tz).date()
    found = {}
    for link in links:
        windows = notice_windows(link)
        short = notice_for(windows=windows, given=given, service=service,
                           state=session.site.state)
        found[link.client_id] = ClientNotice(link.client_id, str(link.client), short, short,
                                             windows)
    return found


def scheduled_links(session: Session):
    """The session's scheduled clients, with what their notice needs (two queries)."""
    return list(
        SessionClient.objects.filter(session=session, status=SessionClient.Status.SCHEDULED)
        .select_related("client")
        .prefetch_related(Prefetch(
            "planned_services", queryset=PlannedService.objects.select_related("support_item")
        ))
        .order_by("client__last_name", "client__first_name", "client_id")
    )


def cancel_refusal(session: Session) -> str:
    """Why this session cannot be cancelled (or modified), or "" when it can."""
    if session.base_roster_id:
        return ("A base-roster session is a pattern, not a session that happens: change the "
                "base roster instead.")
    if session.status not in CANCELLABLE:
        return f"A {session.get_status_display()} session cannot be cancelled."
    return ""


# --- writes ----------------------------------------------------------------------------------
@dataclass
class Cancelled:
    session: Session
    client_ids: list[int]
    notices: dict[int, ClientNotice]
    session_cancelled: bool
    workers_notified: int = 0


def session_clients_cancel(*, session: Session, client_ids, reason, details: str = "", user,
                           now: datetime.datetime | None = None,
                           expected_version: int | None = None) -> Cancelled:
    """Cancel these clients of the session (client ids); all its scheduled clients → the
    session is Cancelled. Raises ValidationError (keys: clients, reason) or PermissionDenied;
    StaleEdit when the session was saved since the form was opened (`expected_version`)."""
    return _cancel_some(session, lambda links: _chosen(links, client_ids), reason=reason,
                        details=details, user=user, now=now, expected_version=expected_version)


def session_cancel(*, session: Session, reason, details: str = "", user,
                   now: datetime.datetime | None = None,
                   expected_version: int | None = None) -> Cancelled:
    """Cancel the whole session: every scheduled client (with the reason), then the session."""
    return _cancel_some(session, lambda links: links, reason=reason, details=details,
                        user=user, now=now, expected_version=expected_version)


def _cancel_some(session, pick, *, reason, details, user, now, expected_version) -> Cancelled:
    """Lock the session, check it may be cancelled, then cancel the scheduled clients that
    `pick(links)` chooses — all of them makes the session Cancelled."""
    _allowed(user, session)
    now = now or timezone.now()
    with transaction.atomic():
        session = _lock(session, expected_version)
        _cancellable(session)
        reason = _reason(reason)
        links = scheduled_links(session)
        return _cancel(session, links, pick(links), reason, details, user, now)


def _cancel(session, links, chosen, reason, details, user, now) -> Cancelled:
    notices = client_notices(session=session, links=chosen, now=now)
    details = (details or "").strip()[:255]
    by = user if user is not None and user.is_authenticated else None
    for link in chosen:
        n = notices[link.client_id]
        link.status = SessionClient.Status.CANCELLED
        link.reason = reason
        link.cancellation_reason = details
        link.cancelled_at = now
        link.cancelled_by = by
        link.short_notice = n.short_notice
        link.claimable = n.claimable
    SessionClient.objects.bulk_update(chosen, [
        "status", "reason", "cancellation_reason", "cancelled_at", "cancelled_by",
        "short_notice", "claimable",
    ])
    result = Cancelled(session, [link.client_id for link in chosen], notices, False)
    bump(session, user=user, now=now)  # an open session form is told (sessions_app.versioning)
    fields = ["version", "updated_by", "updated_at"]
    if len(chosen) == len(links):  # nobody left: the session is off
        was = session.status
        session.status_before_cancel = was
        session.status = Session.Status.CANCELLED
        session.cancelled_at = now
        session.save(update_fields=[*fields, "status", "status_before_cancel", "cancelled_at"])
        links_sync(sessions=Session.objects.filter(pk=session.pk))
        result.session_cancelled = True
        if is_active_status(was):  # its workers were told of it: tell them it is off
            result.workers_notified = _notify(session, kind="cancelled", stamp=now)
    else:
        session.save(update_fields=fields)
    _record(chosen, user=by)
    return result


def _record(links, *, user):
    """`bulk_update` sends no signal: the clients' historical rows (View History) are written
    here, in the same transaction, after the session's own row (saved with them: stamped now,
    with no reason), so the two read as one change (sessions_app.history)."""
    record_history(queryset=SessionClient.objects.filter(pk__in=[link.pk for link in links]),
                   history_type=CHANGED, reason="", user=user)


@dataclass
class Undone:
    session: Session
    client_ids: list[int]
    session_restored: bool
    workers_notified: int = 0


def cancellation_undo(*, session: Session, client_ids=None, user,
                      now: datetime.datetime | None = None) -> Undone:
    """Put cancelled clients back (all of them without `client_ids`), and a Cancelled session
    back to its status before, while it has not started."""
    _allowed(user, session)
    now = now or timezone.now()
    with transaction.atomic():
        session = _lock(session)
        if session.base_roster_id:
            raise ValidationError(cancel_refusal(session), code="pattern")
        if now >= session.start:
            raise ValidationError(
                "The session has started: its cancellation can no longer be undone.",
                code="started",
            )
        cancelled = list(
            SessionClient.objects.filter(session=session, status=SessionClient.Status.CANCELLED)
            .select_related("client")
        )
        chosen = cancelled if client_ids is None else _chosen(cancelled, client_ids)
        if not chosen and session.status != Session.Status.CANCELLED:
            raise ValidationError({"clients": "No client of this session is cancelled."},
                                  code="nothing")
        for link in chosen:
            link.status = SessionClient.Status.SCHEDULED
            link.reason = None
            link.cancellation_reason = ""
            link.cancelled_at = None
            link.cancelled_by = None
            link.short_notice = link.claimable = False
        SessionClient.objects.bulk_update(chosen, [
            "status", "reason", "cancellation_reason", "cancelled_at", "cancelled_by",
            "short_notice", "claimable",
        ])
        result = Undone(session, [link.client_id for link in chosen], False)
        bump(session, user=user, now=now)
        fields = ["version", "updated_by", "updated_at"]
        if session.status == Session.Status.CANCELLED:
            stamp = session.cancelled_at or now
            session.status = session.status_before_cancel or Session.Status.DRAFT
            session.status_before_cancel = ""
            session.cancelled_at = None
            session.save(update_fields=[*fields, "status", "status_before_cancel",
                                        "cancelled_at"])
            if books(session):
                _book_again(session)
                result.workers_notified = _notify(session, kind="back_on", stamp=stamp)
            result.session_restored = True
        else:
            session.save(update_fields=fields)
        _record(chosen, user=user)
        return result


def _book_again(session: Session):
    """Book the session's workers and assets again, or refuse naming who is booked elsewhere
    (checked first: on SQLite that is the guarantee; on PostgreSQL the constraint also refuses
    a booking another transaction committed meanwhile)."""
    qs = Session.objects.filter(pk=session.pk)
    clashes = booking_clashes(sessions=qs)
    if not clashes:
        try:
            with transaction.atomic():
                links_sync(sessions=qs)
            return
        except IntegrityError as exc:
            if not is_booking_clash(exc):
                raise
            clashes = booking_clashes(sessions=qs)
    names = "; ".join(c.message for c in clashes) or (
        "A worker or asset was booked for an overlapping session meanwhile"
    )
    raise ValidationError(f"The cancellation cannot be undone: {names}.", code="clash")


# --- rules -----------------------------------------------------------------------------------
def _allowed(user, session: Session):
    if user is None or not user.has_perm(PERMISSION):
        raise PermissionDenied("You may not cancel sessions.")
    if not in_user_regions(user, session):
        raise PermissionDenied("This session is outside your regions.")


def _lock(session: Session, expected_version: int | None = None) -> Session:
    locked = (
        Session.objects.select_for_update(of=("self",)).select_related("site", "updated_by")
        .filter(pk=session.pk).first()
    )
    if locked is None:
        raise ValidationError("This session no longer exists.", code="missing")
    check_version(locked, expected_version, tz=locked.site.tzinfo)
    return locked


def _cancellable(session: Session):
    refusal = cancel_refusal(session)
    if refusal:
        raise ValidationError(refusal, code="not_cancellable")


def _reason(reason) -> CancellationReason:
    """An active reason, given as itself, its id or its code."""
    if isinstance(reason, CancellationReason):
        found = reason if reason.active else None
    elif reason in (None, ""):
        raise ValidationError({"reason": "Choose a reason for the cancellation."},
                              code="required")
    else:
        key = Q(code__iexact=str(reason))
        if isinstance(reason, int) or str(reason).isdigit():
            key |= Q(pk=int(reason)) if int(reason) < 2**63 else Q()
        found = CancellationReason.objects.filter(key, active=True).first()
    if found is None:
        raise ValidationError({"reason": "That is not a cancellation reason in use."},
                              code="unknown")
    return found


def _chosen(links, client_ids) -> list:
    try:
        wanted = {int(i) for i in client_ids}
    except (TypeError, ValueError):
        raise ValidationError({"clients": "Choose clients of this session."},
                              code="invalid") from None
    if not wanted:
        raise ValidationError({"clients": "Choose at least one client to cancel."},
                              code="required")
    by_client = {link.client_id: link for link in links}
    if wanted - set(by_client):
        raise ValidationError(
            {"clients": "Choose among this session's clients that can be changed."},
            code="not_in_session",
        )
    return [link for link in links if link.client_id in wanted]


# --- notifications ---------------------------------------------------------------------------
def _notify(session: Session, *, kind: str, stamp: datetime.datetime) -> int:
    """One notification per worker of the session about this cancellation (or its undoing),
    through the session menu's one notice per worker per change (`changes.notify_workers`):
    the change key names the session and the moment it was cancelled, so doing it again
    notifies nobody twice. Sent by email after commit."""
    tz = zone(session.site.time_zone)
    s, e = to_local(session.start, tz), to_local(session.end, tz)
    ends = f"{e:%H:%M}" if s.date() == e.date() else f"{e:%a %-d %b %H:%M}"
    when = f"{s:%a %-d %b %Y %H:%M}–{ends}"
    key = f"{kind}:{session.pk}:{stamp.astimezone(datetime.UTC):%Y%m%dT%H%M%S.%f}"
    if kind == "cancelled":
        subject, line = f"Cancelled: {session.subject}, {when}", "has been cancelled"
    else:
        subject, line = f"Back on: {session.subject}, {when}", "is back on, as rostered"
    text = f"Your session {session.subject} ({session.site.name}), {when}, {line}."
    workers = SessionWorker.objects.filter(session=session).values_list("worker_id", flat=True)
    return notify_workers(change_key=key, notices={w: [text] for w in workers},
                          subject=subject)
