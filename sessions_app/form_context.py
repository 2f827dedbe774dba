"""What the session form shows while it is being filled in: the planned-service formsets of
the chosen clients, filtered choices, flags and hints.

Reads go through `sessions_app.selectors` (and the clients/workforce selectors); this module
only puts them together for the template. Everything runs a fixed number of queries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from clients.models import Client, GroupTemplate, GroupTemplateItem, ServiceAgreementLine, Site
from clients.selectors import agreement_lines_active_on
from workforce.models import Asset, Worker

from .forms import (
    ActivityFormSet,
    PlannedServiceFormSet,
    SessionForm,
    parse_id,
    parse_quantity,
)
from .models import Session
from .selectors import (
    agreement_line_usage,
    assets_shown,
    client_search,
    clients_by_ids,
    session_conflicts,
    session_type_with_requirements,
    worker_hints,
    worker_search,
    workers_by_ids,
)

UNIT_PLURALS = {"each": "items", "day": "days", "week": "weeks", "km": "km"}


def remaining_label(line, remaining: Decimal) -> str:
    unit = line.support_item.unit
    amount = f"{remaining.normalize():f}"
    if unit == "hour":
        return f"{amount} hour{'' if remaining == 1 else 's'}"
    return f"{amount} {UNIT_PLURALS.get(unit, unit) if remaining != 1 else unit}"


def session_hours(start, end) -> Decimal | None:
    if start and end and end > start:
        return (Decimal((end - start).total_seconds()) / Decimal(3600)).quantize(Decimal("0.01"))
    return None


def default_quantity(line, hours) -> str:
    if line.support_item.unit == "hour" and hours:
        return str(hours.normalize() if hours == hours.to_integral() else hours)
    return "1"


@dataclass
class ChosenClient:
    client: Client
    eligible: bool
    formset: PlannedServiceFormSet


@dataclass
class ChosenWorker:
    worker: Worker
    hints: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class FormContext:
    site: Site | None
    region_id: int | None
    day: datetime.date | None
    start: datetime.datetime | None
    end: datetime.datetime | None
    assets: list[Asset]
    chosen_asset_ids: set
    ineligible_assets: list[Asset]
    clients: list[ChosenClient]
    workers: list[ChosenWorker]
    group_templates: list[GroupTemplate]
    conflicts: list
    client_results: list[Client]
    worker_results: list[ChosenWorker]
    overruns: list[str]
    hours: Decimal | None


# --- planned services: one formset per chosen client -------------------------------------
# A "row" is what a client's formset said about one agreement line:
# {"plan": bool, "quantity": str | None, "auto": str | None, "gti": id | None}.
def posted_planned_rows(data, client_ids) -> tuple[dict, list[str]]:
    """The planned-service rows posted for these clients, read through their formsets, and
    the errors of formsets that could not be read. A client without a posted formset (just
    added) has no rows."""
    rows: dict[int, dict[int, dict]] = {}
    errors: list[str] = []
    for cid in client_ids:
        prefix = f"ps-{cid}"
        if f"{prefix}-TOTAL_FORMS" not in data:
            continue
        fs = PlannedServiceFormSet(data, prefix=prefix)
        if not fs.management_form.is_valid():
            errors.extend(fs.non_form_errors())
            continue
        for f in fs.forms:
            line_id = parse_id(f["line"].value())
            if line_id:
                rows.setdefault(cid, {})[line_id] = {
                    "plan": bool(f["plan"].value()),
                    "quantity": f["quantity"].value(),
                    "auto": f["auto"].value(),
                    "gti": parse_id(f["group_template_item"].value()),
                }
    return rows, errors


def session_planned_rows(session: Session) -> dict:
    """A saved session's planned services as rows (their quantities are kept as saved)."""
    return {
        sc.client_id: {
            p.agreement_line_id: {
                "plan": True, "quantity": str(p.quantity.normalize()), "auto": None,
                "gti": p.group_template_item_id,
            }
            for p in sc.planned_services.all()
        }
        for sc in session.session_clients.all()
    }


