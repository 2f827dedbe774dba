"""Rosters: group programs (group templates with their members and items) and the base roster
with its first cycle of sessions.

The base roster is made by `rostering.services.base_roster_create`; its sessions are planned in
memory (`planning.Planner`) and then written one of two ways:

* `write_through_services`: each session through `sessions_app.services.session_create`, as a
  person's Save does (the normal scale);
* `write_in_bulk`: the same model instances checked in memory with the domain's rules (each
  model's own `clean()`, `session_shape_check`, `Worker.is_active_on`) and written with
  `bulk_create` — the large scale's 15,000 sessions, where a service call per session takes
  about ten times as long.
"""

from __future__ import annotations

import datetime
import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError

from clients.models import (
    Client,
    GroupTemplate,
    GroupTemplateItem,
    Region,
    ServiceAgreement,
    ServiceAgreementLine,
    Site,
)
from rostering.models import BaseRoster
from rostering.services import base_roster_create
from sessions_app.models import (
    PlannedService,
    Session,
    SessionActivity,
    SessionAsset,
    SessionClient,
    SessionWorker,
)
from sessions_app.services import (
    ActivitySpec,
    ClientSpec,
    PlannedServiceSpec,
    session_create,
    session_shape_check,
)
from workforce.models import Asset, Worker

from .common import Build, monday_on_or_before
from .people import agreement_line
from .planning import OUTINGS, Plan, Planner
from .reference import GROUP_COMMUNITY, TRANSPORT, Catalogue, Places

GROUP_NAMES = (
    "Art & Craft group", "Social outing", "Cooking club", "Men's Shed", "Gardening group",
    "Music & movement", "Ten-pin bowling", "Movie club", "Life skills – shopping",
    "Walking group", "Games afternoon", "Aqua fitness",
)
GROUP_RATIO = "1:3"


# -- group programs --------------------------------------------------------------------------


def build_group_templates(
    build: Build, catalogue: Catalogue, places: Places, clients: list[Client]
) -> list[int]:
    """Group programs at the sites with enough clients; returns the templates' ids."""
    spec = build.spec
    rng = build.rng("groups")
    target = round(spec.sessions * spec.group_share)
    meetings = spec.group_meetings_per_week * spec.cycle_weeks
    count = math.ceil(target / meetings) if target else 0

    site_clients = defaultdict(list)
    through = Client.sites.through
    for client_id, site_id in through.objects.filter(
        client__in=clients
    ).values_list("client_id", "site_id"):
        site_clients[site_id].append(client_id)
    for ids in site_clients.values():
        ids.sort()

    site_objs = places.site_objs
    hosts = [s for s in site_objs if len(site_clients[s.pk]) >= 3]
    rows, plans = [], []
    per_site = Counter()
    for i in range(count):
        if not hosts:
            break
        site = hosts[i % len(hosts)]
        n = per_site[site.pk]
        per_site[site.pk] += 1
        if n >= len(GROUP_NAMES):
            continue
        name = GROUP_NAMES[(n + site_objs.index(site)) % len(GROUP_NAMES)]
        members = rng.sample(site_clients[site.pk], min(len(site_clients[site.pk]),
                                                        rng.randint(3, 6)))
        items = [(GROUP_COMMUNITY, None)]
        if name in OUTINGS:
            items.append((TRANSPORT, Decimal(rng.choice((15, 20, 30)))))
        rows.append(GroupTemplate(name=name, site=site, ratio=GROUP_RATIO))
        plans.append((members, items))

    templates, new = build.ensure(
        GroupTemplate, rows, lambda o: (o.site_id, o.name),
        GroupTemplate.objects.filter(site__in=site_objs),
    )
    build.created["group templates"] += len(new)
    new_keys = {(t.site_id, t.name) for t in new}
    member_through = GroupTemplate.members.through
    m_rows, i_rows = [], []
    for row, (members, items) in zip(rows, plans, strict=True):
        if (row.site_id, row.name) not in new_keys:
            continue
        m_rows += [member_through(grouptemplate_id=row.pk, client_id=c) for c in members]
        i_rows += [
            GroupTemplateItem(template_id=row.pk, support_item_id=catalogue.items[num].pk,
                              quantity=qty)
            for num, qty in items
        ]
    build.bulk(member_through, m_rows, "group members")
    build.bulk(GroupTemplateItem, i_rows)
    template_ids = sorted({templates[(r.site_id, r.name)].pk for r in rows})
    _ensure_member_lines(build, rng, catalogue, template_ids)
    return template_ids


