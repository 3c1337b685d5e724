"""Domain events: record what happened, and tell the notifications.

``emit()`` must run inside the transaction of the change: it writes the event to the outbox
(``DomainEvent``) and calls the handlers synchronously in that transaction; anything slow or
external (email) they schedule with ``transaction.on_commit``. The bus is for announcing only: a
rule of the product (an invoice on approval, a milestone released by its prepayment) is an
explicit call in the service, never a handler. The outbound webhooks listen to every type
(``integrations.outbox``): each event becomes a public event in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from django.db import connection

from . import clock
from .models import DomainEvent


class EventType(StrEnum):
    """Every event Milepost emits. The values are stable codes, stored in ``DomainEvent.name``."""

    PLAN_PROPOSED = "plan.proposed"
    PLAN_ACCEPTED = "plan.accepted"
    PLAN_DECLINED = "plan.declined"
    CHANGE_ORDER_PROPOSED = "change_order.proposed"
    CHANGE_ORDER_ACCEPTED = "change_order.accepted"
    CHANGE_ORDER_DECLINED = "change_order.declined"
    CHANGE_ORDER_REQUESTED = "change_order.requested"
    PROJECT_PUT_ON_HOLD = "project.put_on_hold"
    PROJECT_RESUMED = "project.resumed"
    PROJECT_CANCELLED = "project.cancelled"
    MILESTONE_STARTED = "milestone.started"
    MILESTONE_DELIVERED = "milestone.delivered"
    MILESTONE_CHANGES_REQUESTED = "milestone.changes_requested"
    MILESTONE_APPROVED = "milestone.approved"
    MILESTONE_CLOSED = "milestone.closed"
    SUPPORT_REQUEST_FILED = "support_request.filed"
    INVOICE_ISSUED = "invoice.issued"
    INVOICE_PAID = "invoice.paid"
    INVOICE_OVERDUE = "invoice.overdue"
    CREDIT_NOTE_ISSUED = "credit_note.issued"
    PAYMENT_RECEIVED = "payment.received"
    PAYMENT_REVERSED = "payment.reversed"


Handler = Callable[[DomainEvent], None]
_handlers: dict[EventType, list[Handler]] = defaultdict(list)


def _require_type(event_type: object) -> EventType:
    if not isinstance(event_type, EventType):
        raise TypeError(f"Events are named by EventType, not {event_type!r}.")
    return event_type


def subscribe(event_type: EventType, handler: Handler) -> None:
    """Call ``handler(event)`` whenever an event of ``event_type`` is emitted."""
    handlers = _handlers[_require_type(event_type)]
    if handler not in handlers:
        handlers.append(handler)


def emit(event_type: EventType, /, *, organisation_id: int | None, **payload: Any) -> DomainEvent:
    """Write the event to the outbox and run its handlers, in the transaction of the change."""
    _require_type(event_type)
    if not connection.in_atomic_block:
        raise RuntimeError("emit() must run inside the transaction of the change.")
    event = DomainEvent.objects.create(
        name=event_type.value,
        organisation_id=organisation_id,
        payload=payload,
        created_at=clock.now(),
    )
    for handler in list(_handlers[event_type]):
        handler(event)
    return event
