"""`manage.py bench_generation`: how fast a 4-week roster period is generated at provider scale.

On `seed_demo --scale large` data (seeded first if missing), in a scratch period of the large base
roster (~15,000 sessions a week → ~60,000 sessions with their clients, planned services,
workers, assets, activities and service types): first copy the rows with hand-written
`INSERT … SELECT` statements (the yardstick; rolled back), then generate the same rows through
`rostering.services`, then generate again (idempotent: nothing to insert). It prints seconds,
SQL queries, peak memory and rows per table, with the ratio of the service to the SQL copy
(target ≤ 4×). The scratch period and its sessions are deleted at the end (`--keep` keeps it).

Then the generated period is validated and published (demo.bench): the
validation job's time and queries, publishing's (a few set-based statements, whatever the
number of sessions) and sending one email per worker.

Each phase is one method (`phase_*`) returning a `Measurement`; `PHASES` lists them in order,
so more phases (validation, publishing) slot in without touching the others. Run it on
PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/carewfm_bench
"""

from __future__ import annotations

import datetime
import os
import resource
import threading
import time
import tracemalloc
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from demo import bench, seed
from rostering import services
from rostering.models import BaseRoster, RosterPeriod
from sessions_app.models import (
    PlannedService,
    Session,
    SessionActivity,
    SessionAsset,
    SessionClient,
    SessionWorker,
)

LARGE_ROSTER = seed.LARGE_ROSTER_NAME
TARGET_RATIO = 4.0
TABLES = [
    Session._meta.db_table,
    SessionClient._meta.db_table,
    PlannedService._meta.db_table,
    SessionWorker._meta.db_table,
    SessionAsset._meta.db_table,
    SessionActivity._meta.db_table,
    Session.service_types.through._meta.db_table,
]
MB = 1024 * 1024


@dataclass
class Measurement:
    phase: str
    seconds: float = 0.0
    queries: int = 0
    peak_rss_mb: float | None = None  # growth of the process's resident memory during the phase
    peak_traced_mb: float | None = None  # Python allocations (tracemalloc), with --tracemalloc
    rows: Counter = field(default_factory=Counter)
    note: str = ""


def _rss_bytes() -> int | None:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


@contextmanager
def measure(phase: str, *, trace: bool = False):
    """Time a phase, count its SQL statements and sample its peak memory."""
    m = Measurement(phase)
    count = {"n": 0}

    def counter(execute, sql, params, many, context):
        count["n"] += 1
        return execute(sql, params, many, context)

    start_rss = _rss_bytes()
    peak = {"rss": start_rss or 0}
    stop = threading.Event()

    def sample():
        while not stop.wait(0.02):
            peak["rss"] = max(peak["rss"], _rss_bytes() or 0)

    sampler = threading.Thread(target=sample, daemon=True)
    if start_rss is not None:
        sampler.start()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        with connection.execute_wrapper(counter):
            yield m
    finally:
        m.seconds = time.perf_counter() - started
        if trace:
            m.peak_traced_mb = tracemalloc.get_traced_memory()[1] / MB
            tracemalloc.stop()
        stop.set()
        if start_rss is not None:
            sampler.join()
            peak["rss"] = max(peak["rss"], _rss_bytes() or 0)
            m.peak_rss_mb = (peak["rss"] - start_rss) / MB
        m.queries = count["n"]


class _RollBack(Exception):
    pass


@dataclass
class Context:
    roster: BaseRoster
    period: RosterPeriod
    cycles: int
    base_sessions: int
    scratch: list[RosterPeriod] = field(default_factory=list)
    results: dict[str, Measurement] = field(default_factory=dict)


