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
from django.db import IntegrityError, transaction

from clients.formatting import nice_date
from clients.models import Client, GroupTemplate, GroupTemplateItem, ServiceAgreementLine
from clients.selectors import agreement_lines_active_on

from . import recurrence
from .bookings import booking_clashes, books, links_sync
from .constraints import is_booking_clash
from .models import (
    PERIOD_PUBLISHED,
    PlannedService,
    Session,
    SessionActivity,
    SessionAsset,
    SessionClient,
    SessionSeries,
    SessionWorker,
)
from .versioning import actor, bump, check_version


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
    id: int | None = None  # an existing activity of the session, to change in place


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


def _sync_planned_services(sc: SessionClient, specs, existing, errors: _Errors, client):
    """Planned services of one session client, by agreement line: kept, changed, added."""
    current = {ps.agreement_line_id: ps for ps in existing}
    seen = set()
    for svc in specs:
        line = svc.agreement_line
        if line.pk in seen:
            errors.add("planned_services", f"{client}: {line.support_item} is planned twice.")
            continue
        seen.add(line.pk)
        ps = current.get(line.pk)
        if ps is None:
            ps = PlannedService(
                session_client=sc,
                agreement_line=line,
                support_item_id=line.support_item_id,
                unit_price=line.support_item.price,
            )
        ps.session_client = sc
        ps.quantity = svc.quantity
        ps.group_template_item = svc.group_template_item
        try:
            ps.full_clean(exclude=["session_client"])
        except ValidationError as exc:
            errors.absorb(exc, "planned_services", prefix=f"{client}: ")
            continue
        ps.save()
    gone = [ps.pk for key, ps in current.items() if key not in seen]
    if gone:
        PlannedService.objects.filter(pk__in=gone).delete()


def _sync_clients(session: Session, specs: Sequence[ClientSpec], errors: _Errors, *, new: bool):
    """Clients by client: an unchanged client keeps its row (its status, cancellation reason
    and planned services' ids); a removed one goes with its planned services."""
    current = {}
    if not new:
        current = {
            sc.client_id: sc
            for sc in session.session_clients.prefetch_related("planned_services")
        }
    seen = set()
    for spec in specs:
        if spec.client.pk in seen:
            errors.add("clients", f"{spec.client} is listed twice.")
            continue
        seen.add(spec.client.pk)
        sc = current.get(spec.client.pk)
        existing = list(sc.planned_services.all()) if sc is not None else []
        if sc is None:
            sc = SessionClient(session=session, client=spec.client)
        sc.session, sc.client = session, spec.client
        try:
            sc.full_clean(exclude=["session"])
        except ValidationError as exc:
            errors.absorb(exc, "clients")
            continue
        if sc.pk is None:
            sc.save()
        _sync_planned_services(sc, spec.services, existing, errors, spec.client)
    gone = [sc.pk for key, sc in current.items() if key not in seen]
    if gone:
        SessionClient.objects.filter(pk__in=gone).delete()


def _sync_workers(session: Session, workers, errors: _Errors, *, new: bool):
    current = {} if new else {sw.worker_id: sw for sw in session.session_workers.all()}
    day = session.local_date
    wanted = list(dict.fromkeys(workers))
    for worker in wanted:
        if not worker.is_active_on(day):
            errors.add("workers", f"{worker} is not active on {nice_date(day)}.")
            continue
        if worker.pk not in current:
            SessionWorker.objects.create(session=session, worker=worker)
    keep = {w.pk for w in wanted}
    session.session_workers.filter(
        pk__in=[sw.pk for key, sw in current.items() if key not in keep]
    ).delete()


def _sync_assets(session: Session, assets, errors: _Errors, *, new: bool):
    current = {} if new else {sa.asset_id: sa for sa in session.session_assets.all()}
    wanted = list(dict.fromkeys(assets))
    for asset in wanted:
        sa = current.get(asset.pk) or SessionAsset(session=session, asset=asset)
        sa.session = session
        try:
            sa.full_clean(exclude=["session"])
        except ValidationError as exc:
            errors.absorb(exc, "assets")
            continue
        if sa.pk is None:
            sa.save()
    keep = {a.pk for a in wanted}
    session.session_assets.filter(
        pk__in=[sa.pk for key, sa in current.items() if key not in keep]
    ).delete()


def _activity_values(act) -> tuple:
    return (act.kind, act.start, act.end, act.paid)


