"""`make run` on a port other than 8000: scripts/serve.sh starts the web server and the worker,
and the links in a real email and the calendar address point where it actually serves.

The server runs as `make run` starts it (scripts/serve.sh, with this interpreter instead of
.venv), on its own SQLite file and a free port, sending mail to an aiosmtpd server on loopback.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .smtp import SmtpServer, free_port

ROOT = Path(__file__).resolve().parents[1]
OWNER = "olivia.owner@northwind.example"
CONTACT = "dana.reviewer@acme.example"
SETUP = f"""
from milepost.accounts import services
from milepost.accounts.models import User
owner = User.objects.create_user(email={OWNER!r}, password="correct-horse-battery-staple")
services.organisation_create(name="Northwind Studio", owner=owner, country="DE",
                             default_currency="EUR")
"""


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def call(url: str, token: str = "", body: dict | None = None) -> tuple[int, str, str]:
    """(status, content type, body) of a GET, or a JSON POST when ``body`` is given."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if data:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def wait_until_up(base: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "serve.sh exited early"
        try:
            if call(f"{base}/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{base} did not come up")


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def test_make_run_on_another_port_links_to_itself(tmp_path, smtp_server):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "DATABASE_URL"}}
    env.update(
        MILEPOST_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'milepost.sqlite3'}",
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_server.port}",
        PORT=str(port),
        PYTHON=sys.executable,
        PYTHONDONTWRITEBYTECODE="1",
    )
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "shell", "-c", SETUP)
    token = manage(env, "api_token", OWNER).strip()

    server = subprocess.Popen(
        ["bash", "scripts/serve.sh"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, ended below by its id
    )
    try:
        wait_until_up(base, server)

        status, _type, body = call(f"{base}/api/v1/clients/", token, {"name": "Acme Shop"})
        assert status == 201, body
        client_id = json.loads(body)["id"]
        status, _type, body = call(
            f"{base}/api/v1/clients/{client_id}/contacts/", token, {"email": CONTACT}
        )
        assert status == 201, body

        # The worker sends the invitation; its link opens the invitation page of this server.
        received = smtp_server.wait_for(CONTACT, seconds=30)
        link = received.link(r"http://[^/\s]+/invitation/[A-Za-z0-9_-]+/")
        assert link.startswith(f"{base}/invitation/")
        status, content_type, page = call(link)
        assert status == 200
        assert content_type.startswith("text/html")
        assert "Welcome to Milepost" in page
        assert CONTACT in page

        # The calendar address is on this server too, and answers with the feed.
        status, _type, body = call(f"{base}/api/v1/me/", token)
        assert status == 200, body
        calendar = json.loads(body)["calendar_url"]
        assert calendar.startswith(f"{base}/")
        status, content_type, feed = call(calendar)
        assert status == 200
        assert content_type.startswith("text/calendar")
        assert feed.startswith("BEGIN:VCALENDAR")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    assert not re.search(r":8000\b", link + calendar)
