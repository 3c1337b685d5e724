"""The public events the bus did not announce before issue 15: invoice.overdue (once per due
date, from the scheduler), credit_note.issued (voiding), invoice.paid, and an automatic
approval's milestone.approved."""

from __future__ import annotations

import datetime as dt

from milepost.billing import services as billing
from milepost.billing.models import Invoice
from milepost.core import clock
from milepost.integrations.models import OutboundEvent
from milepost.notify.models import Notification
from milepost.notify.scheduler import tick

from ..reviews.conftest import activate, cycle_for
from .conftest import T0, fresh


def approved_cycle(world, make_project):
    with clock.frozen(T0):
        c = cycle_for(world, activate(make_project(), world.owner, world.contact))
        c.to_approved()
    return c


def types() -> list[str]:
    return list(OutboundEvent.objects.values_list("type", flat=True))


def test_an_unpaid_invoice_is_announced_overdue_once(world, make_project):
    c = approved_cycle(world, make_project)
    invoice = Invoice.objects.get(milestone=c.m(1))
    with clock.frozen(T0 + dt.timedelta(days=1)):
        assert tick()["invoices_overdue"] == 0
    late = dt.datetime.combine(invoice.due_date + dt.timedelta(days=1), dt.time(9), dt.UTC)
    for day in range(3):
        with clock.frozen(late + dt.timedelta(days=day)):
            tick()
    overdue = OutboundEvent.objects.filter(type="invoice.overdue")
    assert overdue.count() == 1
    event = overdue.get()
    assert event.object_id == invoice.pk
    assert event.payload["data"]["object"]["overdue"] is True
    assert event.sequence == 2, "after invoice.issued"


def test_voiding_issues_credit_note_issued(world, make_project):
    c = approved_cycle(world, make_project)
    invoice = Invoice.objects.get(milestone=c.m(1))
    before = Notification.objects.count()
    with clock.frozen(T0 + dt.timedelta(hours=1)):
        note = billing.invoice_void(invoice=invoice, actor=fresh(world.owner), reason="Wrong VAT")
    event = OutboundEvent.objects.get(type="credit_note.issued")
    assert event.object_id == note.pk
    assert event.payload["data"]["object"]["kind"] == "credit_note"
    assert event.payload["data"]["object"]["credit_note_for"] == invoice.number
    assert Notification.objects.count() == before, "notify has no handler: nothing new is said"


def test_paying_in_full_announces_invoice_paid_after_the_payment(world, make_project):
    from milepost.reviews import services as reviews

    c = approved_cycle(world, make_project)
    invoice = Invoice.objects.get(milestone=c.m(1))
    half = invoice.gross / 2
    with clock.frozen(T0 + dt.timedelta(hours=1)):
        for amount in (half, invoice.gross - half):
            reviews.payment_record_and_release(
                invoice=Invoice.objects.get(pk=invoice.pk),
                amount=str(amount),
                date=clock.today(),
                method="bank_transfer",
                actor=fresh(world.owner),
            )
    assert types()[-3:] == ["payment.recorded", "payment.recorded", "invoice.paid"]


def test_an_automatic_approval_is_milestone_approved_by_system(world, make_project):
    with clock.frozen(T0):
        c = cycle_for(world, activate(make_project(), world.owner, world.contact))
        c.to_review()
    due = c.m(1).auto_approve_at
    with clock.frozen(due + dt.timedelta(minutes=1)):
        assert tick(due + dt.timedelta(minutes=1))["auto_approved"] == 1
    approved = OutboundEvent.objects.get(type="milestone.approved")
    assert approved.payload["data"]["object"]["approved_by"] == "system"
