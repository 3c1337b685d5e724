"""The public event names, what each one is about, and the internal events they come from."""

from __future__ import annotations

from milepost.core.events import EventType

VERSION = 1
TEST = "webhook.test"

#: Internal event → (public name, object type, payload key of the object's id).
#: ``invoice.issued`` of a credit note is sent as ``credit_note.issued`` (``outbox.public_type``).
PUBLIC: dict[EventType, tuple[str, str, str]] = {
    EventType.PLAN_PROPOSED: ("project.proposed", "project", "project"),
    EventType.PLAN_ACCEPTED: ("project.accepted", "project", "project"),
    EventType.PLAN_DECLINED: ("project.declined", "project", "project"),
    EventType.MILESTONE_STARTED: ("milestone.started", "milestone", "milestone"),
    EventType.MILESTONE_DELIVERED: ("milestone.delivered", "milestone", "milestone"),
    EventType.MILESTONE_CHANGES_REQUESTED: (
        "milestone.changes_requested",
        "milestone",
        "milestone",
    ),
    EventType.MILESTONE_APPROVED: ("milestone.approved", "milestone", "milestone"),
    EventType.MILESTONE_CLOSED: ("milestone.closed", "milestone", "milestone"),
    EventType.SUPPORT_REQUEST_FILED: (
        "support_request.created",
        "support_request",
        "support_request",
    ),
    EventType.INVOICE_ISSUED: ("invoice.issued", "invoice", "invoice"),
    EventType.INVOICE_PAID: ("invoice.paid", "invoice", "invoice"),
    EventType.INVOICE_OVERDUE: ("invoice.overdue", "invoice", "invoice"),
    EventType.CREDIT_NOTE_ISSUED: ("credit_note.issued", "invoice", "invoice"),
    EventType.PAYMENT_RECEIVED: ("payment.recorded", "payment", "payment"),
    EventType.CHANGE_ORDER_PROPOSED: ("change_order.proposed", "change_order", "change_order"),
    EventType.CHANGE_ORDER_ACCEPTED: ("change_order.accepted", "change_order", "change_order"),
    EventType.CHANGE_ORDER_DECLINED: ("change_order.declined", "change_order", "change_order"),
}

#: Every name an endpoint may subscribe to, in the order the docs list them.
EVENT_TYPES: tuple[str, ...] = tuple(dict.fromkeys(name for name, _o, _k in PUBLIC.values()))
#: Every ``type`` a payload may carry: the events, and the test event.
PAYLOAD_TYPES: tuple[str, ...] = (*EVENT_TYPES, TEST)
