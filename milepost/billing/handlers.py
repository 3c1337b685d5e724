"""Billing listens to the review cycle: invoices are issued when a milestone's trigger fires."""

from __future__ import annotations

from milepost.core import events
from milepost.core.models import DomainEvent
from milepost.plans.models import BillingTrigger, Milestone


def _milestone(event: DomainEvent) -> Milestone:
    return Milestone.objects.select_related(
        "project", "project__organisation", "project__client"
    ).get(pk=event.payload["milestone"])


def on_milestone_approved(event: DomainEvent) -> None:
    milestone = _milestone(event)
    if milestone.billing_trigger == BillingTrigger.ON_APPROVAL:
        from .services import invoice_issue

        invoice_issue(milestone=milestone, trigger=BillingTrigger.ON_APPROVAL)


def on_milestone_started(event: DomainEvent) -> None:
    milestone = _milestone(event)
    if milestone.billing_trigger == BillingTrigger.ON_START:
        from .services import invoice_issue

        invoice_issue(milestone=milestone, trigger=BillingTrigger.ON_START)


def connect() -> None:
    events.subscribe("milestone.approved", on_milestone_approved)
    events.subscribe("milestone.started", on_milestone_started)
