"""Demo data: a believable Australian disability-care provider, built fast and idempotently.

`seed_demo()` is what `manage.py seed_demo` calls. Two sizes share one code path (only the
last step, writing the planned sessions, differs: see `rosters`):

* ``normal`` (`build_normal`): 3 regions, 8 sites, ~60 workers, ~120 clients and the
  "Demo base roster – fortnight" with ~150 sessions;
* ``large`` (`build_large`): a provider-size data set (1,000 workers, 2,500 clients, 60 sites in
  10 regions) and the one-week "Large provider pattern" with ~15,000 sessions.

The modules follow what they build, in this order:

* `reference` — qualifications, support items, session and service types, regions, sites, assets;
* `people` — workers (regions, qualifications, leave) and clients (sites, agreements, lines);
* `rosters` — group programs and the base roster; its sessions are planned in memory
  (`planning`) and written through the session services (normal scale) or checked with the
  same domain rules and written in bulk (large scale);
* `periods` (normal scale) — published roster periods over this week and next, made through
  the rostering services (create, generate, validate, publish), so Scheduling shows a real
  week; and the cycle after them as a validated draft period showing validation's errors;
* `live` (normal scale) — a few sessions made with New Session, one of them a recurring
  series, left Draft;
* `users` — the demo logins, refused under production settings.

Every row is keyed by a natural key (names, codes, item numbers, NDIS numbers, e-mail
addresses, usernames), so a second run creates nothing; a base roster that already has
sessions is left alone. Randomness comes from `random.Random` seeded per stage, so a run is
deterministic for a given seed and date.
"""

from __future__ import annotations

import datetime
import time

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from .common import BATCH_SIZE, DEFAULT_SEED, Build, ScaleSpec, SeedReport
from .live import build_live_sessions
from .people import build_clients, build_workers
from .periods import build_periods
from .reference import LARGE_REGIONS, NORMAL_REGIONS, build_catalogue, build_places
from .rosters import build_group_templates, build_roster
from .users import DemoLoginsRefused, ensure_demo_logins, refuse_under_production_settings

__all__ = [
    "DEFAULT_SEED",
    "LARGE_ROSTER_NAME",
    "NORMAL_ROSTER_NAME",
    "DemoLoginsRefused",
    "ScaleSpec",
    "SeedReport",
    "build_large",
    "build_normal",
    "ensure_demo_logins",
    "large_spec",
    "normal_spec",
    "seed_demo",
]

NORMAL_ROSTER_NAME = "Demo base roster – fortnight"
LARGE_ROSTER_NAME = "Large provider pattern"
DEMO_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


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
        write_in_bulk=False,
        live_schedule=True,
    )


def large_spec(
    *, workers: int = 1000, clients: int = 2500, sites: int = 60, regions: int = 10,
    sessions_per_week: int = 15000, write_in_bulk: bool = True,
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
        write_in_bulk=write_in_bulk,
    )


def seed_demo(
    *, scale: str = "normal", seed: int = DEFAULT_SEED, today: datetime.date | None = None,
    logins: bool = True,
) -> SeedReport:
    """Seed the demo data of the given scale and, unless `logins` is False, the demo logins.

    Raises `DemoLoginsRefused` (before writing anything) when logins are asked for under
    settings that forbid them (`DEMO_LOGINS_ALLOWED = False`).
    """
    if logins:
        refuse_under_production_settings()
    started = time.perf_counter()
    # Publishing notifies each worker by email after commit; the demo keeps those in memory
    # (the console backend would print one email per worker into `make run`'s output).
    with override_settings(EMAIL_BACKEND=DEMO_EMAIL_BACKEND), transaction.atomic():
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


def build_normal(*, seed: int = DEFAULT_SEED, today: datetime.date | None = None) -> SeedReport:
    """The everyday demo: 3 regions, 8 sites, ~60 workers, ~120 clients, ~150 sessions."""
    return _build(normal_spec(), seed=seed, today=today)


def build_large(
    *, workers: int = 1000, clients: int = 2500, sites: int = 60, regions: int = 10,
    sessions_per_week: int = 15000, seed: int = DEFAULT_SEED,
    today: datetime.date | None = None, batch_size: int = BATCH_SIZE,
    write_in_bulk: bool = True,
) -> SeedReport:
    """Provider-size data; the parameters shrink it (tests) without changing the code path.

    `write_in_bulk=False` writes the sessions through session_create instead (about ten times
    slower at full size; the tests compare both ways)."""
    spec = large_spec(
        workers=workers, clients=clients, sites=sites, regions=regions,
        sessions_per_week=sessions_per_week, write_in_bulk=write_in_bulk,
    )
    return _build(spec, seed=seed, today=today, batch_size=batch_size)


def _build(
    spec: ScaleSpec, *, seed: int, today: datetime.date | None, batch_size: int = BATCH_SIZE
) -> SeedReport:
    started = time.perf_counter()
    report = SeedReport(scale=spec.key, roster_name=spec.roster_name)
    build = Build(spec=spec, seed=seed, today=today or timezone.localdate(), report=report,
                  batch_size=batch_size)
    with transaction.atomic():
        catalogue = build_catalogue(build)
        places = build_places(build)
        worker_ids = build_workers(build, catalogue, places)
        clients = build_clients(build, catalogue, places)
        template_ids = build_group_templates(build, catalogue, places, clients)
        roster = build_roster(build, catalogue=catalogue, places=places, worker_ids=worker_ids,
                              clients=clients, template_ids=template_ids)
        if spec.live_schedule:
            build_periods(build, roster)
            build_live_sessions(build, catalogue=catalogue, places=places)
    report.elapsed = time.perf_counter() - started
    return report
