"""Recording money received on an invoice (the input cleaned, at most what is outstanding), and
reversing a payment recorded by mistake (a reversal entry with its reason, never a deletion)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.core import clock, events
from milepost.core.errors import FIELDS_INVALID, InvalidInput, RuleViolation
from milepost.core.events import EventType
from milepost.core.money import MoneyError, normalise, parse_amount
from milepost.plans.permissions import InvoiceAction, require

from ..models import (
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentReversal,
)

REASON_MAX = 500


def payment_clean(
    invoice: Invoice, amount: Any, date: Any, method: str, reference: str
) -> dict[str, Any]:
    """The payment's fields cleaned, every problem at once (400)."""
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
        raise InvalidInput(str(FIELDS_INVALID), details=errors)
    return cleaned


def refuse_over_outstanding(invoice: Invoice, amount: Decimal) -> None:
    """400 when ``amount`` is more than the invoice has outstanding."""
    outstanding = invoice.outstanding
    if amount > outstanding:
        message = _("At most %(amount)s is outstanding.") % {
            "amount": f"{outstanding} {invoice.currency}"
        }
        raise InvalidInput(message, details={"amount": [message]})


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
    refuse_over_outstanding(invoice, amount)
    invoice.paid = normalise(invoice.paid + amount, invoice.currency)
    before = invoice.status
    invoice.status = status_after_paid(invoice, invoice.paid)
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
    if invoice.status == InvoiceStatus.PAID and before != InvoiceStatus.PAID:
        events.emit(
            EventType.INVOICE_PAID, organisation_id=invoice.organisation_id, invoice=invoice.pk
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
    cleaned = payment_clean(invoice, amount, date, method, reference)
    return apply_payment(invoice, actor=actor, **cleaned)


def status_after_paid(invoice: Invoice, paid: Decimal) -> str:
    """The invoice's status once ``paid`` of its gross is paid (overdue is read off the date).

    What credit notes took off it (``credited``) counts as settled: paid when nothing is left.
    """
    if paid + invoice.credited >= invoice.gross:
        return InvoiceStatus.PAID
    return InvoiceStatus.PARTIALLY_PAID if paid > 0 else InvoiceStatus.ISSUED


def _clean_reason(reason: Any) -> str:
    text = str(reason or "").strip()
    if not text:
        message = _("Say why this payment is reversed.")
        raise InvalidInput(message, details={"reason": [message]})
    if len(text) > REASON_MAX:
        message = _("At most %(n)s characters.") % {"n": REASON_MAX}
        raise InvalidInput(message, details={"reason": [message]})
    return text


def _already_reversed() -> RuleViolation:
    return RuleViolation(_("This payment was already reversed."), code="already_reversed")


@transaction.atomic
def payment_reverse(*, payment: Payment, reason: Any, actor: User) -> PaymentReversal:
    """Take back a payment recorded by mistake (owners and managers), saying why.

    The payment stays on record with its reversal; the invoice's paid amount and status follow
    (paid → partially paid or issued, overdue again after its due date). A card payment is
    reversed here only: the money itself is refunded in Stripe. Billing knows nothing of the
    review cycle: ``reviews.services.payment_reverse_and_hold`` puts a prepaid milestone that
    nothing was delivered for back to waiting.
    """
    require(actor, InvoiceAction.REVERSE_PAYMENT, payment.invoice)
    text = _clean_reason(reason)
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("project", "project__organisation", "milestone")
        .get(pk=payment.invoice_id)
    )
    if PaymentReversal.objects.filter(payment_id=payment.pk).exists():
        raise _already_reversed()
    if invoice.status == InvoiceStatus.VOID:
        raise RuleViolation(
            _("This invoice is void: its payments cannot change."), code="invoice_void"
        )
    before = {"status": invoice.status, "paid": str(invoice.paid)}
    invoice.paid = normalise(max(invoice.paid - payment.amount, Decimal(0)), invoice.currency)
    invoice.status = status_after_paid(invoice, invoice.paid)
    invoice.save(update_fields=["paid", "status"])
    try:
        with transaction.atomic():
            reversal = PaymentReversal.objects.create(
                payment=payment, reason=text, reversed_by=actor
            )
    except IntegrityError:  # reversed at the same moment by someone else
        raise _already_reversed() from None
    payment.invoice = invoice
    audit_record(
        organisation=invoice.organisation,
        actor=actor,
        action=AuditAction.PAYMENT_REVERSED,
        target=payment,
        project=invoice.project,
        data={
            "invoice": invoice.number,
            "amount": str(payment.amount),
            "method": payment.method,
            "reference": payment.reference,
            "reason": text,
            "before": before,
            "after": {"status": invoice.status, "paid": str(invoice.paid)},
        },
    )
    events.emit(
        EventType.PAYMENT_REVERSED,
        organisation_id=invoice.organisation_id,
        invoice=invoice.pk,
        payment=payment.pk,
    )
    return reversal
