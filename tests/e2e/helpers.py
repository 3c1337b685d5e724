"""Reading what the file-based email backend wrote; logging in; small real files to upload."""

from __future__ import annotations

import email
import re
import struct
import zlib
from email import policy
from email.message import EmailMessage
from pathlib import Path

from playwright.sync_api import Page, expect

SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # what django's filebased backend writes after each message


def newest_mail(folder: Path) -> EmailMessage:
    """The most recent message in the folder (the backend writes one file per connection)."""
    files = sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime_ns)
    assert files, f"no mail in {folder}"
    messages = [chunk for chunk in files[-1].read_bytes().split(SEPARATOR) if chunk.strip()]
    return email.message_from_bytes(messages[-1], policy=policy.default)


def link_in(message: EmailMessage, pattern: str) -> str:
    """The first link matching ``pattern`` in the plain-text body (decoded, so no =3D noise)."""
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(pattern, body)
    assert match, f"no link matching {pattern!r} in:\n{body}"
    return match.group(0)


def log_in(page: Page, base_url: str, email: str, password: str) -> None:
    """Log in through the login page and wait until the app shows the "Log out" button."""
    page.goto(f"{base_url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def tiny_png(path: Path) -> Path:
    """Write a real 1x1 PNG (signature, IHDR, IDAT, IEND with correct CRCs) and return its path."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\x2a\x6f\xd1")  # filter byte + one blue-ish pixel
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
    return path