def template_rows(specs) -> dict:
    """The planned services a group template fills in (blank quantities follow the
    session length)."""
    return {
        spec.client.pk: {
            svc.agreement_line.pk: {
                "plan": True,
                "quantity": str(svc.quantity) if svc.group_template_item.quantity else None,
                "auto": None,
                "gti": svc.group_template_item.pk,
            }
            for svc in spec.services
        }
        for spec in specs
    }


def _initial_rows(offered, previous: dict, hours, *, tick_single: bool) -> list[dict]:
    initial = []
    for line in offered:
        auto = default_quantity(line, hours)
        row = previous.get(line.pk)
        if row is None:
            plan = tick_single and len(offered) == 1
            initial.append({"line": line.pk, "plan": plan, "quantity": auto, "auto": auto})
            continue
        typed = row.get("quantity")
        # A quantity the scheduler typed is kept; one that followed the session length
        # (or was left blank) follows it still.
        qty = typed if typed not in (None, "") and typed != row.get("auto") else auto
        initial.append({"line": line.pk, "plan": row["plan"], "quantity": qty, "auto": auto,
                        "group_template_item": row.get("gti")})
    return initial


def chosen_clients(
    form: SessionForm, *, data=None, rows=None, added_client_id=None, session_id=None
) -> tuple[list[ChosenClient], list[str]]:
    """The chosen clients, each with its planned-service formset, and budget overruns.

    With `data` the formsets are bound to the post (to save it); otherwise they are built
    from `rows` over the agreement lines active on the session date.
    """
    clients = clients_by_ids(client_ids=form.raw_ids("clients"))
    day = form.day
    hours = session_hours(form.aware("start"), form.aware("end"))
    lines = agreement_lines_active_on(clients=clients, day=day) if day and clients else []
    usage = agreement_line_usage(
        line_ids=[ln.pk for ln in lines], exclude_session_id=session_id
    ) if lines else {}
    items = (
        GroupTemplateItem.objects.filter(template__site=form.site) if form.site
        else GroupTemplateItem.objects.none()
    )
    overruns: list[str] = []
    out = []
    for client in clients:
        offered = [ln for ln in lines if ln.agreement.client_id == client.pk]
        kwargs = {
            "lines": ServiceAgreementLine.objects.filter(pk__in=[ln.pk for ln in offered]),
            "items": items,
        }
        prefix = f"ps-{client.pk}"
        if data is not None:
            fs = PlannedServiceFormSet(data, prefix=prefix, form_kwargs=kwargs)
        else:
            initial = _initial_rows(
                offered, (rows or {}).get(client.pk, {}), hours,
                tick_single=client.pk == added_client_id,
            )
            fs = PlannedServiceFormSet(initial=initial, prefix=prefix, form_kwargs=kwargs)
        by_id = {ln.pk: ln for ln in offered}
        for f in fs.forms:
            line = f.line_obj = by_id.get(parse_id(f["line"].value()))
            f.over_budget = False
            if line is None:
                continue
            remaining = line.budget_quantity - (usage.get(line.pk) or Decimal(0))
            f.remaining_label = remaining_label(line, remaining)
            qty = parse_quantity(f["quantity"].value())
            if f["plan"].value() and qty is not None and qty > remaining:
                f.over_budget = True
                overruns.append(
                    f"{client}: {line.support_item.item_number} needs {qty} but only "
                    f"{remaining} {line.support_item.get_unit_display().lower()}s remain "
                    "in the budget."
                )
        eligible = form.site is not None and any(s.pk == form.site.pk for s in client.sites.all())
        out.append(ChosenClient(client, eligible, fs))
    return out, overruns


# --- activities ---------------------------------------------------------------------------
def posted_activity_rows(data) -> tuple[list[dict], list[str]]:
    """The posted activity rows that were not removed, and why they could not be read."""
    fs = ActivityFormSet(data, prefix="act")
    if not fs.management_form.is_valid():
        return [], list(fs.non_form_errors())
    rows = []
    for f in fs.forms:
        if f["DELETE"].value():
            continue
        rows.append({name: f[name].value() for name in ("kind", "start", "end", "paid")})
    return rows, []


