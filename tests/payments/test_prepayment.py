"""A paid prepayment begins the work. Billing only records the money; every way a payment arrives
(the page, the API, Stripe) releases the milestone in the payment's own transaction, and the
scheduler releases any milestone that a payment left waiting."""

from __future__ import annotations

import pytest
from django.test import Client

from milepost.audit.models import AuditEvent
from milepost.audit.verify import verify_chains
from milepost.billing import services as billing
from milepost.billing.models import InvoiceStatus
from milepost.core import clock
from milepost.core.errors import RuleViolation
from milepost.notify.scheduler import tick
from milepost.plans.models import MilestoneStatus
from milepost.reviews import services as reviews
from milepost.reviews.services import prepayment

from .conftest import fresh, invoice_state, money_rows, reload_invoice
from .test_invoices import on_start


@pytest.fixture
def waiting(money):
    """A project whose first milestone is billed on start, started: its invoice is unpaid."""
    project = money.project(prepare=on_start(1))
    assert money.start(project, 1).status == MilestoneStatus.AWAITING_PREPAYMENT
    return project, money.invoice(project, 1, trigger="on_start")


def status(money, project) -> str:
    return money.m(project, 1).status


def released_by_the_system(money, project) -> bool:
    prepaid = AuditEvent.objects.filter(action="milestone.prepaid")
    return (
        status(money, project) == MilestoneStatus.IN_PROGRESS
        and prepaid.count() == 1
        and prepaid.get().actor_id is None
        and verify_chains().ok
    )


def billing_only(money, invoice, amount=None):
    """Record a payment the way billing alone does: nothing about the review cycle."""
    invoice = reload_invoice(invoice)
    return billing.payment_record(
        invoice=invoice,
        amount=invoice.outstanding if amount is None else amount,
        date=clock.today(),
        method="bank_transfer",
        actor=fresh(money.world.manager),
    )


def form(invoice) -> dict:
    return {
        "amount": str(reload_invoice(invoice).outstanding),
        "date": clock.today().isoformat(),
        "method": "bank_transfer",
        "reference": "SEPA 7",
    }


# --- billing below reviews ------------------------------------------------------------------------


def test_billing_alone_records_the_payment_and_leaves_the_milestone_waiting(money, waiting):
    project, invoice = waiting
    billing_only(money, invoice)
    assert reload_invoice(invoice).status == InvoiceStatus.PAID
    assert status(money, project) == MilestoneStatus.AWAITING_PREPAYMENT


def test_releasing_an_invoice_that_prepays_nothing_changes_nothing(money, waiting):
    project, invoice = waiting
    billing_only(money, invoice, "100.00")  # partly paid
    assert reviews.milestone_release_prepaid(invoice=reload_invoice(invoice)) is None
    assert status(money, project) == MilestoneStatus.AWAITING_PREPAYMENT
    other = money.approved(money.project(name="Another shop"), 1)  # billed on approval
    money.pay(other)
    assert reviews.milestone_release_prepaid(invoice=reload_invoice(other)) is None
    assert not AuditEvent.objects.filter(action="milestone.prepaid").exists()


def test_releasing_twice_releases_once(money, waiting):
    project, invoice = waiting
    billing_only(money, invoice)
    paid = reload_invoice(invoice)
    assert reviews.milestone_release_prepaid(invoice=paid).status == MilestoneStatus.IN_PROGRESS
    assert reviews.milestone_release_prepaid(invoice=paid) is None
    assert released_by_the_system(money, project)


def test_a_refused_release_records_no_payment(money, waiting, monkeypatch):
    """The payment and the release are one transaction: both commit or neither."""
    project, invoice = waiting

    def refuse(*, milestone):
        raise RuleViolation("Refused.", code="state_conflict")

    monkeypatch.setattr(prepayment, "milestone_prepayment_received", refuse)
    before, state = money_rows(), invoice_state(invoice)
    with pytest.raises(RuleViolation):
        money.pay(invoice)
    assert (money_rows(), invoice_state(invoice)) == (before, state)
    assert status(money, project) == MilestoneStatus.AWAITING_PREPAYMENT


# --- each way money arrives -----------------------------------------------------------------------


def test_a_payment_recorded_on_the_invoice_page_releases_the_milestone(money, waiting):
    project, invoice = waiting
    web = Client()
    web.force_login(fresh(money.world.manager))
    response = web.post(f"/invoices/{invoice.pk}/payments/", form(invoice))
    assert response.status_code == 302, response.content
    assert reload_invoice(invoice).status == InvoiceStatus.PAID
    assert released_by_the_system(money, project)


def test_a_payment_recorded_through_the_api_releases_the_milestone(money, waiting, api_as):
    project, invoice = waiting
    response = api_as(fresh(money.world.manager)).post(
        f"/api/v1/invoices/{invoice.pk}/payments/", form(invoice), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "paid"
    assert released_by_the_system(money, project)


# (A card payment through the Stripe webhook: test_stripe_webhook.py,
# test_card_prepayment_starts_the_milestone.)


# --- the scheduler's safety net -------------------------------------------------------------------


def test_the_scheduler_releases_a_milestone_whose_prepayment_is_paid(money, waiting):
    project, invoice = waiting
    billing_only(money, invoice)  # a way that did not release it
    assert reviews.run_due_work().released == 1
    assert released_by_the_system(money, project)
    assert reviews.run_due_work().released == 0  # again: nothing more to do
    assert tick()["prepayments_released"] == 0
    assert AuditEvent.objects.filter(action="milestone.prepaid").count() == 1


def test_the_scheduler_reports_what_it_released(money, waiting):
    project, invoice = waiting
    billing_only(money, invoice)
    assert tick()["prepayments_released"] == 1
    assert status(money, project) == MilestoneStatus.IN_PROGRESS


def test_the_scheduler_leaves_a_prepayment_that_is_not_paid_in_full(money, waiting):
    project, invoice = waiting
    assert reviews.run_due_work().released == 0
    billing_only(money, invoice, "100.00")
    assert reviews.run_due_work().released == 0
    assert status(money, project) == MilestoneStatus.AWAITING_PREPAYMENT
