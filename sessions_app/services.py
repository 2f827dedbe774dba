"""Writes to sessions. Every write is one transaction that validates the whole session.

A failed validation raises `ValidationError` whose keys name the form fields
(`start`, `end`, `clients`, `workers`, `assets`, `planned_services`, `activities`, …);
the transaction is rolled back so nothing is half-saved.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from dateutil.rrule import rrulestr
from django.core.exceptions import ValidationError
from django.db import transaction

from clients.models import Client, GroupTemplate, GroupTemplateItem, ServiceAgreementLine
from clients.selectors import agreement_lines_active_on

from .models import (
    PlannedService,
    Session,
    SessionActivity,
    SessionAsset,
    SessionClient,
    SessionWorker,
)


@dataclass(frozen=True)
class PlannedServiceSpec:
    agreement_line: ServiceAgreementLine
    quantity: Decimal
    group_template_item: GroupTemplateItem | None = None


@dataclass(frozen=True)
class ClientSpec:
    client: Client
    services: Sequence[PlannedServiceSpec] = ()


@dataclass(frozen=True)
class ActivitySpec:
    kind: str
    start: datetime.datetime
    end: datetime.datetime
    paid: bool = True


SESSION_FIELDS = (
    "work_type",
    "billable",
    "session_type",
    "start",
    "end",
    "subject",
    "site",
    "region",
    "group_template",
    "ratio",
    "status",
    "comments",
    "employee_message",
    "recurrence",
)


class _Errors:
    """Collects messages per field, so a form can show every problem at once."""

    def __init__(self):
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str):
        self.by_field.setdefault(field, []).append(message)

    def absorb(self, exc: ValidationError, field: str | None = None, prefix: str = ""):
        if hasattr(exc, "error_dict") and field is None:
            for key, errs in exc.error_dict.items():
                for err in errs:
                    self.add(key, " ".join(err.messages))
        else:
            for message in exc.messages:
                self.add(field or "__all__", f"{prefix}{message}")

    def raise_if_any(self):
        if self.by_field:
            raise ValidationError(self.by_field)


def _validate_recurrence(session: Session, errors: _Errors):
    if not session.recurrence:
        return
    try:
        rrulestr(session.recurrence, dtstart=session.start)
    except (ValueError, TypeError) as exc:
        errors.add("recurrence", f"Not a valid recurrence rule: {exc}.")


def _write_children(
    session: Session,
    *,
    clients: Sequence[ClientSpec],
    workers: Sequence,
    assets: Sequence,
    activities: Sequence[ActivitySpec],
    service_types: Sequence,
    errors: _Errors,
):
    seen = set()
    for spec in clients:
        if spec.client.pk in seen:
            errors.add("clients", f"{spec.client} is listed twice.")
            continue
        seen.add(spec.client.pk)
        sc = SessionClient(session=session, client=spec.client)
        try:
            sc.full_clean(exclude=["session"])
        except ValidationError as exc:
            errors.absorb(exc, "clients")
            continue
        sc.save()
        for svc in spec.services:
            line = svc.agreement_line
            ps = PlannedService(
                session_client=sc,
                agreement_line=line,
                group_template_item=svc.group_template_item,
                support_item_id=line.support_item_id,
                quantity=svc.quantity,
                unit_price=line.support_item.price,
            )
            try:
                ps.full_clean(exclude=["session_client"])
            except ValidationError as exc:
                errors.absorb(exc, "planned_services", prefix=f"{spec.client}: ")
                continue
            ps.save()

    day = session.local_date
    for worker in dict.fromkeys(workers):
        if not worker.is_active_on(day):
            errors.add("workers", f"{worker} is not active on {day:%d/%m/%Y}.")
            continue
        SessionWorker.objects.create(session=session, worker=worker)

    for asset in dict.fromkeys(assets):
        sa = SessionAsset(session=session, asset=asset)
        try:
            sa.full_clean(exclude=["session"])
        except ValidationError as exc:
            errors.absorb(exc, "assets")
            continue
        sa.save()

    for spec in activities:
        act = SessionActivity(
            session=session, kind=spec.kind, start=spec.start, end=spec.end, paid=spec.paid
        )
        try:
            act.full_clean(exclude=["session"])
        except ValidationError as exc:
            errors.absorb(exc, "activities")
            continue
        act.save()

    session.service_types.set(service_types)


def _validate_shape(session: Session, clients: Sequence[ClientSpec], errors: _Errors):
    if session.work_type == Session.WorkType.APPOINTMENT and len(clients) != 1:
        errors.add("clients", "An Appointment has exactly one client.")
    if session.work_type == Session.WorkType.GROUP and not clients:
        errors.add("clients", "A Group session needs at least one client.")


def _save_session(session: Session, *, clients, errors: _Errors):
    if session.site_id and not session.region_id:
        session.region_id = session.site.region_id
    try:
        session.full_clean()
    except ValidationError as exc:
        errors.absorb(exc)
    _validate_shape(session, clients, errors)
    _validate_recurrence(session, errors)
    # Children can only be checked against a sound session.
    errors.raise_if_any()
    session.save()


def _check_fields(fields):
    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown session fields: {sorted(unknown)}")


def _write(session: Session, *, attendees: dict, replace: bool) -> Session:
    errors = _Errors()
    _save_session(session, clients=attendees.get("clients", ()), errors=errors)
    if replace:
        PlannedService.objects.filter(session_client__session=session).delete()
        session.session_clients.all().delete()
        session.session_workers.all().delete()
        session.session_assets.all().delete()
        session.activities.all().delete()
    _write_children(
        session,
        clients=attendees.get("clients", ()),
        workers=attendees.get("workers", ()),
        assets=attendees.get("assets", ()),
        activities=attendees.get("activities", ()),
        service_types=attendees.get("service_types", ()),
        errors=errors,
    )
    errors.raise_if_any()
    return session


ATTENDEE_ARGS = ("clients", "workers", "assets", "activities", "service_types")


@transaction.atomic
def session_create(
    *, base_roster=None, roster_period=None, source_session=None, **fields
) -> Session:
    """Create a session with its attendees, planned services and activities.

    Keyword arguments: the session's fields (SESSION_FIELDS) and its `clients`
    (ClientSpecs with their planned services), `workers`, `assets`, `activities`
    (ActivitySpecs) and `service_types`.
    """
    attendees = {k: fields.pop(k) for k in ATTENDEE_ARGS if k in fields}
    _check_fields(fields)
    session = Session(
        base_roster=base_roster,
        roster_period=roster_period,
        source_session=source_session,
        **fields,
    )
    return _write(session, attendees=attendees, replace=False)


@transaction.atomic
def session_update(*, session: Session, **fields) -> Session:
    """Replace a session's details, attendees, planned services and activities."""
    attendees = {k: fields.pop(k) for k in ATTENDEE_ARGS if k in fields}
    _check_fields(fields)
    session = Session.objects.select_for_update().get(pk=session.pk)
    for name, value in fields.items():
        setattr(session, name, value)
    return _write(session, attendees=attendees, replace=True)


def group_template_clients(template: GroupTemplate, *, day: datetime.date):
    """ClientSpecs for a group program's members with their matching agreement lines."""

    members = list(template.members.all())
    items = list(template.items.select_related("support_item"))
    lines = agreement_lines_active_on(clients=members, day=day)
    specs = []
    for member in members:
        services = []
        for item in items:
            line = next(
                (
                    ln
                    for ln in lines
                    if ln.agreement.client_id == member.pk
                    and ln.support_item_id == item.support_item_id
                ),
                None,
            )
            if line is not None:
                qty = item.quantity or Decimal("1")
                services.append(PlannedServiceSpec(line, qty, item))
        specs.append(ClientSpec(member, services))
    return specs


def session_shape_check(*, session: Session, clients: Sequence) -> None:
    """session_create's own rules on a session's shape (its work type against its clients,
    its recurrence), for writers that check unsaved sessions in memory and write them in bulk
    (the demo's large scale). Raises ValidationError as session_create does."""
    errors = _Errors()
    _validate_shape(session, clients, errors)
    _validate_recurrence(session, errors)
    errors.raise_if_any()
