"""Sending due deliveries: claim, check the URL again, sign, POST, record, retry later.

Order per object: a delivery waits while an earlier event about the same object (a lower
``OutboundEvent`` id) is still pending at the same endpoint; it goes once that one succeeded or
finally failed. Retries grow from a minute to 14 hours, about a day and a half in all.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time

from milepost.core import clock

from . import signing, transport
from .models import WebhookDelivery, WebhookEndpoint
from .urlcheck import UnsafeURL, target_of

logger = logging.getLogger(__name__)

#: The wait after the 1st, 2nd, … failed attempt; after the last, the delivery has failed.
RETRY_DELAYS = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=5),
    dt.timedelta(hours=10),
    dt.timedelta(hours=14),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
#: A claimed delivery is left alone this long: a worker that dies mid-send is made up for.
CLAIM_LEASE = dt.timedelta(minutes=2)
BATCH = 200


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.event.payload, separators=(",", ":"), sort_keys=True).encode()


def _heads(now: dt.datetime, delivery_ids: list[int] | None) -> list[int]:
    """The due deliveries that are first in line for their object at their endpoint."""
    pending = (
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, endpoint__enabled=True
        )
        .order_by("event_id", "pk")
        .values_list(
            "pk", "endpoint_id", "event__object_type", "event__object_id", "next_attempt_at"
        )
    )
    wanted = set(delivery_ids) if delivery_ids is not None else None
    seen: set[tuple] = set()
    heads: list[int] = []
    for pk, endpoint_id, object_type, object_id, next_at in pending.iterator():
        key = (endpoint_id, object_type, object_id)
        if key in seen:
            continue
        seen.add(key)
        if next_at is not None and next_at <= now and (wanted is None or pk in wanted):
            heads.append(pk)
            if len(heads) >= BATCH:
                break
    return heads


def _claim(pk: int, now: dt.datetime) -> bool:
    return bool(
        WebhookDelivery.objects.filter(
            pk=pk, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
        ).update(next_attempt_at=now + CLAIM_LEASE)
    )


def send_due(
    now: dt.datetime | None = None, *, delivery_ids: list[int] | None = None
) -> dict[str, int]:
    """Attempt every due delivery that is first in line (only ``delivery_ids`` when given)."""
    now = now or clock.now()
    report = {"sent": 0, "retrying": 0, "failed": 0}
    for pk in _heads(now, delivery_ids):
        if not _claim(pk, now):
            continue  # another worker has it
        outcome = attempt(pk, now)
        report[outcome] += 1
    # Each success may free the next event of its object: send those in the same run.
    if report["sent"] and delivery_ids is None:
        more = send_due(now)
        report = {k: report[k] + more[k] for k in report}
    return report


def attempt(pk: int, now: dt.datetime) -> str:
    """One claimed attempt; answers ``sent``, ``retrying`` or ``failed``."""
    delivery = WebhookDelivery.objects.select_related("endpoint", "event").get(pk=pk)
    status_code: int | None = None
    try:
        target = target_of(delivery.endpoint.url)
        body = body_of(delivery)
        # The timestamp is the wall clock at sending: receivers compare it with theirs.
        sent_at = dt.datetime.fromtimestamp(time.time(), tz=dt.UTC)
        headers = signing.headers(
            delivery.endpoint,
            message_id=delivery.event.public_id,
            body=body,
            sent_at=sent_at,
        )
        answer = transport.post(target, body, headers)
        status_code = answer.status
        error = "" if 200 <= answer.status < 300 else f"HTTP {answer.status}"
    except UnsafeURL as exc:
        error = str(exc)
    except Exception as exc:  # network errors of every kind: a failed attempt, retried
        error = f"{type(exc).__name__}: {exc}"
    return _record(delivery, now, status_code, error[:500])


def _record(
    delivery: WebhookDelivery, now: dt.datetime, status_code: int | None, error: str
) -> str:
    attempts = delivery.attempts + 1
    fields = {
        "attempts": attempts,
        "last_attempt_at": now,
        "last_status_code": status_code,
        "updated_at": now,
    }
    endpoints = WebhookEndpoint.objects.filter(pk=delivery.endpoint_id)
    if not error:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            **fields,
            status=WebhookDelivery.Status.SUCCEEDED,
            last_error="",
            next_attempt_at=None,
            finished_at=now,
        )
        endpoints.exclude(failing_since=None).update(failing_since=None, updated_at=now)
        return "sent"
    logger.info("Webhook delivery %s failed (attempt %s): %s", delivery.pk, attempts, error)
    endpoints.filter(failing_since__isnull=True).update(failing_since=now, updated_at=now)
    if attempts >= MAX_ATTEMPTS:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            **fields,
            status=WebhookDelivery.Status.FAILED,
            last_error=error,
            next_attempt_at=None,
            finished_at=now,
        )
        return "failed"
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        **fields, last_error=error, next_attempt_at=now + RETRY_DELAYS[attempts - 1]
    )
    return "retrying"
