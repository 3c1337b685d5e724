"""A payment recorded by mistake is reversed with a reason: never deleted, audited, the invoice's
paid amount and status follow, and a prepaid milestone with nothing delivered waits again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from milepost.audit.models import AuditEvent
from milepost.audit.verify import verify_chains
from milepost.billing import selectors
from milepost.billing.models import InvoiceStatus, Payment, PaymentReversal
from milepost.core import clock
from milepost.core.errors import InvalidInput, NotAllowed, NotFound, RuleViolation
from milepost.core.models import DomainEvent
from milepost.plans.models import MilestoneStatus
from milepost.reviews import services as reviews
from milepost.reviews.models import Entry

from .conftest import fresh, money_rows, reload_invoice
from .test_invoices import on_start, pay_before_next


def reverse(money, payment, reason="Booked on the wrong invoice.", actor=None):
    payment = Payment.objects.select_related(
        "invoice", "invoice__project", "invoice__organisation"
    ).get(pk=payment.pk)
    return reviews.payment_reverse_and_hold(
        payment=payment, reason=reason, actor=fresh(actor or money.world.manager)
    )


@pytest.fixture
def paid(money):
    """Milestone 1 approved and its invoice paid in full by one transfer."""
    project = money.project()
    invoice = money.approved(project, 1)
    payment = money.pay(invoice)
    assert reload_invoice(invoice).status == InvoiceStatus.PAID
    return project, invoice, payment


def test_a_reversed_full_payment_leaves_the_invoice_issued_and_keeps_the_payment(money, paid):
    _project, invoice, payment = paid
    reversal = reverse(money, payment)
    invoice = reload_invoice(invoice)
    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.paid == Decimal("0.00")
    assert invoice.outstanding == invoice.gross
    assert Payment.objects.filter(pk=payment.pk).exists()  # never a deletion
    assert reversal.reason == "Booked on the wrong invoice."
    assert Payment.objects.get(pk=payment.pk).is_reversed
    event = AuditEvent.objects.get(action="payment.reversed")
    assert event.actor_id == money.world.manager.pk
    assert event.data["before"] == {"status": "paid", "paid": str(invoice.gross)}
    assert event.data["after"] == {"status": "issued", "paid": "0.00"}
    assert event.data["reason"] == "Booked on the wrong invoice."
    assert verify_chains().ok
    assert DomainEvent.objects.filter(name="payment.reversed").count() == 1


def test_reversing_one_of_two_payments_leaves_it_partially_paid(money):
    project = money.project()
    invoice = money.approved(project, 1)
    first = money.pay(invoice, "1000.00")
    money.pay(invoice)  # the rest
    assert reload_invoice(invoice).status == InvoiceStatus.PAID
    reverse(money, first)
    invoice = reload_invoice(invoice)
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    assert invoice.paid == invoice.gross - Decimal("1000.00")


def test_an_unpaid_invoice_after_its_due_date_is_overdue_again(money, paid):
    _project, invoice, payment = paid
    reverse(money, payment)
    invoice = reload_invoice(invoice)
    later = invoice.due_date + dt.timedelta(days=1)
    with clock.frozen(dt.datetime.combine(later, dt.time(12), tzinfo=dt.UTC)):
        assert reload_invoice(invoice).is_overdue


def test_a_payment_is_reversed_once(money, paid):
    _project, invoice, payment = paid
    reverse(money, payment)
    before = money_rows()
    with pytest.raises(RuleViolation) as refused:
        reverse(money, payment)
    assert refused.value.code == "already_reversed"
    assert money_rows() == before
    assert PaymentReversal.objects.count() == 1
    assert reload_invoice(invoice).paid == Decimal("0.00")


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_a_reason_is_required_and_bounded(money, paid, reason):
    _project, invoice, payment = paid
    before = money_rows()
    with pytest.raises(InvalidInput) as refused:
        reverse(money, payment, reason=reason)
    assert "reason" in refused.value.details
    assert money_rows() == before
    assert reload_invoice(invoice).status == InvoiceStatus.PAID


@pytest.mark.parametrize(
    ("role", "error"),
    [("member", NotAllowed), ("contact", NotAllowed), ("outsider", NotFound)],
)
def test_only_owners_and_managers_reverse(money, paid, role, error):
    payment = paid[2]
    before = money_rows()
    with pytest.raises(error):
        reverse(money, payment, actor=money.world.user(role))
    assert money_rows() == before


def test_the_owner_may_reverse(money, paid):
    _project, invoice, payment = paid
    reverse(money, payment, actor=money.world.owner)
    assert reload_invoice(invoice).status == InvoiceStatus.ISSUED


def test_payment_get_answers_404_for_a_payment_of_another_invoice(money, paid):
    project, invoice, payment = paid
    other = money.approved(project, 2)
    with pytest.raises(NotFound):
        selectors.payment_get(fresh(money.world.manager), other.pk, payment.pk)
    with pytest.raises(NotFound):
        selectors.payment_get(fresh(money.world.outsider), invoice.pk, payment.pk)
    found = selectors.payment_get(fresh(money.world.manager), invoice.pk, payment.pk)
    assert found.pk == payment.pk


# --- What the payment released -------------------------------------------------------------------


@pytest.fixture
def prepaid(money):
    """Milestone 1 billed on start, started and its prepayment paid: work has begun."""
    project = money.project(prepare=on_start(1))
    money.start(project, 1)
    invoice = money.invoice(project, 1, trigger="on_start")
    payment = money.pay(invoice)
    assert money.m(project, 1).status == MilestoneStatus.IN_PROGRESS
    return project, invoice, payment


def test_a_prepaid_milestone_with_nothing_delivered_waits_for_its_prepayment_again(money, prepaid):
    project, invoice, payment = prepaid
    reverse(money, payment)
    milestone = money.m(project, 1)
    assert milestone.status == MilestoneStatus.AWAITING_PREPAYMENT
    held = AuditEvent.objects.get(action="milestone.prepayment_reversed")
    assert held.actor_id is None
    assert held.data["before"] == {"status": "in_progress"}
    entry = Entry.objects.filter(milestone=milestone).order_by("-id").first()
    assert entry.kind == Entry.Kind.PREPAYMENT_REVERSED
    assert "Booked on the wrong invoice." in entry.body
    assert verify_chains().ok
    # Paid again, it is released again.
    money.pay(invoice)
    assert money.m(project, 1).status == MilestoneStatus.IN_PROGRESS


def test_a_prepaid_milestone_delivered_since_stays_in_review(money, prepaid):
    project, invoice, payment = prepaid
    money.to_review(project, 1)
    reverse(money, payment)
    assert money.m(project, 1).status == MilestoneStatus.IN_REVIEW
    assert not AuditEvent.objects.filter(action="milestone.prepayment_reversed").exists()
    assert reload_invoice(invoice).status == InvoiceStatus.ISSUED


def test_a_partly_reversed_prepayment_still_holds_the_milestone(money):
    project = money.project(prepare=on_start(1))
    money.start(project, 1)
    invoice = money.invoice(project, 1, trigger="on_start")
    money.pay(invoice, "100.00")
    rest = money.pay(invoice)
    assert money.m(project, 1).status == MilestoneStatus.IN_PROGRESS
    reverse(money, rest)
    assert reload_invoice(invoice).status == InvoiceStatus.PARTIALLY_PAID
    assert money.m(project, 1).status == MilestoneStatus.AWAITING_PREPAYMENT


def test_with_pay_before_next_the_next_milestone_cannot_start_after_a_reversal(money):
    project = money.project(prepare=pay_before_next)
    invoice = money.approved(project, 1)
    payment = money.pay(invoice)
    reverse(money, payment)
    with pytest.raises(RuleViolation) as refused:
        money.start(project, 2)
    assert refused.value.code == "payment_required"


def test_a_void_invoice_has_nothing_to_reverse(money, paid):
    _project, invoice, payment = paid
    reverse(money, payment)
    money.void(invoice)
    with pytest.raises(RuleViolation) as refused:
        reverse(money, payment)
    assert refused.value.code == "already_reversed"


def test_the_agencys_managers_are_told_of_a_reversal(money, paid):
    from milepost.notify.models import Notification

    _project, invoice, payment = paid
    reverse(money, payment, actor=money.world.owner)
    told = Notification.objects.filter(title__contains="reversed")
    assert {n.user_id for n in told} >= {money.world.owner.pk, money.world.manager.pk}
    assert money.world.contact.pk not in {n.user_id for n in told}
    assert all("Booked on the wrong invoice." in n.title for n in told)
    assert all(n.url == f"/invoices/{invoice.pk}/" for n in told)


def test_a_long_reason_fits_the_notification(money, paid):
    from milepost.notify.models import Notification

    reverse(money, paid[2], reason="Booked twice. " + "x" * 480)
    titles = Notification.objects.filter(title__contains="reversed").values_list("title", flat=True)
    assert titles and all(len(t) <= 300 for t in titles)


def test_a_prepayment_on_a_cancelled_project_is_reversed_and_the_milestone_stays(money, prepaid):
    """Cancelled, nothing waits for money any more: the payment is corrected, the milestone
    keeps its state (it was refused with a misleading "someone else changed this")."""
    from milepost.plans import services as plans

    project, invoice, payment = prepaid
    plans.project_cancel(project=project, actor=fresh(money.world.owner), reason="Client closed.")
    reversal = reverse(money, payment)
    assert reversal.payment.pk == payment.pk
    assert reload_invoice(invoice).status == InvoiceStatus.ISSUED
    assert money.m(project, 1).status == MilestoneStatus.IN_PROGRESS
    assert not AuditEvent.objects.filter(action="milestone.prepayment_reversed").exists()


def test_paid_in_full_on_is_the_day_of_a_payment_that_stood(money):
    """A mistaken payment dated today, reversed, then the real transfer of three days ago: the
    invoice was paid three days ago (the page, the PDF and the API said today)."""
    invoice = money.approved(money.project(), 1)
    today = clock.today()
    mistaken = money.pay(invoice, date=today)
    reverse(money, mistaken)
    money.pay(invoice, date=today - dt.timedelta(days=3))
    loaded = selectors.invoice_get(fresh(money.world.owner), invoice.pk)
    assert selectors.paid_in_full_on(loaded) == today - dt.timedelta(days=3)
