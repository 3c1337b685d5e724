"""The bus listener: every public domain event becomes an ``OutboundEvent`` in the transaction of
the change, with a pending delivery for each enabled endpoint that wants it.

Only cheap inserts happen here (the bench rule: an approval with three endpoints costs at most
10 % more than with none); the HTTP requests are the worker's, after commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Max

from milepost.billing.models import InvoiceKind
from milepost.core import clock, events
from milepost.core.events import EventType
from milepost.core.models import DomainEvent

from . import payloads
from .models import OutboundEvent, WebhookDelivery, WebhookEndpoint
from .public import PUBLIC

logger = logging.getLogger(__name__)


def public_type(event: DomainEvent, obj: dict[str, Any]) -> str:
    """The public name of ``event``: a credit note's invoice.issued is credit_note.issued."""
    name = PUBLIC[EventType(event.name)][0]
    if name == "invoice.issued" and obj.get("kind") == InvoiceKind.CREDIT_NOTE:
        return "credit_note.issued"
    return name


def _next_sequence(object_type: str, object_id: int) -> int:
    top = OutboundEvent.objects.filter(
        object_type=object_type, object_id=object_id, is_test=False
    ).aggregate(top=Max("sequence"))["top"]
    return (top or 0) + 1


def record(event: DomainEvent) -> OutboundEvent | None:
    """Write the public event of ``event`` and queue its deliveries, in the transaction."""
    if event.organisation_id is None:
        return None
    _name, object_type, key = PUBLIC[EventType(event.name)]
    object_id = int(event.payload[key])
    try:
        obj = payloads.object_json(object_type, object_id)
    except ObjectDoesNotExist:  # gone in the same transaction: say which one it was
        logger.warning("%s: %s %s no longer exists", event.name, object_type, object_id)
        obj = {"id": object_id}
    outbound = OutboundEvent(
        domain_event=event,
        organisation_id=event.organisation_id,
        type=public_type(event, obj),
        occurred_at=event.created_at,
        object_type=object_type,
        object_id=object_id,
        sequence=_next_sequence(object_type, object_id),
    )
    outbound.payload = payloads.envelope(
        event_id=outbound.public_id,
        event_type=outbound.type,
        created_at=outbound.occurred_at,
        organisation_id=outbound.organisation_id,
        sequence=outbound.sequence,
        obj=obj,
    )
    outbound.save()
    fan_out(outbound)
    return outbound


def fan_out(
    outbound: OutboundEvent,
    endpoints: Iterable[WebhookEndpoint] | None = None,
    *,
    force: bool = False,
) -> list[WebhookDelivery]:
    """A pending delivery per enabled endpoint that wants the event (``force``: per endpoint
    given, a test or a resend); sent after commit."""
    if endpoints is None:
        endpoints = WebhookEndpoint.objects.filter(
            organisation_id=outbound.organisation_id, enabled=True
        ).only("pk", "event_types")
    now = clock.now()
    deliveries = [
        WebhookDelivery(
            endpoint=e, event=outbound, next_attempt_at=now, created_at=now, updated_at=now
        )
        for e in endpoints
        if force or outbound.is_test or e.wants(outbound.type)
    ]
    if deliveries:
        WebhookDelivery.objects.bulk_create(deliveries)
        ids = [d.pk for d in deliveries]
        transaction.on_commit(lambda: send_soon(ids))
    return deliveries


def send_soon(delivery_ids: list[int]) -> None:
    """Hand the deliveries to the worker; if that fails, the scheduler's tick sends them."""
    from .tasks import deliver

    try:
        deliver.enqueue(delivery_ids)
    except Exception:
        logger.exception("Could not enqueue webhook deliveries %s", delivery_ids)


def connect() -> None:
    for event_type in PUBLIC:
        events.subscribe(event_type, record)
