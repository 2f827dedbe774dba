"""People: workers (regions, qualifications, leave) and clients (sites, service agreements and
their lines)."""

from __future__ import annotations

import datetime
import random
import zoneinfo
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from clients.models import Client, ServiceAgreement, ServiceAgreementLine, SupportItem
from workforce.models import Worker, WorkerQualification, WorkerUnavailability

from .common import CENTS, Build, ascii_lower, weighted
from .reference import (
    COMMUNITY,
    HOUSEHOLD,
    PROVIDER_TRAVEL,
    QUALIFICATIONS,
    SELF_CARE_DAY,
    SELF_CARE_EVENING,
    SELF_CARE_SAT,
    SELF_CARE_SUN,
    SLEEPOVER,
    TRANSPORT,
    Catalogue,
    Places,
)

FIRST_NAMES = (
    "Olivia", "Charlotte", "Amelia", "Isla", "Mia", "Ava", "Grace", "Chloe", "Sophie", "Emily",
    "Zoe", "Ruby", "Matilda", "Harper", "Ella", "Lily", "Jessica", "Sarah", "Hannah", "Emma",
    "Priya", "Mei", "Linh", "Fatima", "Aisha", "Bronwyn", "Narelle", "Kylie", "Sharon",
    "Leanne", "Margaret", "Joan", "Dorothy", "Jack", "Noah", "Oliver", "William", "Leo",
    "Lucas", "Thomas", "Henry", "James", "Ethan", "Liam", "Cooper", "Charlie", "Harrison",
    "Lachlan", "Mason", "Jacob", "Samuel", "Benjamin", "Daniel", "Matthew", "Joshua", "Ryan",
    "Nathan", "Minh", "Arjun", "Mohammed", "Wei", "Rajesh", "Tariq", "Kai", "Jayden",
    "Darren", "Craig", "Wayne", "Shane", "Trent", "Graham", "Kevin", "Bruce", "Ian",
)
LAST_NAMES = (
    "Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Johnson", "White", "Martin",
    "Anderson", "Thompson", "Nguyen", "Thomas", "Walker", "Harris", "Lee", "Ryan", "Robinson",
    "Kelly", "King", "Davis", "Wright", "Evans", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke", "Patel", "Khan", "Singh", "Tran", "Chen", "Wang", "Li", "Zhang",
    "Le", "Pham", "Campbell", "Mitchell", "Young", "Hughes", "Edwards", "Murphy", "O'Brien",
    "Scott", "Stewart", "Kennedy", "Morris", "Cooper", "Bailey", "Baker", "Turner",
    "Phillips", "Murray", "Ward", "Collins", "Bell", "Cook", "Price", "Russell", "Hill",
    "Moore", "Lewis", "Parker", "Graham", "Fraser", "McDonald", "Ross", "Papadopoulos",
    "Rossi", "Costa", "Kaur", "Sharma", "Ali", "Hassan", "Huang", "Nicholls", "Sullivan",
)
PREFERRED_NAMES = {
    "William": "Bill", "Margaret": "Peggy", "Thomas": "Tom", "Matthew": "Matt",
    "Benjamin": "Ben", "Samuel": "Sam", "Daniel": "Dan", "James": "Jim", "Dorothy": "Dot",
    "Joshua": "Josh", "Jessica": "Jess", "Charlotte": "Lottie", "Rajesh": "Raj",
}
CLIENT_NOTES = (
    "Prefers female support workers.",
    "Uses a power wheelchair; two-person hoist transfers.",
    "Lives with elderly parents; call ahead on arrival.",
    "Keen AFL fan – loves a chat about the footy.",
    "Key safe at the front door; code held by the coordinator.",
    "Low vision; please announce yourself when entering.",
    "Vegetarian. Allergic to peanuts.",
)
# Lines a client's agreement may hold besides the first (self-care or community access).
EXTRA_LINES = (
    (COMMUNITY, 5), (SELF_CARE_SAT, 3), (SELF_CARE_SUN, 2), (HOUSEHOLD, 3),
    (PROVIDER_TRAVEL, 3), (TRANSPORT, 2), (SELF_CARE_EVENING, 1), (SLEEPOVER, 1),
)
FUNDING_MIX = (
    (ServiceAgreement.FundingSource.NDIS_PLAN, 40),
    (ServiceAgreement.FundingSource.NDIS_AGENCY, 20),
    (ServiceAgreement.FundingSource.NDIS_SELF, 20),
    (ServiceAgreement.FundingSource.HOME_CARE, 10),
    (ServiceAgreement.FundingSource.PRIVATE, 10),
)
LEAVE_REASONS = ("Annual leave", "Long service leave", "Personal leave")
UNAVAILABLE_REASONS = ("University classes", "School pick-up", "Second job",
                       "Medical appointment")


