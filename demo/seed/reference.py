"""Reference data: qualifications, the support-item catalogue, session and service types,
regions, sites and the assets of each region."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from clients.models import Region, Site, SupportItem
from sessions_app.models import ServiceType, SessionType
from workforce.models import Asset, Qualification

from .common import Build

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

# Supports a disability support worker delivers: 7 clear days' notice to cancel them (others
# take the organisation's default, settings.CANCELLATION_NOTICE_DEFAULT).
DSW_NOTICE_DAYS = 7
NOT_DSW = {HOUSEHOLD, PROVIDER_TRAVEL, TRANSPORT}

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
HOIST_QUAL = "manual-handling-hoist"

# Assets per region: kind -> (label, how many per site in the region, at least)
ASSET_PLAN = (
    ("shower_chair", "Shower chair", 1.0, 2),
    ("hoist", "Hoist", 0.5, 1),
    ("minibus", "Minibus", 0.5, 1),
    ("vehicle", "Accessible vehicle", 1.0, 2),
)


@dataclass
class Catalogue:
    quals_by_code: dict[str, Qualification]
    items: dict[str, SupportItem]  # by item number
    session_types: dict[str, SessionType]  # by name
    required_quals: dict[int, list[int]]  # session type id -> qualification ids
    service_types: dict[str, ServiceType]  # by name


def build_catalogue(build: Build) -> Catalogue:
    created = build.created
    quals, new = build.ensure(
        Qualification,
        [Qualification(name=q.name, code=q.code) for q in QUALIFICATIONS],
        lambda o: o.code,
        Qualification.objects.filter(code__in=[q.code for q in QUALIFICATIONS]),
    )
    created["qualifications"] += len(new)

    items, new = build.ensure(
        SupportItem,
        [
            SupportItem(item_number=num, name=name, unit=unit, price=Decimal(price),
                        cancellation_notice_days=None if num in NOT_DSW else DSW_NOTICE_DAYS)
            for num, name, unit, price in SUPPORT_ITEMS
        ],
        lambda o: o.item_number,
        SupportItem.objects.filter(item_number__in=[i[0] for i in SUPPORT_ITEMS]),
    )
    created["support items"] += len(new)

    session_types, new = build.ensure(
        SessionType,
        [SessionType(name=name) for name in SESSION_TYPES],
        lambda o: o.name,
        SessionType.objects.filter(name__in=list(SESSION_TYPES)),
    )
    created["session types"] += len(new)
    through = SessionType.required_qualifications.through
    build.bulk(through, [
        through(sessiontype_id=st.pk, qualification_id=quals[code].pk)
        for st in new for code in SESSION_TYPES[st.name]
    ])
    required_quals = defaultdict(list)
    for st_id, q_id in through.objects.filter(
        sessiontype__in=list(session_types.values())
    ).values_list("sessiontype_id", "qualification_id"):
        required_quals[st_id].append(q_id)

    service_types, new = build.ensure(
        ServiceType,
        [ServiceType(name=name) for name in SERVICE_TYPES],
        lambda o: o.name,
        ServiceType.objects.filter(name__in=SERVICE_TYPES),
    )
    created["service types"] += len(new)
    return Catalogue(quals, items, session_types, required_quals, service_types)


@dataclass
class Places:
    regions: dict[str, Region]  # by code
    site_objs: list[Site]  # in the spec's order (it decides who goes where)
    sites_by_region: dict[int, list[Site]]
    assets_by_region: dict[int, dict[str, list[int]]]  # region id -> kind -> asset ids


def build_places(build: Build) -> Places:
    spec = build.spec
    rng = build.rng("places")
    regions, new = build.ensure(
        Region,
        [Region(name=r.name, code=r.code) for r in spec.regions],
        lambda o: o.code,
        Region.objects.filter(code__in=[r.code for r in spec.regions]),
    )
    build.created["regions"] += len(new)

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
            state=state,
            address=(f"{rng.randint(1, 240)} {rng.choice(STREETS)}, "
                     f"{suburb} {state} {postcode}"),
        ))
    sites, new = build.ensure(
        Site, site_rows, lambda o: o.name,
        Site.objects.filter(name__in=[s.name for s in site_rows]),
    )
    build.created["sites"] += len(new)
    site_objs = [sites[s.name] for s in site_rows]
    sites_by_region = defaultdict(list)
    for s in site_objs:
        sites_by_region[s.region_id].append(s)

    asset_rows = []
    for region_spec in spec.regions:
        region = regions[region_spec.code]
        n_sites = len(sites_by_region[region.pk])
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
    assets, new = build.ensure(
        Asset, asset_rows, lambda o: (o.region_id, o.name),
        Asset.objects.filter(region__in=list(regions.values())),
    )
    build.created["assets"] += len(new)
    assets_by_region = defaultdict(lambda: defaultdict(list))
    for a in asset_rows:
        obj = assets[(a.region_id, a.name)]
        assets_by_region[obj.region_id][obj.kind].append(obj.pk)
    return Places(regions, site_objs, sites_by_region, assets_by_region)


def _registration(rng: random.Random, state: str) -> str:
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"

    def pick(n):
        return "".join(rng.choice(letters) for _ in range(n))

    if state == "QLD":
        return f"{rng.randint(100, 999)}{pick(3)}"
    if state == "WA":
        return f"1{pick(3)}{rng.randint(100, 999)}"
    return f"{pick(2)}{rng.randint(10, 99)}{pick(2)}"
