"""Planning a base roster's first cycle in memory: group programs first, then sleepovers, then
one-to-one visits.

Everything the plan needs is read once; the plan then keeps the rules the session services
enforce (clients at the session's site, planned services from the client's agreement line
active on the day, assets of the session's region, activities inside the session, workers
active on the day) and the scheduling ones (qualifications, regions, at most
MAX_WEEKLY_HOURS a week, nobody and nothing in two places at once). Subjects come from the
naming convention (`sessions_app.forms.subject_for`).
"""

from __future__ import annotations

import datetime
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from clients import wallclock
from clients.models import (
    Client,
    GroupTemplate,
    GroupTemplateItem,
    ServiceAgreement,
    ServiceAgreementLine,
    Site,
    SupportItem,
)
from rostering.models import BaseRoster
from sessions_app.forms import subject_for
from sessions_app.models import Session, SessionActivity, SessionType
from workforce.models import Worker, WorkerQualification, WorkerUnavailability

from .common import CENTS, Build, weighted
from .reference import (
    COMMUNITY,
    HOIST_QUAL,
    HOUSEHOLD,
    PROVIDER_TRAVEL,
    SELF_CARE_DAY,
    SELF_CARE_EVENING,
    SELF_CARE_SAT,
    SELF_CARE_SUN,
    SERVICE_TYPE_OF,
    SLEEPOVER,
    TRANSPORT,
    Catalogue,
    Places,
)

UTC = datetime.UTC
MAX_WEEKLY_HOURS = 40

# Groups that leave the site: they claim transport and take the minibus.
OUTINGS = {"Social outing", "Ten-pin bowling", "Movie club", "Life skills – shopping"}

EMPLOYEE_MESSAGES = (
    "Please sign the visit log in the folder on the kitchen bench.",
    "Bring the client's Webster pack from the office.",
    "Parking is available in the driveway.",
    "Check the communication book for notes from the family.",
    "Text the coordinator when you arrive.",
)



@dataclass(frozen=True)
class Recipe:
    """How an agreement line turns into an appointment."""

    session_type: str
    days: str  # weekday | saturday | sunday | any
    start_window: tuple[float, float]  # earliest and latest start, in hours
    durations: tuple[float, ...]  # hours; ignored for overnight
    overnight: bool = False
    secondary: str | None = None  # a km item planned alongside, when the client has it
    assets: tuple[str, ...] = ()  # asset kinds the session may take
    weight: int = 1


RECIPES = {
    SELF_CARE_DAY: Recipe("Personal Care", "weekday", (6.5, 15), (1, 1, 1.5, 2, 2, 3),
                          secondary=PROVIDER_TRAVEL, assets=("shower_chair", "hoist"),
                          weight=5),
    SELF_CARE_EVENING: Recipe("Personal Care", "weekday", (20, 21), (1, 1.5),
                              secondary=PROVIDER_TRAVEL),
    SELF_CARE_SAT: Recipe("Personal Care", "saturday", (7, 14), (1, 1.5, 2, 3),
                          assets=("shower_chair", "hoist"), weight=2),
    SELF_CARE_SUN: Recipe("Personal Care", "sunday", (7, 14), (1, 1.5, 2, 3),
                          assets=("shower_chair", "hoist"), weight=2),
    SLEEPOVER: Recipe("Sleepover", "any", (22, 22), (), overnight=True),
    COMMUNITY: Recipe("Community Access", "weekday", (9, 13), (2, 3, 3, 4, 5),
                      secondary=TRANSPORT, assets=("vehicle",), weight=3),
    HOUSEHOLD: Recipe("Domestic Assistance", "weekday", (8.5, 14), (1, 1.5, 2, 3), weight=2),
    TRANSPORT: Recipe("Transport", "weekday", (8, 16), (1, 1.5), assets=("vehicle",)),
}


def ratio_parts(ratio: str) -> tuple[int, int]:
    workers, _, clients = ratio.partition(":")
    return int(workers), int(clients)


@dataclass
class _SiteInfo:
    id: int
    obj: Site
    region_id: int
    tz: datetime.tzinfo


@dataclass
class _LineInfo:
    id: int
    support_item_id: int
    item_number: str
    unit: str
    price: Decimal


