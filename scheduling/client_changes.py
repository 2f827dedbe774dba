"""Modify Clients & Services, from the right-click session menu: the clients a session has and
each one's planned services, for this session or more of its series.

    change = session_clients_modify(
        session=session, user=request.user, scope=Scope.FOLLOWING,
        clients=[ClientSpec(ann, [PlannedServiceSpec(line, Decimal("2.5"))])],
    )

Each session in scope is written by `sessions_app.services.session_update(clients=…)`, so every
rule of the session form holds (clients of the session's site, Appointment or Group, services
from the client's agreement active on the date …). A later session of the series takes, for
each planned service, the client's line for the same support item and ratio active on *its*
date (`LinesByDate`, as a new series does), and an un-edited hourly quantity takes *its*
length. Cancelled clients stay as they are: neither removed nor changed here.

One transaction per press: a problem on any session rolls everything back, with a message
naming that session's date. The workers of a Rostered session are told which clients were added
or removed — one notice per worker for the whole change.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch

from clients.formatting import nice_date
from clients.models import Client
from sessions_app.forms import subject_for
from sessions_app.models import PlannedService, Session, SessionClient
from sessions_app.selectors import agreement_line_usage
from sessions_app.services import (
    ClientSpec,
    LinesByDate,
    PlannedServiceSpec,
    length_quantity,
    session_update,
)

from .changes import Scope, check_can_modify, notify_workers, sessions_in_scope

APPOINTMENT_ONE_CLIENT = (
    "An Appointment has exactly one client: a session for more than one client is a Group."
)
ACCEPT_OVERRUN = (
    "Tick “Save even though a planned service goes over its budget” to save anyway."
)


@dataclass
class ClientsChange:
    """What one press of Save changed: the sessions written (in start order), the clients added
    to and removed from the session pressed on, and how many workers were told."""

    sessions: list[Session]
    added: list[Client] = field(default_factory=list)
    removed: list[Client] = field(default_factory=list)
    notified: int = 0


def session_clients_modify(
    *,
    session: Session,
    clients: Sequence[ClientSpec],
    scope: str = Scope.THIS,
    user,
    accept_budget_overrun: bool = False,
    change_key: str | None = None,
    expected_version: int | None = None,
) -> ClientsChange:
    """Make the scheduled clients of `session` (and of the sessions of its series in `scope`)
    and their planned services as `clients` says. Raises PermissionDenied when `user` may not
    change the session, ValidationError (keys `clients`, `planned_services`, …) otherwise."""
    check_can_modify(session=session, user=user)
    change_key = change_key or uuid.uuid4().hex
    with transaction.atomic():
        locked = sessions_in_scope(
            session=session, scope=scope, expected_version=expected_version
        )
        targets = _with_clients([s.pk for s in locked])
        pressed = next((t for t in targets if t.pk == session.pk), None)
        if pressed is None:  # closed or gone since the modal was opened
            raise PermissionDenied("This session can no longer be changed.")
        check_can_modify(session=pressed, user=user)  # again, now that it is locked
        lines = LinesByDate(clients, [t.local_start for t in targets])
        many = len(targets) > 1
        plans = {t.pk: _plan(t, pressed, clients, lines, many=many) for t in targets}
        _check_budget(plans, targets, accept=accept_budget_overrun)
        notices: dict[int, list[str]] = defaultdict(list)
        change = ClientsChange(sessions=targets)
        for target in targets:
            specs = plans[target.pk]
            before = _scheduled(target)
            _write(target, specs, many=many, user=user)
            wanted = {spec.client.pk: spec.client for spec in specs}
            added = [c for pk, c in wanted.items() if pk not in before and pk not in
                     _cancelled(target)]
            removed = [c for pk, c in before.items() if pk not in wanted]
            if target.pk == session.pk:
                change.added, change.removed = added, removed
            if target.status == Session.Status.ROSTERED and (added or removed):
                lines_told = [f"Client added: {c}" for c in added]
                lines_told += [f"Client removed: {c}" for c in removed]
                where = f"{target.subject}, {_when(target)}"
                for sw in target.session_workers.all():
                    notices[sw.worker_id].extend(f"{line} — {where}" for line in lines_told)
        change.notified = notify_workers(
            change_key=change_key, notices=dict(notices),
            subject=f"Clients changed: {session.subject}",
        )
    return change


def _with_clients(pks) -> list[Session]:
    """The (already locked) sessions in scope with their clients, planned services and workers."""
    return list(
        Session.objects.filter(pk__in=pks)
        .select_related("site", "session_type")
        .prefetch_related(
            Prefetch(
                "session_clients",
                queryset=SessionClient.objects.select_related("client").prefetch_related(
                    Prefetch("planned_services", queryset=PlannedService.objects.select_related(
                        "agreement_line__agreement", "agreement_line__support_item",
                        "group_template_item",
                    ))
                ),
            ),
            "session_workers",
        )
        .order_by("start", "pk")
    )


def _scheduled(session: Session) -> dict[int, Client]:
    return {
        sc.client_id: sc.client for sc in session.session_clients.all()
        if sc.status == SessionClient.Status.SCHEDULED
    }


def _cancelled(session: Session) -> dict[int, SessionClient]:
    return {
        sc.client_id: sc for sc in session.session_clients.all()
        if sc.status == SessionClient.Status.CANCELLED
    }


def _edited(svc: PlannedServiceSpec, session: Session) -> bool:
    if svc.quantity_edited is not None:
        return svc.quantity_edited
    return svc.quantity != length_quantity(svc.agreement_line.support_item, session)


def _plan(target: Session, pressed: Session, clients, lines: LinesByDate, *, many: bool
          ) -> list[ClientSpec]:
    """The ClientSpecs `target` is written with: the wanted clients (a later session of the
    series takes its date's agreement lines and, un-edited, its own length), then its cancelled
    clients exactly as they are — and, on another session of the series, the clients cancelled
    on the session pressed on only, also as they are there."""
    cancelled = _cancelled(target)
    day = target.local_date
    specs = []
    for spec in clients:
        if spec.client.pk in cancelled:
            continue  # a cancelled client is kept as it is (cancellations are another action)
        services = []
        for svc in spec.services:
            if target.pk == pressed.pk:  # as given (session_update infers an unknown flag)
                line, quantity = svc.agreement_line, svc.quantity
                edited = svc.quantity_edited
            else:
                line = lines.on(svc.agreement_line, day, spec.client)
                edited = _edited(svc, pressed)
                quantity = svc.quantity if edited else length_quantity(line.support_item, target)
            services.append(PlannedServiceSpec(line, quantity, svc.group_template_item, edited))
        specs.append(ClientSpec(spec.client, services))
    wanted = {spec.client.pk for spec in specs}
    kept = [*cancelled.values()]
    if target.pk != pressed.pk:
        # A client cancelled on the session pressed on only is still a client of the others.
        off_there = _cancelled(pressed)
        kept += [sc for sc in target.session_clients.all() if sc.client_id in off_there
                 and sc.client_id not in wanted and sc.client_id not in cancelled]
    for sc in kept:
        specs.append(ClientSpec(sc.client, [
            PlannedServiceSpec(ps.agreement_line, ps.quantity, ps.group_template_item,
                               ps.quantity_edited)
            for ps in sc.planned_services.all()
        ]))
    if target.work_type == Session.WorkType.APPOINTMENT and len(specs) > 1:
        raise ValidationError({"clients": _on(target, APPOINTMENT_ONE_CLIENT, many=many)})
    return specs


def _check_budget(plans: dict, targets: list[Session], *, accept: bool) -> None:
    """The session form's rule: a planned service needing more than its line's budget has
    left is refused unless the overrun is accepted. Across a series the sessions' quantities
    add up; what the sessions in scope had planned before does not count as used."""
    needed: dict[int, Decimal] = defaultdict(Decimal)
    by_line = {}
    for specs in plans.values():
        for spec in specs:
            for svc in spec.services:
                needed[svc.agreement_line.pk] += svc.quantity
                by_line[svc.agreement_line.pk] = (svc.agreement_line, spec.client)
    if not needed:
        return
    used = agreement_line_usage(
        line_ids=list(needed), exclude_session_ids=[t.pk for t in targets]
    )
    overruns = []
    for line_id, qty in needed.items():
        line, client = by_line[line_id]
        remaining = line.budget_quantity - (used.get(line_id) or Decimal(0))
        if qty > remaining:
            unit = line.support_item.get_unit_display().lower()
            overruns.append(
                f"{client}: {line.support_item.item_number} needs {qty.normalize():f} but only "
                f"{remaining.normalize():f} {unit}s remain in the budget."
            )
    if overruns and not accept:
        raise ValidationError({"planned_services": [
            ValidationError(m, code="over_budget") for m in [*overruns, ACCEPT_OVERRUN]
        ]})


def _write(target: Session, specs: list[ClientSpec], *, many: bool, user=None) -> None:
    fields = {}
    # A subject that follows the naming convention keeps following it.
    site, session_type = target.site, target.session_type
    old_names = [sc.client for sc in target.session_clients.all()]
    if target.subject == subject_for(site=site, session_type=session_type, clients=old_names):
        kept = [c for c in old_names if c.pk in {s.client.pk for s in specs}]
        new = [s.client for s in specs if s.client.pk not in {c.pk for c in kept}]
        fields["subject"] = subject_for(site=site, session_type=session_type, clients=kept + new)
    try:
        session_update(session=target, clients=specs, user=user, **fields)
    except ValidationError as exc:
        raise ValidationError({
            key: [_on(target, m, many=many) for m in messages]
            for key, messages in exc.message_dict.items()
        }) from None


def _on(target: Session, message: str, *, many: bool) -> str:
    """A message about one session of several names its date."""
    day = nice_date(target.local_date)
    return f"{day}: {message}" if many and not message.startswith(day) else message


def _when(session: Session) -> str:
    return (f"{nice_date(session.local_date)} {session.local_start:%H:%M}–"
            f"{session.local_end:%H:%M}")
