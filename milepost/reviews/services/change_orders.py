"""The client accepts a change order: the plan changes and the money is settled, in one
transaction. The plan side is ``plans.services.change_orders.change_order_apply``; a price on a
milestone already invoiced is invoiced at once here (``billing.services``), the rest is billed
with its milestone as usual."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from milepost.accounts.models import User
from milepost.billing import services as billing
from milepost.billing.models import Invoice
from milepost.plans.changes import invoiced_at_once
from milepost.plans.lifecycle.change_order import ChangeOrderAction
from milepost.plans.models import ChangeOrder, Milestone, PlanVersion
from milepost.plans.permissions import require
from milepost.plans.services.change_orders import change_order_apply
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
    return Accepted(change_order, version, tuple(invoices))