@dataclass
class _ClientInfo:
    id: int
    obj: Client
    site_ids: list[int]
    agreement_start: datetime.date
    agreement_end: datetime.date
    lines: dict[tuple[str, str], _LineInfo]  # (item number, delivery ratio) -> line

@dataclass
class _WorkerInfo:
    id: int
    region_ids: list[int]
    active_from: datetime.date
    active_to: datetime.date | None
    quals: dict[int, datetime.date | None]  # qualification id -> expires on

    def active_on(self, day):
        return self.active_from <= day and (self.active_to is None or day <= self.active_to)

    def qualified(self, qual_ids, day):
        for qid in qual_ids:
            if qid not in self.quals:
                return False
            expires = self.quals[qid]
            if expires is not None and expires < day:
                return False
        return True


@dataclass
class Service:
    line: _LineInfo
    quantity: Decimal
    group_template_item_id: int | None = None


@dataclass
class Plan:
    """One session to write, by primary keys; times are UTC."""

    site: _SiteInfo
    session_type: str
    work_type: str
    start: datetime.datetime
    end: datetime.datetime
    subject: str
    ratio: str = ""
    group_template_id: int | None = None
    clients: list[tuple[int, list[Service]]] = field(default_factory=list)
    workers: list[int] = field(default_factory=list)
    assets: list[int] = field(default_factory=list)
    activities: list[tuple[str, datetime.datetime, datetime.datetime, bool]] = field(
        default_factory=list
    )
    service_types: list[str] = field(default_factory=list)
    employee_message: str = ""

class _Calendar:
    """Busy intervals per key (UTC datetimes); back-to-back intervals do not clash."""

    def __init__(self):
        self._busy: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = (
            defaultdict(list)
        )

    def free(self, key, start, end) -> bool:
        return all(not (s < end and start < e) for s, e in self._busy.get(key, ()))

    def book(self, key, start, end):
        self._busy[key].append((start, end))


