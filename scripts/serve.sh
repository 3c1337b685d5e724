#!/usr/bin/env bash
# Start the web server and the background worker together; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
trap 'trap - INT TERM EXIT; kill 0 2>/dev/null; wait' INT TERM EXIT
.venv/bin/python manage.py run_worker &
echo "Milepost is starting on http://127.0.0.1:${PORT}/ (Ctrl-C stops the server and the worker)"
.venv/bin/python manage.py runserver "127.0.0.1:${PORT}"
