"""Demo data: a believable Australian disability-care provider, built fast and idempotently.

`seed_demo()` is what `manage.py seed_demo` calls. Two sizes share one code path:

* ``normal`` (`build_normal`): 3 regions, 8 sites, ~60 workers, ~120 clients and the
  "Demo base roster – fortnight" with ~150 sessions;
* ``large`` (`build_large`): a provider-size data set (1,000 workers, 2,500 clients, 60 sites in
  10 regions) and the one-week "Large provider pattern" with ~15,000 sessions.

Every row is keyed by a natural key (names, codes, item numbers, NDIS numbers, e-mail
addresses, usernames), so a second run creates nothing; a base roster that already has
sessions is left alone. Randomness comes from `random.Random` seeded per stage, so a run is
deterministic for a given seed and date. Rows are written with `bulk_create`; the sessions are
planned in memory (by primary key) and satisfy the session invariants: clients at the session's
site, planned services from the client's active agreement line, assets of the session's region,
activities inside the session, and no worker, client or asset booked twice at once.
"""

from __future__ import annotations

import datetime
import math
import random
import time
import unicodedata
import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from clients import wallclock
from clients.models import (
    Client,
    GroupTemplate,
    GroupTemplateItem,
    Region,
    ServiceAgreement,
    ServiceAgreementLine,
    Site,
    SupportItem,
)
from rostering.models import BaseRoster
from scheduling.roles import ensure_roles
from sessions_app.models import (
    PlannedService,
    ServiceType,
    Session,
    SessionActivity,
    SessionAsset,
    SessionClient,
    SessionType,
    SessionWorker,
)
from workforce.models import (
    Asset,
    Qualification,
    Worker,
    WorkerQualification,
    WorkerUnavailability,
)

DEFAULT_SEED = 2025
BATCH_SIZE = 2000
UTC = datetime.UTC
CENTS = Decimal("0.01")
MAX_WEEKLY_HOURS = 40

NORMAL_ROSTER_NAME = "Demo base roster – fortnight"
LARGE_ROSTER_NAME = "Large provider pattern"


class DemoLoginsRefused(Exception):
    """Demo logins (admin/admin …) may not be created under production settings."""


# ------------------------------------------------------------------------------------------
# Reference data
# ------------------------------------------------------------------------------------------

STATE_OF_TZ = {
    "Australia/Sydney": "NSW",
    "Australia/Brisbane": "QLD",
    "Australia/Perth": "WA",
}


@dataclass(frozen=True)
class RegionSpec:
    name: str
    code: str
    time_zone: str
    suburbs: tuple[tuple[str, str], ...]  # (suburb, postcode)


NORMAL_REGIONS = (
    RegionSpec(
        "Sydney West", "syd-west", "Australia/Sydney",
        (("Parramatta", "2150"), ("Blacktown", "2148"), ("Penrith", "2750")),
    ),
    RegionSpec(
        "Brisbane North", "bne-north", "Australia/Brisbane",
        (("Chermside", "4032"), ("Strathpine", "4500"), ("Redcliffe", "4020")),
    ),
    RegionSpec(
        "Perth South", "per-south", "Australia/Perth",
        (("Rockingham", "6168"), ("Mandurah", "6210")),
    ),
)

# Ordered so that any leading slice mixes the three time zones.
LARGE_REGIONS = (
    RegionSpec(
        "Hunter", "hunter", "Australia/Sydney",
        (("Newcastle", "2300"), ("Maitland", "2320"), ("Cessnock", "2325"),
         ("Raymond Terrace", "2324"), ("Charlestown", "2290"), ("Cardiff", "2285")),
    ),
    RegionSpec(
        "Gold Coast", "gold-coast", "Australia/Brisbane",
        (("Southport", "4215"), ("Robina", "4226"), ("Nerang", "4211"),
         ("Coomera", "4209"), ("Burleigh Heads", "4220"), ("Coolangatta", "4225")),
    ),
    RegionSpec(
        "Perth North", "per-north", "Australia/Perth",
        (("Joondalup", "6027"), ("Wanneroo", "6065"), ("Scarborough", "6019"),
         ("Mirrabooka", "6061"), ("Clarkson", "6030"), ("Ellenbrook", "6069")),
    ),
    RegionSpec(
        "Illawarra", "illawarra", "Australia/Sydney",
        (("Wollongong", "2500"), ("Shellharbour", "2529"), ("Dapto", "2530"),
         ("Corrimal", "2518"), ("Warrawong", "2502"), ("Kiama", "2533")),
    ),
    RegionSpec(
        "Sunshine Coast", "sunshine-coast", "Australia/Brisbane",
        (("Maroochydore", "4558"), ("Caloundra", "4551"), ("Nambour", "4560"),
         ("Noosaville", "4566"), ("Buderim", "4556"), ("Kawana Waters", "4575")),
    ),
    RegionSpec(
        "Peel", "peel", "Australia/Perth",
        (("Pinjarra", "6208"), ("Waroona", "6215"), ("Halls Head", "6210"),
         ("Falcon", "6210"), ("Dawesville", "6211"), ("Serpentine", "6125")),
    ),
    RegionSpec(
        "Central Coast", "central-coast", "Australia/Sydney",
        (("Gosford", "2250"), ("Wyong", "2259"), ("Tuggerah", "2259"),
         ("Erina", "2250"), ("The Entrance", "2261"), ("Woy Woy", "2256")),
    ),
    RegionSpec(
        "Brisbane South", "bne-south", "Australia/Brisbane",
        (("Logan Central", "4114"), ("Springwood", "4127"), ("Mount Gravatt", "4122"),
         ("Sunnybank", "4109"), ("Browns Plains", "4118"), ("Beenleigh", "4207")),
    ),
    RegionSpec(
        "Sydney South", "syd-south", "Australia/Sydney",
        (("Hurstville", "2220"), ("Sutherland", "2232"), ("Miranda", "2228"),
         ("Kogarah", "2217"), ("Engadine", "2233"), ("Cronulla", "2230")),
    ),
    RegionSpec(
        "Sydney North", "syd-north", "Australia/Sydney",
        (("Chatswood", "2067"), ("Hornsby", "2077"), ("Dee Why", "2099"),
         ("Ryde", "2112"), ("Brookvale", "2100"), ("Epping", "2121")),
    ),
)

