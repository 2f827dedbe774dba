"""Modify Clients & Services: the modal (a page of its own without JavaScript).

GET shows the session's clients and their planned services. A POST is either an in-form action
— `action=add_client:<id>`, `remove_client:<id>`, `add_service:<client id>` (the line chosen in
`pick-<client id>`), `remove_service:<client id>:<line id>`, `search` — which re-renders the
modal from what was posted (never saving), or `action=save`, which hands the posted state to
`scheduling.client_changes.session_clients_modify`.

The posted state: `clients` (the scheduled clients wanted, in order), `line-<client id>` (each
one's planned agreement lines), `qty-<client id>-<line id>` (their quantities), `scope` and
`accept_budget_overrun`. `ModifyClientsForm` reads it: a value it cannot read is a 422 with a
message, never a 500; the service decides whether what it could read may be saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from clients.formatting import nice_date
from clients.models import Client, ServiceAgreementLine
from clients.selectors import agreement_lines_active_on, clients_for_site
from sessions_app.form_context import remaining_label
from sessions_app.forms import parse_id, parse_quantity
from sessions_app.models import Session, SessionClient
from sessions_app.selectors import agreement_line_usage, client_search
from sessions_app.services import (
    ClientSpec,
    PlannedServiceSpec,
    length_in_hours,
    length_quantity,
)
from sessions_app.versioning import STALE_STATUS, StaleEdit, VersionedFormMixin

from . import selectors
from .changes import Scope, modify_refusal
from .client_changes import session_clients_modify
from .menu_views import modal_saved

QUANTITY_PROBLEM = "Enter a quantity above zero and below 1,000,000."
MAX_CLIENTS = 60  # a posted list longer than any group is not read


class ModifyClientsForm(VersionedFormMixin, forms.Form):
    scope = forms.ChoiceField(
        label="Change", choices=Scope.choices, required=False, widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose which sessions of the series to change."},
    )
    accept_budget_overrun = forms.BooleanField(
        label="Save even though a planned service goes over its budget", required=False
    )


# --- what the modal shows ---------------------------------------------------------------------
@dataclass
class Row:
    """A planned service in the modal."""

    line: ServiceAgreementLine
    quantity: str
    remaining: str = ""
    over_budget: bool = False
    error: str = ""


@dataclass
class Box:
    """A client in the modal with their planned services and the lines they could add."""

    client: Client
    rows: list[Row] = field(default_factory=list)
    offered: list[ServiceAgreementLine] = field(default_factory=list)
    cancelled: SessionClient | None = None
    at_site: bool = True

    @property
    def pk(self):
        return self.client.pk


@dataclass
class State:
    """The clients wanted (by id, in order) and each one's planned lines and quantities."""

    client_ids: list[int]
    planned: dict[int, dict[int, str]]  # client id -> {line id: quantity as shown}
    errors: list[str] = field(default_factory=list)  # what could not be read
    row_errors: dict[tuple[int, int], str] = field(default_factory=dict)

    @classmethod
    def of(cls, session: Session) -> State:
        scheduled = [sc for sc in session.session_clients.all()
                     if sc.status == SessionClient.Status.SCHEDULED]
        return cls(
            client_ids=[sc.client_id for sc in scheduled],
            planned={sc.client_id: {ps.agreement_line_id: f"{ps.quantity.normalize():f}"
                                    for ps in sc.planned_services.all()}
                     for sc in scheduled},
        )

    @classmethod
    def posted(cls, data) -> State:
        state = cls(client_ids=[], planned={})
        values = data.getlist("clients")[:MAX_CLIENTS + 1]
        if len(values) > MAX_CLIENTS:
            state.errors.append(f"A session has at most {MAX_CLIENTS} clients here.")
        for value in values[:MAX_CLIENTS]:
            pk = parse_id(value)
            if pk is None:
                state.errors.append("A client could not be read. Reload and try again.")
            elif pk not in state.client_ids:
                state.client_ids.append(pk)
        for cid in state.client_ids:
            rows = state.planned[cid] = {}
            for value in data.getlist(f"line-{cid}")[:50]:
                lid = parse_id(value)
                if lid is None:
                    state.errors.append("A planned service could not be read. Reload and try "
                                        "again.")
                    continue
                qty = data.get(f"qty-{cid}-{lid}", "")[:40]
                rows[lid] = qty.strip()
                if parse_quantity(qty) is None:
                    state.row_errors[(cid, lid)] = QUANTITY_PROBLEM
        return state


