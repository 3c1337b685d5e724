"""Starting a milestone: the gates that refuse it, and the prepayment invoice issued on start."""

from __future__ import annotations

from collections.abc import Collection

from django.db import transaction

from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.billing.selectors import unpaid_invoices_before
from milepost.billing.services import invoice_issue
from milepost.core import clock, events
from milepost.core.errors import RuleViolation
from milepost.core.events import EventType
from milepost.plans.lifecycle import milestone as lifecycle
from milepost.plans.lifecycle.milestone import MilestoneAction as Action
from milepost.plans.models import BillingTrigger, Milestone, ProjectStatus
from milepost.plans.permissions import require

from ..models import Entry
from .common import add_entry, audit_milestone, move, target_state


def start_refusal(
    milestone: Milestone,
    *,
    assume_done: Collection[int] = (),
    assume_paid: Collection[int] = (),
) -> RuleViolation | None:
    """Why the milestone cannot start now (None when it can). Used by services and pages, and by
    the confirmations that say what an action will let start: ``assume_done`` (milestone ids
    taken as approved) and ``assume_paid`` (invoice ids taken as paid) ask "and after it?".

    The gates are the lifecycle's (``lifecycle.start_refusal``); what they need from the database
    is looked up only when it can decide: the project active, the setting on, no refusal yet.
    """
    project = milestone.project
    if milestone.status not in lifecycle.SOURCES[Action.START]:
        return None  # the transition check explains it
    deciding = project.status == ProjectStatus.ACTIVE
    waiting = None
    if deciding and project.sequential_gating:
        first = (
            Milestone.objects.filter(project=project, position__lt=milestone.position)
            .exclude(status__in=list(lifecycle.DONE))
            .exclude(pk__in=list(assume_done))
            .order_by("position")
            .values("pk", "position", "title")
            .first()
        )
        waiting = lifecycle.Waiting(**first) if first else None
    unpaid = []
    if deciding and waiting is None and project.pay_before_next:
        unpaid = [i for i in unpaid_invoices_before(milestone) if i.pk not in assume_paid]
    refusal = lifecycle.start_refusal(
        project_status=project.status,
        sequential_gating=project.sequential_gating,
        waiting=waiting,
        pay_before_next=project.pay_before_next,
        unpaid=[invoice.number for invoice in unpaid],
    )
    return refusal.error() if refusal else None


@transaction.atomic
def milestone_start(*, milestone: Milestone, actor: User) -> Milestone:
    """Begin work on a planned milestone of an active project.

    A milestone billed on start is invoiced now and waits in ``awaiting_prepayment`` until that
    invoice is paid (``milestone_release_prepaid``).
    """
    require(actor, Action.START, milestone)
    prepaid = milestone.billing_trigger == BillingTrigger.ON_START
    action = Action.START_WITH_PREPAYMENT if prepaid else Action.START
    target_state(milestone, action)
    refusal = start_refusal(milestone)
    if refusal is not None:
        raise refusal
    move(milestone, action, started_at=clock.now())
    audit_milestone(
        milestone,
        actor,
        AuditAction.MILESTONE_STARTED,
        before={"status": "planned"},
        after={"status": milestone.status},
    )
    add_entry(milestone, Entry.Kind.STARTED, author=actor)
    events.emit(
        EventType.MILESTONE_STARTED,
        organisation_id=milestone.project.organisation_id,
        milestone=milestone.pk,
        project=milestone.project_id,
        awaiting_prepayment=prepaid,
    )
    if prepaid:
        invoice_issue(milestone=milestone, trigger=BillingTrigger.ON_START)
    return milestone
