"""Voiding an unpaid invoice: a credit note with its own number cancels it, and a corrected
invoice may follow at once."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.core import clock
from milepost.core.errors import RuleViolation
from milepost.plans.models import Milestone
from milepost.plans.permissions import InvoiceAction, require

from ..models import Invoice, InvoiceKind, InvoiceStatus
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
        net=invoice.net,
        tax_rate=invoice.tax_rate,
        tax=invoice.tax,
        gross=invoice.gross,
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
    if reissue:
        invoice_issue(
            milestone=Milestone.objects.select_related(
                "project", "project__organisation", "project__client"
            ).get(pk=invoice.milestone_id),
            trigger=invoice.trigger,
            actor=actor,
        )
    return note
