#!/usr/bin/env bash
# make bench: seed a separate database, start a production-like server on loopback, load it
# with wrk and print a table. See bench/README.md. Not part of make test.
#
#   BENCH_DATABASE_URL   PostgreSQL URL of the bench database (its name must contain "bench",
#                        e.g. postgres://postgres@127.0.0.1:5432/milepost_bench; created when
#                        missing). Default: SQLite at var/bench/milepost.sqlite3.
#   BENCH_ORGANISATIONS  organisations to seed on first run (default 1000)
#   BENCH_SECONDS        seconds of load per endpoint (default 10)
#   BENCH_ONLY           only endpoints whose path contains this (healthz always runs)
#   BENCH_WORKERS        gunicorn workers (default 2)
#   BENCH_GUNICORN_ARGS  extra gunicorn options, for experiments (e.g. "-k gthread --threads 4")
#   BENCH_APPROVALS      approvals timed with and without webhook endpoints (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/.venv/bin
BENCH_DIR=$ROOT/var/bench
mkdir -p "$BENCH_DIR"

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = "0" ]; then
    echo "==> Installing wrk (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "!! wrk is missing: run 'sudo apt-get install wrk'" >&2
    exit 2
  fi
fi

# A production-like configuration, on its own database and var/ directory.
export MILEPOST_ENV=production DEBUG=false ALLOWED_HOSTS=127.0.0.1 SITE_URL="${SITE_URL:-http://127.0.0.1}"
export SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false
export MILEPOST_VAR_DIR="$BENCH_DIR" LOG_LEVEL=WARNING
SECRET_KEY=$("$BIN/python" -c 'import secrets, string
print("".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(64)))')
export SECRET_KEY
unset CACHE_URL EMAIL_URL
if [ -n "${BENCH_DATABASE_URL:-}" ]; then
  export DATABASE_URL=$BENCH_DATABASE_URL
  "$BIN/python" - "$DATABASE_URL" <<'PY'
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

url = urlsplit(sys.argv[1])
name = url.path.lstrip("/")
if not url.scheme.startswith("postgres") or "bench" not in name:
    sys.exit(f"!! BENCH_DATABASE_URL must be a PostgreSQL database whose name contains 'bench'")
admin = urlunsplit(url._replace(path="/postgres"))
with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"==> Created PostgreSQL database {name}")
PY
  DB_NAME=${DATABASE_URL##*/}
  DB_NAME=${DB_NAME%%\?*}
  DB_LABEL="PostgreSQL ($DB_NAME)"
else
  export DATABASE_URL="sqlite:///$BENCH_DIR/milepost.sqlite3"
  DB_NAME=""
  DB_LABEL="SQLite (var/bench/milepost.sqlite3)"
fi

echo "==> Database: $DB_LABEL"
"$BIN/python" manage.py migrate --no-input -v 0
echo "==> Seeding ${BENCH_ORGANISATIONS:-1000} organisations (skipped when already seeded)"
"$BIN/python" manage.py seed_bench --organisations "${BENCH_ORGANISATIONS:-1000}"
"$BIN/python" manage.py collectstatic --no-input -v 0

PORT=$("$BIN/python" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
WORKERS=${BENCH_WORKERS:-2}
echo "==> gunicorn, $WORKERS workers, http://127.0.0.1:$PORT/ (log: var/bench/gunicorn.log)"
"$BIN/gunicorn" milepost.wsgi -w "$WORKERS" -b "127.0.0.1:$PORT" \
  --error-logfile "$BENCH_DIR/gunicorn.log" --log-level warning ${BENCH_GUNICORN_ARGS:-} &
GUNICORN_PID=$!
RUN_PID=""
cleanup() {
  # The load client first (with its wrk child), then the server. By process id only.
  if [ -n "$RUN_PID" ] && kill -0 "$RUN_PID" 2>/dev/null; then
    pkill -TERM -P "$RUN_PID" 2>/dev/null || true
    kill -TERM "$RUN_PID" 2>/dev/null || true
  fi
  if kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID" 2>/dev/null || true
    wait "$GUNICORN_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "==> Load: wrk, ${BENCH_CONNECTIONS:-8} connections, 2 threads, ${BENCH_SECONDS:-10} s per endpoint"
# In the background and waited for, so that Ctrl-C or TERM reach the trap at once.
"$BIN/python" bench/run.py --port "$PORT" --server-pid "$GUNICORN_PID" --database-name "$DB_NAME" \
  --json "$BENCH_DIR/results.json" &
RUN_PID=$!
status=0
wait "$RUN_PID" || status=$?
RUN_PID=""

# Issue 15: an approval with three enabled webhook endpoints against one with none (wrk cannot
# repeat an approval). The suite's own test, on its own SQLite file, without the bench's settings.
echo "==> An approval without webhook endpoints and with three (${BENCH_APPROVALS:-20} each)"
env -u DATABASE_URL -u MILEPOST_ENV -u DEBUG -u ALLOWED_HOSTS -u SITE_URL -u SECRET_KEY \
  -u SECURE_SSL_REDIRECT -u SESSION_COOKIE_SECURE -u CSRF_COOKIE_SECURE -u MILEPOST_VAR_DIR \
  MILEPOST_TEST_DB="$BENCH_DIR/approval-cost.sqlite3" MILEPOST_COST_ROUNDS="${BENCH_APPROVALS:-20}" \
  "$BIN/python" -m pytest -q -s -n 0 -p no:cacheprovider tests/integrations/test_cost.py \
  | grep -E "^approval|passed|failed" || status=1
exit "$status"