def _ensure_member_lines(build: Build, rng: random.Random, catalogue: Catalogue, template_ids):
    """Every member's active agreement has a line per template item at the template ratio."""
    templates = GroupTemplate.objects.filter(pk__in=template_ids)
    items = defaultdict(list)
    for t_id, si_id in GroupTemplateItem.objects.filter(
        template__in=templates
    ).values_list("template_id", "support_item_id"):
        items[t_id].append(si_id)
    ratio = dict(templates.values_list("pk", "ratio"))
    needed = set()
    members = GroupTemplate.members.through.objects.filter(grouptemplate__in=templates)
    member_ids = set()
    for t_id, c_id in members.values_list("grouptemplate_id", "client_id"):
        member_ids.add(c_id)
        for si_id in items[t_id]:
            needed.add((c_id, si_id, ratio[t_id]))
    first = monday_on_or_before(build.today)
    last = first + datetime.timedelta(days=7 * build.spec.cycle_weeks - 1)
    agreement_of = {}
    for a_id, c_id in (
        ServiceAgreement.objects.filter(
            client_id__in=member_ids, start_date__lte=first, end_date__gte=last,
        ).order_by("client_id", "start_date", "pk").values_list("pk", "client_id")
    ):
        agreement_of[c_id] = a_id  # the latest that covers the cycle
    have = set(
        ServiceAgreementLine.objects.filter(
            agreement_id__in=agreement_of.values()
        ).values_list("agreement__client_id", "support_item_id", "delivery_ratio")
    )
    number_of = {item.pk: num for num, item in catalogue.items.items()}
    rows = [
        agreement_line(rng, catalogue, agreement_of[c_id], number_of[si_id], r)
        for c_id, si_id, r in sorted(needed - have)
        if c_id in agreement_of
    ]
    build.bulk(ServiceAgreementLine, rows, "agreement lines")


# -- the base roster -------------------------------------------------------------------------


def build_roster(
    build: Build, *, catalogue: Catalogue, places: Places, worker_ids: list[int],
    clients: list[Client], template_ids: list[int],
) -> BaseRoster:
    """The scale's base roster, starting this week's Monday, and its first cycle of sessions.

    A base roster that already has sessions is left alone."""
    spec, report = build.spec, build.report
    roster = BaseRoster.objects.filter(name=spec.roster_name).first()
    if roster is None:
        roster = base_roster_create(
            name=spec.roster_name, cycle_weeks=spec.cycle_weeks,
            start_date=monday_on_or_before(build.today),
        )
        build.created["base rosters"] += 1
    existing = roster.sessions.count()
    if existing:
        report.roster_sessions = existing
        report.roster_skipped = True
        return roster
    plans = Planner(
        build, roster, catalogue=catalogue, places=places, worker_ids=worker_ids,
        clients=clients, template_ids=template_ids,
    ).plan()
    objects = _Objects.load(plans, catalogue, places)
    write = write_in_bulk if spec.write_in_bulk else write_through_services
    write(build, roster, plans, objects)
    _count(build, plans)
    report.roster_sessions = len(plans)
    return roster


def _count(build: Build, plans: list[Plan]):
    created = build.created
    created["sessions"] += len(plans)
    created["group sessions"] += sum(p.work_type == Session.WorkType.GROUP for p in plans)
    created["sleepovers"] += sum(p.session_type == "Sleepover" for p in plans)
    created["session clients"] += sum(len(p.clients) for p in plans)
    created["planned services"] += sum(len(s) for p in plans for _, s in p.clients)
    created["session workers"] += sum(len(p.workers) for p in plans)
    created["session assets"] += sum(len(p.assets) for p in plans)
    created["session activities"] += sum(len(p.activities) for p in plans)


