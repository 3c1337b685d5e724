"""Voiding an unpaid invoice: a credit note with its own number cancels it, and a corrected
invoice may follow at once."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.core import clock, events
from milepost.core.errors import RuleViolation
from milepost.core.events import EventType
from milepost.core.money import normalise
from milepost.plans.models import Milestone
from milepost.plans.permissions import InvoiceAction, require

from ..models import CHANGE_ORDER, Invoice, InvoiceKind, InvoiceStatus
from ..rules import Totals
from .change_orders import change_order_invoice_issue
from .invoices import invoice_issue
from .numbering import next_number


@transaction.atomic
def invoice_void(
    *, invoice: Invoice, actor: User, reason: str = "", reissue: bool = False
) -> Invoice:
    """Cancel an unpaid invoice by issuing a credit note (its own number). Returns the note.

    With ``reissue`` a corrected invoice for the same milestone and trigger follows at once,
    with the seller's and buyer's details as they are now (a prepaid milestone is never stuck).
    """
    require(actor, InvoiceAction.MANAGE, invoice)
    invoice = (
        Invoice.objects.select_for_update(of=("self",))  # the invoice only: see apply_payment
        .select_related("project", "project__organisation", "organisation")
        .get(pk=invoice.pk)
    )
    if invoice.kind != InvoiceKind.INVOICE:
        raise RuleViolation(_("A credit note cannot be voided."), code="invalid_transition")
    if invoice.status == InvoiceStatus.VOID:
        raise RuleViolation(_("This invoice is already void."), code="state_conflict")
    if invoice.paid > 0:
        raise RuleViolation(
            _("Money was received on this invoice: it cannot be voided."), code="invoice_paid"
        )
    left = _left_to_void(invoice)
    if left.gross <= 0:
        raise RuleViolation(
            _("Credit notes already took the whole of this invoice off."), code="invoice_credited"
        )
    Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.VOID)
    today = clock.today()
    sequence, number = next_number(invoice.organisation, today.year)
    note = Invoice.objects.create(
        organisation=invoice.organisation,
        project=invoice.project,
        milestone=invoice.milestone,
        kind=InvoiceKind.CREDIT_NOTE,
        trigger="",
        credit_note_for=invoice,
        number=number,
        year=today.year,
        sequence=sequence,
        status=InvoiceStatus.PAID,
        currency=invoice.currency,
        net=left.net,
        tax_rate=invoice.tax_rate,
        tax=left.tax,
        gross=left.gross,
        reverse_charge=invoice.reverse_charge,
        tax_note=invoice.tax_note,
        issue_date=today,
        due_date=today,
        seller=invoice.seller,
        buyer=invoice.buyer,
        description={
            **invoice.description,
            "cancels": invoice.number,
            "reason": (reason or "").strip(),
        },
        payment_terms="",
        language=invoice.language,
        created_by=actor,
    )
    audit_record(
        organisation=invoice.organisation,
        actor=actor,
        action=AuditAction.INVOICE_VOIDED,
        target=invoice,
        project=invoice.project,
        data={
            "number": invoice.number,
            "credit_note": number,
            "before": {"status": invoice.status},
            "after": {"status": "void"},
            "reason": (reason or "").strip(),
        },
    )
    audit_record(
        organisation=invoice.organisation,
        actor=actor,
        action=AuditAction.CREDIT_NOTE_ISSUED,
        target=note,
        project=invoice.project,
        data={"number": number, "cancels": invoice.number, "gross": str(note.gross)},
    )
    events.emit(
        EventType.CREDIT_NOTE_ISSUED,
        organisation_id=note.organisation_id,
        invoice=note.pk,
        project=note.project_id,
    )
    if reissue:
        _reissue(invoice, left.net, actor)
    return note


def _left_to_void(invoice: Invoice) -> Totals:
    """What the invoice still stands for: its amounts less the credit notes correcting it."""
    taken = invoice.corrections.aggregate(net=Sum("net"), tax=Sum("tax"))
    net = invoice.net - (taken["net"] or 0)
    tax = invoice.tax - (taken["tax"] or 0)
    return Totals(
        net=normalise(net, invoice.currency),
        tax_rate=invoice.tax_rate,
        tax=normalise(tax, invoice.currency),
        gross=normalise(invoice.gross - invoice.credited, invoice.currency),
    )


def _reissue(invoice: Invoice, net, actor: User) -> None:
    """The voided invoice again, for what it still stood for, with today's details."""
    milestone = Milestone.objects.select_related(
        "project", "project__organisation", "project__client"
    ).get(pk=invoice.milestone_id)
    if invoice.trigger == CHANGE_ORDER:
        change_order_invoice_issue(
            milestone=milestone,
            amount=net,
            reference=invoice.change_order,
            title=(invoice.description.get("change_order") or {}).get("title", ""),
            actor=actor,
        )
        return
    invoice_issue(milestone=milestone, trigger=invoice.trigger, actor=actor, net=net)
