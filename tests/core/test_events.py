"""The event bus: stable codes, only EventType accepted, and who listens (notifications, the
stored forecasts, the outbound webhooks)."""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.db import transaction

from milepost.core import events
from milepost.core.events import EventType
from milepost.core.models import DomainEvent


def test_event_codes_are_stable():
    """Stored in the outbox and, later, sent to webhooks: a code never changes."""
    assert {t.name: t.value for t in EventType} == {
        "PLAN_PROPOSED": "plan.proposed",
        "PLAN_ACCEPTED": "plan.accepted",
        "PLAN_DECLINED": "plan.declined",
        "CHANGE_ORDER_PROPOSED": "change_order.proposed",
        "CHANGE_ORDER_ACCEPTED": "change_order.accepted",
        "CHANGE_ORDER_DECLINED": "change_order.declined",
        "CHANGE_ORDER_REQUESTED": "change_order.requested",
        "MILESTONE_STARTED": "milestone.started",
        "MILESTONE_DELIVERED": "milestone.delivered",
        "MILESTONE_CHANGES_REQUESTED": "milestone.changes_requested",
        "MILESTONE_APPROVED": "milestone.approved",
        "MILESTONE_CLOSED": "milestone.closed",
        "SUPPORT_REQUEST_FILED": "support_request.filed",
        "INVOICE_ISSUED": "invoice.issued",
        "INVOICE_PAID": "invoice.paid",
        "INVOICE_OVERDUE": "invoice.overdue",
        "CREDIT_NOTE_ISSUED": "credit_note.issued",
        "PAYMENT_RECEIVED": "payment.received",
        "PAYMENT_REVERSED": "payment.reversed",
        "PROJECT_PUT_ON_HOLD": "project.put_on_hold",
        "PROJECT_RESUMED": "project.resumed",
        "PROJECT_CANCELLED": "project.cancelled",
    }


def test_emit_and_subscribe_take_only_an_event_type(db):
    with pytest.raises(TypeError):
        events.subscribe("milestone.approved", lambda event: None)
    with transaction.atomic(), pytest.raises(TypeError):
        events.emit("milestone.approved", organisation_id=None)
    assert not DomainEvent.objects.exists()


def test_an_event_is_written_to_the_outbox_under_its_code(db, monkeypatch):
    monkeypatch.setattr(events, "_handlers", defaultdict(list))  # no one listening
    with transaction.atomic():
        event = events.emit(EventType.PAYMENT_RECEIVED, organisation_id=None, payment=1)
    stored = DomainEvent.objects.get(pk=event.pk)
    assert (stored.name, stored.payload) == ("payment.received", {"payment": 1})


def test_only_notifications_stored_forecasts_and_the_webhook_outbox_listen_to_the_bus():
    """Rules of the product (an invoice on approval) are calls in the services, not handlers:
    the bus tells the notifications, marks derived data (the stored forecasts) for recomputing
    after commit, and copies each public event into the webhooks' outbox in the same
    transaction (``integrations.outbox``: it writes rows to send, it decides nothing)."""
    listeners = {h.__module__ for handlers in events._handlers.values() for h in handlers}
    assert listeners == {
        "milepost.notify.handlers",
        "milepost.forecast.handlers",
        "milepost.integrations.outbox",
    }
