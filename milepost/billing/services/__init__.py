"""Every write about money: issuing invoices, numbering, payments, voids. Reviews, views, the API
and commands call these functions; card payments are ``billing.stripe``'s."""

from .change_orders import change_order_invoice_issue
from .credit_notes import invoice_void
from .invoices import (
    buyer_snapshot,
    invoice_amounts,
    invoice_description,
    invoice_issue,
    seller_snapshot,
)
from .overdue import invoices_announce_overdue
from .payments import payment_record, payment_reverse, status_after_paid

__all__ = [
    "buyer_snapshot",
    "change_order_invoice_issue",
    "invoice_amounts",
    "invoice_description",
    "invoice_issue",
    "invoice_void",
    "invoices_announce_overdue",
    "payment_record",
    "payment_reverse",
    "seller_snapshot",
    "status_after_paid",
]
