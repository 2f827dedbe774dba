#!/usr/bin/env bash
# The load test (`make load`): gunicorn + a Celery worker on PostgreSQL and Redis, all on this
# machine, with `seed_demo --scale large` data and a published 4-week period on the live
# schedule; 20 users, started one a second (a 20 s ramp), for 80 s in all — 60 s of full load
# after the ramp (locust, headless, loopback only); then the checks: 0 failed requests,
# 0 double-bookings, p95 ≤ 500 ms over every request of the run, the logins included.
# Exits 1 when a target is missed.
#
# Environment (all optional):
#   DATABASE_URL       postgres://postgres@127.0.0.1:5432/carewfm_load (created if missing)
#   CELERY_BROKER_URL  redis://127.0.0.1:6379/10
#   PYTHON             .venv/bin/python (gunicorn, celery and locust are taken from beside it)
#   LOAD_USERS, LOAD_SPAWN_RATE, LOAD_TIME   20, 1, 80s
#   LOAD_P95_MS        500
#   GUNICORN_ARGS      --workers 3 --threads 2 --worker-class gthread --keep-alive 10 --timeout 30
#                      --graceful-timeout 5
#   LOAD_OUT           loadtest/out (locust's CSV files and the servers' logs)
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
BIN=$(dirname "$PYTHON")
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/carewfm_load}
export CELERY_BROKER_URL=${CELERY_BROKER_URL:-redis://127.0.0.1:6379/10}
# A queue of this run's own, so no other worker on the broker takes its jobs.
export CELERY_TASK_DEFAULT_QUEUE="load-$$"
# A throwaway key of the run's own (production's settings refuse one under 50 characters).
export SECRET_KEY=${SECRET_KEY:-$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(64))')}
export ALLOWED_HOSTS=127.0.0.1
export CONN_MAX_AGE=${CONN_MAX_AGE:-60}
export STATIC_ROOT=${STATIC_ROOT:-$PWD/staticfiles}
unset DEBUG
USERS=${LOAD_USERS:-20}
RATE=${LOAD_SPAWN_RATE:-1}
DURATION=${LOAD_TIME:-80s}
P95_MS=${LOAD_P95_MS:-500}
# keep-alive longer than the users' think time (1–3 s), as a browser and a proxy keep theirs:
# with the default 2 s a reused connection can be closed by the server as the request goes out.
GUNICORN_ARGS=${GUNICORN_ARGS:---workers 3 --threads 2 --worker-class gthread --keep-alive 10 --timeout 30 --graceful-timeout 5}
OUT=${LOAD_OUT:-loadtest/out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

say() { printf '\n== %s\n' "$*"; }
# Data preparation runs under the development settings (seed_demo's demo logins are refused
# under production's); the servers under production's, over plain HTTP (loadtest/settings.py).
manage() { DJANGO_SETTINGS_MODULE=config.settings "$PYTHON" manage.py "$@"; }
sql() { psql "$DATABASE_URL" -XqtA -v ON_ERROR_STOP=1 -c "$1"; }

# --- the database: created, migrated, seeded once ------------------------------------------------
DB_NAME=${DATABASE_URL##*/}
DB_NAME=${DB_NAME%%\?*}
say "Database $DB_NAME"
if ! psql "${DATABASE_URL%/*}/postgres" -XqtA -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
    psql "${DATABASE_URL%/*}/postgres" -Xq -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$DB_NAME\""
fi
manage migrate --noinput -v 0
if [ -z "$(sql "SELECT 1 FROM rostering_baseroster WHERE name = 'Large provider pattern'")" ]; then
    say "Seeding the large demo data (once)"
    manage seed_demo --scale large
fi
# The live schedule shows published periods: bench_live publishes a 4-week period of the large
# base roster from its first week when none is published (--keep keeps it) and times the page.
if [ -z "$(sql "SELECT 1 FROM rostering_rosterperiod WHERE status = 'published' AND end_date - start_date >= 27")" ]; then
    say "Publishing a 4-week period on the live schedule (once)"
    manage bench_live --keep --repeat 1
fi
sql "ANALYZE" >/dev/null
# The demo logins with their groups and regions (the scheduler all regions, the coordinator one):
# idempotent; a database seeded before region access existed has logins that see no region.
manage shell -v 0 -c "from demo.seed import ensure_demo_logins; ensure_demo_logins()"
# The load users never try a wrong password, but an earlier run stopped mid-login must not leave
# them locked out by the login throttle (django-axes: 5 failures lock a username + address).
manage axes_reset_username scheduler coordinator >/dev/null

# --- static files (production's manifest), collected when something changed ---------------------
if [ ! -f "$STATIC_ROOT/staticfiles.json" ] \
    || [ -n "$(find static -newer "$STATIC_ROOT/staticfiles.json" -type f -print -quit)" ]; then
    say "collectstatic"
    DJANGO_SETTINGS_MODULE=loadtest.settings "$PYTHON" manage.py collectstatic --noinput -v 0
fi

# --- the servers -----------------------------------------------------------------------------------
PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
WEB_PID=""
WORKER_PID=""
stop() {
    for pid in $WEB_PID $WORKER_PID; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in $WEB_PID $WORKER_PID; do
        wait "$pid" 2>/dev/null || true
    done
    WEB_PID=""
    WORKER_PID=""
}
trap stop EXIT
trap 'stop; exit 130' INT TERM

say "gunicorn on 127.0.0.1:$PORT ($GUNICORN_ARGS), Celery worker on queue $CELERY_TASK_DEFAULT_QUEUE"
# shellcheck disable=SC2086  # GUNICORN_ARGS is a list of arguments
DJANGO_SETTINGS_MODULE=loadtest.settings "$BIN/gunicorn" config.wsgi --bind "127.0.0.1:$PORT" \
    $GUNICORN_ARGS --access-logfile "$OUT/access.log" --error-logfile "$OUT/gunicorn.log" \
    --access-logformat '%(t)s "%(r)s" %(s)s %(B)s bytes %(M)s ms' &
WEB_PID=$!
DJANGO_SETTINGS_MODULE=loadtest.settings "$BIN/celery" -A config worker -l info \
    --concurrency 2 -Q "$CELERY_TASK_DEFAULT_QUEUE" -n "load-$$@%h" \
    --logfile "$OUT/celery.log" &
WORKER_PID=$!
: >"$OUT/celery.log"
for _ in $(seq 120); do
    web=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/accounts/login/" || true)
    grep -q " ready\." "$OUT/celery.log" 2>/dev/null && worker=ok || worker=""
    [ "$web" = 200 ] && [ -n "$worker" ] && break
    kill -0 "$WEB_PID" 2>/dev/null || { echo "gunicorn stopped: see $OUT/gunicorn.log"; exit 1; }
    kill -0 "$WORKER_PID" 2>/dev/null || { echo "Celery stopped: see $OUT/celery.log"; exit 1; }
    sleep 0.5
done
[ "$web" = 200 ] && [ -n "$worker" ] || { echo "Not ready after 60 s (web $web, worker ${worker:-not ready})"; exit 1; }

# --- the load --------------------------------------------------------------------------------------
BEFORE=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
say "locust: $USERS users, $RATE a second, for $DURATION (load average before: $LOAD_BEFORE)"
rm -f "$OUT/raw.json" "$OUT"/load_*.csv
set +e
LOAD_RAW="$OUT/raw.json" "$BIN/locust" -f loadtest/locustfile.py --headless -u "$USERS" -r "$RATE" -t "$DURATION" \
    --host "http://127.0.0.1:$PORT" --csv "$OUT/load" --exit-code-on-error 1 --only-summary \
    --stop-timeout 10 --loglevel WARNING
LOCUST_EXIT=$?
set -e
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
stop

# --- the checks ------------------------------------------------------------------------------------
ACTIVE="('rostered', 'in_progress')"
# Two active sessions of one worker (asset) overlapping in time, read from the sessions
# themselves, and from the booking links that the exclusion constraint guards.
DOUBLE_SESSIONS=$(sql "
    SELECT (SELECT count(*) FROM sessions_app_sessionworker a
            JOIN sessions_app_sessionworker b ON b.worker_id = a.worker_id AND b.session_id > a.session_id
            JOIN sessions_app_session sa ON sa.id = a.session_id
            JOIN sessions_app_session sb ON sb.id = b.session_id
            WHERE sa.status IN $ACTIVE AND sb.status IN $ACTIVE
              AND sa.start < sb.\"end\" AND sb.start < sa.\"end\")
         + (SELECT count(*) FROM sessions_app_sessionasset a
            JOIN sessions_app_sessionasset b ON b.asset_id = a.asset_id AND b.session_id > a.session_id
            JOIN sessions_app_session sa ON sa.id = a.session_id
            JOIN sessions_app_session sb ON sb.id = b.session_id
            WHERE sa.status IN $ACTIVE AND sb.status IN $ACTIVE
              AND sa.start < sb.\"end\" AND sb.start < sa.\"end\")")
DOUBLE_LINKS=$(sql "
    SELECT (SELECT count(*) FROM sessions_app_sessionworker a
            JOIN sessions_app_sessionworker b ON b.worker_id = a.worker_id AND b.id > a.id
            WHERE a.active AND b.active AND a.start < b.\"end\" AND b.start < a.\"end\")
         + (SELECT count(*) FROM sessions_app_sessionasset a
            JOIN sessions_app_sessionasset b ON b.asset_id = a.asset_id AND b.id > a.id
            WHERE a.active AND b.active AND a.start < b.\"end\" AND b.start < a.\"end\")")
STALE_LINKS=$(sql "
    SELECT count(*) FROM sessions_app_sessionworker l JOIN sessions_app_session s ON s.id = l.session_id
    WHERE l.active <> (s.status IN $ACTIVE) OR (l.active AND (l.start <> s.start OR l.\"end\" <> s.\"end\"))")
MADE=$(sql "SELECT count(*) FILTER (WHERE status = 'rostered'), count(*)
            FROM sessions_app_session WHERE created_at >= '$BEFORE'" 2>/dev/null || echo "?")

say "Results ($BEFORE; gunicorn $GUNICORN_ARGS; PostgreSQL; Celery --concurrency 2)"
rm -f "$OUT/summary.txt"
"$PYTHON" - "$OUT" "$P95_MS" <<'PY'
import csv
import importlib.util
import json
import sys

out, p95_target = sys.argv[1], float(sys.argv[2])
spec = importlib.util.spec_from_file_location("locustfile", "loadtest/locustfile.py")
lf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lf)  # its helpers only: locust is not imported here
rows = list(csv.DictReader(open(f"{out}/load_stats.csv", newline="")))
run = json.load(open(f"{out}/raw.json"))
raw = run["requests"]  # [name, ms, ok, seconds since the start] of every request
by_name = {}
for name, ms, *_ in raw:
    by_name.setdefault(name, []).append(ms)
head = f"{'endpoint':<40}{'requests':>9}{'failures':>9}{'p50':>7}{'p95':>7}{'p99':>7}{'max':>7}"
print(head + "  (ms, exact from every request's time)")
print("-" * len(head))


def line(label, times, failures):
    p = [lf.percentile(times, q) for q in (0.5, 0.95, 0.99, 1.0)]
    print(f"{label[:39]:<40}{len(times):>9}{failures:>9}" + "".join(f"{v:>7.0f}" for v in p))


for r in sorted(rows, key=lambda r: r["Name"]):
    if r["Name"] != "Aggregated":
        name = f"{r['Type']} {r['Name']}"
        line(name, by_name.get(name, []), int(r["Failure Count"]))
total = next(r for r in rows if r["Name"] == "Aggregated")
everything = [ms for _, ms, *_ in raw]
line("ALL (the gate)", everything, int(total["Failure Count"]))


def signing_in(name):
    return name.split(" ", 1)[1] in lf.SIGN_IN


after = [ms for name, ms, *_ in raw if not signing_in(name)]
line("ALL but signing in", after, sum(1 for n, _, ok, _ in raw if not ok and not signing_in(n)))
spawned = run.get("spawned_at") or 0
full = [r for r in raw if r[3] >= spawned]
line(f"ALL after the ramp ({spawned:.0f} s on)", [r[1] for r in full],
     sum(1 for r in full if not r[2]))
print(f"(signing in: {', '.join(lf.SIGN_IN)} — each user once, as it starts)")
for f in csv.DictReader(open(f"{out}/load_failures.csv", newline="")):
    print(f"FAILED {f['Occurrences']}× {f['Method']} {f['Name']}: {f['Error'][:200]}")
outcomes = run.get("outcomes", {})
print("\nmodal saves (menu):", ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
      or "none")
for message, n in sorted(run.get("refusals", {}).items(), key=lambda kv: -kv[1])[:5]:
    print(f"  422 {n}×: {message}")
with open(f"{out}/summary.txt", "w") as f:
    print(len(raw), total["Failure Count"],
          round(lf.percentile(everything, 0.95)), round(lf.percentile(after, 0.95)),
          round(lf.percentile([r[1] for r in full], 0.95)), file=f)
PY
read -r REQUESTS FAILURES P95 P95_AFTER P95_FULL <"$OUT/summary.txt"
echo
echo "requests:        $REQUESTS"
echo "failures:        $FAILURES"
echo "p95 overall:     $P95 ms (target ≤ $P95_MS ms); but signing in: $P95_AFTER ms;" \
    "after the ramp: $P95_FULL ms"
echo "double-bookings: $DOUBLE_SESSIONS by the sessions' times, $DOUBLE_LINKS by the booking links (target 0)"
echo "stale links:     $STALE_LINKS (booking links out of step with their session)"
echo "sessions made:   ${MADE/|/ Rostered of } by New Session in this run"
echo "load average:    $LOAD_BEFORE before, $LOAD_AFTER after ($(nproc) cores)"
echo "logs and CSVs:   $OUT"

missed=()
[ "$FAILURES" = 0 ] || missed+=("$FAILURES failed requests")
[ "$LOCUST_EXIT" = 0 ] || missed+=("locust exited $LOCUST_EXIT")
[ "$DOUBLE_SESSIONS" = 0 ] && [ "$DOUBLE_LINKS" = 0 ] || missed+=("double-bookings")
[ "$STALE_LINKS" = 0 ] || missed+=("stale booking links")
awk -v p="$P95" -v t="$P95_MS" 'BEGIN { exit !(p + 0 <= t + 0) }' || missed+=("p95 $P95 ms > $P95_MS ms")
if [ ${#missed[@]} -gt 0 ]; then
    echo "MISSED: ${missed[*]}"
    exit 1
fi
echo "All targets met."