class Command(BaseCommand):
    help = (
        "Benchmark generating a 4-week roster period on seed_demo --scale large data, against a "
        "hand-written INSERT … SELECT of the same rows. Run it on PostgreSQL."
    )

    PHASES = (
        "phase_sql_copy", "phase_generate", "phase_generate_again",
        "phase_validate", "phase_draft_page", "phase_publish", "phase_pages",
    )

    def add_arguments(self, parser):
        parser.add_argument("--cycles", type=int, default=4, help="Cycles (weeks) in the period.")
        parser.add_argument(
            "--tracemalloc", action="store_true",
            help="Also report the peak of Python allocations (slows the generation down).",
        )
        parser.add_argument(
            "--keep", action="store_true", help="Keep the generated period and its sessions."
        )

    def handle(self, *args, cycles, tracemalloc, keep, **options):
        if connection.vendor != "postgresql":
            self.stderr.write(
                self.style.WARNING(
                    f"Running on {connection.vendor}: the figures that matter are PostgreSQL's "
                    "(DATABASE_URL=postgres://…/carewfm_bench); the SQL copy is skipped."
                )
            )
        self.trace = tracemalloc
        ctx = self.prepare(cycles=cycles)
        try:
            for name in self.PHASES:
                analyze()
                m = getattr(self, name)(ctx)
                if m is not None:
                    ctx.results[m.phase] = m
        finally:
            self.cleanup(ctx, keep=keep)
        self.report(ctx)

    # -- setting up ----------------------------------------------------------------------------

    def prepare(self, *, cycles: int) -> Context:
        roster = BaseRoster.objects.filter(name=LARGE_ROSTER).first()
        if roster is None or not roster.sessions.exists():
            self.stdout.write("Seeding large demo data (seed_demo --scale large) …")
            call_command("seed_demo", scale="large", no_logins=True, stdout=self.stdout)
            roster = BaseRoster.objects.get(name=LARGE_ROSTER)
        period = self.scratch_period(roster, cycles)
        return Context(
            roster=roster,
            period=period,
            cycles=cycles,
            base_sessions=roster.sessions.exclude(status=Session.Status.CANCELLED).count(),
            scratch=[period],
        )

    def scratch_period(self, roster: BaseRoster, cycles: int) -> RosterPeriod:
        """A new draft period of the roster on the first free aligned start date."""
        taken = set(roster.periods.values_list("start_date", flat=True))
        start = roster.start_date
        while start in taken:
            start += datetime.timedelta(days=roster.cycle_days)
        return services.roster_period_create(base_roster=roster, start_date=start, cycles=cycles)

    def cleanup(self, ctx: Context, *, keep: bool):
        doomed = [p.pk for p in ctx.scratch if not (keep and p.pk == ctx.period.pk)]
        if doomed:
            delete_periods(doomed)

    # -- phases --------------------------------------------------------------------------------

    def phase_generate(self, ctx: Context) -> Measurement:
        with measure("generate (service)", trace=self.trace) as m:
            result = services.roster_period_generate(period=ctx.period)
        m.rows.update(result.rows)
        m.note = f"{result.batches} batches; {result.skipped_services:,} planned services skipped"
        return m

    def phase_generate_again(self, ctx: Context) -> Measurement:
        with measure("generate again (nothing to do)") as m:
            result = services.roster_period_generate(period=ctx.period)
        m.rows.update(result.rows)
        m.note = f"{result.already_present:,} already present"
        return m

    def phase_sql_copy(self, ctx: Context) -> Measurement | None:
        """The yardstick: the same rows into the same (still empty) period, then rolled back.

        Foreign keys are checked as each statement runs (SET CONSTRAINTS ALL IMMEDIATE), so the
        work the service's commits do is counted here too; only the final fsync is not.
        """
        if connection.vendor != "postgresql":
            return None
        with measure("INSERT … SELECT (hand-written SQL)") as m:
            try:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    m.rows.update(sql_copy(period=ctx.period, roster=ctx.roster, cycles=ctx.cycles))
                    raise _RollBack
            except _RollBack:
                pass
        m.note = "same rows, same period; one statement per table; rolled back"
        return m

    def phase_validate(self, ctx: Context) -> None:
        """Validate the generated period as the background job does (scheduling)."""

        for m in bench.phase_validate(ctx.period, measure):
            ctx.results[m.phase] = m

    def phase_publish(self, ctx: Context) -> None:
        """Publish it (one transaction) and send one email per worker (scheduling)."""

        for m in bench.phase_publish(ctx.period, measure):
            ctx.results[m.phase] = m

    def phase_draft_page(self, ctx: Context) -> None:
        """The period's page while it is a validated draft (its report shown)."""
        for m in bench.phase_pages(ctx.period, measure, which=("period",), label=" (draft)"):
            ctx.results[m.phase] = m

    def phase_pages(self, ctx: Context) -> None:
        """The published period's page and the dashboard, as a scheduler opens them."""
        for m in bench.phase_pages(ctx.period, measure):
            ctx.results[m.phase] = m

    # -- the report ----------------------------------------------------------------------------

    def report(self, ctx: Context):
        p = ctx.period
        out = self.stdout.write
        out("")
        out(f"Roster-period generation benchmark ({connection.vendor}, "
            f"database {connection.settings_dict['NAME']})")
        out(f'Base roster "{ctx.roster.name}": {ctx.base_sessions:,} active sessions, '
            f"{ctx.roster.cycle_weeks}-week cycle; period {p.start_date:%a %d %b %Y} – "
            f"{p.end_date:%a %d %b %Y} ({ctx.cycles} cycles)")
        out("")
        head = f"{'phase':<38}{'seconds':>9}{'queries':>9}{'peak RSS +MB':>14}"
        if self.trace:
            head += f"{'traced MB':>11}"
        out(head + "  note")
        out("-" * (len(head) + 30))
        for m in ctx.results.values():
            rss = "–" if m.peak_rss_mb is None else f"{m.peak_rss_mb:.0f}"
            line = f"{m.phase:<38}{m.seconds:>9.2f}{m.queries:>9,}{rss:>14}"
            if self.trace:
                line += f"{(m.peak_traced_mb or 0):>11.0f}" if m.peak_traced_mb else f"{'':>11}"
            out(line + f"  {m.note}")
        gen = ctx.results.get("generate (service)")
        sql = ctx.results.get("INSERT … SELECT (hand-written SQL)")
        if gen and sql and sql.seconds:
            ratio = gen.seconds / sql.seconds
            verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
            out("")
            out(f"generate / SQL copy = {ratio:.2f}× ({verdict} the ≤ {TARGET_RATIO:.0f}× target)")
        with_rows = [m for m in ctx.results.values() if m.rows or m is gen]
        if with_rows:
            out("")
            out(f"{'rows inserted':<38}" + "".join(f"{m.phase[:20]:>22}" for m in with_rows))
            for table in TABLES:
                out(f"{table:<38}" + "".join(f"{m.rows.get(table, 0):>22,}" for m in with_rows))
            out(f"{'total':<38}" + "".join(f"{sum(m.rows.values()):>22,}" for m in with_rows))
        out("")
        max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        out(f"max RSS of the process: {max_rss:.0f} MB")