SITE_SUFFIXES = (
    "Day Centre", "Community Hub", "Supported Living", "Respite House",
    "Life Skills Centre", "Home Support Office",
)
STREETS = (
    "Church Street", "George Street", "Main Road", "Station Street", "High Street",
    "Victoria Road", "Railway Parade", "Smith Street", "Bay Road", "Albert Street",
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
EMPLOYEE_MESSAGES = (
    "Please sign the visit log in the folder on the kitchen bench.",
    "Bring the client's Webster pack from the office.",
    "Parking is available in the driveway.",
    "Check the communication book for notes from the family.",
    "Text the coordinator when you arrive.",
)


@dataclass(frozen=True)
class QualSpec:
    name: str
    code: str
    valid_years: int | None
    share: float  # share of workers holding it


QUALIFICATIONS = (
    QualSpec("First Aid", "first-aid", 3, 0.85),
    QualSpec("CPR", "cpr", 1, 0.9),
    QualSpec("Manual Handling", "manual-handling", None, 0.85),
    QualSpec("Manual Handling – Hoist", "manual-handling-hoist", None, 0.35),
    QualSpec("Medication Administration", "medication-administration", 2, 0.45),
    QualSpec("NDIS Worker Screening", "ndis-worker-screening", 5, 1.0),
    QualSpec("Driver Licence", "driver-licence", 5, 0.75),
)

# Item numbers follow the NDIS Support Catalogue; prices are plausible 2024–25 limits.
SELF_CARE_DAY = "01_011_0107_1_1"
SELF_CARE_EVENING = "01_015_0107_1_1"
SELF_CARE_SAT = "01_013_0107_1_1"
SELF_CARE_SUN = "01_014_0107_1_1"
SELF_CARE_NIGHT = "01_002_0107_1_1"
SLEEPOVER = "01_010_0107_1_1"
HOUSEHOLD = "01_020_0120_1_1"
PROVIDER_TRAVEL = "01_799_0107_1_1"
COMMUNITY = "04_104_0125_6_1"
GROUP_COMMUNITY = "04_102_0136_6_1"
TRANSPORT = "04_590_0125_6_1"

SUPPORT_ITEMS = (
    (SELF_CARE_DAY, "Assistance With Self-Care Activities - Standard - Weekday Daytime",
     "hour", "70.23"),
    (SELF_CARE_EVENING, "Assistance With Self-Care Activities - Standard - Weekday Evening",
     "hour", "77.38"),
    (SELF_CARE_SAT, "Assistance With Self-Care Activities - Standard - Saturday",
     "hour", "98.83"),
    (SELF_CARE_SUN, "Assistance With Self-Care Activities - Standard - Sunday",
     "hour", "127.43"),
    (SELF_CARE_NIGHT, "Assistance With Self-Care Activities - Standard - Weekday Night",
     "hour", "78.81"),
    (SLEEPOVER, "Assistance With Self-Care Activities - Night-Time Sleepover", "each", "297.60"),
    (HOUSEHOLD, "House Cleaning And Other Household Activities", "hour", "58.03"),
    (PROVIDER_TRAVEL, "Provider Travel - Non-Labour Costs", "km", "0.99"),
    (COMMUNITY, "Access Community Social and Rec Activ - Standard - Weekday Daytime",
     "hour", "70.23"),
    (GROUP_COMMUNITY, "Group Activities In The Community - Standard - Weekday Daytime - 1:3",
     "hour", "25.73"),
    (TRANSPORT, "Activity Based Transport", "km", "1.00"),
)

SESSION_TYPES = {
    "Personal Care": ("ndis-worker-screening", "manual-handling"),
    "Community Access": ("ndis-worker-screening",),
    "Group Program": ("ndis-worker-screening", "first-aid"),
    "Sleepover": ("ndis-worker-screening", "first-aid"),
    "Domestic Assistance": ("ndis-worker-screening",),
    "Transport": ("ndis-worker-screening", "driver-licence"),
}
SERVICE_TYPES = ("Personal care", "Social and community", "Domestic", "Transport",
                 "Overnight support")
SERVICE_TYPE_OF = {
    "Personal Care": "Personal care",
    "Community Access": "Social and community",
    "Group Program": "Social and community",
    "Sleepover": "Overnight support",
    "Domestic Assistance": "Domestic",
    "Transport": "Transport",
}

GROUP_NAMES = (
    "Art & Craft group", "Social outing", "Cooking club", "Men's Shed", "Gardening group",
    "Music & movement", "Ten-pin bowling", "Movie club", "Life skills – shopping",
    "Walking group", "Games afternoon", "Aqua fitness",
)
# Groups that leave the site: they claim transport and take the minibus.
OUTINGS = {"Social outing", "Ten-pin bowling", "Movie club", "Life skills – shopping"}
GROUP_RATIO = "1:3"


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
# Lines a client's agreement may hold besides the first (self-care or community access).
EXTRA_LINES = (
    (COMMUNITY, 5), (SELF_CARE_SAT, 3), (SELF_CARE_SUN, 2), (HOUSEHOLD, 3),
    (PROVIDER_TRAVEL, 3), (TRANSPORT, 2), (SELF_CARE_EVENING, 1), (SLEEPOVER, 1),
)
HOIST_QUAL = "manual-handling-hoist"

# Assets per region: kind -> (label, how many per site in the region, at least)
ASSET_PLAN = (
    ("shower_chair", "Shower chair", 1.0, 2),
    ("hoist", "Hoist", 0.5, 1),
    ("minibus", "Minibus", 0.5, 1),
    ("vehicle", "Accessible vehicle", 1.0, 2),
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

DEMO_LOGINS = (
    # username, group, is_staff, is_superuser
    ("admin", "Administrator", True, True),
    ("scheduler", "Scheduler", False, False),
    ("coordinator", "Coordinator", False, False),
)


# ------------------------------------------------------------------------------------------
# What a run builds and reports
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScaleSpec:
    key: str
    roster_name: str
    cycle_weeks: int
    regions: tuple[RegionSpec, ...]
    sites: int
    workers: int
    clients: int
    sessions: int  # in the first cycle
    group_share: float  # share of sessions that are group sessions
    sleepover_share: float
    group_meetings_per_week: int
    email_domain: str
    ndis_prefix: str


@dataclass
class SeedReport:
    scale: str
    roster_name: str
    created: Counter = field(default_factory=Counter)
    roster_sessions: int = 0
    roster_skipped: bool = False
    logins: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    def summary(self) -> str:
        order = (
            "regions", "sites", "assets", "qualifications", "support items", "session types",
            "service types", "workers", "worker qualifications", "worker unavailability",
            "clients", "service agreements", "agreement lines", "group templates",
            "group members", "base rosters", "sessions", "group sessions", "sleepovers",
            "session clients", "planned services", "session workers", "session assets",
            "session activities", "logins",
        )
        made = [f"{name} {self.created[name]:,}" for name in order if self.created[name]]
        lines = [
            f"Demo data ({self.scale} scale) seeded in {self.elapsed:.1f} s.",
            "Created: " + (", ".join(made) if made else "nothing new (already seeded)."),
        ]
        if self.roster_skipped:
            lines.append(
                f'Base roster "{self.roster_name}" already has {self.roster_sessions:,} '
                "sessions; left as it is."
            )
        else:
            lines.append(
                f'Base roster "{self.roster_name}": {self.roster_sessions:,} sessions.'
            )
        if self.logins:
            lines.append(
                "Demo logins (password = username): " + ", ".join(self.logins) + "."
            )
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------
# Entry points
# ------------------------------------------------------------------------------------------


def seed_demo(
    *, scale: str = "normal", seed: int = DEFAULT_SEED, today: datetime.date | None = None,
    logins: bool = True,
) -> SeedReport:
    """Seed the demo data of the given scale and, unless `logins` is False, the demo logins.

    Raises `DemoLoginsRefused` (before writing anything) when logins are asked for under
    settings that forbid them (`DEMO_LOGINS_ALLOWED = False`).
    """
    if logins and not getattr(settings, "DEMO_LOGINS_ALLOWED", False):
        raise DemoLoginsRefused("Demo logins are refused under production settings")
    started = time.perf_counter()
    with transaction.atomic():
        if scale == "large":
            report = build_large(seed=seed, today=today)
        elif scale == "normal":
            report = build_normal(seed=seed, today=today)
        else:
            raise ValueError(f"Unknown scale {scale!r}: use 'normal' or 'large'.")
        if logins:
            report.logins, made = ensure_demo_logins()
            report.created["logins"] += made
    report.elapsed = time.perf_counter() - started
    return report


def normal_spec() -> ScaleSpec:
    return ScaleSpec(
        key="normal",
        roster_name=NORMAL_ROSTER_NAME,
        cycle_weeks=2,
        regions=NORMAL_REGIONS,
        sites=sum(len(r.suburbs) for r in NORMAL_REGIONS),
        workers=60,
        clients=120,
        sessions=150,
        group_share=0.1,
        sleepover_share=0.04,
        group_meetings_per_week=1,
        email_domain="brightpath-care.example",
        ndis_prefix="430",
    )


def large_spec(
    *, workers: int = 1000, clients: int = 2500, sites: int = 60, regions: int = 10,
    sessions_per_week: int = 15000,
) -> ScaleSpec:
    regions = max(1, min(regions, sites, len(LARGE_REGIONS)))
    return ScaleSpec(
        key="large",
        roster_name=LARGE_ROSTER_NAME,
        cycle_weeks=1,
        regions=LARGE_REGIONS[:regions],
        sites=sites,
        workers=workers,
        clients=clients,
        sessions=sessions_per_week,
        group_share=0.05,
        sleepover_share=0.02,
        group_meetings_per_week=2,
        email_domain="large-provider.example",
        ndis_prefix="431",
    )


def build_normal(*, seed: int = DEFAULT_SEED, today: datetime.date | None = None) -> SeedReport:
    """The everyday demo: 3 regions, 8 sites, ~60 workers, ~120 clients, ~150 sessions."""
    return _build(normal_spec(), seed=seed, today=today)


def build_large(
    *, workers: int = 1000, clients: int = 2500, sites: int = 60, regions: int = 10,
    sessions_per_week: int = 15000, seed: int = DEFAULT_SEED,
    today: datetime.date | None = None, batch_size: int = BATCH_SIZE,
) -> SeedReport:
    """Provider-size data; the parameters shrink it (tests) without changing the code path."""
    spec = large_spec(
        workers=workers, clients=clients, sites=sites, regions=regions,
        sessions_per_week=sessions_per_week,
    )
    return _build(spec, seed=seed, today=today, batch_size=batch_size)


def ensure_demo_logins() -> tuple[list[str], int]:
    """admin / scheduler / coordinator, password = username. Existing users are left alone."""
    if not getattr(settings, "DEMO_LOGINS_ALLOWED", False):
        raise DemoLoginsRefused("Demo logins are refused under production settings")
    User = get_user_model()
    names = [group for _, group, _, _ in DEMO_LOGINS]
    groups = {g.name: g for g in Group.objects.filter(name__in=names)}
    if len(groups) < len(names):  # the data migration's groups were flushed: recreate them
        groups = ensure_roles()
    made = 0
    for username, group_name, is_staff, is_superuser in DEMO_LOGINS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                email=f"{username}@brightpath-care.example",
                is_staff=is_staff,
                is_superuser=is_superuser,
            )
            user.set_password(username)
            user.save()
            made += 1
        user.groups.add(groups[group_name])
    return [name for name, *_ in DEMO_LOGINS], made


# ------------------------------------------------------------------------------------------
# The build
# ------------------------------------------------------------------------------------------


def _rng(seed: int, stage: str) -> random.Random:
    return random.Random(f"{seed}:{stage}")


def _monday_on_or_before(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _build(
    spec: ScaleSpec, *, seed: int, today: datetime.date | None, batch_size: int = BATCH_SIZE
) -> SeedReport:
    started = time.perf_counter()
    today = today or timezone.localdate()
    report = SeedReport(scale=spec.key, roster_name=spec.roster_name)
    with transaction.atomic():
        b = _Builder(spec, seed=seed, today=today, batch_size=batch_size, report=report)
        b.catalogue()
        b.places()
        b.workers()
        b.clients()
        b.group_templates()
        b.roster()
    report.elapsed = time.perf_counter() - started
    return report


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _ratio_parts(ratio: str) -> tuple[int, int]:
    workers, _, clients = ratio.partition(":")
    return int(workers), int(clients)


@dataclass
class _SiteInfo:
    id: int
    name: str
    region_id: int
    tz: zoneinfo.ZoneInfo


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
    name: str
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
class _Service:
    line: _LineInfo
    quantity: Decimal
    group_template_item_id: int | None = None


@dataclass
class _Plan:
    site: _SiteInfo
    session_type: str
    work_type: str
    start: datetime.datetime  # UTC
    end: datetime.datetime
    subject: str
    ratio: str = ""
    group_template_id: int | None = None
    clients: list[tuple[int, list[_Service]]] = field(default_factory=list)
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


class _Builder:
    def __init__(self, spec: ScaleSpec, *, seed, today, batch_size, report: SeedReport):
        self.spec = spec
        self.seed = seed
        self.today = today
        self.batch_size = batch_size
        self.report = report
        self.created = report.created

    # -- helpers -----------------------------------------------------------------------------

    def _ensure(self, model, rows: list, key, existing_qs) -> tuple[dict, list]:
        """Create the rows whose natural key is missing; return (key -> object, new rows)."""
        existing = {key(obj): obj for obj in existing_qs}
        new = []
        seen = set(existing)
        for row in rows:
            k = key(row)
            if k not in seen:
                seen.add(k)
                new.append(row)
        model.objects.bulk_create(new, batch_size=self.batch_size)
        existing.update({key(obj): obj for obj in new})
        return existing, new

    def _bulk(self, model, rows: list, label: str | None = None):
        model.objects.bulk_create(rows, batch_size=self.batch_size)
        if label:
            self.created[label] += len(rows)
        return rows

    # -- catalogue ---------------------------------------------------------------------------

    def catalogue(self):
        quals, new = self._ensure(
            Qualification,
            [Qualification(name=q.name, code=q.code) for q in QUALIFICATIONS],
            lambda o: o.code,
            Qualification.objects.filter(code__in=[q.code for q in QUALIFICATIONS]),
        )
        self.created["qualifications"] += len(new)
        self.quals_by_code = quals

        items, new = self._ensure(
            SupportItem,
            [
                SupportItem(item_number=num, name=name, unit=unit, price=Decimal(price))
                for num, name, unit, price in SUPPORT_ITEMS
            ],
            lambda o: o.item_number,
            SupportItem.objects.filter(item_number__in=[i[0] for i in SUPPORT_ITEMS]),
        )
        self.created["support items"] += len(new)
        self.items = items

        session_types, new = self._ensure(
            SessionType,
            [SessionType(name=name) for name in SESSION_TYPES],
            lambda o: o.name,
            SessionType.objects.filter(name__in=list(SESSION_TYPES)),
        )
        self.created["session types"] += len(new)
        through = SessionType.required_qualifications.through
        self._bulk(through, [
            through(sessiontype_id=st.pk, qualification_id=quals[code].pk)
            for st in new for code in SESSION_TYPES[st.name]
        ])
        self.session_types = session_types
        self.required_quals = defaultdict(list)
        for st_id, q_id in through.objects.filter(
            sessiontype__in=list(session_types.values())
        ).values_list("sessiontype_id", "qualification_id"):
            self.required_quals[st_id].append(q_id)

        service_types, new = self._ensure(
            ServiceType,
            [ServiceType(name=name) for name in SERVICE_TYPES],
            lambda o: o.name,
            ServiceType.objects.filter(name__in=SERVICE_TYPES),
        )
        self.created["service types"] += len(new)
        self.service_types = service_types

    # -- regions, sites, assets --------------------------------------------------------------

    def places(self):
        spec = self.spec
        rng = _rng(self.seed, f"{spec.key}:places")
        regions, new = self._ensure(
            Region,
            [Region(name=r.name, code=r.code) for r in spec.regions],
            lambda o: o.code,
            Region.objects.filter(code__in=[r.code for r in spec.regions]),
        )
        self.created["regions"] += len(new)
        self.regions = regions

        site_rows = []
        for i in range(spec.sites):
            r_index = i % len(spec.regions)
            region_spec = spec.regions[r_index]
            k = i // len(spec.regions)
            suburb, postcode = region_spec.suburbs[k % len(region_spec.suburbs)]
            suffix = SITE_SUFFIXES[(k + r_index + k // len(region_spec.suburbs))
                                   % len(SITE_SUFFIXES)]
            state = STATE_OF_TZ[region_spec.time_zone]
            site_rows.append(Site(
                name=f"{suburb} {suffix}",
                region=regions[region_spec.code],
                time_zone=region_spec.time_zone,
                address=(f"{rng.randint(1, 240)} {rng.choice(STREETS)}, "
                         f"{suburb} {state} {postcode}"),
            ))
        sites, new = self._ensure(
            Site, site_rows, lambda o: o.name,
            Site.objects.filter(name__in=[s.name for s in site_rows]),
        )
        self.created["sites"] += len(new)
        # Keep the spec's order (it decides who goes where), not the database's.
        self.site_objs = [sites[s.name] for s in site_rows]
        self.sites = {
            s.pk: _SiteInfo(s.pk, s.name, s.region_id, zoneinfo.ZoneInfo(s.time_zone))
            for s in self.site_objs
        }
        self.sites_by_region = defaultdict(list)
        for s in self.site_objs:
            self.sites_by_region[s.region_id].append(s)

        asset_rows = []
        for region_spec in spec.regions:
            region = regions[region_spec.code]
            n_sites = len(self.sites_by_region[region.pk])
            state = STATE_OF_TZ[region_spec.time_zone]
            for kind, label, per_site, at_least in ASSET_PLAN:
                for n in range(1, max(at_least, math.ceil(per_site * n_sites)) + 1):
                    vehicle = kind in ("minibus", "vehicle")
                    asset_rows.append(Asset(
                        name=f"{label} {n} – {region.name}",
                        kind=kind,
                        region=region,
                        registration=_registration(rng, state) if vehicle else "",
                    ))
        assets, new = self._ensure(
            Asset, asset_rows, lambda o: (o.region_id, o.name),
            Asset.objects.filter(region__in=list(regions.values())),
        )
        self.created["assets"] += len(new)
        self.assets_by_region = defaultdict(lambda: defaultdict(list))
        for a in asset_rows:
            obj = assets[(a.region_id, a.name)]
            self.assets_by_region[obj.region_id][obj.kind].append(obj.pk)

    # -- workers -----------------------------------------------------------------------------

    def _names(self, rng, count):
        pairs = rng.sample(range(len(FIRST_NAMES) * len(LAST_NAMES)), count)
        return [(FIRST_NAMES[p % len(FIRST_NAMES)], LAST_NAMES[p // len(FIRST_NAMES)])
                for p in pairs]

    def workers(self):
        spec, today = self.spec, self.today
        rng = _rng(self.seed, f"{spec.key}:workers")
        region_ids = [self.regions[r.code].pk for r in spec.regions]
        tz_of_region = {self.regions[r.code].pk: zoneinfo.ZoneInfo(r.time_zone)
                        for r in spec.regions}
        same_tz = {
            rid: [o for o in region_ids if o != rid and tz_of_region[o] == tz_of_region[rid]]
            for rid in region_ids
        }
        # Workers follow the work: regions weighted by their number of sites.
        weights = [len(self.sites_by_region[rid]) or 1 for rid in region_ids]

        rows, plans = [], []
        for i, (first, last) in enumerate(self._names(rng, spec.workers)):
            email = f"{_ascii(first)}.{_ascii(last)}"
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
            plans.append((regions, self._worker_quals(rng), self._worker_leave(
                rng, tz_of_region[home])))

        emails = [w.email for w in rows]
        workers, new = self._ensure(
            Worker, rows, lambda o: o.email, Worker.objects.filter(email__in=emails)
        )
        self.created["workers"] += len(new)
        new_emails = {w.email for w in new}
        region_through = Worker.regions.through
        wq_rows, wu_rows, wr_rows = [], [], []
        for row, (regions, quals, leave) in zip(rows, plans, strict=True):
            if row.email not in new_emails:
                continue
            wr_rows += [region_through(worker_id=row.pk, region_id=rid) for rid in regions]
            wq_rows += [
                WorkerQualification(
                    worker_id=row.pk, qualification_id=self.quals_by_code[code].pk,
                    obtained_on=obtained, expires_on=expires,
                )
                for code, obtained, expires in quals
            ]
            wu_rows += [
                WorkerUnavailability(worker_id=row.pk, kind=kind, start=start, end=end,
                                     reason=reason)
                for kind, start, end, reason in leave
            ]
        self._bulk(region_through, wr_rows)
        self._bulk(WorkerQualification, wq_rows, "worker qualifications")
        self._bulk(WorkerUnavailability, wu_rows, "worker unavailability")
        self.worker_ids = [workers[e].pk for e in emails]

    def _worker_quals(self, rng):
        today = self.today
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

    def _worker_leave(self, rng, tz):
        today = self.today
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

    # -- clients -----------------------------------------------------------------------------

    def clients(self):
        spec, today = self.spec, self.today
        rng = _rng(self.seed, f"{spec.key}:clients")
        numbers = rng.sample(range(10**6), spec.clients)
        rows, plans = [], []
        for i, (first, last) in enumerate(self._names(rng, spec.clients)):
            site = self.site_objs[i % len(self.site_objs)]
            sites = [site.pk]
            if rng.random() < 0.25:
                others = [s.pk for s in self.sites_by_region[site.region_id] if s.pk != site.pk]
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
                pick = _weighted(rng, extra)
                extra = [(num, w) for num, w in extra if num != pick]
                lines.append(pick)
            funding = _weighted(rng, FUNDING_MIX)
            plans.append((sites, lines, funding))

        clients, new = self._ensure(
            Client, rows, lambda o: o.ndis_number,
            Client.objects.filter(ndis_number__in=[c.ndis_number for c in rows]),
        )
        self.created["clients"] += len(new)
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
        self._bulk(site_through, st_rows)
        self._bulk(ServiceAgreement, agreements, "service agreements")
        line_rows = []
        for agreement, lines in line_plans:
            for num in lines:
                line_rows.append(self._line(rng, agreement.pk, num, "1:1"))
        self._bulk(ServiceAgreementLine, line_rows, "agreement lines")
        self.client_objs = [clients[c.ndis_number] for c in rows]

    def _line(self, rng, agreement_id, item_number, ratio) -> ServiceAgreementLine:
        item = self.items[item_number]
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

    # -- group templates ---------------------------------------------------------------------

    def group_templates(self):
        spec = self.spec
        rng = _rng(self.seed, f"{spec.key}:groups")
        target = round(spec.sessions * spec.group_share)
        meetings = spec.group_meetings_per_week * spec.cycle_weeks
        count = math.ceil(target / meetings) if target else 0

        site_clients = defaultdict(list)
        through = Client.sites.through
        for client_id, site_id in through.objects.filter(
            client__in=self.client_objs
        ).values_list("client_id", "site_id"):
            site_clients[site_id].append(client_id)
        for ids in site_clients.values():
            ids.sort()

        hosts = [s for s in self.site_objs if len(site_clients[s.pk]) >= 3]
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
            name = GROUP_NAMES[(n + self.site_objs.index(site)) % len(GROUP_NAMES)]
            members = rng.sample(site_clients[site.pk], min(len(site_clients[site.pk]),
                                                            rng.randint(3, 6)))
            items = [(GROUP_COMMUNITY, None)]
            if name in OUTINGS:
                items.append((TRANSPORT, Decimal(rng.choice((15, 20, 30)))))
            rows.append(GroupTemplate(name=name, site=site, ratio=GROUP_RATIO))
            plans.append((members, items))

        templates, new = self._ensure(
            GroupTemplate, rows, lambda o: (o.site_id, o.name),
            GroupTemplate.objects.filter(site__in=self.site_objs),
        )
        self.created["group templates"] += len(new)
        new_keys = {(t.site_id, t.name) for t in new}
        member_through = GroupTemplate.members.through
        m_rows, i_rows = [], []
        for row, (members, items) in zip(rows, plans, strict=True):
            if (row.site_id, row.name) not in new_keys:
                continue
            m_rows += [member_through(grouptemplate_id=row.pk, client_id=c) for c in members]
            i_rows += [
                GroupTemplateItem(template_id=row.pk, support_item_id=self.items[num].pk,
                                  quantity=qty)
                for num, qty in items
            ]
        self._bulk(member_through, m_rows, "group members")
        self._bulk(GroupTemplateItem, i_rows)
        self.template_ids = sorted({templates[(r.site_id, r.name)].pk for r in rows})
        self._ensure_member_lines(rng)

    def _ensure_member_lines(self, rng):
        """Every member's active agreement has a line per template item at the template ratio."""
        templates = GroupTemplate.objects.filter(pk__in=self.template_ids)
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
        first = _monday_on_or_before(self.today)
        last = first + datetime.timedelta(days=7 * self.spec.cycle_weeks - 1)
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
        number_of = {item.pk: num for num, item in self.items.items()}
        rows = [
            self._line(rng, agreement_of[c_id], number_of[si_id], r)
            for c_id, si_id, r in sorted(needed - have)
            if c_id in agreement_of
        ]
        self._bulk(ServiceAgreementLine, rows, "agreement lines")

    # -- the base roster ---------------------------------------------------------------------

    def roster(self):
        spec = self.spec
        start = _monday_on_or_before(self.today)
        roster = BaseRoster.objects.filter(name=spec.roster_name).first()
        if roster is None:
            roster = BaseRoster.objects.create(
                name=spec.roster_name, active=True, cycle_weeks=spec.cycle_weeks,
                start_date=start,
            )
            self.created["base rosters"] += 1
        existing = roster.sessions.count()
        if existing:
            self.report.roster_sessions = existing
            self.report.roster_skipped = True
            return
        planner = _Planner(self, roster)
        plans = planner.plan()
        self._write(roster, plans)
        self.report.roster_sessions = len(plans)

    def _write(self, roster, plans: list[_Plan]):
        st_ids = {name: st.pk for name, st in self.session_types.items()}
        svc_ids = {name: st.pk for name, st in self.service_types.items()}
        sessions = [
            Session(
                base_roster=roster, work_type=p.work_type, billable=True,
                session_type_id=st_ids[p.session_type], start=p.start, end=p.end,
                subject=p.subject, site_id=p.site.id, region_id=p.site.region_id,
                group_template_id=p.group_template_id, ratio=p.ratio,
                status=Session.Status.DRAFT, employee_message=p.employee_message,
            )
            for p in plans
        ]
        self._bulk(Session, sessions, "sessions")
        self.created["group sessions"] += sum(
            p.work_type == Session.WorkType.GROUP for p in plans
        )
        self.created["sleepovers"] += sum(p.session_type == "Sleepover" for p in plans)

        session_clients, pending = [], []
        workers, assets, activities, types = [], [], [], []
        type_through = Session.service_types.through
        for p, s in zip(plans, sessions, strict=True):
            for client_id, services in p.clients:
                sc = SessionClient(session_id=s.pk, client_id=client_id)
                session_clients.append(sc)
                pending.append((sc, services))
            workers += [SessionWorker(session_id=s.pk, worker_id=w) for w in p.workers]
            assets += [SessionAsset(session_id=s.pk, asset_id=a) for a in p.assets]
            activities += [
                SessionActivity(session_id=s.pk, kind=kind, start=a_start, end=a_end, paid=paid)
                for kind, a_start, a_end, paid in p.activities
            ]
            types += [type_through(session_id=s.pk, servicetype_id=svc_ids[name])
                      for name in p.service_types]
        self._bulk(SessionClient, session_clients, "session clients")
        self._bulk(PlannedService, [
            PlannedService(
                session_client_id=sc.pk, agreement_line_id=svc.line.id,
                group_template_item_id=svc.group_template_item_id,
                support_item_id=svc.line.support_item_id, quantity=svc.quantity,
                unit_price=svc.line.price,
            )
            for sc, services in pending for svc in services
        ], "planned services")
        self._bulk(SessionWorker, workers, "session workers")
        self._bulk(SessionAsset, assets, "session assets")
        self._bulk(SessionActivity, activities, "session activities")
        self._bulk(type_through, types)


def _registration(rng: random.Random, state: str) -> str:
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"

    def pick(n):
        return "".join(rng.choice(letters) for _ in range(n))

    if state == "QLD":
        return f"{rng.randint(100, 999)}{pick(3)}"
    if state == "WA":
        return f"1{pick(3)}{rng.randint(100, 999)}"
    return f"{pick(2)}{rng.randint(10, 99)}{pick(2)}"


# ------------------------------------------------------------------------------------------
# Planning the sessions in memory
# ------------------------------------------------------------------------------------------


class _Planner:
    """Plans the roster's first cycle: group programs first, then sleepovers, then visits."""

    def __init__(self, builder: _Builder, roster: BaseRoster):
        self.b = builder
        self.spec = builder.spec
        self.rng = _rng(builder.seed, f"{self.spec.key}:roster")
        self.start_date = roster.start_date
        self.days = [roster.start_date + datetime.timedelta(days=i)
                     for i in range(roster.cycle_weeks * 7)]
        self.pattern = settings.SESSION_SUBJECT_PATTERN
        self.worker_cal, self.client_cal, self.asset_cal = _Calendar(), _Calendar(), _Calendar()
        self.hours = Counter()  # (worker id, week) -> hours
        self.asset_cursor = Counter()
        self.required = {name: builder.required_quals[st.pk]
                         for name, st in builder.session_types.items()}
        self.hoist_qual = builder.quals_by_code[HOIST_QUAL].pk
        self._load()

    # -- loading what the database holds, once -------------------------------------------------

    def _load(self):
        b = self.b
        worker_ids = b.worker_ids
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

        client_ids = [c.pk for c in b.client_objs]
        site_ids = defaultdict(list)
        for c_id, s_id in Client.sites.through.objects.filter(
            client_id__in=client_ids, site_id__in=list(b.sites)
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
        for c in b.client_objs:
            if c.pk not in agreements or not site_ids[c.pk]:
                continue
            a_id, a_start, a_end = agreements[c.pk]
            self.clients[c.pk] = _ClientInfo(
                c.pk, str(c), site_ids[c.pk], a_start, a_end, lines[a_id]
            )

        self.templates = []
        members = defaultdict(list)
        for t_id, c_id in GroupTemplate.members.through.objects.filter(
            grouptemplate_id__in=b.template_ids
        ).order_by("client_id").values_list("grouptemplate_id", "client_id"):
            members[t_id].append(c_id)
        items = defaultdict(list)
        for gti_id, t_id, num, qty in GroupTemplateItem.objects.filter(
            template_id__in=b.template_ids
        ).order_by("pk").values_list("pk", "template_id", "support_item__item_number",
                                     "quantity"):
            items[t_id].append((gti_id, num, qty))
        for t_id, name, site_id, ratio in GroupTemplate.objects.filter(
            pk__in=b.template_ids, active=True
        ).order_by("pk").values_list("pk", "name", "site_id", "ratio"):
            if site_id in b.sites:
                self.templates.append((t_id, name, b.sites[site_id], ratio, members[t_id],
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

    def _subject(self, site, session_type, names):
        return self.pattern.format(
            site=site.name, session_type=session_type, clients=", ".join(names)
        )[:255]

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
        ids = self.b.assets_by_region[region_id].get(kind, ())
        n = len(ids)
        for k in range(n):
            a_id = ids[(self.asset_cursor[(region_id, kind)] + k) % n]
            if self.asset_cal.free(a_id, start, end):
                self.asset_cursor[(region_id, kind)] += k + 1
                return a_id
        return None

    def _commit(self, plan: _Plan, day):
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

    def _break(self, plan: _Plan):
        """A 30-minute unpaid break in the middle of a session of 4 hours or more."""
        if plan.end - plan.start < datetime.timedelta(hours=4):
            return
        middle = plan.start + (plan.end - plan.start) / 2
        middle = middle.replace(minute=(middle.minute // 15) * 15, second=0, microsecond=0)
        plan.activities.append((SessionActivity.Kind.BREAK, middle,
                                middle + datetime.timedelta(minutes=30), False))

    # -- the plan ----------------------------------------------------------------------------

    def plan(self) -> list[_Plan]:
        spec = self.spec
        plans: list[_Plan] = []
        group_target = round(spec.sessions * spec.group_share)
        sleepover_target = round(spec.sessions * spec.sleepover_share)
        plans += self._groups(group_target)
        plans += self._sleepovers(sleepover_target)
        plans += self._appointments(spec.sessions - len(plans))
        plans.sort(key=lambda p: (p.start, p.site.id, p.subject))
        return plans

    def _groups(self, target) -> list[_Plan]:
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
        w_ratio, c_ratio = _ratio_parts(ratio)
        n_workers = max(1, math.ceil(len(members) / c_ratio) * w_ratio)
        workers = self._pick_workers(site, day, start, end, n_workers,
                                     self.required["Group Program"])
        if workers is None:
            return None
        session_hours = self._hours(start, end)
        plan = _Plan(
            site=site, session_type="Group Program", work_type=Session.WorkType.GROUP,
            start=start, end=end, ratio=ratio, group_template_id=t_id, workers=workers,
            subject=self._subject(site, "Group Program", [m.name for m in members]),
            service_types=["Social and community"],
        )
        for m in members:
            services = [
                _Service(m.lines[(num, ratio)], qty if qty else session_hours, gti_id)
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

    def _sleepovers(self, target) -> list[_Plan]:
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

    def _appointments(self, target) -> list[_Plan]:
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
            num = _weighted(self.rng, options)
            day = self.rng.choice(by_kind[RECIPES[num].days])
            plan = self._appointment(client, num, day)
            if plan:
                plans.append(plan)
        return plans

    def _appointment(self, client: _ClientInfo, num: str, day) -> _Plan | None:
        rng = self.rng
        recipe = RECIPES[num]
        if not (client.agreement_start <= day <= client.agreement_end):
            return None
        site = self.b.sites[rng.choice(client.site_ids)]
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
        services = [_Service(line, qty)]
        if recipe.secondary and (recipe.secondary, "1:1") in client.lines and rng.random() < 0.5:
            services.append(_Service(client.lines[(recipe.secondary, "1:1")],
                                     Decimal(rng.choice((5, 10, 15, 20, 30)))))
        plan = _Plan(
            site=site, session_type=recipe.session_type,
            work_type=Session.WorkType.APPOINTMENT, start=start, end=end,
            subject=self._subject(site, recipe.session_type, [client.name]),
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
