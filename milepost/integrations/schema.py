"""The webhooks in the OpenAPI document, one per event name.

OpenAPI 3.1 has a root ``webhooks`` object (drf-spectacular's ``WEBHOOKS`` setting writes it),
but this document is OpenAPI 3.0.3, where an unknown root field makes it invalid, and moving the
whole API to 3.1 changes how every nullable field is written. So the events are declared as
``x-webhooks``, the 3.0 extension that Redoc and other tools read, with the same shape (a POST
path item per event), the body being the ``WebhookEvent`` schema the event feed uses.
"""

from __future__ import annotations

from typing import Any

from .public import EVENT_TYPES, TEST

HEADERS = {
    "webhook-id": "The event id (evt_…): the same for every retry, so a receiver can ignore "
    "a repeat.",
    "webhook-timestamp": "When this attempt was sent, in seconds since 1970 (UTC).",
    "webhook-signature": "v1,<base64 HMAC-SHA256 of id.timestamp.body>, space-separated when "
    "two secrets sign (24 hours after a rotation).",
}

SUMMARIES = {
    "project.proposed": "The plan of a project was proposed to the client.",
    "project.accepted": "The client accepted the plan (baseline v1).",
    "project.declined": "The client declined the plan.",
    "milestone.started": "A milestone started (or waits for its prepayment).",
    "milestone.delivered": "A milestone was delivered for review.",
    "milestone.changes_requested": "The client asked for changes (one revision used).",
    "milestone.approved": "A milestone was approved, by the client or automatically.",
    "milestone.closed": "A milestone's support window ended.",
    "support_request.created": "The client filed a support request.",
    "invoice.issued": "An invoice was issued.",
    "invoice.paid": "An invoice was paid in full.",
    "invoice.overdue": "An invoice is unpaid after its due date.",
    "payment.recorded": "A payment was recorded on an invoice.",
    "credit_note.issued": "A credit note was issued (voiding or correcting an invoice).",
    "change_order.proposed": "A change order was proposed to the client.",
    "change_order.accepted": "The client accepted a change order (a new plan version).",
    "change_order.declined": "The client declined a change order.",
    TEST: "A test event, sent to one endpoint from its settings or the API.",
}


def _operation(name: str) -> dict[str, Any]:
    return {
        "post": {
            "operationId": "webhook_" + name.replace(".", "_"),
            "summary": SUMMARIES[name],
            "description": "Sent to every enabled endpoint that chose this event (or every "
            "event), signed per the Standard Webhooks specification (docs/webhooks.md).",
            "tags": ["webhooks"],
            "parameters": [
                {
                    "name": header,
                    "in": "header",
                    "required": True,
                    "schema": {"type": "string"},
                    "description": text,
                }
                for header, text in HEADERS.items()
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/WebhookEvent"}}
                },
            },
            "responses": {
                "2XX": {"description": "Received. Any other answer, or none in 10 s, is retried."}
            },
        }
    }


def add_webhooks(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """drf-spectacular post-processing hook: ``x-webhooks``, one entry per event name."""
    if "WebhookEvent" in result.get("components", {}).get("schemas", {}):
        result["x-webhooks"] = {name: _operation(name) for name in (*EVENT_TYPES, TEST)}
    return result
