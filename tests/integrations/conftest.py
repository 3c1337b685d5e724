"""A real HTTP receiver on loopback that verifies every signature with ``standardwebhooks``."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook

from milepost.core import clock
from milepost.integrations import services
from milepost.notify.scheduler import tick

# The review cycle's fixtures (a draft project with its approver and viewer), shared.
from ..reviews.conftest import draft, fresh, make_project  # noqa: F401

T0 = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def type(self) -> str:
        return self.json["type"]


@dataclass
class Receiver:
    """Answers each POST with the next scripted status (200 once the script runs out)."""

    port: int = 0
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    redirect_to: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/milepost"

    def answer(self) -> int:
        return self.statuses.pop(0) if self.statuses else 200

    def verified(self, secret: str) -> list[dict]:
        """Every request's payload, each verified with ``secret`` (raises if one fails)."""
        return [Webhook(secret).verify(r.body, r.headers) for r in self.received]

    def types(self) -> list[str]:
        return [r.type for r in self.received]


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            receiver.received.append(Received(self.path, dict(self.headers.items()), body))
            status = receiver.answer()
            if receiver.redirect_to:
                self.send_response(302)
                self.send_header("Location", receiver.redirect_to)
            else:
                self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):  # quiet
            pass

    return Handler


@pytest.fixture
def start_receiver(settings):
    """Start receivers on 127.0.0.1 (allowed by WEBHOOK_ALLOWED_HOSTS); stopped after the test."""
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    servers = []

    def start() -> Receiver:
        receiver = Receiver()
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
        receiver.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return receiver

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver(start_receiver) -> Receiver:
    return start_receiver()


@pytest.fixture
def endpoint_for(world):
    """An endpoint of the world's organisation at ``url``; answers (endpoint, secret)."""

    def make(url: str, event_types=("*",)):
        return services.endpoint_create(
            organisation=world.organisation,
            actor=fresh(world.owner),
            url=url,
            description="test receiver",
            event_types=list(event_types),
        )

    return make


@pytest.fixture
def committed(django_capture_on_commit_callbacks) -> Callable:
    """Run ``action()`` as if its transaction committed: its after-commit work runs now (the
    immediate task backend then sends its deliveries)."""

    def run(action: Callable, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


@pytest.fixture
def tick_at(committed) -> Callable:
    def run(now: dt.datetime) -> dict[str, int]:
        with clock.frozen(now):
            return committed(tick, now)

    return run
