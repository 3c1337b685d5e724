"""Reading what the file-based email backend wrote."""

from __future__ import annotations

import email
import re
from email import policy
from email.message import EmailMessage
from pathlib import Path

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
