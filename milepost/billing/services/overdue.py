"""Announcing that an invoice fell overdue: once per invoice and due date, run by the scheduler."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from milepost.core import clock, events
from milepost.core.events import EventType
from milepost.core.models import DomainEvent

from ..models import Invoice, InvoiceKind, InvoiceStatus

UNPAID = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)


def _announced(invoice_ids: list[int]) -> set[tuple[int, str]]:
    rows = DomainEvent.objects.filter(
        name=EventType.INVOICE_OVERDUE.value, payload__invoice__in=invoice_ids
    ).values_list("payload", flat=True)
    return {(row["invoice"], row["due_date"]) for row in rows}


def invoices_announce_overdue(today: dt.date | None = None) -> int:
    """Emit ``invoice.overdue`` for each unpaid invoice past its due date, once per due date.

    Safe to run again and in two processes: each invoice is locked and checked again in its own
    transaction before its event is written.
    """
    today = today or clock.today()
    due = list(
        Invoice.objects.filter(
            kind=InvoiceKind.INVOICE, status__in=UNPAID, due_date__lt=today
        ).values_list("pk", "due_date", "organisation_id")
    )
    if not due:
        return 0
    done = _announced([pk for pk, _due, _org in due])
    announced = 0
    for pk, due_date, organisation_id in due:
        if (pk, due_date.isoformat()) in done:
            continue
        with transaction.atomic():
            locked = (
                Invoice.objects.select_for_update(of=("self",))
                .filter(pk=pk, status__in=UNPAID, due_date=due_date)
                .exists()
            )
            if not locked or (pk, due_date.isoformat()) in _announced([pk]):
                continue
            events.emit(
                EventType.INVOICE_OVERDUE,
                organisation_id=organisation_id,
                invoice=pk,
                due_date=due_date.isoformat(),
            )
            announced += 1
    return announced
