"""Putting an email in the outbox, inside the caller's transaction; it leaves after commit.

Every email Milepost sends is queued here: notifications (notify), invitations and password
resets (accounts). Sending is notify's part (``notify.delivery``: claim, render, attach, retry),
because it renders what apps above accounts own (invoice PDFs, the accounts' one-time links). So
the outbox does not import its sender: notify names it once, when Django starts
(``NotifyConfig.ready`` → ``sender_set``), and the scheduler sends whatever is still pending.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

from milepost.core import clock

from .models import OutgoingEmail

logger = logging.getLogger(__name__)

_sender: Callable[[int], Any] | None = None


def sender_set(sender: Callable[[int], Any]) -> None:
    """Name what sends one committed email at once (notify's ``deliver_email`` task)."""
    global _sender
    _sender = sender


def send_soon(email_id: int) -> None:
    """Hand the email to the sender now; without one, or if that fails, the scheduler sends it."""
    if _sender is None:
        logger.warning("No email sender is set: email %s waits for the scheduler", email_id)
        return
    try:
        _sender(email_id)
    except Exception:  # the scheduler picks pending emails up anyway
        logger.exception("Could not enqueue email %s", email_id)


def email_queue(
    *,
    to: str,
    subject: str,
    kind: str = OutgoingEmail.Kind.MESSAGE,
    user: Any = None,
    organisation: Any = None,
    invitation: Any = None,
    category: str = "",
    text: str = "",
    html: str = "",
    headers: dict[str, str] | None = None,
    invoice: Any = None,
) -> OutgoingEmail:
    """Put one email in the outbox, inside the caller's transaction; it leaves after commit.

    Invitations and password resets pass no body: their link is minted when the email is sent.
    """
    now = clock.now()
    email = OutgoingEmail.objects.create(
        kind=kind,
        to=to,
        subject=subject[:300],
        user=user,
        organisation=organisation,
        invitation=invitation,
        category=category,
        text=text,
        html=html,
        headers=headers or {},
        invoice=invoice,
        created_at=now,
        next_attempt_at=now,
    )
    transaction.on_commit(lambda: send_soon(email.pk))
    return email
