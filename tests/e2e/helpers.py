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


def active_project(**organisation_fields):
    """An accepted "Website on a CMS" plan (EUR 10,000, five milestones), built with services.

    ``organisation_fields`` are set on the agency before the project is created, so that
    project defaults such as ``pay_before_next`` are copied from it. Returns
    ``(owner, approver, milestones)`` with the approver re-fetched (its roles are cached).
    """
    import datetime as dt

    from milepost.accounts.models import Role, User
    from milepost.plans import services as plans
    from milepost.plans.models import Milestone
    from tests.factories import (
        ClientFactory,
        ContactFactory,
        MembershipFactory,
        OrganisationFactory,
        UserFactory,
    )

    organisation = OrganisationFactory(name="Northwind Studio", country="DE", **organisation_fields)
    owner = UserFactory(email="owner@northwind.example", name="Olivia Owner")
    MembershipFactory(organisation=organisation, user=owner, role=Role.OWNER)
    client = ClientFactory(organisation=organisation, name="Acme Shop")
    approver = UserFactory(email="anna.approver@acme.example", name="Anna Approver")
    ContactFactory(client=client, user=approver)
    project = plans.project_create(
        organisation=organisation,
        client=client,
        actor=owner,
        template="website-cms",
        name="Acme web shop",
        currency="EUR",
        total_budget="10000.00",
        start_date=dt.date.today(),
    )
    plans.project_access_grant(project=project, email=approver.email, role="approver", actor=owner)
    plans.plan_propose(project=project, actor=owner)
    approver = User.objects.get(pk=approver.pk)
    plans.plan_accept(project=project, actor=approver)
    # Fetched afresh: milestones from ``project.milestones`` would carry the stale draft project.
    milestones = Milestone.objects.filter(project_id=project.pk).order_by("position")
    return owner, approver, list(milestones.select_related("project"))


def bell_count(page: Page) -> int:
    """The unread count on the bell in the header (no count shown means none unread)."""
    count = page.locator("a.bell [data-unread]")
    return int(count.inner_text().strip()) if count.count() else 0


def forget_login_attempts() -> None:
    """Empty the cache that holds the login rate limits (per account, and per address).

    Every browser logs in from 127.0.0.1, so a run of several journeys would otherwise reach
    the limit; the journeys that log in often call this before and after they run.
    """
    from django.core.cache import cache

    cache.clear()


def confirm_dialog(page: Page, button: str, *, says: str | None = None):
    """The confirmation dialog the last click opened: check what it says, then press ``button``.

    Returns the dialog's text, for the caller to check more."""
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    if says is not None:
        expect(dialog).to_contain_text(says)
    text = dialog.inner_text()
    # The form is sent from the dialog's button: the caller waits for the page it leads to.
    dialog.get_by_role("button", name=button).click(no_wait_after=True)
    return text
