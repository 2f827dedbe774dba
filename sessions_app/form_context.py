"""What the session form shows while it is being filled in: filtered choices, flags and hints.

Everything here is read-only and runs a fixed number of queries, whatever the data size.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch

from clients.formatting import nice_date
from clients.models import Client, GroupTemplate, Site
from clients.selectors import (
    agreement_lines_active_on,
    clients_for_site,
    group_templates_for_site,
)
from workforce.models import Asset, Worker, WorkerQualification, WorkerUnavailability
from workforce.selectors import assets_for_region, workers_active_on

from .forms import SessionForm, make_site_aware, parse_quantity
from .models import Session, SessionType
from .selectors import agreement_line_usage, session_conflicts

SEARCH_LIMIT = 15


def _ids(values) -> list[int]:
    out = []
    for v in values:
        try:
            out.append(int(v))
        except (TypeError, ValueError):
            continue
    return list(dict.fromkeys(out))


def _parse_local(value):
    if not value:
        return None
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    try:
        return datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return None


@dataclass
class LineChoice:
    client_id: int
    line: object
    checked: bool
    quantity: str
    remaining: Decimal
    over_budget: bool
    gti: str = ""
    auto: str = ""

    @property
    def remaining_label(self):
        unit = self.line.support_item.unit
        amount = f"{self.remaining.normalize():f}"
        plural = {"each": "items", "day": "days", "week": "weeks", "km": "km"}
        if unit == "hour":
            return f"{amount} hour{'' if self.remaining == 1 else 's'}"
        return f"{amount} {plural.get(unit, unit) if self.remaining != 1 else unit}"

    @property
    def auto_name(self):
        return f"ps_auto_{self.client_id}_{self.line.pk}"

    @property
    def key(self):
        return f"{self.client_id}:{self.line.pk}"

    @property
    def qty_name(self):
        return f"ps_qty_{self.client_id}_{self.line.pk}"

    @property
    def gti_name(self):
        return f"ps_gti_{self.client_id}_{self.line.pk}"


@dataclass
class ChosenClient:
    client: Client
    eligible: bool
    lines: list[LineChoice] = field(default_factory=list)


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
    worker_results: list[Worker]
    overruns: list[str]
    hours: Decimal | None


def session_hours(start, end) -> Decimal | None:
    if start and end and end > start:
        return (Decimal((end - start).total_seconds()) / Decimal(3600)).quantize(Decimal("0.01"))
    return None


def default_quantity(line, hours) -> str:
    if line.support_item.unit == "hour" and hours:
        return str(hours.normalize() if hours == hours.to_integral() else hours)
    return "1"


def build_form_context(
    form: SessionForm,
    *,
    base_roster_id=None,
    roster_period_id=None,
    session_id=None,
    client_q: str = "",
    worker_q: str = "",
) -> FormContext:
    site_ids = _ids([form.raw("site")])
    site = None
    if site_ids:
        site = Site.objects.select_related("region").filter(pk=site_ids[0]).first()
    region_ids = _ids([form.raw("region")])
    region_id = region_ids[0] if region_ids else (site.region_id if site else None)

    start = end = None
    naive_start, naive_end = _parse_local(form.raw("start")), _parse_local(form.raw("end"))
    if site and naive_start:
        try:
            start = make_site_aware(naive_start, site.tzinfo)
        except Exception:  # a DST gap: the form reports it; no hints meanwhile
            start = None
    if site and naive_end:
        try:
            end = make_site_aware(naive_end, site.tzinfo)
        except Exception:
            end = None
    day = naive_start.date() if naive_start else None
    hours = session_hours(start, end)

    # Assets: those of the region, and any chosen ones that are not (flagged).
    chosen_asset_ids = set(_ids(form.raw_list("assets")))
    assets = list(assets_for_region(region_id=region_id)) if region_id else []
    shown = {a.pk for a in assets}
    ineligible_assets = list(
        Asset.objects.filter(pk__in=chosen_asset_ids - shown).order_by("name")
    ) if chosen_asset_ids - shown else []

    # Clients: chosen ones (flagged when not at the site) with their agreement lines.
    client_ids = _ids(form.raw_list("clients"))
    clients_by_id = {
        c.pk: c for c in Client.objects.filter(pk__in=client_ids).prefetch_related("sites")
    } if client_ids else {}
    chosen_clients = [clients_by_id[i] for i in client_ids if i in clients_by_id]
    lines = []
    if day and chosen_clients:
        lines = agreement_lines_active_on(clients=chosen_clients, day=day)
    usage = agreement_line_usage(
        line_ids=[ln.pk for ln in lines], exclude_session_id=session_id
    ) if lines else {}
    checked = set(form.raw_list("ps")) if form.is_bound else set(form.initial.get("ps", []))
    initial_qty = form.initial.get("ps_qty", {})
    overruns = []
    clients = []
    for c in chosen_clients:
        eligible = site is not None and any(s.pk == site.pk for s in c.sites.all())
        cc = ChosenClient(c, eligible)
        for ln in (x for x in lines if x.agreement.client_id == c.pk):
            key = f"{c.pk}:{ln.pk}"
            qty_name = f"ps_qty_{c.pk}_{ln.pk}"
            auto = default_quantity(ln, hours)
            posted = form.data.get(qty_name) if form.is_bound else None
            if posted and posted != form.data.get(f"ps_auto_{c.pk}_{ln.pk}"):
                qty = posted  # the scheduler typed it: keep it
            elif posted is None and key in initial_qty:
                qty = initial_qty[key]  # a saved session's quantity
            else:
                qty = auto  # follows the session length
            remaining = ln.budget_quantity - (usage.get(ln.pk) or Decimal(0))
            q = parse_quantity(qty)
            over = bool(key in checked and q is not None and q > remaining)
            if over:
                overruns.append(
                    f"{c}: {ln.support_item.item_number} needs {q} but only {remaining} "
                    f"{ln.support_item.get_unit_display().lower()}s remain in the budget."
                )
            gti = form.data.get(f"ps_gti_{c.pk}_{ln.pk}", "") if form.is_bound else ""
            cc.lines.append(
                LineChoice(c.pk, ln, key in checked, str(qty), remaining, over, gti, auto)
            )
        clients.append(cc)

    # Workers: chosen ones with qualification, availability and activity hints.
    worker_ids = _ids(form.raw_list("workers"))
    workers = []
    if worker_ids:


        wqs = Worker.objects.filter(pk__in=worker_ids).prefetch_related(
            Prefetch(
                "qualifications",
                queryset=WorkerQualification.objects.select_related("qualification"),
            ),
            "regions",
        )
        by_id = {w.pk: w for w in wqs}
        session_type = None
        st_ids = _ids([form.raw("session_type")])
        if st_ids:

            session_type = SessionType.objects.filter(pk=st_ids[0]).prefetch_related(
                "required_qualifications"
            ).first()
        required = list(session_type.required_qualifications.all()) if session_type else []
        away = {}
        if start and end:
            for u in WorkerUnavailability.objects.filter(
                worker_id__in=worker_ids, start__lt=end, end__gt=start
            ):
                away.setdefault(u.worker_id, []).append(u)
        for wid in worker_ids:
            w = by_id.get(wid)
            if w is None:
                continue
            cw = ChosenWorker(w)
            if day and not w.is_active_on(day):
                cw.problems.append(f"Not active on {nice_date(day)}.")
            if region_id and all(r.pk != region_id for r in w.regions.all()):
                cw.hints.append("Does not usually work in this region.")
            held = {q.qualification_id: q for q in w.qualifications.all()}
            for q in w.qualifications.all():
                if day and q.expires_on and q.expires_on < day:
                    cw.hints.append(f"{q.qualification.name} expired {nice_date(q.expires_on)}.")
                elif day and q.expires_on and q.expires_on <= day + datetime.timedelta(days=30):
                    cw.hints.append(f"{q.qualification.name} expires {nice_date(q.expires_on)}.")
            for r in required:
                if r.pk not in held:
                    cw.hints.append(f"Missing {r.name}, required for {session_type}.")
            for u in away.get(wid, []):
                reason = u.reason or "unavailable"
                cw.hints.append(f"{u.get_kind_display()}: {reason} at this time.")
            workers.append(cw)

    conflicts = []
    if start and end and end > start:
        conflicts = session_conflicts(
            start=start, end=end, base_roster_id=base_roster_id,
            roster_period_id=roster_period_id, worker_ids=worker_ids,
            client_ids=client_ids, asset_ids=list(chosen_asset_ids),
            exclude_session_id=session_id,
        )

    client_results = []
    if site and client_q:
        client_results = list(
            clients_for_site(site=site, search=client_q).exclude(pk__in=client_ids)[:SEARCH_LIMIT]
        )
    worker_results = []
    if worker_q:
        worker_results = list(
            workers_active_on(day=day or datetime.date.today(), search=worker_q)
            .exclude(pk__in=worker_ids)[:SEARCH_LIMIT]
        )

    return FormContext(
        site=site,
        region_id=region_id,
        day=day,
        start=start,
        end=end,
        assets=assets,
        chosen_asset_ids=chosen_asset_ids,
        ineligible_assets=ineligible_assets,
        clients=clients,
        workers=workers,
        group_templates=list(group_templates_for_site(site=site)) if site else [],
        conflicts=conflicts,
        client_results=client_results,
        worker_results=worker_results,
        overruns=overruns,
        hours=hours,
    )


def session_initial(session: Session) -> dict:
    """The form's initial values for an existing session, in the site's wall-clock time."""
    tz = session.site.tzinfo
    ps, ps_qty = [], {}
    for sc in session.session_clients.all():
        for p in sc.planned_services.all():
            key = f"{sc.client_id}:{p.agreement_line_id}"
            ps.append(key)
            ps_qty[key] = str(p.quantity.normalize())
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
        "ps": ps,
        "ps_qty": ps_qty,
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
