"""Recording money received on an invoice: the input cleaned, at most what is outstanding."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.core import clock, events
from milepost.core.errors import InvalidInput, RuleViolation
from milepost.core.events import EventType
from milepost.core.money import MoneyError, normalise, parse_amount
from milepost.plans.permissions import InvoiceAction, require

from ..models import Invoice, InvoiceKind, InvoiceStatus, Payment, PaymentMethod


def _clean_payment(
    invoice: Invoice, amount: Any, date: Any, method: str, reference: str
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    try:
        cleaned["amount"] = parse_amount(amount, invoice.currency)
    except MoneyError as exc:
        errors["amount"] = [str(exc)]
    try:
        day = date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date))
        if day > clock.today():
            errors["date"] = [_("A payment cannot be dated in the future.")]
        cleaned["date"] = day
    except ValueError:
        errors["date"] = [_("Enter a date as YYYY-MM-DD.")]
    if method not in PaymentMethod.values:
        errors["method"] = [_("Choose bank_transfer, card, cash or other.")]
    cleaned["method"] = method
    text = (reference or "").strip()
    if len(text) > 200:
        errors["reference"] = [_("At most 200 characters.")]
    cleaned["reference"] = text
    if errors:
        raise InvalidInput(_("Please correct the highlighted fields."), details=errors)
    return cleaned


def apply_payment(
    invoice: Invoice,
    *,
    amount: Decimal,
    date: dt.date,
    method: str,
    reference: str,
    actor: User | None,
) -> Payment:
    """Record the payment on the locked invoice and move its status."""
    # Lock the invoice row only: locking the joined organisation too deadlocks on PostgreSQL
    # with writers that hold the audit chain or the number sequence and insert rows pointing at it.
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("project", "project__organisation", "milestone")
        .get(pk=invoice.pk)
    )
    if invoice.kind != InvoiceKind.INVOICE or invoice.status == InvoiceStatus.VOID:
        raise RuleViolation(_("This invoice is void: it cannot be paid."), code="invoice_void")
    outstanding = invoice.outstanding
    if amount > outstanding:
        message = _("At most %(amount)s is outstanding.") % {
            "amount": f"{outstanding} {invoice.currency}"
        }
        raise InvalidInput(message, details={"amount": [message]})
    invoice.paid = normalise(invoice.paid + amount, invoice.currency)
    before = invoice.status
    invoice.status = (
        InvoiceStatus.PAID if invoice.paid == invoice.gross else InvoiceStatus.PARTIALLY_PAID
    )
    invoice.save(update_fields=["paid", "status"])
    payment = Payment.objects.create(
        invoice=invoice,
        amount=amount,
        date=date,
        method=method,
        reference=reference,
        recorded_by=actor,
    )
    audit_record(
        organisation=invoice.organisation,
        actor=actor,
        action=AuditAction.PAYMENT_RECORDED,
        target=payment,
        project=invoice.project,
        data={
            "invoice": invoice.number,
            "amount": str(amount),
            "method": method,
            "reference": reference,
            "before": {"status": before},
            "after": {"status": invoice.status, "paid": str(invoice.paid)},
        },
    )
    events.emit(
        EventType.PAYMENT_RECEIVED,
        organisation_id=invoice.organisation_id,
        invoice=invoice.pk,
        payment=payment.pk,
    )
    return payment


@transaction.atomic
def payment_record(
    *, invoice: Invoice, amount: Any, date: Any, method: str, reference: str = "", actor: User
) -> Payment:
    """Record money received (owners and managers): > 0, at most what is outstanding.

    Billing knows nothing of the review cycle: a paid prepayment invoice releases its milestone
    through ``reviews.services.payment_record_and_release``, which the views call.
    """
    require(actor, InvoiceAction.MANAGE, invoice)
    cleaned = _clean_payment(invoice, amount, date, method, reference)
    return apply_payment(invoice, actor=actor, **cleaned)