def new_activity_row(form: SessionForm) -> dict:
    """A 30-minute unpaid break in the middle of the session, to adjust."""
    row = {"kind": "break", "paid": "false"}
    start, end = form.naive("start"), form.naive("end")
    if start and end and end > start:
        middle = start + (end - start) / 2
        middle -= datetime.timedelta(minutes=middle.minute % 15, seconds=middle.second,
                                     microseconds=middle.microsecond)
        row["start"] = middle
        row["end"] = min(middle + datetime.timedelta(minutes=30), end)
    return row


# --- the rest of the form -----------------------------------------------------------------
def build_form_context(
    form: SessionForm,
    *,
    clients: list[ChosenClient],
    overruns: list[str],
    base_roster_id=None,
    roster_period_id=None,
    session_id=None,
    client_q: str = "",
    worker_q: str = "",
    list_clients: bool = False,
) -> FormContext:
    site, day, region_id = form.site, form.day, form.region_id
    start, end = form.aware("start"), form.aware("end")
    chosen_asset_ids = set(form.raw_ids("assets"))
    assets, ineligible = assets_shown(region_id=region_id, chosen_ids=chosen_asset_ids)
    session_type = session_type_with_requirements(pk=parse_id(form.raw("session_type")))
    hint_args = dict(day=day, start=start, end=end, session_type=session_type,
                     region_id=region_id)

    worker_ids = form.raw_ids("workers")
    workers = workers_by_ids(worker_ids=worker_ids)
    hints = worker_hints(workers=workers, **hint_args)
    chosen_workers = [ChosenWorker(w, hints[w.pk].hints, hints[w.pk].problems) for w in workers]

    client_ids = [cc.client.pk for cc in clients]
    conflicts = []
    if start and end and end > start:
        conflicts = session_conflicts(
            start=start, end=end, base_roster_id=base_roster_id,
            roster_period_id=roster_period_id, worker_ids=worker_ids,
            client_ids=client_ids, asset_ids=list(chosen_asset_ids),
            exclude_session_id=session_id,
        )
    client_results = []
    if client_q or list_clients:
        client_results = client_search(site=site, search=client_q, exclude_ids=client_ids)
    results = worker_search(day=day or datetime.date.today(), search=worker_q,
                            exclude_ids=worker_ids)
    result_hints = worker_hints(workers=results, **hint_args)
    worker_results = [
        ChosenWorker(w, result_hints[w.pk].hints, result_hints[w.pk].problems) for w in results
    ]
    return FormContext(
        site=site,
        region_id=region_id,
        day=day,
        start=start,
        end=end,
        assets=assets,
        chosen_asset_ids=chosen_asset_ids,
        ineligible_assets=ineligible,
        clients=clients,
        workers=chosen_workers,
        group_templates=list(form.fields["group_template"].queryset),
        conflicts=conflicts,
        client_results=client_results,
        worker_results=worker_results,
        overruns=overruns,
        hours=session_hours(start, end),
    )


def session_initial(session: Session) -> dict:
    """The form's initial values for an existing session, in the site's wall-clock time."""
    tz = session.site.tzinfo
    return {
        "work_type": session.work_type,
        "billable": "true" if session.billable else "false",
        "session_type": session.session_type_id,
        "start": session.start.astimezone(tz).replace(tzinfo=None),
        "end": session.end.astimezone(tz).replace(tzinfo=None),
        "subject": session.subject,
        "site": session.site_id,
        "region": session.region_id,
        "group_template": session.group_template_id,
        "ratio": session.ratio,
        "assets": [sa.asset_id for sa in session.session_assets.all()],
        "clients": [sc.client_id for sc in session.session_clients.all()],
        "workers": [sw.worker_id for sw in session.session_workers.all()],
        "service_types": [st.pk for st in session.service_types.all()],
        "comments": session.comments,
        "employee_message": session.employee_message,
        "version": session.version,
    }


def activity_initial(session: Session) -> list[dict]:
    tz = session.site.tzinfo
    return [
        {
            "kind": a.kind,
            "start": a.start.astimezone(tz).replace(tzinfo=None),
            "end": a.end.astimezone(tz).replace(tzinfo=None),
            "paid": "true" if a.paid else "false",
        }
        for a in session.activities.all()
    ]
