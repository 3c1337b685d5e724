"""The client accepts a change order: the plan changes and the money is settled, in one
transaction. The plan side is ``plans.services.change_orders.change_order_apply``; a price on a
milestone already invoiced is invoiced at once here (``billing.services``), the rest is billed
with its milestone as usual."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.billing import services as billing
from milepost.billing.models import Invoice
from milepost.core import clock
from milepost.core.errors import RuleViolation
from milepost.core.money import normalise
from milepost.plans import changes as plan_changes
from milepost.plans.changes import invoiced_at_once
from milepost.plans.lifecycle.change_order import ChangeOrderAction
from milepost.plans.lifecycle.milestone import DONE, MilestoneAction, buy_refusal, refusal
from milepost.plans.lifecycle.project import ProjectAction
from milepost.plans.lifecycle.project import refusal as project_refusal
from milepost.plans.models import ChangeOrder, ChangeOrderProposal, Milestone, PlanVersion
from milepost.plans.permissions import require
from milepost.plans.services.change_orders import (
    change_order_apply,
    change_order_outcome,
    next_number,
    pending_refusal,
    proposal_snapshot,
)
from milepost.plans.services.common import lock_project


@dataclass(frozen=True)
class Accepted:
    """What accepting did: the new plan version and the invoices (or credit notes) it issued."""

    change_order: ChangeOrder
    version: PlanVersion
    invoices: tuple[Invoice, ...]


@transaction.atomic
def change_order_accept(*, change_order: ChangeOrder, actor: User) -> Accepted:
    """The client's approver accepts: the plan after the change order becomes the next version,
    the total follows, and the price on milestones already invoiced is invoiced now. Refused
    (``plan_changed``) when the plan moved on since the change order was drafted; of two
    accepting at once, one wins (the other: ``state_conflict``)."""
    require(actor, ChangeOrderAction.ACCEPT, change_order)
    project = lock_project(change_order.project)
    change_order = ChangeOrder.objects.select_for_update().get(pk=change_order.pk)
    change_order.project = project
    version, before, after = change_order_apply(
        change_order=change_order, project=project, actor=actor
    )
    return Accepted(change_order, version, _settle(change_order, before, after, actor))


def _settle(change_order: ChangeOrder, before, after, actor: User) -> tuple[Invoice, ...]:
    """Invoice now what the change order moves on milestones already invoiced."""
    invoices = []
    for stage, amount in invoiced_at_once(before, after):
        milestone = Milestone.objects.select_related(
            "project__organisation", "project__client"
        ).get(pk=stage.id)
        invoices.append(
            billing.change_order_invoice_issue(
                milestone=milestone,
                amount=amount,
                reference=change_order.label,
                title=change_order.title,
                actor=actor,
            )
        )
    return tuple(invoices)


@transaction.atomic
def revision_buy(*, milestone: Milestone, actor: User) -> Accepted:
    """The client's approver buys one more revision at the project's price per extra revision:
    a change order accepted as it is made (quota + 1, budget + the price), its money settled as
    any other's (at once when the milestone was invoiced, else with its invoice)."""
    require(actor, MilestoneAction.BUY_REVISION, milestone)
    project = lock_project(milestone.project)
    fresh = Milestone.objects.get(pk=milestone.pk)
    refused = refusal(fresh.status, MilestoneAction.BUY_REVISION) or project_refusal(
        project.status, ProjectAction.CHANGE_PLAN
    )
    if refused is not None:
        raise refused.error()
    price = project.extra_revision_price
    if price is None:
        raise RuleViolation(
            _(
                "The agency does not offer extra revisions on this project. Ask for a change "
                "order instead."
            ),
            code="extra_revisions_off",
        )
    refused = buy_refusal(fresh.revisions_left) or pending_refusal(project, buying=True)
    if refused is not None:
        raise refused.error()
    currency = project.currency
    price = normalise(price, currency)
    quota = {"revision_quota": fresh.revision_quota + 1}
    if fresh.status in DONE:
        change = {"op": "update", "milestone": fresh.pk, "fields": quota, "price": str(price)}
    else:
        budget = normalise(fresh.budget + price, currency)
        change = {"op": "update", "milestone": fresh.pk, "fields": {**quota, "budget": str(budget)}}
    now = clock.now()
    change_order = ChangeOrder.objects.create(
        project=project,
        number=next_number(project),
        title=_("One more revision for “%(title)s”") % {"title": fresh.title},
        reason=_("Bought by the client when the revisions ran out."),
        base_version=project.plan_version,
        changes=[change],
        created_by=actor,
        proposed_at=now,
        proposed_by=actor,
    )
    before, outcome = change_order_outcome(change_order)
    ChangeOrderProposal.objects.create(
        change_order=change_order,
        number=1,
        snapshot={
            **proposal_snapshot(
                change_order, before, outcome.plan, plan_changes.diff(before, outcome.plan)
            ),
            "bought": True,
        },
        proposed_by=actor,
        proposed_at=now,
    )
    version, before, after = change_order_apply(
        change_order=change_order, project=project, actor=actor, bought=True
    )
    audit_record(
        organisation=project.organisation,
        actor=actor,
        action=AuditAction.REVISION_BOUGHT,
        target=fresh,
        project=project,
        data={
            "title": fresh.title,
            "price": str(price),
            "currency": project.currency,
            "change_order": change_order.number,
            "revision_quota": fresh.revision_quota + 1,
        },
    )
    return Accepted(change_order, version, _settle(change_order, before, after, actor))
