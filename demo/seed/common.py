"""What every stage of the demo build shares: the scale's spec, the run's report, the random
streams and the idempotent bulk writes."""

from __future__ import annotations

import datetime
import random
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .reference import RegionSpec

DEFAULT_SEED = 2025
BATCH_SIZE = 2000
CENTS = Decimal("0.01")


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
    # True: sessions are checked in memory with the domain's rules and written with
    # bulk_create; False: each goes through sessions_app.services.session_create.
    write_in_bulk: bool = False
    # True: publish this week and next, leave the next cycle as a draft showcase, and add a
    # few live sessions made with New Session (demo.seed.periods, demo.seed.live).
    live_schedule: bool = False


@dataclass
class SeedReport:
    scale: str
    roster_name: str
    created: Counter = field(default_factory=Counter)
    roster_sessions: int = 0
    roster_skipped: bool = False
    logins: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    published_periods: list = field(default_factory=list)  # RosterPeriods over this week, next
    showcase: tuple | None = None  # (draft RosterPeriod, its PeriodValidation), when made now

    def summary(self) -> str:
        order = (
            "regions", "sites", "assets", "qualifications", "support items", "session types",
            "service types", "workers", "worker qualifications", "worker unavailability",
            "clients", "service agreements", "agreement lines", "group templates",
            "group members", "base rosters", "sessions", "group sessions", "sleepovers",
            "session clients", "planned services", "session workers", "session assets",
            "session activities", "roster periods", "period sessions",
            "sessions given another worker", "sessions cancelled", "sessions rostered",
            "workers notified", "live sessions", "session series", "logins",
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
        for period in self.published_periods:
            lines.append(f"Roster period {_dates(period)}: published (on Scheduling).")
        if self.showcase:
            period, validation = self.showcase
            lines.append(
                f"Roster period {_dates(period)}: draft, validated with "
                f"{validation.error_count} errors and {validation.warning_count} warnings "
                "to show validation."
            )
        if self.logins:
            lines.append(
                "Demo logins (password = username): " + ", ".join(self.logins) + "."
            )
        return "\n".join(lines)


@dataclass
class Build:
    """One run: what to build, from which seed and date, and what it created so far."""

    spec: ScaleSpec
    seed: int
    today: datetime.date
    report: SeedReport
    batch_size: int = BATCH_SIZE

    @property
    def created(self) -> Counter:
        return self.report.created

    def rng(self, stage: str) -> random.Random:
        """A random stream per stage, so a stage's data does not depend on the others'."""
        return random.Random(f"{self.seed}:{self.spec.key}:{stage}")

    def ensure(self, model, rows: list, key, existing_qs) -> tuple[dict, list]:
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

    def bulk(self, model, rows: list, label: str | None = None) -> list:
        model.objects.bulk_create(rows, batch_size=self.batch_size)
        if label:
            self.created[label] += len(rows)
        return rows


def _dates(period) -> str:
    return f"{period.start_date:%a %-d %b} – {period.end_date:%a %-d %b %Y}"


def monday_on_or_before(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def ascii_lower(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text.lower() if ch.isalnum())


def weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]
