"""Domain events → a refresh of the stored forecasts of the project they happened to.

Each handler runs in the transaction of the change: it marks the project's forecast stale
there (so a refresh that fails is made up by the scheduler) and refreshes it once the change
is committed. A change that is rolled back leaves the forecast as it was.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from milepost.billing.models import Invoice
from milepost.core import events
from milepost.core.events import EventType
from milepost.core.models import DomainEvent
from milepost.plans.models import Milestone

from .models import ProjectForecast
from .services import refresh_many

#: The events after which a project's forecast is not what it was.
MOVES_FORECASTS = (
    EventType.PLAN_ACCEPTED,
    EventType.CHANGE_ORDER_ACCEPTED,
    EventType.MILESTONE_STARTED,
    EventType.MILESTONE_DELIVERED,
    EventType.MILESTONE_CHANGES_REQUESTED,
    EventType.MILESTONE_APPROVED,
    EventType.PROJECT_PUT_ON_HOLD,
    EventType.PROJECT_RESUMED,
    EventType.PROJECT_CANCELLED,
    EventType.INVOICE_ISSUED,
    EventType.PAYMENT_RECEIVED,
    EventType.PAYMENT_REVERSED,
)


def _project_ids(payload: dict[str, Any]) -> QuerySet | list[int]:
    """The project the event names: directly, or through its milestone or invoice (a query
    that is read when it is used)."""
    if payload.get("project") is not None:
        return [payload["project"]]
    if payload.get("milestone") is not None:
        milestones = Milestone.objects.filter(pk=payload["milestone"])
        return milestones.values_list("project_id", flat=True)
    if payload.get("invoice") is not None:
        invoices = Invoice.objects.filter(pk=payload["invoice"])
        return invoices.values_list("project_id", flat=True)
    return []


def forecast_moved(event: DomainEvent) -> None:
    projects = _project_ids(event.payload)
    ProjectForecast.objects.filter(project_id__in=projects).update(stale=True)
    transaction.on_commit(lambda: refresh_many(list(projects)), robust=True)


def connect() -> None:
    for event_type in MOVES_FORECASTS:
        events.subscribe(event_type, forecast_moved)