def _sync_activities(session: Session, specs: Sequence[ActivitySpec], errors: _Errors, *, new):
    """Activities by id (`ActivitySpec.id`); a spec without one takes an existing row with the
    very same values, so resubmitting a form keeps its rows."""
    current = {} if new else {a.pk: a for a in session.activities.all()}
    unclaimed = dict(current)
    rows = []
    for spec in specs:
        act = unclaimed.pop(spec.id, None) if spec.id else None
        if spec.id and act is None:
            errors.add("activities", "That activity is not one of this session's.")
            continue
        if act is None:
            act = next(
                (a for a in unclaimed.values() if _activity_values(a) == _activity_values(spec)),
                None,
            )
            if act is not None:
                unclaimed.pop(act.pk)
        rows.append((act or SessionActivity(session=session), spec))
    for act, spec in rows:
        changed = act.pk is None or _activity_values(act) != _activity_values(spec)
        act.session = session
        act.kind, act.start, act.end, act.paid = spec.kind, spec.start, spec.end, spec.paid
        try:
            act.full_clean(exclude=["session"])
        except ValidationError as exc:
            errors.absorb(exc, "activities")
            continue
        if changed:
            act.save()
    if unclaimed:
        SessionActivity.objects.filter(pk__in=list(unclaimed)).delete()


def _validate_shape(session: Session, client_count: int, errors: _Errors):
    if session.work_type == Session.WorkType.APPOINTMENT and client_count != 1:
        errors.add("clients", "An Appointment has exactly one client.")
    if session.work_type == Session.WorkType.GROUP and not client_count:
        errors.add("clients", "A Group session needs at least one client.")


def period_is_closed(period) -> bool:
    """A published roster period takes no more sessions (its sessions are on the live
    schedule, validated once): read through the session's roster_period object."""
    return period is not None and period.status == PERIOD_PUBLISHED


def _validate_home(session: Session, *, previous_period_id, errors: _Errors):
    if session.roster_period_id == previous_period_id or session.roster_period_id is None:
        return
    if period_is_closed(session.roster_period):
        errors.add(
            "__all__",
            f"The roster period {session.roster_period} is published: it takes no more "
            "sessions. Add the session on the live schedule instead.",
        )


class _AlreadySaved(Exception):
    def __init__(self, session):
        self.session = session


def _save_session(session: Session, *, client_count: int, previous_period_id, errors: _Errors):
    if session.site_id and not session.region_id:
        session.region_id = session.site.region_id
    try:
        session.full_clean(exclude=["form_token"])
    except ValidationError as exc:
        errors.absorb(exc)
    _validate_home(session, previous_period_id=previous_period_id, errors=errors)
    _validate_shape(session, client_count, errors)
    _validate_recurrence(session, errors)
    # Children can only be checked against a sound session.
    errors.raise_if_any()
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError:
        # The same form posted twice at once: the first save won, this one answers with it.
        twin = session.form_token and Session.objects.filter(form_token=session.form_token).first()
        if twin:
            raise _AlreadySaved(twin) from None
        raise


def _check_fields(fields):
    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown session fields: {sorted(unknown)}")


def _write(session: Session, *, attendees: dict, previous_period_id=None) -> Session:
    """Save the session, then bring each kind of child passed in `attendees` in line with it,
    in place: rows that stay keep their ids and everything the form does not edit. A kind not
    passed is left as it is (on an update)."""
    new = session.pk is None
    errors = _Errors()
    if "clients" in attendees or new:
        client_count = len(attendees.get("clients", ()))
    else:
        client_count = session.session_clients.count()
    _save_session(
        session, client_count=client_count, previous_period_id=previous_period_id, errors=errors
    )
    if "clients" in attendees or new:
        _sync_clients(session, attendees.get("clients", ()), errors, new=new)
    elif not new:
        _recheck_clients(session, errors)
    if "workers" in attendees:
        _sync_workers(session, attendees["workers"], errors, new=new)
    if "assets" in attendees:
        _sync_assets(session, attendees["assets"], errors, new=new)
    if "activities" in attendees:
        _sync_activities(session, attendees["activities"], errors, new=new)
    if "service_types" in attendees:
        session.service_types.set(attendees["service_types"])
    errors.raise_if_any()
    _sync_bookings(session, errors)
    return session


def _sync_bookings(session: Session, errors: _Errors):
    """The worker and asset links take the session's times and status (sessions_app.bookings).

    An active session (Rostered, In Progress) must not double-book anyone: checked here first
    (on SQLite that check is the guarantee), then refused by PostgreSQL's exclusion constraint
    if another transaction booked them meanwhile — a message either way, never a 500.
    """
    this = Session.objects.filter(pk=session.pk)
    if books(session):
        _add_clashes(this, errors)
        errors.raise_if_any()
    try:
        with transaction.atomic():
            links_sync(sessions=this)
    except IntegrityError as exc:
        if not is_booking_clash(exc):
            raise
        _add_clashes(this, errors)
        if not errors.by_field:
            errors.add("workers", "A worker or asset is already in an overlapping session.")
        errors.raise_if_any()