# ------------------------------------------------------------------------------------------
# Hand-written SQL (PostgreSQL): the yardstick, and the clean-up
# ------------------------------------------------------------------------------------------

def _at_site(local: str) -> str:
    """SQL: the instant of the wall-clock timestamp `local` at the site (`site.time_zone`), by
    RFC 5545 §3.3.5 as `clients.wallclock.resolve`. PostgreSQL's `AT TIME ZONE` already gives a
    time in a DST gap the offset from before the gap, but an ambiguous time its *second*
    occurrence; read three hours earlier and moved three hours on, it is the first one, when
    that still reads `local`."""
    zone = "site.time_zone"
    plain = f"({local} AT TIME ZONE {zone})"
    early = f"(({local} - INTERVAL '3 hours') AT TIME ZONE {zone} + INTERVAL '3 hours')"
    return (
        f"CASE WHEN ({early} AT TIME ZONE {zone}) = {local} "
        f"THEN LEAST({early}, {plain}) ELSE {plain} END"
    )


def _shifted(alias: str, start: str, end: str, days: str) -> str:
    """SQL: LATERAL joins giving `{alias}.s`, `{alias}.e`: the span [start, end) moved `days`
    days on the site's calendar as `rostering.generation._shift_span` moves it — the same
    wall-clock times, and its length from the new start when the end no longer follows."""
    return f"""
        CROSS JOIN LATERAL (
            SELECT ({start} AT TIME ZONE site.time_zone) + {days} * INTERVAL '1 day' AS ls,
                   ({end} AT TIME ZONE site.time_zone) + {days} * INTERVAL '1 day' AS le
        ) {alias}_wall
        CROSS JOIN LATERAL (
            SELECT {_at_site(f"{alias}_wall.ls")} AS s, {_at_site(f"{alias}_wall.le")} AS e
        ) {alias}_at
        CROSS JOIN LATERAL (
            SELECT {alias}_at.s AS s,
                   CASE WHEN {alias}_at.e > {alias}_at.s THEN {alias}_at.e
                        ELSE {alias}_at.s + GREATEST({alias}_wall.le - {alias}_wall.ls,
                                                     {end} - {start}) END AS e
        ) {alias}"""