@dataclass
class _Objects:
    """The model instances the plans name by primary key, read once, with what the domain's
    rules look at (a client's sites, an agreement line's agreement and support item)."""

    catalogue: Catalogue
    sites: dict[int, Site]
    regions: dict[int, Region]
    templates: dict[int, GroupTemplate]
    template_items: dict[int, GroupTemplateItem]
    clients: dict[int, Client]
    lines: dict[int, ServiceAgreementLine]
    workers: dict[int, Worker]
    assets: dict[int, Asset]

    @classmethod
    def load(cls, plans: list[Plan], catalogue: Catalogue, places: Places) -> _Objects:
        ids = defaultdict(set)
        for p in plans:
            ids["templates"].add(p.group_template_id)
            ids["workers"].update(p.workers)
            ids["assets"].update(p.assets)
            for c_id, services in p.clients:
                ids["clients"].add(c_id)
                for s in services:
                    ids["lines"].add(s.line.id)
                    ids["template_items"].add(s.group_template_item_id)

        def by_pk(qs, key):
            return qs.in_bulk(sorted(i for i in ids[key] if i is not None))

        return cls(
            catalogue=catalogue,
            sites={s.pk: s for s in places.site_objs},
            regions={r.pk: r for r in places.regions.values()},
            templates=by_pk(GroupTemplate.objects.all(), "templates"),
            template_items=by_pk(GroupTemplateItem.objects.all(), "template_items"),
            clients=by_pk(Client.objects.prefetch_related("sites"), "clients"),
            lines=by_pk(
                ServiceAgreementLine.objects.select_related("agreement", "support_item"),
                "lines",
            ),
            workers=by_pk(Worker.objects.all(), "workers"),
            assets=by_pk(Asset.objects.all(), "assets"),
        )

    def session_fields(self, p: Plan) -> dict:
        """The session's own fields (sessions_app.services.SESSION_FIELDS) for a plan."""
        return dict(
            work_type=p.work_type, billable=True,
            session_type=self.catalogue.session_types[p.session_type], start=p.start,
            end=p.end, subject=p.subject, site=self.sites[p.site.id],
            region=self.regions[p.site.region_id],
            group_template=self.templates.get(p.group_template_id), ratio=p.ratio,
            status=Session.Status.DRAFT, employee_message=p.employee_message,
        )


def write_through_services(build: Build, roster: BaseRoster, plans: list[Plan], objects: _Objects):
    """Each session through session_create: every rule checked as on a person's Save."""
    for p in plans:
        session_create(
            base_roster=roster, **objects.session_fields(p),
            clients=[
                ClientSpec(objects.clients[c_id], [
                    PlannedServiceSpec(objects.lines[s.line.id], s.quantity,
                                       objects.template_items.get(s.group_template_item_id))
                    for s in services
                ])
                for c_id, services in p.clients
            ],
            workers=[objects.workers[w] for w in p.workers],
            assets=[objects.assets[a] for a in p.assets],
            activities=[ActivitySpec(kind, start, end, paid)
                        for kind, start, end, paid in p.activities],
            service_types=[objects.catalogue.service_types[n] for n in p.service_types],
        )


def _check(obj):
    """A model's own rules, in memory: its fields' validators and its clean(). Foreign keys
    are real instances already read, so their existence is not asked of the database again."""
    obj.clean_fields(exclude=[f.name for f in obj._meta.concrete_fields if f.is_relation])
    obj.clean()
    return obj


def write_in_bulk(build: Build, roster: BaseRoster, plans: list[Plan], objects: _Objects):
    """The same sessions as write_through_services, checked in memory with the domain's rules
    and written with bulk_create (a handful of statements per 2,000 rows)."""
    sessions = []
    for p in plans:
        s = _check(Session(base_roster=roster, **objects.session_fields(p)))
        session_shape_check(session=s, clients=p.clients)
        sessions.append(s)
    build.bulk(Session, sessions)

    session_clients, pending = [], []
    workers, assets, activities, types = [], [], [], []
    type_through = Session.service_types.through
    for p, s in zip(plans, sessions, strict=True):
        day = s.local_date
        for client_id, services in p.clients:
            sc = _check(SessionClient(session=s, client=objects.clients[client_id]))
            session_clients.append(sc)
            pending.append((sc, services))
        for w_id in p.workers:
            worker = objects.workers[w_id]
            if not worker.is_active_on(day):  # as session_create refuses it
                raise ValidationError({"workers": f"{worker} is not active on {day:%d/%m/%Y}."})
            workers.append(SessionWorker(session=s, worker=worker))
        assets += [_check(SessionAsset(session=s, asset=objects.assets[a])) for a in p.assets]
        activities += [
            _check(SessionActivity(session=s, kind=kind, start=a_start, end=a_end, paid=paid))
            for kind, a_start, a_end, paid in p.activities
        ]
        types += [
            type_through(session_id=s.pk,
                         servicetype_id=objects.catalogue.service_types[name].pk)
            for name in p.service_types
        ]
    build.bulk(SessionClient, session_clients)
    planned = []
    for sc, services in pending:
        for svc in services:
            line = objects.lines[svc.line.id]
            planned.append(_check(PlannedService(
                session_client=sc, agreement_line=line,
                group_template_item=objects.template_items.get(svc.group_template_item_id),
                support_item_id=line.support_item_id, quantity=svc.quantity,
                unit_price=line.support_item.price,
            )))
    build.bulk(PlannedService, planned)
    build.bulk(SessionWorker, workers)
    build.bulk(SessionAsset, assets)
    build.bulk(SessionActivity, activities)
    build.bulk(type_through, types)
