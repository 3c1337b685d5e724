"""Properties of invoice money: exact totals, payments that never exceed gross, exact credit notes.

The database properties run every example inside a savepoint that is rolled back, so each one
starts from the same issued invoices.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from milepost.billing import rules, selectors
from milepost.billing import services as billing
from milepost.billing.models import Invoice, InvoiceKind, InvoiceStatus, Payment
from milepost.core import clock
from milepost.core.errors import InvalidInput, RuleViolation
from milepost.core.money import from_minor, minor_digits, quantum, to_minor
from milepost.plans.models import Project

from .conftest import fresh, reload, reload_invoice

CURRENCIES = ["EUR", "JPY", "BHD"]
BUDGETS = {"EUR": "10000.00", "JPY": "1000000", "BHD": "10000.000"}
PROPERTY = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

rates = st.integers(min_value=0, max_value=10_000).map(lambda n: Decimal(n).scaleb(-2))


# --- rules.totals: pure arithmetic -------------------------------------------------------------


@PROPERTY
@given(
    currency=st.sampled_from(CURRENCIES),
    units=st.integers(min_value=1, max_value=10**12),
    rate=rates,
)
def test_totals_are_exact_in_the_minor_unit(currency, units, rate):
    net = from_minor(units, currency)
    totals = rules.totals(net, rate, currency)

    assert totals.net == net
    assert totals.tax_rate == rate
    assert totals.net + totals.tax == totals.gross  # exactly, no rounding left over
    for amount in (totals.net, totals.tax, totals.gross):
        assert amount == amount.quantize(quantum(currency))
        assert -amount.as_tuple().exponent == minor_digits(currency)
    # Tax is the exact rate rounded half-up to the minor unit (checked with fractions).
    exact = Fraction(units) * Fraction(int(rate * 100), 10_000)
    expected = int(exact + Fraction(1, 2))  # floor(x + 1/2): half-up for x >= 0
    assert to_minor(totals.tax, currency) == expected
    assert 0 <= totals.tax <= totals.net


def test_totals_round_half_up_at_the_boundary():
    # 0.05 EUR at 10 % is 0.005: half-up gives 0.01 (banker's rounding would give 0.00).
    assert rules.totals(Decimal("0.05"), Decimal("10"), "EUR").tax == Decimal("0.01")
    assert rules.totals(Decimal("5"), Decimal("10"), "JPY").tax == Decimal("1")
    assert rules.totals(Decimal("0.005"), Decimal("10"), "BHD").tax == Decimal("0.001")
    assert rules.totals(Decimal("0.04"), Decimal("10"), "EUR").tax == Decimal("0.00")
    huge = rules.totals(Decimal("9999999999.99"), Decimal("99.99"), "EUR")
    assert huge.tax == (Decimal("9999999999.99") * Decimal("0.9999")).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    assert huge.gross == huge.net + huge.tax


# --- payments against one invoice -----------------------------------------------------------------


@pytest.fixture
def issued(money):
    """One approved-and-invoiced first milestone per currency (19 % tax)."""
    invoices = {}
    for currency in CURRENCIES:
        project = money.project(currency=currency, total_budget=BUDGETS[currency])
        invoices[currency] = money.approved(project, 1)
    return invoices


attempt = st.one_of(
    st.tuples(st.just("minor"), st.integers(min_value=1, max_value=3_000_000)),
    st.tuples(st.just("outstanding"), st.just(0)),
    st.tuples(st.just("above"), st.integers(min_value=1, max_value=1000)),
    st.tuples(st.just("bad"), st.sampled_from(["0", "-1", "1e-9", "abc"])),
)


def _amount(kind, value, invoice):
    if kind == "minor":
        return str(from_minor(value, invoice.currency))
    if kind == "outstanding":
        return str(invoice.outstanding)
    if kind == "above":
        return str(invoice.outstanding + from_minor(value, invoice.currency))
    return value


def test_recorded_payments_never_exceed_gross(money, issued):
    manager = fresh(money.world.manager)

    @PROPERTY
    @given(currency=st.sampled_from(CURRENCIES), attempts=st.lists(attempt, max_size=8))
    def run(currency, attempts):
        with transaction.atomic():
            expected = Decimal(0)
            for kind, value in attempts:
                invoice = reload_invoice(issued[currency])
                amount = _amount(kind, value, invoice)
                outstanding = invoice.outstanding
                try:
                    billing.payment_record(
                        invoice=invoice,
                        amount=amount,
                        date=clock.today(),
                        method="bank_transfer",
                        actor=manager,
                    )
                except InvalidInput as error:
                    assert list(error.details) == ["amount"]
                    accepted = False
                else:
                    accepted = True
                    expected += Decimal(amount)
                # A payment is accepted exactly when 0 < amount <= outstanding.
                valid = kind in ("minor", "outstanding", "above") and (
                    0 < Decimal(amount) <= outstanding
                )
                assert accepted == valid, (kind, amount, outstanding)

                invoice = Invoice.objects.get(pk=invoice.pk)
                rows = Payment.objects.filter(invoice=invoice).aggregate(s=Sum("amount"))["s"]
                assert invoice.paid == (rows or 0) == expected
                assert 0 <= invoice.paid <= invoice.gross
                if invoice.paid == 0:
                    assert invoice.status == InvoiceStatus.ISSUED
                elif invoice.paid < invoice.gross:
                    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
                else:
                    assert invoice.status == InvoiceStatus.PAID
            transaction.set_rollback(True)

    run()


# --- credit notes ---------------------------------------------------------------------------------


def _one_milestone_project(money, currency: str, budget: Decimal) -> Project:
    start = dt.date(2027, 1, 4)
    milestone = {
        "title": "Everything",
        "scope": "The whole job.",
        "budget": str(budget),
        "planned_start": start.isoformat(),
        "planned_due": (start + dt.timedelta(days=30)).isoformat(),
        "deliverables": [{"title": "The thing", "acceptance_criteria": "It works."}],
    }
    return money.project(
        template=None,
        milestones=[milestone],
        currency=currency,
        total_budget=str(budget),
    )


def test_credit_notes_cancel_exactly(money):
    organisation = money.organisation
    owner = fresh(money.world.owner)

    @settings(
        max_examples=200,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(
        currency=st.sampled_from(CURRENCIES),
        # Amounts whose gross still fits the 12 integer digits of the money columns.
        units=st.integers(min_value=1, max_value=10**11),
        rate=rates,
    )
    def run(currency, units, rate):
        with transaction.atomic():
            organisation.tax_rate = rate
            organisation.save(update_fields=["tax_rate"])
            budget = from_minor(units, currency)
            project = _one_milestone_project(money, currency, budget)
            milestone = reload(project.milestones.get())
            invoice = billing.invoice_issue(milestone=milestone, trigger="on_approval")
            totals = rules.totals(budget, rate, currency)
            assert (invoice.net, invoice.tax, invoice.gross) == (
                totals.net,
                totals.tax,
                totals.gross,
            )

            note = billing.invoice_void(invoice=reload_invoice(invoice), actor=owner)
            note = reload_invoice(note)
            invoice = reload_invoice(invoice)
            assert invoice.status == InvoiceStatus.VOID
            assert (note.net, note.tax, note.gross) == (invoice.net, invoice.tax, invoice.gross)
            assert note.gross == invoice.gross
            issued = Invoice.objects.filter(project=project, kind=InvoiceKind.INVOICE).aggregate(
                s=Sum("gross")
            )["s"]
            credited = Invoice.objects.filter(
                project=project, kind=InvoiceKind.CREDIT_NOTE
            ).aggregate(s=Sum("gross"))["s"]
            assert issued - credited == 0
            # The lists' totals leave the void invoice out: nothing is outstanding.
            listed = selectors.totals(Invoice.objects.filter(project=project))
            assert all(row["outstanding"] == 0 for row in listed)
            assert invoice.outstanding == 0 and note.outstanding == 0
            transaction.set_rollback(True)

    run()


def test_change_orders_settle_exactly(money):
    """Any run of change orders on an invoiced milestone: each rise is invoiced and each cut
    credited exactly; what is due is always the invoices' gross less what credit notes took off,
    never below what the milestone's price says; a cut no invoice can take changes nothing."""
    owner = fresh(money.world.owner)
    amounts = st.integers(min_value=-(10**6), max_value=10**6).filter(bool)

    @settings(  # each example issues up to seven documents: fewer examples than the others
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(
        currency=st.sampled_from(CURRENCIES),
        units=st.integers(min_value=1, max_value=10**8),
        rate=rates,
        changes=st.lists(amounts, min_size=1, max_size=6),
    )
    def run(currency, units, rate, changes):
        with transaction.atomic():
            money.organisation.tax_rate = rate
            money.organisation.save(update_fields=["tax_rate"])
            budget = from_minor(units, currency)
            project = _one_milestone_project(money, currency, budget)
            milestone = reload(project.milestones.get())
            billing.invoice_issue(milestone=milestone, trigger="on_approval")
            price = budget
            for n, change in enumerate(changes, start=1):
                amount = from_minor(abs(change), currency) * (1 if change > 0 else -1)
                before = list(Invoice.objects.values_list("pk", "credited", "status"))
                try:
                    document = billing.change_order_invoice_issue(
                        milestone=reload(milestone),
                        amount=amount,
                        reference=f"CO-{n}",
                        title="A change",
                        actor=owner,
                    )
                except RuleViolation as refused:
                    assert refused.code == "credit_exceeds_invoice"
                    assert list(Invoice.objects.values_list("pk", "credited", "status")) == before
                    continue
                price += amount
                expected = rules.totals(abs(amount), document.tax_rate, currency)
                assert (document.net, document.gross) == (expected.net, expected.gross)
                invoices = Invoice.objects.filter(project=project)
                bills = invoices.filter(kind=InvoiceKind.INVOICE)
                notes = invoices.filter(kind=InvoiceKind.CREDIT_NOTE)
                gross = bills.aggregate(s=Sum("gross"))["s"]
                credited = notes.aggregate(s=Sum("gross"))["s"] or 0
                assert bills.aggregate(s=Sum("credited"))["s"] == credited
                assert sum(reload_invoice(i).outstanding for i in bills) == gross - credited
                assert selectors.project_money(project)["invoiced"] == price
                for bill in bills:
                    assert 0 <= bill.credited <= bill.gross
            transaction.set_rollback(True)

    run()