def _boxes(session: Session, state: State) -> tuple[list[Box], list[str]]:
    """The modal's clients (wanted ones in order, then the cancelled ones, read-only), with
    their rows, budget left and the lines they could add; and what could not be found. A fixed
    number of queries."""
    problems: list[str] = []
    cancelled = {sc.client_id: sc for sc in session.session_clients.all()
                 if sc.status == SessionClient.Status.CANCELLED}
    known = {sc.client_id: sc.client for sc in session.session_clients.all()}
    wanted = [pk for pk in state.client_ids if pk not in cancelled]
    missing = [pk for pk in wanted if pk not in known]
    if missing:
        known.update(Client.objects.in_bulk(missing))
    for pk in wanted:
        if pk not in known:
            problems.append("A client could not be found. Reload and try again.")
    wanted = [pk for pk in wanted if pk in known]
    at_site = set(
        Client.sites.through.objects.filter(site_id=session.site_id, client_id__in=wanted)
        .values_list("client_id", flat=True)
    ) if wanted else set()
    day = session.local_date
    everyone = [known[pk] for pk in wanted] + [sc.client for sc in cancelled.values()]
    active = agreement_lines_active_on(clients=everyone, day=day) if everyone else []
    by_id = {ln.pk: ln for ln in active}
    for sc in cancelled.values():
        for ps in sc.planned_services.all():
            by_id.setdefault(ps.agreement_line_id, ps.agreement_line)
    posted_ids = {lid for rows in state.planned.values() for lid in rows} - set(by_id)
    if posted_ids:
        by_id.update(ServiceAgreementLine.objects.select_related("agreement", "support_item")
                     .in_bulk(posted_ids))
    used = agreement_line_usage(line_ids=list(by_id), exclude_session_id=session.pk) \
        if by_id else {}

    def row(client, line, quantity, error=""):
        remaining = line.budget_quantity - (used.get(line.pk) or Decimal(0))
        qty = parse_quantity(quantity)
        return Row(line, quantity, remaining_label(line, remaining),
                   qty is not None and qty > remaining, error)

    boxes = []
    for pk in wanted:
        client = known[pk]
        box = Box(client, at_site=pk in at_site)
        for lid, quantity in state.planned.get(pk, {}).items():
            line = by_id.get(lid)
            if line is None:
                problems.append(f"A planned service of {client} could not be found.")
                continue
            box.rows.append(row(client, line, quantity, state.row_errors.get((pk, lid), "")))
        planned = {r.line.pk for r in box.rows}
        box.offered = [ln for ln in active
                       if ln.agreement.client_id == pk and ln.pk not in planned]
        boxes.append(box)
    for sc in cancelled.values():
        box = Box(sc.client, cancelled=sc)
        box.rows = [row(sc.client, ps.agreement_line, f"{ps.quantity.normalize():f}")
                    for ps in sc.planned_services.all()]
        boxes.append(box)
    return boxes, problems


# --- in-form actions --------------------------------------------------------------------------
def _apply(action: str, state: State, session: Session, data) -> str | None:
    """Change `state` as the action asks; the message when it cannot."""
    name, _, rest = action.partition(":")
    parts = rest.split(":")
    cid = parse_id(parts[0]) if parts[0] else None
    if name == "add_client" and cid:
        client = clients_for_site(site=session.site).filter(pk=cid).first()
        if client is None:
            return f"That client is not one of {session.site}'s clients."
        if cid not in state.client_ids:
            state.client_ids.append(cid)
            lines = agreement_lines_active_on(clients=[client], day=session.local_date)
            state.planned[cid] = {}
            if len(lines) == 1:  # their one service is the one planned
                state.planned[cid][lines[0].pk] = _default(lines[0], session)
        return None
    if name == "remove_client" and cid:
        if cid in state.client_ids:
            state.client_ids.remove(cid)
            state.planned.pop(cid, None)
        return None
    if name == "add_service" and cid in state.client_ids:
        lid = parse_id(data.get(f"pick-{cid}", ""))
        lines = agreement_lines_active_on(clients=[cid], day=session.local_date) if lid else []
        line = next((ln for ln in lines if ln.pk == lid), None)
        if line is None:
            return "Choose a service from the client's agreement active on the session date."
        state.planned[cid].setdefault(line.pk, _default(line, session))
        return None
    if name == "remove_service" and cid in state.client_ids and len(parts) == 2:
        state.planned[cid].pop(parse_id(parts[1]), None)
        return None
    if name == "search":
        return None
    return "That action could not be read. Reload and try again."


def _default(line, session) -> str:
    return f"{length_quantity(line.support_item, session).normalize():f}"