def names(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """`count` different (first, last) names."""
    pairs = rng.sample(range(len(FIRST_NAMES) * len(LAST_NAMES)), count)
    return [(FIRST_NAMES[p % len(FIRST_NAMES)], LAST_NAMES[p // len(FIRST_NAMES)])
            for p in pairs]


# -- workers ---------------------------------------------------------------------------------


def build_workers(build: Build, catalogue: Catalogue, places: Places) -> list[int]:
    """Workers with their regions, qualifications and leave; returns their ids."""
    spec, today = build.spec, build.today
    rng = build.rng("workers")
    region_ids = [places.regions[r.code].pk for r in spec.regions]
    tz_of_region = {places.regions[r.code].pk: zoneinfo.ZoneInfo(r.time_zone)
                    for r in spec.regions}
    same_tz = {
        rid: [o for o in region_ids if o != rid and tz_of_region[o] == tz_of_region[rid]]
        for rid in region_ids
    }
    # Workers follow the work: regions weighted by their number of sites.
    weights = [len(places.sites_by_region[rid]) or 1 for rid in region_ids]

    rows, plans = [], []
    for i, (first, last) in enumerate(names(rng, spec.workers)):
        email = f"{ascii_lower(first)}.{ascii_lower(last)}"
        if spec.key != "normal":
            email += f".{i + 1:04d}"
        email += f"@{spec.email_domain}"
        active_from = today - datetime.timedelta(days=rng.randint(60, 8 * 365))
        active_to = None
        roll = rng.random()
        if roll < 0.03:  # left the organisation
            active_to = today - datetime.timedelta(days=rng.randint(10, 50))
            active_from = min(active_from, active_to - datetime.timedelta(days=200))
        elif roll < 0.06:  # leaving soon
            active_to = today + datetime.timedelta(days=rng.randint(20, 90))
        home = rng.choices(region_ids, weights=weights)[0]
        regions = [home]
        if rng.random() < 0.15:
            others = same_tz[home] or [r for r in region_ids if r != home]
            if others:
                regions.append(rng.choice(others))
        rows.append(Worker(
            first_name=first, last_name=last, email=email,
            phone=f"04{rng.randint(0, 99):02d} {rng.randint(0, 999):03d} "
                  f"{rng.randint(0, 999):03d}",
            active_from=active_from, active_to=active_to,
        ))
        plans.append((regions, _worker_quals(rng, today),
                      _worker_leave(rng, today, tz_of_region[home])))

    emails = [w.email for w in rows]
    workers, new = build.ensure(
        Worker, rows, lambda o: o.email, Worker.objects.filter(email__in=emails)
    )
    build.created["workers"] += len(new)
    new_emails = {w.email for w in new}
    region_through = Worker.regions.through
    wq_rows, wu_rows, wr_rows = [], [], []
    for row, (regions, quals, leave) in zip(rows, plans, strict=True):
        if row.email not in new_emails:
            continue
        wr_rows += [region_through(worker_id=row.pk, region_id=rid) for rid in regions]
        wq_rows += [
            WorkerQualification(
                worker_id=row.pk, qualification_id=catalogue.quals_by_code[code].pk,
                obtained_on=obtained, expires_on=expires,
            )
            for code, obtained, expires in quals
        ]
        wu_rows += [
            WorkerUnavailability(worker_id=row.pk, kind=kind, start=start, end=end,
                                 reason=reason)
            for kind, start, end, reason in leave
        ]
    build.bulk(region_through, wr_rows)
    build.bulk(WorkerQualification, wq_rows, "worker qualifications")
    build.bulk(WorkerUnavailability, wu_rows, "worker unavailability")
    return [workers[e].pk for e in emails]


def _worker_quals(rng: random.Random, today: datetime.date):
    out = []
    for q in QUALIFICATIONS:
        if rng.random() >= q.share:
            continue
        if q.valid_years is None:
            obtained = today - datetime.timedelta(days=rng.randint(30, 3000))
            expires = None
        else:
            span = q.valid_years * 365
            # Mostly current; some expire soon, a few have lapsed.
            obtained = today - datetime.timedelta(days=rng.randint(10, span + 45))
            expires = obtained + relativedelta(years=q.valid_years)
        out.append((q.code, obtained, expires))
    return out


def _worker_leave(rng: random.Random, today: datetime.date, tz: zoneinfo.ZoneInfo):
    out = []
    roll = rng.random()
    if roll < 0.1:
        first = today + datetime.timedelta(days=rng.randint(-10, 40))
        days = rng.choice((3, 5, 7, 10, 14))
        out.append((
            WorkerUnavailability.Kind.LEAVE,
            datetime.datetime.combine(first, datetime.time(0), tzinfo=tz),
            datetime.datetime.combine(first + datetime.timedelta(days=days),
                                      datetime.time(0), tzinfo=tz),
            rng.choice(LEAVE_REASONS),
        ))
    elif roll < 0.25:
        for _ in range(rng.randint(1, 2)):
            day = today + datetime.timedelta(days=rng.randint(-5, 30))
            start_h = rng.choice((8, 9, 13, 14, 15))
            out.append((
                WorkerUnavailability.Kind.UNAVAILABLE,
                datetime.datetime.combine(day, datetime.time(start_h), tzinfo=tz),
                datetime.datetime.combine(day, datetime.time(start_h + 3), tzinfo=tz),
                rng.choice(UNAVAILABLE_REASONS),
            ))
    return out


# -- clients ---------------------------------------------------------------------------------


def build_clients(build: Build, catalogue: Catalogue, places: Places) -> list[Client]:
    """Clients with their sites and one service agreement each (3 months back, 9 ahead)."""
    spec, today = build.spec, build.today
    rng = build.rng("clients")
    numbers = rng.sample(range(10**6), spec.clients)
    rows, plans = [], []
    for i, (first, last) in enumerate(names(rng, spec.clients)):
        site = places.site_objs[i % len(places.site_objs)]
        sites = [site.pk]
        if rng.random() < 0.25:
            others = [s.pk for s in places.sites_by_region[site.region_id] if s.pk != site.pk]
            if others:
                sites.append(rng.choice(others))
        preferred = PREFERRED_NAMES.get(first, "") if rng.random() < 0.5 else ""
        rows.append(Client(
            first_name=first, last_name=last, preferred_name=preferred,
            ndis_number=f"{spec.ndis_prefix}{numbers[i]:06d}",
            date_of_birth=datetime.date(rng.randint(1948, 2006), rng.randint(1, 12),
                                        rng.randint(1, 28)),
            notes=rng.choice(CLIENT_NOTES) if rng.random() < 0.2 else "",
        ))
        first_line = SELF_CARE_DAY if rng.random() < 0.8 else COMMUNITY
        lines = [first_line]
        extra = [(num, w) for num, w in EXTRA_LINES if num != first_line]
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            pick = weighted(rng, extra)
            extra = [(num, w) for num, w in extra if num != pick]
            lines.append(pick)
        funding = weighted(rng, FUNDING_MIX)
        plans.append((sites, lines, funding))

    clients, new = build.ensure(
        Client, rows, lambda o: o.ndis_number,
        Client.objects.filter(ndis_number__in=[c.ndis_number for c in rows]),
    )
    build.created["clients"] += len(new)
    new_numbers = {c.ndis_number for c in new}
    site_through = Client.sites.through
    st_rows, agreements, line_plans = [], [], []
    start = today - relativedelta(months=3)
    end = today + relativedelta(months=9)
    for row, (sites, lines, funding) in zip(rows, plans, strict=True):
        if row.ndis_number not in new_numbers:
            continue
        st_rows += [site_through(client_id=row.pk, site_id=sid) for sid in sites]
        agreement = ServiceAgreement(
            client_id=row.pk, reference=f"SA-{row.ndis_number}-{start:%y%m}",
            start_date=start, end_date=end, funding_source=funding,
        )
        agreements.append(agreement)
        line_plans.append((agreement, lines))
    build.bulk(site_through, st_rows)
    build.bulk(ServiceAgreement, agreements, "service agreements")
    line_rows = []
    for agreement, lines in line_plans:
        for num in lines:
            line_rows.append(agreement_line(rng, catalogue, agreement.pk, num, "1:1"))
    build.bulk(ServiceAgreementLine, line_rows, "agreement lines")
    return [clients[c.ndis_number] for c in rows]


def agreement_line(
    rng: random.Random, catalogue: Catalogue, agreement_id: int, item_number: str, ratio: str
) -> ServiceAgreementLine:
    """An agreement line with a plausible yearly budget for the item."""
    item = catalogue.items[item_number]
    if item.unit == SupportItem.Unit.KM:
        qty = Decimal(rng.choice((500, 1000, 1500, 2000, 3000)))
    elif item.unit == SupportItem.Unit.EACH:
        qty = Decimal(rng.choice((52, 104, 156)))
    else:
        qty = Decimal(rng.choice((104, 156, 208, 312, 416, 520)))
    return ServiceAgreementLine(
        agreement_id=agreement_id, support_item_id=item.pk, budget_quantity=qty,
        budget_amount=(qty * item.price).quantize(CENTS), delivery_ratio=ratio,
    )
