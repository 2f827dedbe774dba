"""`manage.py bench_live`: how fast the live schedule shows a region's week at provider scale.

On `seed_demo --scale large` data with a published 4-week period (when there is none, a scratch
period of the large base roster is generated, validated and published, and deleted at the end
unless `--keep`), it requests Scheduling for the busiest region's first week of the period —
by site (every session of the region's week on one page), by worker and by client (a page of
25 rows) — through Django's test client (middleware, view, queries, template; no network):
one warm-up, then the median of `--repeat` requests, with the queries of one request.

Next to each, in the same run, the yardstick: one hand-written SQL statement that fetches the
same rows (the page's sessions with their site, session type, workers and clients), median of
the same number of runs. It prints both and their ratio (target ≤ 3×) and the page time
(target ≤ 300 ms). Run it on PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/carewfm_bench
"""

from __future__ import annotations

import datetime
import statistics
import time
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse

from demo import bench, seed
from demo.management.commands.bench_generation import analyze, delete_periods
from rostering import services
from rostering.models import BaseRoster, RosterPeriod

TARGET_RATIO = 3.0
TARGET_MS = 300
ROWS_PER_PAGE = 25

# The week's live sessions of the region, each week cut at its own site's midnight.
WEEK = """
    SELECT s.id FROM sessions_app_session s
    JOIN clients_site site ON site.id = s.site_id
    LEFT JOIN rostering_rosterperiod rp ON rp.id = s.roster_period_id
    WHERE site.region_id = %(region)s
      AND (rp.status = 'published' OR (s.roster_period_id IS NULL AND s.base_roster_id IS NULL))
      AND s.start < ((%(monday)s::date + 7)::timestamp AT TIME ZONE site.time_zone)
      AND s."end" > (%(monday)s::date::timestamp AT TIME ZONE site.time_zone)
"""
# The page's sessions with everything a block shows, by rows mode.
PAGE_SESSIONS = {
    "site": "SELECT id FROM week",
    "worker": """
        SELECT w.id FROM week w WHERE EXISTS (
            SELECT 1 FROM sessions_app_sessionworker sw JOIN page ON page.id = sw.worker_id
            WHERE sw.session_id = w.id)
          OR NOT EXISTS (SELECT 1 FROM sessions_app_sessionworker sw WHERE sw.session_id = w.id)
    """,
    "client": """
        SELECT w.id FROM week w WHERE EXISTS (
            SELECT 1 FROM sessions_app_sessionclient sc JOIN page ON page.id = sc.client_id
            WHERE sc.session_id = w.id)
          OR NOT EXISTS (SELECT 1 FROM sessions_app_sessionclient sc WHERE sc.session_id = w.id)
    """,
}
PAGE_ROWS = {
    "site": "SELECT 0 AS id",
    "worker": f"""
        SELECT DISTINCT p.last_name, p.first_name, p.id FROM week
        JOIN sessions_app_sessionworker sw ON sw.session_id = week.id
        JOIN rostering_worker p ON p.id = sw.worker_id
        ORDER BY p.last_name, p.first_name, p.id LIMIT {ROWS_PER_PAGE}
    """,
    "client": f"""
        SELECT DISTINCT p.last_name, p.first_name, p.id FROM week
        JOIN sessions_app_sessionclient sc ON sc.session_id = week.id
        JOIN clients_client p ON p.id = sc.client_id
        ORDER BY p.last_name, p.first_name, p.id LIMIT {ROWS_PER_PAGE}
    """,
}
SQL = """
    WITH week AS MATERIALIZED ({week}), page AS MATERIALIZED ({rows}), shown AS ({sessions})
    SELECT s.id, s.start, s."end", s.status, s.work_type, s.subject, s.ratio, site.name,
           site.time_zone, st.name, wk.id, wk.first_name, wk.last_name,
           c.id, c.first_name, c.last_name, c.preferred_name, sc.status
    FROM shown JOIN sessions_app_session s ON s.id = shown.id
    JOIN clients_site site ON site.id = s.site_id
    JOIN sessions_app_sessiontype st ON st.id = s.session_type_id
    LEFT JOIN sessions_app_sessionworker sw ON sw.session_id = s.id
    LEFT JOIN rostering_worker wk ON wk.id = sw.worker_id
    LEFT JOIN sessions_app_sessionclient sc ON sc.session_id = s.id
    LEFT JOIN clients_client c ON c.id = sc.client_id
    ORDER BY s.start, s.id
"""


def raw_sql(rows: str) -> str:
    return SQL.format(week=WEEK, rows=PAGE_ROWS[rows], sessions=PAGE_SESSIONS[rows])