# --- the view ---------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def modify_clients(request, pk):
    """Modify Clients & Services of one session (`scheduling:modify_clients`)."""
    session = selectors.session_for_menu(pk=pk, user=request.user)
    refusal = modify_refusal(session=session, user=request.user)
    if refusal:
        return _refused(request, session, refusal)
    if request.method == "GET":
        return _render(request, session, State.of(session),
                       ModifyClientsForm(initial={"version": session.version}))

    form = ModifyClientsForm(request.POST)
    state = State.posted(request.POST)
    action = request.POST.get("action", "save")[:60]
    if action != "save":
        problem = _apply(action, state, session, request.POST)
        unread = [*state.errors, *([problem] if problem else [])]
        return _render(request, session, state, form, show_row_errors=False,
                       errors={"general": unread} if unread else {},
                       status=422 if unread else 200)

    boxes, problems = _boxes(session, state)
    errors = {} if form.is_valid() else {k: list(v) for k, v in form.errors.items()}
    if unread := list(dict.fromkeys(state.errors + problems)):
        errors["general"] = unread
    if state.row_errors:
        errors.setdefault("planned_services", []).append("Check the quantities marked below.")
    if errors:
        return _render(request, session, state, form, errors=errors, boxes=boxes, status=422)
    specs = [
        ClientSpec(box.client, [
            PlannedServiceSpec(r.line, parse_quantity(r.quantity)) for r in box.rows
        ])
        for box in boxes if box.cancelled is None
    ]
    try:
        change = session_clients_modify(
            session=session, clients=specs, user=request.user,
            scope=form.cleaned_data.get("scope") or Scope.THIS,
            accept_budget_overrun=form.cleaned_data.get("accept_budget_overrun", False),
            expected_version=form.cleaned_data["version"],
        )
    except StaleEdit as exc:
        form.refused(exc, current={}, note=_clients_now(exc.current))
        return _render(request, session, state, form, boxes=boxes, status=STALE_STATUS)
    except PermissionDenied as exc:
        return _refused(request, session, str(exc))
    except ValidationError as exc:
        over = any(e.code == "over_budget" for e in exc.error_dict.get("planned_services", [])) \
            if hasattr(exc, "error_dict") else False
        for key, msgs in exc.message_dict.items():
            key = {"__all__": "general"}.get(key, key)
            errors.setdefault(key if key in SHOWN else "general", []).extend(msgs)
        return _render(request, session, state, form, errors=errors, boxes=boxes, status=422,
                       ask_overrun=over)
    return _saved(request, session, change)


SHOWN = ("clients", "planned_services", "scope", "general")


def _clients_now(session: Session) -> str:
    names = [str(sc.client) for sc in session.session_clients.select_related("client")
             if sc.status == sc.Status.SCHEDULED]
    return "Clients now: " + (", ".join(names) or "none") + "."


def _saved(request, session, change):
    n = len(change.sessions)
    text = f"Clients and services of “{session.subject}” saved" + (
        f" for {n} sessions." if n > 1 else ".")
    week = f"{reverse('scheduling:live')}?date={session.local_date.isoformat()}"
    on_own_page = request.htmx and request.htmx.current_url_abs_path and (
        request.htmx.current_url_abs_path.split("?")[0] == request.path)
    if request.htmx and not on_own_page:
        return modal_saved(session, text)
    messages.success(request, text)
    return HttpResponseClientRedirect(week) if on_own_page else redirect(week)


def _refused(request, session, reason):
    template = ("scheduling/_menu_refused.html" if request.htmx
                else "scheduling/menu_refused.html")
    return render(request, template, {"session": session, "reason": reason,
                                      "title": "Modify Clients & Services"}, status=403)


def _render(request, session, state, form, *, errors=None, boxes=None, status=200,
            show_row_errors=True, ask_overrun=False):
    if boxes is None:
        boxes, problems = _boxes(session, state)
        if problems:
            errors = {**(errors or {}), "general": problems}
            status = 422
    errors = dict(errors or {})
    if session.series_id is None and errors.get("scope"):  # no scope shown: say it on top
        errors["general"] = [*errors.get("general", []), *errors.pop("scope")]
    if not show_row_errors:
        for box in boxes:
            for r in box.rows:
                r.error = ""
    hours = length_in_hours(session.start, session.end)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    # The search is kept while searching; adding a client (or saving) starts it afresh.
    q = request.POST.get("client_q", "").strip()[:100] if action == "search" else ""
    listing = action == "search"
    results = client_search(site=session.site, search=q, exclude_ids=[b.pk for b in boxes]) \
        if q or listing else []
    overrun = ask_overrun or any(r.over_budget for b in boxes for r in b.rows
                                 if b.cancelled is None)
    context = {
        "session": session,
        "boxes": boxes,
        "form": form,
        "errors": errors,
        "results": results,
        "client_q": q,
        "searched": bool(q or listing),
        "ask_overrun": overrun,
        "hours": hours and f"{hours.normalize():f}",
        "day": nice_date(session.local_date),
        "in_series": session.series_id is not None,
        "scope": (form["scope"].value() if form.is_bound else None) or Scope.THIS,
        "scopes": Scope.choices,
        "failed": status >= 400,
        "action_url": request.path,
        "title": "Modify Clients & Services",
    }
    template = ("scheduling/_modify_clients.html" if request.htmx
                else "scheduling/modify_clients.html")
    return render(request, template, context, status=status)
