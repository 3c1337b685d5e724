"""Prepayment: a milestone billed on start begins once its invoice is paid in full.

Billing records payments and knows nothing of the review cycle. Every way money arrives calls
in here, so the milestone it prepays moves to ``in_progress`` in the payment's own transaction:
the web page and the API through ``payment_record_and_release``, Stripe through
``stripe_webhook_handle_and_release``. ``run_due_work`` releases any milestone still waiting on a
paid invoice (a payment that came another way), so none stays stuck.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.billing import services as billing
from milepost.billing import stripe
from milepost.billing.models import Invoice, InvoiceKind, InvoiceStatus, Payment, PaymentReversal
from milepost.core import clock
from milepost.plans.lifecycle.milestone import SOURCES, project_refusal, project_states_allowing
from milepost.plans.lifecycle.milestone import MilestoneAction as Action
from milepost.plans.models import BillingTrigger, Milestone, MilestoneStatus

from ..models import Entry
from .common import add_entry, audit_milestone, move, target_state


@transaction.atomic
def milestone_prepayment_received(*, milestone: Milestone) -> Milestone:
    """The prepayment invoice is paid ("system"): work can begin, and its start is now (the
    day Start was pressed only asked for the money)."""
    target_state(milestone, Action.PREPAYMENT_RECEIVED)
    move(milestone, Action.PREPAYMENT_RECEIVED, started_at=clock.now())
    audit_milestone(
        milestone,
        None,
        AuditAction.MILESTONE_PREPAID,
        before={"status": "awaiting_prepayment"},
        after={"status": milestone.status},
    )
    add_entry(
        milestone, Entry.Kind.STARTED, author=None, body=_("Prepayment received: work begins.")
    )
    return milestone


def prepaid_but_waiting(*, invoice: Invoice | None = None) -> QuerySet[Milestone]:
    """Milestones awaiting their prepayment although their on-start invoice (``invoice``, when
    given) is paid."""
    paid = Invoice.objects.filter(
        milestone=OuterRef("pk"),
        kind=InvoiceKind.INVOICE,
        trigger=BillingTrigger.ON_START,
        status=InvoiceStatus.PAID,
    )
    # Not in a cancelled project: a payment on its invoice is recorded, and nothing begins.
    waiting = Milestone.objects.filter(
        status=MilestoneStatus.AWAITING_PREPAYMENT,
        project__status__in=project_states_allowing(Action.PREPAYMENT_RECEIVED),
    )
    if invoice is not None:
        paid = paid.filter(pk=invoice.pk)
        waiting = waiting.filter(pk=invoice.milestone_id)
    return (
        waiting.filter(Exists(paid))
        .select_related("project", "project__organisation")
        .order_by("pk")
    )


def milestone_release_prepaid(*, invoice: Invoice) -> Milestone | None:
    """Begin the work that ``invoice`` prepays, if it is a paid on-start invoice ("system").

    Returns the released milestone, or None when there is nothing to release (another kind of
    invoice, not paid in full yet, or the milestone no longer waits). Safe to call again.
    """
    if (invoice.kind, invoice.trigger, invoice.status) != (
        InvoiceKind.INVOICE,
        BillingTrigger.ON_START,
        InvoiceStatus.PAID,
    ):
        return None  # as the caller sees it: saves a query on every other payment
    milestone = prepaid_but_waiting(invoice=invoice).first()
    if milestone is None:
        return None
    return milestone_prepayment_received(milestone=milestone)


@transaction.atomic
def payment_record_and_release(
    *, invoice: Invoice, amount: Any, date: Any, method: str, reference: str = "", actor: User
) -> Payment:
    """Record a payment (``billing.payment_record``); a prepayment paid in full begins the work."""
    payment = billing.payment_record(
        invoice=invoice, amount=amount, date=date, method=method, reference=reference, actor=actor
    )
    milestone_release_prepaid(invoice=payment.invoice)
    return payment


def holds_on_reversal(invoice: Invoice, milestone: Milestone) -> bool:
    """Whether taking money back from ``invoice`` (no longer paid in full) sends its milestone
    back to waiting: a prepayment whose milestone nothing was delivered for yet. A milestone
    delivered since stays where it is: the work was done and reviewed."""
    return (
        invoice.kind == InvoiceKind.INVOICE
        and invoice.trigger == BillingTrigger.ON_START
        and invoice.status != InvoiceStatus.PAID
        and waits_again_without_prepayment(milestone)
    )


def waits_again_without_prepayment(milestone: Milestone) -> bool:
    """Whether ``milestone`` goes back to awaiting its prepayment when that money is taken back:
    started, nothing delivered, and its project not cancelled (then nothing waits for money any
    more; the payment is corrected and the milestone keeps its state)."""
    return (
        milestone.status in SOURCES[Action.PREPAYMENT_REVERSED]
        and project_refusal(milestone.project.status, Action.PREPAYMENT_REVERSED) is None
    )


@transaction.atomic
def milestone_prepayment_reversed(*, milestone: Milestone, reversal: PaymentReversal) -> Milestone:
    """The prepayment that began the work was reversed ("system"): the milestone waits again."""
    move(milestone, Action.PREPAYMENT_REVERSED)
    audit_milestone(
        milestone,
        None,
        AuditAction.MILESTONE_PREPAYMENT_REVERSED,
        before={"status": "in_progress"},
        after={"status": milestone.status},
        payment=reversal.payment_id,
    )
    add_entry(
        milestone,
        Entry.Kind.PREPAYMENT_REVERSED,
        author=None,
        body=_("Prepayment reversed (%(reason)s): the milestone waits for its invoice again.")
        % {"reason": reversal.reason},
    )
    return milestone


@transaction.atomic
def payment_reverse_and_hold(*, payment: Payment, reason: Any, actor: User) -> PaymentReversal:
    """Reverse a payment (``billing.payment_reverse``); a prepaid milestone nothing was delivered
    for goes back to awaiting its prepayment, in the same transaction."""
    reversal = billing.payment_reverse(payment=payment, reason=reason, actor=actor)
    invoice = reversal.payment.invoice
    milestone = Milestone.objects.select_related("project", "project__organisation").get(
        pk=invoice.milestone_id
    )
    if holds_on_reversal(invoice, milestone):
        milestone_prepayment_reversed(milestone=milestone, reversal=reversal)
    return reversal


@transaction.atomic
def stripe_webhook_handle_and_release(*, payload: bytes, signature: str) -> stripe.WebhookResult:
    """Process a Stripe webhook (``billing.stripe.webhook_handle``); a card payment that
    completes a prepayment begins the work, in the same transaction."""
    result = stripe.webhook_handle(payload=payload, signature=signature)
    if result.paid is not None:
        milestone_release_prepaid(invoice=result.paid)
    return result