def _add_clashes(sessions, errors: _Errors):
    for clash in booking_clashes(sessions=sessions):
        errors.add("workers" if clash.kind == "worker" else "assets", f"{clash.message}.")


def _recheck_clients(session: Session, errors: _Errors):
    """Clients kept as they are must still fit the session (its site may have changed)."""
    for sc in session.session_clients.select_related("client"):
        sc.session = session
        try:
            sc.full_clean(exclude=["session"])
        except ValidationError as exc:
            errors.absorb(exc, "clients")


ATTENDEE_ARGS = ("clients", "workers", "assets", "activities", "service_types")


def session_create(
    *, base_roster=None, roster_period=None, source_session=None, form_token=None, user=None,
    **fields,
) -> Session:
    """Create a session with its attendees, planned services and activities.

    Keyword arguments: the session's fields (SESSION_FIELDS) and its `clients`
    (ClientSpecs with their planned services), `workers`, `assets`, `activities`
    (ActivitySpecs) and `service_types`.

    `form_token` makes a form's save idempotent: the token of a form already saved returns
    the session it made instead of a second one (a double click, or two posts at once).
    `user` is recorded as who changed it last (`updated_by`).
    """
    if form_token and (twin := Session.objects.filter(form_token=form_token).first()):
        return twin
    try:
        return _session_create(
            base_roster=base_roster, roster_period=roster_period,
            source_session=source_session, form_token=form_token, updated_by=actor(user),
            **fields,
        )
    except _AlreadySaved as exc:
        return exc.session


@transaction.atomic
def _session_create(*, base_roster, roster_period, source_session, form_token, updated_by,
                    **fields):
    attendees = {k: fields.pop(k) for k in ATTENDEE_ARGS if k in fields}
    _check_fields(fields)
    session = Session(
        base_roster=base_roster,
        roster_period=roster_period,
        source_session=source_session,
        form_token=form_token or None,
        updated_by=updated_by,
        **fields,
    )
    return _write(session, attendees=attendees)


@transaction.atomic
def session_update(
    *, session: Session, expected_version: int | None = None, user=None, **fields
) -> Session:
    """Change a session's details and, for each kind of child passed (`clients`, `workers`,
    `assets`, `activities`, `service_types`), make them as given — in place, so what stays
    keeps its row: a client's cancellation and its reason, planned services' and activities'
    ids. Kinds not passed are kept as they are.

    Every update is one more `version` of the session, made by `user`. `expected_version`
    is the version the scheduler's form was opened on: when someone saved the session since,
    `StaleEdit` (sessions_app.versioning) is raised and nothing is written. None: no check."""
    attendees = {k: fields.pop(k) for k in ATTENDEE_ARGS if k in fields}
    _check_fields(fields)
    session = (
        Session.objects.select_for_update(of=("self",)).select_related("site", "updated_by")
        .get(pk=session.pk)
    )
    check_version(session, expected_version, tz=session.site.tzinfo)
    bump(session, user=user)
    previous_period_id = session.roster_period_id
    for name, value in fields.items():
        setattr(session, name, value)
    return _write(session, attendees=attendees, previous_period_id=previous_period_id)


# --- series: a recurring session on the live schedule ------------------------------------------
MAX_DATES_NAMED = 10  # per kind of problem, in a series' messages


def session_series_create(
    *, rule: str, first_start: datetime.datetime, created_by=None, form_token=None, **fields
) -> SessionSeries:
    """Create a recurring session on the live schedule: its first session and every later
    occurrence, each a session of its own in the series, all in one transaction.

    `rule` is an RFC 5545 RRULE (`sessions_app.recurrence`), expanded at the wall-clock time of
    `first_start` at the site and bounded (a year, 366 sessions). The keyword arguments are
    session_create's, with `first_start` for `start` and `end` the first session's end.

    Each occurrence is the first session moved by whole days on the site's calendar: its
    wall-clock times, its activities, its clients, workers, assets and service types; each
    planned service bills the client's agreement line for the same support item and ratio
    active on *that* date (the same line while its agreement lasts). An occurrence that does
    not fit (no such line, a worker not active then …) is a ValidationError naming its date,
    and nothing is saved. `form_token` makes it idempotent as in session_create.
    """
    if form_token and (twin := SessionSeries.objects.filter(form_token=form_token).first()):
        return twin
    try:
        return _session_series_create(
            rule=rule, first_start=first_start, created_by=created_by, form_token=form_token,
            **fields,
        )
    except _AlreadySaved as exc:
        return exc.session


