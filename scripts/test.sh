#!/usr/bin/env bash
# Run every check: lint, layers, Django checks, migrations, then the tests on SQLite and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL_BASE="${MILEPOST_TEST_PG:-postgres://postgres@127.0.0.1:5432}"

# Browser journeys need Debian's Chromium; install it when missing and we are allowed to.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "==> Installing Chromium for the browser tests (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "!! /usr/bin/chromium is missing: run 'sudo apt-get install chromium' for the browser tests" >&2
    exit 1
  fi
fi

# The EN 16931 Schematron check of e-invoices needs Java and Saxon-HE (Debian: libsaxonhe-java).
if [ ! -f /usr/share/java/Saxon-HE.jar ] || ! command -v java >/dev/null; then
  if [ "$(id -u)" = "0" ]; then
    echo "==> Installing Java and Saxon-HE for the e-invoice Schematron test (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      default-jre-headless libsaxonhe-java >/dev/null
  else
    echo "!! Saxon-HE is missing: run 'sudo apt-get install default-jre-headless libsaxonhe-java'" >&2
    exit 1
  fi
fi

echo "==> ruff check"
$BIN/ruff check .
echo "==> import-linter"
$BIN/lint-imports --no-logo
echo "==> manage.py check"
$BIN/python manage.py check --fail-level WARNING
echo "==> makemigrations --check"
$BIN/python manage.py makemigrations --check --dry-run

# The suite runs in parallel, one pytest-xdist worker per core (MILEPOST_TEST_WORKERS=0 runs it in
# one process, as does any number below 2). Each worker gets a database of its own.
WORKERS="${MILEPOST_TEST_WORKERS:-auto}"
parallel=()
if [ "$WORKERS" = "auto" ] || [ "$WORKERS" -ge 2 ] 2>/dev/null; then
  parallel=(-n "$WORKERS")
fi

ran=()
echo "==> Tests on SQLite"
DATABASE_URL="sqlite:///$PWD/var/milepost.sqlite3" $BIN/pytest "${parallel[@]}" "$@"
ran+=("SQLite")

pg_up() {
  $BIN/python - "$PG_URL_BASE/postgres" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1], connect_timeout=3).close()
except Exception:
    sys.exit(1)
PY
}
if pg_up; then
  echo "==> Tests on PostgreSQL ($PG_URL_BASE)"
  DATABASE_URL="$PG_URL_BASE/milepost" $BIN/pytest "${parallel[@]}" "$@"
  ran+=("PostgreSQL")
elif [ "${CI:-}" = "true" ]; then
  echo "!! PostgreSQL is required in CI but not reachable at $PG_URL_BASE" >&2
  exit 1
else
  echo "==> PostgreSQL not reachable at $PG_URL_BASE: skipped (required when CI=true)"
fi
echo "==> All checks passed on: ${ran[*]}"