SQL_COPY = [
    ((Session._meta.db_table,), f"""
        INSERT INTO sessions_app_session (
            base_roster_id, roster_period_id, source_session_id, occurrence_date, work_type,
            billable, session_type_id, start, "end", subject, site_id, region_id,
            group_template_id, ratio, status, comments, employee_message, recurrence,
            created_at, updated_at)
        SELECT NULL, %(period)s, s.id, o.day, s.work_type, s.billable, s.session_type_id,
               t.s, t.e,
               s.subject, s.site_id, s.region_id, s.group_template_id, s.ratio, 'draft',
               s.comments, s.employee_message, '', now(), now()
        FROM sessions_app_session s
        JOIN clients_site site ON site.id = s.site_id
        CROSS JOIN LATERAL (
            SELECT (s.start AT TIME ZONE site.time_zone)::date AS base_day,
                   (s.start AT TIME ZONE site.time_zone)::date + %(offset)s + k * %(cycle)s AS day
            FROM generate_series(0, %(cycles)s - 1) AS k
        ) o
        {_shifted("t", "s.start", 's."end"', "(o.day - o.base_day)")}
        WHERE s.base_roster_id = %(roster)s AND s.status <> 'cancelled'
    """),
    # Session clients and their planned services in one statement: the planned services join
    # the new session clients straight from RETURNING (no lookup of rows just inserted).
    ((SessionClient._meta.db_table, PlannedService._meta.db_table), """
        WITH nsc AS (
            INSERT INTO sessions_app_sessionclient (
                session_id, client_id, status, cancellation_reason, cancelled_at, short_notice)
            SELECT g.id, sc.client_id, 'scheduled', '', NULL, false
            FROM sessions_app_session g
            JOIN sessions_app_sessionclient sc
              ON sc.session_id = g.source_session_id AND sc.status = 'scheduled'
            WHERE g.roster_period_id = %(period)s
            RETURNING id, session_id, client_id
        ), nps AS (
            INSERT INTO sessions_app_plannedservice (
                session_client_id, agreement_line_id, group_template_item_id, support_item_id,
                quantity, unit_price)
            SELECT nsc.id, ps.agreement_line_id, ps.group_template_item_id, ps.support_item_id,
                   ps.quantity, item.price
            FROM nsc
            JOIN sessions_app_session g ON g.id = nsc.session_id
            JOIN sessions_app_sessionclient bsc
              ON bsc.session_id = g.source_session_id AND bsc.client_id = nsc.client_id
            JOIN sessions_app_plannedservice ps ON ps.session_client_id = bsc.id
            JOIN clients_serviceagreementline line ON line.id = ps.agreement_line_id
            JOIN clients_serviceagreement a
              ON a.id = line.agreement_id
             AND g.occurrence_date BETWEEN a.start_date AND a.end_date
            JOIN clients_supportitem item ON item.id = line.support_item_id
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM nsc), (SELECT count(*) FROM nps)
    """),
    ((SessionWorker._meta.db_table,), """
        INSERT INTO sessions_app_sessionworker (session_id, worker_id)
        SELECT g.id, sw.worker_id
        FROM sessions_app_session g
        JOIN sessions_app_sessionworker sw ON sw.session_id = g.source_session_id
        JOIN rostering_worker w ON w.id = sw.worker_id
         AND w.active_from <= g.occurrence_date
         AND (w.active_to IS NULL OR g.occurrence_date <= w.active_to)
        WHERE g.roster_period_id = %(period)s
    """),
    ((SessionAsset._meta.db_table,), """
        INSERT INTO sessions_app_sessionasset (session_id, asset_id)
        SELECT g.id, sa.asset_id
        FROM sessions_app_session g
        JOIN sessions_app_sessionasset sa ON sa.session_id = g.source_session_id
        WHERE g.roster_period_id = %(period)s
    """),
    # Activities moved like their session, then kept inside it (none left: not copied).
    ((SessionActivity._meta.db_table,), f"""
        INSERT INTO sessions_app_sessionactivity (session_id, kind, start, "end", paid)
        SELECT g.id, act.kind, GREATEST(a.s, g.start), LEAST(a.e, g."end"), act.paid
        FROM sessions_app_session g
        JOIN sessions_app_session b ON b.id = g.source_session_id
        JOIN clients_site site ON site.id = b.site_id
        CROSS JOIN LATERAL (
            SELECT g.occurrence_date - (b.start AT TIME ZONE site.time_zone)::date AS days
        ) d
        JOIN sessions_app_sessionactivity act ON act.session_id = b.id
        {_shifted("a", "act.start", 'act."end"', "d.days")}
        WHERE g.roster_period_id = %(period)s AND GREATEST(a.s, g.start) < LEAST(a.e, g."end")
    """),
    ((Session.service_types.through._meta.db_table,), """
        INSERT INTO sessions_app_session_service_types (session_id, servicetype_id)
        SELECT g.id, st.servicetype_id
        FROM sessions_app_session g
        JOIN sessions_app_session_service_types st ON st.session_id = g.source_session_id
        WHERE g.roster_period_id = %(period)s
    """),
]