@transaction.atomic
def _session_series_create(*, rule, first_start, created_by, form_token, **fields):
    attendees = {k: fields.pop(k) for k in ATTENDEE_ARGS if k in fields}
    _check_fields(fields)
    for name in ("start", "recurrence", "status"):
        if name in fields:
            raise TypeError(f"session_series_create takes no {name!r}")
    site, end = fields.get("site"), fields.get("end")
    if site is None or end is None:
        raise ValidationError({"site": "Choose the site."} if site is None else
                              {"end": "Give the end."})
    first_start = first_start.astimezone(site.tzinfo)
    try:
        starts = recurrence.occurrences(rule, first_start)
    except ValidationError as exc:
        raise ValidationError({"recurrence": exc.messages}) from None
    series = SessionSeries(
        rule=str(recurrence.parse(rule)), first_start=first_start, created_by=created_by,
        form_token=form_token or None,
    )
    series.full_clean(exclude=["form_token"])
    try:
        with transaction.atomic():
            series.save()
    except IntegrityError:
        twin = form_token and SessionSeries.objects.filter(form_token=form_token).first()
        if twin:
            raise _AlreadySaved(twin) from None
        raise

    # The first session: its problems are the form's, reported as session_create does.
    by = actor(created_by)
    _write(Session(series=series, start=first_start, updated_by=by, **fields),
           attendees=dict(attendees))

    lines = _LinesByDate(attendees.get("clients", ()), starts)
    errors: dict[str, list[str]] = {}
    for start in starts[1:]:
        days = recurrence.days_between(first_start, start)
        day = start.date()
        try:
            occurrence = _occurrence(first_start, end, days, fields, attendees, lines, day)
            with transaction.atomic():
                _write(Session(series=series, updated_by=by, **occurrence["fields"]),
                       attendees=occurrence["attendees"])
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(
                    m if nice_date(day) in m else f"{nice_date(day)}: {m}" for m in messages
                )
    if errors:
        raise ValidationError({
            key: msgs[:MAX_DATES_NAMED]
            + ([f"… and {len(msgs) - MAX_DATES_NAMED} more."] if len(msgs) > MAX_DATES_NAMED
               else [])
            for key, msgs in errors.items()
        })
    return series


def _occurrence(first_start, first_end, days, fields, attendees, lines, day) -> dict:
    """The fields and attendees of the occurrence `days` days after the first session."""
    start, end = recurrence.shift_span(first_start, first_end, days=days)
    moved = dict(attendees)
    if "activities" in attendees:
        moved["activities"] = []
        for act in attendees["activities"]:
            act_start, act_end = recurrence.shift_span(act.start, act.end, days=days)
            # A DST change may move an activity's edge out of its session: keep it inside.
            act_start, act_end = max(act_start, start), min(act_end, end)
            moved["activities"].append(ActivitySpec(act.kind, act_start, act_end, act.paid))
    if "clients" in attendees:
        moved["clients"] = [
            ClientSpec(spec.client, [
                PlannedServiceSpec(lines.on(svc.agreement_line, day, spec.client), svc.quantity,
                                   svc.group_template_item)
                for svc in spec.services
            ])
            for spec in attendees["clients"]
        ]
    return {"fields": {**fields, "start": start, "end": end}, "attendees": moved}


class _LinesByDate:
    """Each planned service's agreement line on an occurrence date: the line itself while its
    agreement is active, else the client's line for the same support item and ratio on an
    agreement active that day (the most recent one). Read in one query for the whole series."""

    def __init__(self, client_specs, starts):
        chosen = [svc.agreement_line for spec in client_specs for svc in spec.services]
        self.candidates = []
        if chosen and starts:
            self.candidates = list(
                ServiceAgreementLine.objects.active_between(starts[0].date(), starts[-1].date())
                .filter(agreement__client__in={ln.agreement.client_id for ln in chosen},
                        support_item__in={ln.support_item_id for ln in chosen})
                .select_related("agreement", "support_item")
                .order_by("-agreement__start_date", "pk")
            )

    def on(self, line, day, client) -> ServiceAgreementLine:
        if line.agreement.is_active_on(day):
            return line
        for other in self.candidates:
            if (other.agreement.client_id == line.agreement.client_id
                    and other.support_item_id == line.support_item_id
                    and other.delivery_ratio == line.delivery_ratio
                    and other.agreement.is_active_on(day)):
                return other
        raise ValidationError({"planned_services": (
            f"{nice_date(day)}: {client} has no service agreement active with "
            f"{line.support_item.item_number} ({line.delivery_ratio})."
        )})


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
    _validate_shape(session, len(clients), errors)
    _validate_recurrence(session, errors)
    errors.raise_if_any()
