"""Signing per the Standard Webhooks specification, with the maintained ``standardwebhooks``."""

from __future__ import annotations

import base64
import datetime as dt
import secrets

from standardwebhooks import Webhook

from milepost.core import clock

from .models import WebhookEndpoint

PREFIX = "whsec_"


def secret_new() -> str:
    """A fresh signing secret: ``whsec_`` and 32 random bytes in base64."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signing_secrets(endpoint: WebhookEndpoint) -> list[str]:
    """The endpoint's secret, and the previous one while it is still valid (24 h after rotation)."""
    found = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and clock.now() < expires:
        found.append(endpoint.previous_secret)
    return found


def headers(
    endpoint: WebhookEndpoint, *, message_id: str, body: bytes, sent_at: dt.datetime
) -> dict[str, str]:
    """``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` (one per valid secret)."""
    signatures = [
        Webhook(secret).sign(msg_id=message_id, timestamp=sent_at, data=body)
        for secret in signing_secrets(endpoint)
    ]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
