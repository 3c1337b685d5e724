"""The client's payment schedule, worked from a fixed clock: what they will be asked to pay,
for which milestone and when, beside what was invoiced and paid (issue 14)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from milepost.billing import services as billing
from milepost.billing.models import Invoice
from milepost.core import clock
from milepost.core.errors import NotFound
from milepost.forecast.schedule import payment_schedule
from milepost.plans import services as plans
from milepost.plans.models import Milestone

from ..reviews.conftest import fresh
from .conftest import at, m, reload

D = Decimal


def schedule_on(user, project, day):
    with clock.frozen(at(day)):
        return payment_schedule(fresh(user), reload(project))


def said(schedule):
    return [
        (line.kind, line.milestone.position, line.date, line.due, line.amount, line.status)
        for line in schedule.lines
    ]


def test_the_worked_example(world, progressed):
    """Milestone 1 approved on Wed 20 Jan (EUR 2,000 + 19 % = 2,380, due 14 days later); the
    others are expected on their forecast ends, each due 14 days after. Milestone 2 (planned
    Mon 18 Jan to Fri 5 Feb, 15 working days) started on Thu 21 Jan, three working days late:
    it keeps its length and ends Wed 10 Feb, and the ones after it move by the same three."""
    schedule = schedule_on(world.contact, progressed, dt.date(2027, 1, 25))
    assert said(schedule) == [
        ("invoice", 1, dt.date(2027, 1, 20), dt.date(2027, 2, 3), D("2380.00"), "issued"),
        ("expected", 2, dt.date(2027, 2, 10), dt.date(2027, 2, 24), D("2975.00"), "expected"),
        ("expected", 3, dt.date(2027, 3, 10), dt.date(2027, 3, 24), D("3570.00"), "expected"),
        ("expected", 4, dt.date(2027, 3, 24), dt.date(2027, 4, 7), D("1785.00"), "expected"),
        ("expected", 5, dt.date(2027, 4, 2), dt.date(2027, 4, 16), D("1190.00"), "expected"),
    ]
    assert (schedule.invoiced, schedule.paid, schedule.outstanding) == (
        D("2380.00"),
        D("0.00"),
        D("2380.00"),
    )
    assert (schedule.expected, schedule.total) == (D("9520.00"), D("11900.00"))
    assert schedule.currency == "EUR" and schedule.accepted


def test_a_payment_and_an_overdue_invoice(world, progressed):
    """Paid in part on 28 Jan, and not the rest by 3 Feb: overdue on the 4th."""
    invoice = Invoice.objects.get(milestone=m(progressed, 1))
    with clock.frozen(at(dt.date(2027, 1, 28))):
        billing.payment_record(
            invoice=invoice,
            amount="1000.00",
            date="2027-01-28",
            method="bank_transfer",
            actor=fresh(world.owner),
        )
    schedule = schedule_on(world.owner, progressed, dt.date(2027, 2, 4))  # due on 3 Feb
    first = schedule.lines[0]
    assert (first.paid, first.outstanding, first.status) == (
        D("1000.00"),
        D("1380.00"),
        "partially_paid",
    )
    assert first.overdue and schedule.overdue == 1 and first.paid_on is None
    assert schedule.paid == D("1000.00")


def test_the_schedule_moves_with_the_forecast(world, progressed):
    """On Mon 15 Feb milestone 2 (due Fri 5 Feb) is still in progress: its invoice is expected
    today, and milestone 3 starts on Tue 16 Feb, keeping its 20 working days."""
    schedule = schedule_on(world.contact, progressed, dt.date(2027, 2, 15))
    dates = {line.milestone.position: (line.date, line.due) for line in schedule.lines}
    assert dates[2] == (dt.date(2027, 2, 15), dt.date(2027, 3, 1))
    assert dates[3] == (dt.date(2027, 3, 15), dt.date(2027, 3, 29))


def test_a_prepayment_is_expected_when_the_milestone_starts(world, progressed):
    Milestone.objects.filter(pk=m(progressed, 3).pk).update(billing_trigger="on_start")
    schedule = schedule_on(world.contact, progressed, dt.date(2027, 1, 25))
    third = next(line for line in schedule.lines if line.milestone.position == 3)
    assert (third.date, third.due, third.trigger) == (
        dt.date(2027, 2, 11),  # its forecast start: after milestone 2's forecast end
        dt.date(2027, 2, 25),
        "on_start",
    )


def test_a_voided_invoice_nets_out_with_its_credit_note(world, progressed):
    invoice = Invoice.objects.get(milestone=m(progressed, 1))
    with clock.frozen(at(dt.date(2027, 1, 22))):
        billing.invoice_void(invoice=invoice, actor=fresh(world.owner), reason="Wrong address")
    schedule = schedule_on(world.contact, progressed, dt.date(2027, 1, 25))
    kinds = [(line.kind, line.amount, line.outstanding, line.status) for line in schedule.lines]
    assert kinds[:2] == [
        ("invoice", D("2380.00"), D("0.00"), "void"),
        ("credit_note", D("-2380.00"), D("0.00"), "paid"),  # as billing records a note
    ]
    assert schedule.invoiced == D("0.00") and schedule.outstanding == D("0.00")
    # The approved milestone is not expected again: its trigger fired.
    assert [line.milestone.position for line in schedule.lines if line.kind == "expected"] == [
        2,
        3,
        4,
        5,
    ]


def test_a_change_order_s_price_on_an_invoiced_milestone_is_listed(world, progressed):
    with clock.frozen(at(dt.date(2027, 1, 22))):
        billing.change_order_invoice_issue(
            milestone=m(progressed, 1),
            amount=D("250.00"),
            reference="CO-1",
            title="One more page",
            actor=fresh(world.owner),
        )
    schedule = schedule_on(world.contact, progressed, dt.date(2027, 1, 25))
    rise = schedule.lines[1]
    assert (rise.kind, rise.trigger, rise.change_order, rise.amount) == (
        "invoice",
        "change_order",
        "CO-1",
        D("297.50"),
    )
    assert schedule.invoiced == D("2677.50")


def test_a_cancelled_project_expects_nothing_more(world, progressed):
    plans.project_cancel(project=reload(progressed), actor=fresh(world.owner), reason="Stopped")
    schedule = schedule_on(world.contact, progressed, dt.date(2027, 1, 25))
    assert [line.kind for line in schedule.lines] == ["invoice"]
    assert schedule.expected == D("0.00")


def test_before_acceptance_there_is_no_schedule(world, make_project):
    project = make_project()
    plans.plan_propose(project=reload(project), actor=world.owner)
    schedule = payment_schedule(fresh(world.contact), reload(project))
    assert not schedule.accepted and schedule.lines == [] and schedule.total == D("0.00")


def test_someone_who_does_not_see_the_project_gets_404(world, progressed):
    with pytest.raises(NotFound):
        payment_schedule(fresh(world.outsider), reload(progressed))


def test_an_invoice_paid_in_full_says_when(world, progressed):
    invoice = Invoice.objects.get(milestone=m(progressed, 1))
    with clock.frozen(at(dt.date(2027, 1, 29))):
        billing.payment_record(
            invoice=invoice,
            amount="2380.00",
            date="2027-01-29",
            method="card",
            actor=fresh(world.owner),
        )
    first = schedule_on(world.contact, progressed, dt.date(2027, 2, 1)).lines[0]
    assert (first.status, first.paid_on, first.outstanding) == ("paid", dt.date(2027, 1, 29), 0)
