"""BG-16 in the e-invoice: a SEPA credit transfer (58) to the seller's account as the invoice
was issued — IBAN, account name, BIC — and the amounts once part or all of it is paid, all of it
passing the official EN 16931 Schematron."""

from __future__ import annotations

import pytest

from milepost.billing.einvoice import cii_xml

from .conftest import BIC, IBAN
from .schematron import failed_rules
from .test_einvoice import SETTLEMENT, TOTALS, xml_of

pytestmark = pytest.mark.django_db

MEANS = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"


def test_a_euro_invoice_asks_for_a_sepa_transfer_to_the_account_holder(setup):
    setup.organisation.bank_account_holder = "Northwind Studio GmbH Treasury"
    setup.organisation.save()
    invoice = setup.invoiced()

    doc = xml_of(invoice)

    assert doc.one(f"{MEANS}/ram:TypeCode") == "58"
    account = f"{MEANS}/ram:PayeePartyCreditorFinancialAccount"
    assert doc.one(f"{account}/ram:IBANID") == IBAN
    assert doc.one(f"{account}/ram:AccountName") == "Northwind Studio GmbH Treasury"
    assert doc.one(f"{MEANS}/ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID") == BIC
    assert doc.one(f"{SETTLEMENT}/ram:PaymentReference") == invoice.number


def test_without_a_named_holder_the_account_name_is_the_legal_name(setup):
    invoice = setup.invoiced()
    account = f"{MEANS}/ram:PayeePartyCreditorFinancialAccount"
    assert xml_of(invoice).one(f"{account}/ram:AccountName") == "Northwind Studio GmbH"


def test_without_a_bic_the_institution_is_left_out(setup):
    setup.organisation.bic = ""
    setup.organisation.save()
    doc = xml_of(setup.invoiced())
    assert doc.one(f"{MEANS}/ram:TypeCode") == "58"
    assert not doc.has(f"{MEANS}/ram:PayeeSpecifiedCreditorFinancialInstitution")


def test_a_paid_invoice_has_nothing_due_and_keeps_its_payment_instructions(setup):
    invoice = setup.pay(setup.invoiced())

    doc = xml_of(invoice)

    assert doc.one(f"{TOTALS}/ram:TotalPrepaidAmount") == "2380.00"
    assert doc.one(f"{TOTALS}/ram:DuePayableAmount") == "0.00"
    assert doc.one(f"{MEANS}/ram:TypeCode") == "58"  # the document says how it was to be paid


def test_paid_partly_paid_unbanked_and_pound_invoices_pass_the_official_schematron(setup, tmp_path):
    documents = {
        "paid": setup.pay(setup.invoiced(name="Paid")),
        "partly-paid": setup.pay(setup.invoiced(name="Partly paid"), amount="1000.00"),
        "pounds": setup.invoiced(name="Pounds", currency="GBP"),
    }
    setup.organisation.iban = setup.organisation.bic = ""
    setup.organisation.save()
    documents["no-bank-details"] = setup.invoiced(name="No bank details")

    failed = failed_rules({name: cii_xml(inv) for name, inv in documents.items()}, tmp_path)

    assert failed == {name: [] for name in documents}
    assert b"<ram:TypeCode>30</ram:TypeCode>" in cii_xml(documents["pounds"])
    assert b"<ram:TypeCode>1</ram:TypeCode>" in cii_xml(documents["no-bank-details"])