class Planner:
    """Plans the roster's first cycle: group programs first, then sleepovers, then visits."""

    def __init__(
        self, build: Build, roster: BaseRoster, *, catalogue: Catalogue, places: Places,
        worker_ids: list[int], clients: list[Client], template_ids: list[int],
    ):
        self.spec = build.spec
        self.rng = build.rng("roster")
        self.places = places
        self.start_date = roster.start_date
        self.days = [roster.start_date + datetime.timedelta(days=i)
                     for i in range(roster.cycle_weeks * 7)]
        self.worker_cal, self.client_cal, self.asset_cal = _Calendar(), _Calendar(), _Calendar()
        self.hours = Counter()  # (worker id, week) -> hours
        self.asset_cursor = Counter()
        self.session_types: dict[str, SessionType] = catalogue.session_types
        self.required = {name: catalogue.required_quals[st.pk]
                         for name, st in catalogue.session_types.items()}
        self.hoist_qual = catalogue.quals_by_code[HOIST_QUAL].pk
        self.sites = {
            s.pk: _SiteInfo(s.pk, s, s.region_id, s.tzinfo) for s in places.site_objs
        }
        self._load(worker_ids, clients, template_ids)

    # -- loading what the database holds, once -------------------------------------------------

    def _load(self, worker_ids, client_objs, template_ids):
        regions = defaultdict(list)
        for w_id, r_id in Worker.regions.through.objects.filter(
            worker_id__in=worker_ids
        ).values_list("worker_id", "region_id"):
            regions[w_id].append(r_id)
        quals = defaultdict(dict)
        for w_id, q_id, expires in WorkerQualification.objects.filter(
            worker_id__in=worker_ids
        ).values_list("worker_id", "qualification_id", "expires_on"):
            quals[w_id][q_id] = expires
        self.workers_by_region = defaultdict(list)
        for w_id, active_from, active_to in Worker.objects.filter(
            pk__in=worker_ids
        ).order_by("pk").values_list("pk", "active_from", "active_to"):
            info = _WorkerInfo(w_id, sorted(regions[w_id]), active_from, active_to, quals[w_id])
            for r_id in info.region_ids:
                self.workers_by_region[r_id].append(info)
        first, last = self.days[0], self.days[-1] + datetime.timedelta(days=1)
        for w_id, u_start, u_end in WorkerUnavailability.objects.filter(
            worker_id__in=worker_ids,
            end__gt=datetime.datetime.combine(first, datetime.time(0), tzinfo=UTC)
            - datetime.timedelta(days=1),
            start__lt=datetime.datetime.combine(last, datetime.time(0), tzinfo=UTC)
            + datetime.timedelta(days=1),
        ).values_list("worker_id", "start", "end"):
            self.worker_cal.book(w_id, u_start, u_end)

        client_ids = [c.pk for c in client_objs]
        site_ids = defaultdict(list)
        for c_id, s_id in Client.sites.through.objects.filter(
            client_id__in=client_ids, site_id__in=list(self.sites)
        ).order_by("client_id", "site_id").values_list("client_id", "site_id"):
            site_ids[c_id].append(s_id)
        agreements = {}
        for a_id, c_id, a_start, a_end in ServiceAgreement.objects.filter(
            client_id__in=client_ids, start_date__lte=self.days[0],
            end_date__gte=self.days[-1],
        ).order_by("client_id", "start_date", "pk").values_list(
            "pk", "client_id", "start_date", "end_date"
        ):
            agreements[c_id] = (a_id, a_start, a_end)
        lines = defaultdict(dict)
        for l_id, a_id, si_id, num, unit, price, ratio in ServiceAgreementLine.objects.filter(
            agreement_id__in=[a[0] for a in agreements.values()]
        ).order_by("pk").values_list(
            "pk", "agreement_id", "support_item_id", "support_item__item_number",
            "support_item__unit", "support_item__price", "delivery_ratio",
        ):
            lines[a_id][(num, ratio)] = _LineInfo(l_id, si_id, num, unit, price)
        self.clients = {}
        for c in client_objs:
            if c.pk not in agreements or not site_ids[c.pk]:
                continue
            a_id, a_start, a_end = agreements[c.pk]
            self.clients[c.pk] = _ClientInfo(
                c.pk, c, site_ids[c.pk], a_start, a_end, lines[a_id]
            )

        self.templates = []
        members = defaultdict(list)
        for t_id, c_id in GroupTemplate.members.through.objects.filter(
            grouptemplate_id__in=template_ids
        ).order_by("client_id").values_list("grouptemplate_id", "client_id"):
            members[t_id].append(c_id)
        items = defaultdict(list)
        for gti_id, t_id, num, qty in GroupTemplateItem.objects.filter(
            template_id__in=template_ids
        ).order_by("pk").values_list("pk", "template_id", "support_item__item_number",
                                     "quantity"):
            items[t_id].append((gti_id, num, qty))
        for t_id, name, site_id, ratio in GroupTemplate.objects.filter(
            pk__in=template_ids, active=True
        ).order_by("pk").values_list("pk", "name", "site_id", "ratio"):
            if site_id in self.sites:
                self.templates.append((t_id, name, self.sites[site_id], ratio, members[t_id],
                                       items[t_id]))

    # -- building blocks ---------------------------------------------------------------------

    def _span(self, site: _SiteInfo, day, start_h: float, hours: float | None):
        """Wall-clock start (and end) in the site's zone, as UTC datetimes."""
        tz = site.tz
        h, m = int(start_h), round((start_h % 1) * 60)
        start_wall = datetime.datetime.combine(day, datetime.time(h, m))
        if hours is None:  # overnight 22:00–06:00, 7 or 9 real hours on a changeover night
            end_wall = datetime.datetime.combine(day + datetime.timedelta(days=1),
                                                 datetime.time(6))
        else:
            end_wall = start_wall + datetime.timedelta(hours=hours)
        return (wallclock.aware(start_wall, tz).astimezone(UTC),
                wallclock.aware(end_wall, tz).astimezone(UTC))

    def _local(self, site, day, hh, mm=0):
        return wallclock.resolve(day, datetime.time(hh, mm), site.tz).astimezone(UTC)

    def _subject(self, site: _SiteInfo, session_type: str, clients: list[_ClientInfo]) -> str:
        """The naming convention, with the clients in the order the session form lists them."""
        return subject_for(
            site=site.obj, session_type=self.session_types[session_type],
            clients=sorted((c.obj for c in clients),
                           key=lambda c: (c.last_name, c.first_name, c.pk)),
        )

    def _week(self, day):
        return (day - self.start_date).days // 7

    def _pick_workers(self, site, day, start, end, count, quals):
        pool = self.workers_by_region.get(site.region_id, ())
        if not pool:
            return None
        hours = (end - start).total_seconds() / 3600
        week = self._week(day)
        sample = self.rng.sample(pool, min(len(pool), 24))
        sample.sort(key=lambda w: self.hours[(w.id, week)])
        chosen = []
        for w in sample:
            if w.id in chosen or self.hours[(w.id, week)] + hours > MAX_WEEKLY_HOURS:
                continue
            if not (w.active_on(day) and w.qualified(quals, day)):
                continue
            if not self.worker_cal.free(w.id, start, end):
                continue
            chosen.append(w.id)
            if len(chosen) == count:
                return chosen
        return None

    def _pick_asset(self, region_id, kind, start, end):
        ids = self.places.assets_by_region[region_id].get(kind, ())
        n = len(ids)
        for k in range(n):
            a_id = ids[(self.asset_cursor[(region_id, kind)] + k) % n]
            if self.asset_cal.free(a_id, start, end):
                self.asset_cursor[(region_id, kind)] += k + 1
                return a_id
        return None

    def _commit(self, plan: Plan, day):
        week = self._week(day)
        hours = (plan.end - plan.start).total_seconds() / 3600
        for w_id in plan.workers:
            self.worker_cal.book(w_id, plan.start, plan.end)
            self.hours[(w_id, week)] += hours
        for c_id, _ in plan.clients:
            self.client_cal.book(c_id, plan.start, plan.end)
        for a_id in plan.assets:
            self.asset_cal.book(a_id, plan.start, plan.end)

    @staticmethod
    def _hours(start, end) -> Decimal:
        return (Decimal((end - start).total_seconds()) / 3600).quantize(CENTS)

    def _break(self, plan: Plan):
        """A 30-minute unpaid break in the middle of a session of 4 hours or more."""
        if plan.end - plan.start < datetime.timedelta(hours=4):
            return
        middle = plan.start + (plan.end - plan.start) / 2
        middle = middle.replace(minute=(middle.minute // 15) * 15, second=0, microsecond=0)
        plan.activities.append((SessionActivity.Kind.BREAK, middle,
                                middle + datetime.timedelta(minutes=30), False))

    # -- the plan ----------------------------------------------------------------------------

    def plan(self) -> list[Plan]:
        spec = self.spec
        plans: list[Plan] = []
        group_target = round(spec.sessions * spec.group_share)
        sleepover_target = round(spec.sessions * spec.sleepover_share)
        plans += self._groups(group_target)
        plans += self._sleepovers(sleepover_target)
        plans += self._appointments(spec.sessions - len(plans))
        plans.sort(key=lambda p: (p.start, p.site.id, p.subject))
        return plans

    def _groups(self, target) -> list[Plan]:
        plans = []
        weekdays = [d for d in self.days if d.weekday() < 5]
        for t_id, name, site, ratio, member_ids, items in self.templates:
            if len(plans) >= target:
                break
            per_week = self.spec.group_meetings_per_week
            dows = sorted(self.rng.sample(range(5), min(per_week, 5)))
            start_h = self.rng.choice((9.5, 10))
            hours = self.rng.choice((4, 4.5, 5))
            for day in weekdays:
                if day.weekday() not in dows or len(plans) >= target:
                    continue
                plan = self._group(t_id, name, site, ratio, member_ids, items, day, start_h,
                                   hours)
                if plan:
                    plans.append(plan)
        return plans

    def _group(self, t_id, name, site, ratio, member_ids, items, day, start_h, hours):
        start, end = self._span(site, day, start_h, hours)
        members = []
        for c_id in member_ids:
            client = self.clients.get(c_id)
            if client is None or site.id not in client.site_ids:
                continue
            if not (client.agreement_start <= day <= client.agreement_end):
                continue
            if not all((num, ratio) in client.lines for _, num, _ in items):
                continue
            if self.client_cal.free(c_id, start, end):
                members.append(client)
        if len(members) < 2:
            return None
        w_ratio, c_ratio = ratio_parts(ratio)
        n_workers = max(1, math.ceil(len(members) / c_ratio) * w_ratio)
        workers = self._pick_workers(site, day, start, end, n_workers,
                                     self.required["Group Program"])
        if workers is None:
            return None
        session_hours = self._hours(start, end)
        plan = Plan(
            site=site, session_type="Group Program", work_type=Session.WorkType.GROUP,
            start=start, end=end, ratio=ratio, group_template_id=t_id, workers=workers,
            subject=self._subject(site, "Group Program", members),
            service_types=["Social and community"],
        )
        for m in members:
            services = [
                Service(m.lines[(num, ratio)], qty if qty else session_hours, gti_id)
                for gti_id, num, qty in items
            ]
            plan.clients.append((m.id, services))
        if name in OUTINGS:
            plan.service_types.append("Transport")
            bus = self._pick_asset(site.region_id, "minibus", start, end)
            if bus:
                plan.assets.append(bus)
        self._break(plan)
        self._commit(plan, day)
        return plan

    def _sleepovers(self, target) -> list[Plan]:
        plans = []
        candidates = [c for c in self.clients.values() if (SLEEPOVER, "1:1") in c.lines]
        self.rng.shuffle(candidates)
        attempts = 0
        while len(plans) < target and candidates and attempts < target * 4:
            client = candidates[attempts % len(candidates)]
            attempts += 1
            day = self.rng.choice(self.days)
            plan = self._appointment(client, SLEEPOVER, day)
            if plan:
                plans.append(plan)
        return plans

    def _appointments(self, target) -> list[Plan]:
        plans = []
        clients = list(self.clients.values())
        self.rng.shuffle(clients)
        if not clients:
            return plans
        by_kind = {
            "weekday": [d for d in self.days if d.weekday() < 5],
            "saturday": [d for d in self.days if d.weekday() == 5],
            "sunday": [d for d in self.days if d.weekday() == 6],
            "any": self.days,
        }
        attempts = 0
        while len(plans) < target and attempts < target * 4:
            client = clients[attempts % len(clients)]
            attempts += 1
            options = [
                (num, RECIPES[num].weight) for (num, ratio) in client.lines
                if ratio == "1:1" and num in RECIPES and num != SLEEPOVER
            ]
            if not options:
                continue
            num = weighted(self.rng, options)
            day = self.rng.choice(by_kind[RECIPES[num].days])
            plan = self._appointment(client, num, day)
            if plan:
                plans.append(plan)
        return plans

    def _appointment(self, client: _ClientInfo, num: str, day) -> Plan | None:
        rng = self.rng
        recipe = RECIPES[num]
        if not (client.agreement_start <= day <= client.agreement_end):
            return None
        site = self.sites[rng.choice(client.site_ids)]
        lo, hi = recipe.start_window
        start_h = lo + rng.randint(0, int((hi - lo) * 4)) / 4
        hours = None if recipe.overnight else rng.choice(recipe.durations)
        start, end = self._span(site, day, start_h, hours)
        if not self.client_cal.free(client.id, start, end):
            return None
        quals = list(self.required[recipe.session_type])
        asset = None
        if recipe.assets and rng.random() < 0.25:
            kind = rng.choice(recipe.assets)
            asset = self._pick_asset(site.region_id, kind, start, end)
            if asset and kind == "hoist":
                quals.append(self.hoist_qual)
        workers = self._pick_workers(site, day, start, end, 1, quals)
        if workers is None:
            return None
        line = client.lines[(num, "1:1")]
        if line.unit == SupportItem.Unit.HOUR:
            qty = self._hours(start, end)
        elif line.unit == SupportItem.Unit.KM:
            qty = Decimal(rng.choice((8, 12, 15, 20, 25, 35, 40)))
        else:
            qty = Decimal(1)
        services = [Service(line, qty)]
        if recipe.secondary and (recipe.secondary, "1:1") in client.lines and rng.random() < 0.5:
            services.append(Service(client.lines[(recipe.secondary, "1:1")],
                                     Decimal(rng.choice((5, 10, 15, 20, 30)))))
        plan = Plan(
            site=site, session_type=recipe.session_type,
            work_type=Session.WorkType.APPOINTMENT, start=start, end=end,
            subject=self._subject(site, recipe.session_type, [client]),
            clients=[(client.id, services)], workers=workers,
            assets=[asset] if asset else [],
            service_types=[SERVICE_TYPE_OF[recipe.session_type]],
            employee_message=rng.choice(EMPLOYEE_MESSAGES) if rng.random() < 0.1 else "",
        )
        if recipe.overnight:
            plan.activities.append((SessionActivity.Kind.SLEEPOVER,
                                    self._local(site, day, 23), end, True))
        else:
            self._break(plan)
        self._commit(plan, day)
        return plan