def sql_copy(*, period: RosterPeriod, roster: BaseRoster, cycles: int) -> Counter:
    """Copy the base roster's sessions and children into `period` with INSERT … SELECT."""
    params = {
        "period": period.pk,
        "roster": roster.pk,
        "cycles": cycles,
        "cycle": roster.cycle_days,
        "offset": (period.start_date - roster.start_date).days,
    }
    rows = Counter()
    with connection.cursor() as cursor:
        for tables, sql in SQL_COPY:
            cursor.execute(sql, params)
            counts = cursor.fetchone() if len(tables) > 1 else (cursor.rowcount,)
            rows.update(dict(zip(tables, counts, strict=True)))
    return rows


def analyze():
    """Fresh planner statistics before each phase, as autovacuum keeps them in production.

    (Development clusters often run with autovacuum off; without statistics PostgreSQL plans a
    just-seeded or just-generated table as if it were empty, and every phase — the service and
    the SQL yardstick alike — can be slower by 10× or more.)
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def delete_periods(period_ids: list[int]):
    """Delete scratch periods and everything in them with a few set-based statements."""
    ids = list(period_ids)
    sessions = "SELECT id FROM sessions_app_session WHERE roster_period_id = ANY(%s)"
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in (
            "DELETE FROM sessions_app_plannedservice WHERE session_client_id IN ("
            f"SELECT id FROM sessions_app_sessionclient WHERE session_id IN ({sessions}))",
            f"DELETE FROM sessions_app_sessionclient WHERE session_id IN ({sessions})",
            f"DELETE FROM sessions_app_sessionworker WHERE session_id IN ({sessions})",
            f"DELETE FROM sessions_app_sessionasset WHERE session_id IN ({sessions})",
            f"DELETE FROM sessions_app_sessionactivity WHERE session_id IN ({sessions})",
            f"DELETE FROM sessions_app_session_service_types WHERE session_id IN ({sessions})",
            "DELETE FROM sessions_app_session WHERE roster_period_id = ANY(%s)",
        ):
            cursor.execute(sql, [ids])
        RosterPeriod.objects.filter(pk__in=ids).delete()