class Command(BaseCommand):
    help = "Benchmark the live schedule (Scheduling) for a region's week against raw SQL."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=9, help="Requests per measurement.")
        parser.add_argument("--region", help="Region name (default: the busiest that week).")
        parser.add_argument("--keep", action="store_true", help="Keep a scratch period.")

    def handle(self, *args, repeat, region, keep, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "Run it on PostgreSQL (DATABASE_URL=postgres://…/carewfm_bench): the raw SQL "
                "yardstick is PostgreSQL's."
            )
        period, scratch = self.published_period()
        try:
            analyze()
            self.run(period, repeat=repeat, region_name=region)
        finally:
            if scratch and not keep:
                delete_periods([period.pk])
                self.stdout.write(f"Scratch period {period} deleted.")

    def published_period(self) -> tuple[RosterPeriod, bool]:
        """A published period of 4 weeks or more, or a scratch one made and published here."""
        for p in RosterPeriod.objects.filter(status=RosterPeriod.Status.PUBLISHED):
            if (p.end_date - p.start_date).days >= 27:
                return p, False
        roster = BaseRoster.objects.filter(name=seed.LARGE_ROSTER_NAME).first()
        if roster is None:
            raise CommandError("No large demo data: run seed_demo --scale large first.")
        taken = set(roster.periods.values_list("start_date", flat=True))
        start = roster.start_date
        while start in taken:
            start += datetime.timedelta(days=roster.cycle_days)
        weeks = max(1, -(-4 // roster.cycle_weeks)) * roster.cycle_weeks
        self.stdout.write(f"Publishing a scratch {weeks}-week period from {start} …")
        started = time.perf_counter()
        period = services.roster_period_create(
            base_roster=roster, start_date=start, cycles=weeks // roster.cycle_weeks
        )
        try:
            services.roster_period_generate(period=period)
            analyze()
            bench.phase_validate(period, _quiet_measure)  # then phase_publish drops the
            bench.phase_publish(period, _quiet_measure)  # sessions with errors, publishes
        except BaseException:
            delete_periods([period.pk])
            raise
        period.refresh_from_db()
        self.stdout.write(f"… published in {time.perf_counter() - started:.1f} s.")
        return period, True

    def run(self, period: RosterPeriod, *, repeat: int, region_name: str | None):
        monday = period.start_date - datetime.timedelta(days=period.start_date.weekday())
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT r.id, r.name, count(*) FROM clients_region r "
                f"JOIN clients_site site ON site.region_id = r.id "
                f"JOIN sessions_app_session s ON s.site_id = site.id "
                f"WHERE s.id IN ({WEEK.replace('site.region_id = %(region)s', 'TRUE')}) "
                f"{'AND r.name = %(name)s' if region_name else ''} "
                f"GROUP BY r.id, r.name ORDER BY count(*) DESC, r.name LIMIT 1",
                {"monday": monday, "name": region_name, "region": None},
            )
            found = cursor.fetchone()
        if not found:
            raise CommandError("No live sessions in that week (or no such region).")
        region_id, name, week_sessions = found
        user, _ = get_user_model().objects.get_or_create(
            username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
        )
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        out = self.stdout.write
        out("")
        out(f"Live schedule benchmark (PostgreSQL, database {connection.settings_dict['NAME']})")
        out(f"Period {period} ({period.start_date} – {period.end_date}, published); region "
            f"{name}: {week_sessions:,} live sessions in the week of {monday:%a %d %b %Y}")
        out(f"median of {repeat} runs each, after one warm-up")
        out("")
        head = (f"{'rows':<8}{'sessions':>9}{'blocks':>8}{'page ms':>9}{'queries':>9}"
                f"{'SQL ms':>8}{'SQL rows':>10}{'ratio':>7}  verdict")
        out(head)
        out("-" * len(head))
        for rows in ("site", "worker", "client"):
            url = reverse("scheduling:live") + "?" + urlencode(
                {"view": "week", "date": monday.isoformat(), "region": region_id, "rows": rows}
            )
            response = client.get(url)
            if response.status_code != 200:
                raise CommandError(f"{url} answered {response.status_code}")
            html = response.content.decode()
            blocks = html.count('<li class="block ')
            sessions = len(set(_ids(html)))
            page_times, queries = [], 0
            for _ in range(repeat):
                count = {"n": 0}

                def counter(execute, sql, params, many, context, count=count):
                    count["n"] += 1
                    return execute(sql, params, many, context)

                with connection.execute_wrapper(counter):
                    started = time.perf_counter()
                    client.get(url)
                    page_times.append(time.perf_counter() - started)
                queries = count["n"]
            sql = raw_sql(rows)
            params = {"region": region_id, "monday": monday}
            sql_times, sql_rows = [], 0
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                cursor.fetchall()
                for _ in range(repeat):
                    started = time.perf_counter()
                    cursor.execute(sql, params)
                    sql_rows = len(cursor.fetchall())
                    sql_times.append(time.perf_counter() - started)
            page, raw = statistics.median(page_times), statistics.median(sql_times)
            ratio = page / raw
            verdict = (
                f"{'meets' if ratio <= TARGET_RATIO else 'MISSES'} ≤ {TARGET_RATIO:.0f}×, "
                f"{'meets' if page * 1000 <= TARGET_MS else 'MISSES'} ≤ {TARGET_MS} ms; "
                f"{len(response.content) // 1024:,} KB"
            )
            out(f"{rows:<8}{sessions:>9,}{blocks:>8,}{page * 1000:>9.0f}{queries:>9}"
                f"{raw * 1000:>8.1f}{sql_rows:>10,}{ratio:>6.1f}×  {verdict}")
        out("")
        out("sessions: distinct sessions on the page; blocks: a session with two workers is "
            "a block in each worker's row.")


def _ids(html: str):
    marker = 'data-session-id="'
    at = html.find(marker)
    while at != -1:
        end = html.index('"', at + len(marker))
        yield html[at + len(marker):end]
        at = html.find(marker, end)


class _quiet_measure:  # noqa: N801 — a stand-in for bench_generation's `measure`
    def __init__(self, phase):
        self.phase, self.note, self.seconds, self.queries = phase, "", 0.0, 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

