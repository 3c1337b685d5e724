#!/usr/bin/env bash
# Start the web server and the background worker together; Ctrl-C stops both.
# Links in emails and the calendar address point where this serves, unless SITE_URL is set.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
PYTHON="${PYTHON:-.venv/bin/python}"
export PORT
export SITE_URL="${SITE_URL:-http://127.0.0.1:${PORT}}"
trap 'trap - INT TERM EXIT; kill 0 2>/dev/null; wait' INT TERM EXIT
"$PYTHON" manage.py run_worker &
echo "Milepost is starting on http://127.0.0.1:${PORT}/ (Ctrl-C stops the server and the worker)"
echo "Links in emails point to ${SITE_URL}/"
"$PYTHON" manage.py runserver "127.0.0.1:${PORT}"
