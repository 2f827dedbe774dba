"""Cancel Session: a small form in the modal (or a page of its own without JavaScript), and
Undo. Thin: the forms decide every 4xx, `scheduling.cancellations` makes the change and holds
every rule (who may, which sessions, short notice, claimable)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clients.access import get_scoped_or_404
from sessions_app.models import Session, SessionClient
from sessions_app.versioning import STALE_STATUS, StaleEdit

from . import cancellations
from .cancel_forms import CancelForm, UndoForm

PARTIAL = "scheduling/_cancel_session.html"
PAGE = "scheduling/cancel_session.html"


def _session(request, pk) -> Session:
    """The session, if it is in the user's regions (another region's is a 404)."""
    return get_scoped_or_404(
        request.user, Session.objects.select_related("site", "session_type"), pk=pk
    )


def _cancelled(session):
    return list(
        SessionClient.objects.filter(session=session, status=SessionClient.Status.CANCELLED)
        .select_related("client", "reason")
        .order_by("client__last_name", "client__first_name", "client_id")
    )


def _render(request, session, *, form=None, done="", error="", undo_ids=None, status=200,
            trigger=False):
    links = cancellations.scheduled_links(session)
    if form is None:
        form = CancelForm(links=links, initial={"version": session.version})
    for name in ("reason", "details"):  # an error is read with its field
        if form.is_bound and form.errors.get(name):
            form.fields[name].widget.attrs.update(
                {"aria-invalid": "true", "aria-describedby": f"{name}-errors"}
            )
    notices = cancellations.client_notices(session=session, links=links)
    rows = [(w, notices.get(int(w.data["value"]))) for w in form["clients"]]
    cancelled = _cancelled(session)
    refusal = cancellations.cancel_refusal(session)
    undoable = bool(
        (cancelled or session.status == Session.Status.CANCELLED)
        and not session.base_roster_id and timezone.now() < session.start
    )
    note = ""
    if session.status == Session.Status.CANCELLED:
        note = "This session is cancelled." if not done else ""
        if not undoable and not session.base_roster_id:
            note += " It has started: its cancellation can no longer be undone."
    elif refusal:
        note = refusal
    context = {
        "session": session,
        "form": form,
        "rows": rows,
        "can_cancel": not refusal,
        "cancelled": cancelled,
        "undoable": undoable,
        "undo_ids": undo_ids if undo_ids is not None else [],
        "note": note.strip(),
        "done": done,
        "error": error,
        "live_url": f"{reverse('scheduling:live')}?date={session.local_date.isoformat()}",
    }
    response = render(request, PARTIAL if request.htmx else PAGE, context, status=status)
    if trigger:
        response["HX-Trigger"] = json.dumps({"sessionSaved": {"id": session.pk, "message": done}})
    return response


@permission_required(cancellations.PERMISSION, raise_exception=True)
def cancel_session(request, pk):
    """GET: the form, with each client's short notice and claimable. POST: cancel."""
    session = _session(request, pk)
    if request.method != "POST":
        return _render(request, session)
    links = cancellations.scheduled_links(session)
    form = CancelForm(request.POST, links=links)
    if not form.is_valid():
        return _render(request, session, form=form, status=422)
    cd = form.cleaned_data
    try:
        if links and set(cd["clients"]) != {link.client_id for link in links}:
            result = cancellations.session_clients_cancel(
                session=session, client_ids=cd["clients"], reason=cd["reason"],
                details=cd["details"], user=request.user, expected_version=cd["version"],
            )
        else:
            result = cancellations.session_cancel(
                session=session, reason=cd["reason"], details=cd["details"], user=request.user,
                expected_version=cd["version"],
            )
    except StaleEdit as exc:
        form.refused(exc, current={}, note=(
            f"The session is {exc.current.get_status_display()} now; look at its clients "
            "below before cancelling again."))
        return _render(request, session, form=form, status=STALE_STATUS)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return _render(request, session, form=form, status=403)
    except ValidationError as exc:
        _errors_to_form(form, exc)
        return _render(request, session, form=form, status=422)
    text = _cancelled_text(result)
    if not request.htmx:
        messages.success(request, text)
        return redirect("scheduling:cancel_session", pk=session.pk)
    session.refresh_from_db()
    return _render(request, session, done=text, undo_ids=result.client_ids, trigger=True)


@require_POST
@permission_required(cancellations.PERMISSION, raise_exception=True)
def undo_cancellation(request, pk):
    """Put the cancelled clients given (all without any) back, and the session with them."""
    session = _session(request, pk)
    form = UndoForm(request.POST, links=_cancelled(session))
    if not form.is_valid():
        error = " ".join(e for errs in form.errors.values() for e in errs)
        return _render(request, session, error=error, status=422)
    try:
        result = cancellations.cancellation_undo(
            session=session, client_ids=form.cleaned_data["clients"] or None, user=request.user
        )
    except ValidationError as exc:
        return _render(request, session, error=" ".join(exc.messages), status=422)
    text = "Cancellation undone."
    if result.session_restored:
        session.refresh_from_db()
        text = f"Cancellation undone: the session is {session.get_status_display()} again."
        if result.workers_notified:
            text += _workers(result.workers_notified, "told it is back on")
    if not request.htmx:
        messages.success(request, text)
        return redirect("scheduling:cancel_session", pk=session.pk)
    session.refresh_from_db()
    return _render(request, session, done=text, trigger=True)


def _errors_to_form(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            form.add_error(key if key in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _workers(n: int, what: str) -> str:
    return f" {n} worker{'s' if n != 1 else ''} {what}."


def _cancelled_text(result: cancellations.Cancelled) -> str:
    parts = []
    for client_id in result.client_ids:
        n = result.notices[client_id]
        parts.append(f"{n.name} (short notice: claimable)" if n.short_notice else n.name)
    names = ", ".join(parts)
    if not result.session_cancelled:
        return f"Cancelled {names}; the session goes on for the other clients."
    text = f"Session cancelled{': ' + names if names else ''}."
    if result.workers_notified:
        text += _workers(result.workers_notified, "notified")
    return text
