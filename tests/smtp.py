"""Real SMTP servers on loopback for tests: one that receives (aiosmtpd), one that stalls after
taking the message (aiosmtpd that never confirms), and one that accepts connections and never
says a word. Each binds a free port."""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import re
import socket
import threading
import time
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller

# aiosmtpd says "connection lost" at INFO from its own thread, after pytest may have closed the
# stream it captured: CI logs filled with "--- Logging error ---". Its warnings still show.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def use_server(settings, port: int, timeout: int = 10) -> None:
    """Point Django's SMTP backend at a loopback server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = timeout


@dataclass
class Received:
    """One message as the SMTP server got it."""

    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage

    def header(self, name: str) -> str:
        # Django folds long headers onto a continuation line ("Subject:\n =?utf-8?q?…", or a
        # long List-Unsubscribe URL); the stdlib parser keeps the fold's space in front.
        return str(self.message[name]).strip()

    @property
    def subject(self) -> str:
        return self.header("Subject")

    @property
    def to(self) -> str:
        return self.rcpt_tos[0]

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        assert body.get_content_type() == f"text/{subtype}"
        return body.get_content()

    def link(self, pattern: str) -> str:
        """The first whole link that starts with ``pattern`` in the plain text (with its query
        or fragment); the HTML part links to it too."""
        text = self.part("plain")
        match = re.search(rf"(?:{pattern})[^\s\"<>]*", text)
        assert match, f"no link matching {pattern!r} in:\n{text}"
        assert f'href="{match.group(0)}"' in self.part("html")
        return match.group(0)


@dataclass
class Collector:
    """An aiosmtpd handler that keeps every message it is given."""

    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SmtpServer:
    """A loopback SMTP server that a test can stop and start again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.collector = Collector()
        self.controller: Controller | None = None

    def start(self) -> None:
        assert self.controller is None
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def messages(self, subject: str = "") -> list[Received]:
        with self.collector.lock:
            return [r for r in self.collector.received if subject in r.subject]

    def clear(self) -> None:
        with self.collector.lock:
            self.collector.received.clear()

    def wait_for(self, to: str, subject: str = "", seconds: float = 10.0) -> Received:
        """The newest message to ``to`` (with ``subject`` in its subject), waiting for it."""
        deadline = time.monotonic() + seconds
        while True:
            found = [m for m in self.messages(subject) if to in m.rcpt_tos]
            if found:
                return found[-1]
            assert time.monotonic() < deadline, f"no email to {to} with {subject!r}"
            time.sleep(0.05)


class _Stalling:
    """Takes the whole message, then never confirms it (the client waits for "250")."""

    def __init__(self) -> None:
        self.got_data = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.got_data.set()
        await asyncio.sleep(3600)


class StallingServer:
    """An aiosmtpd server that greets, takes the message and then never answers."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = _Stalling()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


class SilentServer:
    """Accepts connections (the kernel completes them) and never says a word, not even hello."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]

    def start(self) -> None:
        self.sock.listen(64)

    def stop(self) -> None:
        self.sock.close()
