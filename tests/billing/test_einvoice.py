"""The Factur-X EN 16931 CII XML: valid against the official schema, and true to the invoice."""

from __future__ import annotations

from decimal import Decimal

import facturx
import pytest
from lxml import etree

from milepost.billing import services as billing
from milepost.billing.einvoice import (
    GUIDELINE,
    EInvoiceError,
    cii_xml,
    problems,
    validate,
)
from milepost.billing.models import InvoiceKind
from milepost.billing.rules import REVERSE_CHARGE_NOTE

from .conftest import BIC, BUYER_VAT, IBAN, SELLER_VAT, fresh, reload
from .schematron import failed_rules

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
SETTLEMENT = "//ram:ApplicableHeaderTradeSettlement"
TOTALS = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
SELLER = "//ram:SellerTradeParty"
BUYER = "//ram:BuyerTradeParty"


class Doc:
    """The parsed XML with one-line lookups."""

    def __init__(self, xml: bytes):
        self.xml = xml
        self.root = etree.fromstring(xml)

    def all(self, path: str) -> list[str]:
        return [node.text for node in self.root.xpath(path, namespaces=NS)]

    def one(self, path: str) -> str:
        found = self.all(path)
        assert len(found) == 1, (path, found)
        return found[0]

    def has(self, path: str) -> bool:
        return bool(self.root.xpath(path, namespaces=NS))

    def attr(self, path: str, name: str) -> str:
        (node,) = self.root.xpath(path, namespaces=NS)
        return node.get(name)


def xml_of(invoice) -> Doc:
    xml = cii_xml(invoice)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    return Doc(xml)


def assert_matches(doc: Doc, invoice) -> None:
    """Number, dates, currency, parties and every amount as the Invoice row has them."""
    assert doc.one("//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == GUIDELINE
    assert doc.one("/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:ID") == invoice.number
    assert doc.one("//rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString") == (
        invoice.issue_date.strftime("%Y%m%d")
    )
    assert doc.attr("//rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString", "format") == (
        "102"
    )
    assert doc.one(f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/*") == (
        invoice.due_date.strftime("%Y%m%d")
    )
    assert doc.one(f"{SETTLEMENT}/ram:InvoiceCurrencyCode") == invoice.currency
    assert doc.one(f"{SELLER}/ram:Name") == invoice.seller["name"]
    assert doc.one(f"{BUYER}/ram:Name") == invoice.buyer["name"]
    assert doc.one(f"{SELLER}/ram:SpecifiedTaxRegistration/ram:ID") == invoice.seller["vat_id"]
    assert doc.attr(f"{SELLER}/ram:SpecifiedTaxRegistration/ram:ID", "schemeID") == "VA"
    assert doc.one(f"{BUYER}/ram:SpecifiedTaxRegistration/ram:ID") == invoice.buyer["vat_id"]
    assert doc.one(f"{SELLER}/ram:PostalTradeAddress/ram:CountryID") == invoice.seller["country"]
    assert doc.one(f"{BUYER}/ram:PostalTradeAddress/ram:CountryID") == invoice.buyer["country"]
    net, tax, gross = (str(invoice.amount(f)) for f in ("net", "tax", "gross"))
    assert doc.one(f"{TOTALS}/ram:LineTotalAmount") == net
    assert doc.one(f"{TOTALS}/ram:TaxBasisTotalAmount") == net
    assert doc.one(f"{TOTALS}/ram:TaxTotalAmount") == tax
    assert doc.attr(f"{TOTALS}/ram:TaxTotalAmount", "currencyID") == invoice.currency
    assert doc.one(f"{TOTALS}/ram:GrandTotalAmount") == gross
    assert doc.one(f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:BasisAmount") == net
    assert doc.one(f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:CalculatedAmount") == tax
    # The one line: the milestone, quantity 1 of "one" (C62), priced at the net amount.
    line = "//ram:IncludedSupplyChainTradeLineItem"
    assert (
        doc.one(f"{line}/ram:SpecifiedTradeProduct/ram:Name") == (invoice.description["milestone"])
    )
    assert invoice.description["scope"] in doc.one(
        f"{line}/ram:SpecifiedTradeProduct/ram:Description"
    )
    assert doc.one(f"{line}//ram:BilledQuantity") == "1"
    assert doc.attr(f"{line}//ram:BilledQuantity", "unitCode") == "C62"
    assert doc.one(f"{line}//ram:NetPriceProductTradePrice/ram:ChargeAmount") == net
    assert doc.one(f"{line}//ram:SpecifiedTradeSettlementLineMonetarySummation/*") == net


# --- an ordinary invoice -----------------------------------------------------------------------


def test_invoice_issued_on_approval_is_valid_and_matches_the_row(setup):
    invoice = setup.invoiced()
    assert invoice.kind == InvoiceKind.INVOICE
    assert invoice.gross == Decimal("2380.00")  # 20 % of 10000.00 at 19 % VAT

    doc = xml_of(invoice)

    assert_matches(doc, invoice)
    assert doc.one("//rsm:ExchangedDocument/ram:TypeCode") == "380"
    assert invoice.seller["vat_id"] == SELLER_VAT and invoice.buyer["vat_id"] == BUYER_VAT
    assert doc.one(f"{TOTALS}/ram:DuePayableAmount") == "2380.00"
    assert not doc.has(f"{TOTALS}/ram:TotalPrepaidAmount")
    tax = f"{SETTLEMENT}/ram:ApplicableTradeTax"
    assert doc.one(f"{tax}/ram:CategoryCode") == "S"
    assert doc.one(f"{tax}/ram:RateApplicablePercent") == "19.00"
    assert not doc.has(f"{tax}/ram:ExemptionReason")
    # Paid by SEPA transfer to the seller's account, the invoice number as the reference.
    means = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"
    assert doc.one(f"{means}/ram:TypeCode") == "58"
    assert doc.one(f"{means}//ram:IBANID") == IBAN
    assert doc.one(f"{means}//ram:BICID") == BIC
    assert doc.one(f"{SETTLEMENT}/ram:PaymentReference") == invoice.number
    assert doc.one(f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:Description") == (
        invoice.payment_terms
    )
    # The seller's address is split into postal fields; the country line is left to CountryID.
    address = f"{SELLER}/ram:PostalTradeAddress"
    assert doc.one(f"{address}/ram:LineOne") == "Torstraße 19"
    assert doc.one(f"{address}/ram:PostcodeCode") == "10119"
    assert doc.one(f"{address}/ram:CityName") == "Berlin"
    # Approved milestones carry the day the work was accepted as the delivery date.
    assert doc.one("//ram:ActualDeliverySupplyChainEvent//udt:DateTimeString") == (
        invoice.milestone.approved_at.strftime("%Y%m%d")
    )
    assert not doc.has("//ram:InvoiceReferencedDocument")
    assert problems(invoice) == []


def test_the_xml_is_the_same_every_time(setup):
    invoice = setup.invoiced()
    assert cii_xml(invoice) == cii_xml(reload(invoice))


def test_a_partly_paid_invoice_shows_the_paid_amount_and_what_is_still_due(setup):
    invoice = setup.invoiced()
    billing.payment_record(
        invoice=invoice,
        amount="1000.00",
        date=invoice.issue_date,
        method="bank_transfer",
        actor=fresh(setup.world.owner),
    )
    invoice = reload(invoice)

    doc = xml_of(invoice)

    assert doc.one(f"{TOTALS}/ram:TotalPrepaidAmount") == "1000.00"
    assert doc.one(f"{TOTALS}/ram:DuePayableAmount") == "1380.00" == str(invoice.outstanding)


# --- reverse charge ----------------------------------------------------------------------------


def test_reverse_charge_invoice_uses_category_ae_with_the_exemption_reason(setup):
    setup.client.reverse_charge = True
    setup.client.save()
    invoice = setup.invoiced()
    assert invoice.reverse_charge and invoice.tax == 0 and invoice.gross == invoice.net

    doc = xml_of(invoice)

    assert_matches(doc, invoice)
    for tax in (f"{SETTLEMENT}/ram:ApplicableTradeTax", "//ram:SpecifiedLineTradeSettlement/*[1]"):
        assert doc.one(f"{tax}/ram:CategoryCode") == "AE"
        assert doc.one(f"{tax}/ram:RateApplicablePercent") == "0"
    header_tax = f"{SETTLEMENT}/ram:ApplicableTradeTax"
    assert doc.one(f"{header_tax}/ram:ExemptionReason") == invoice.tax_note == REVERSE_CHARGE_NOTE
    assert doc.one(f"{header_tax}/ram:ExemptionReasonCode") == "VATEX-EU-AE"
    assert doc.one(f"{TOTALS}/ram:TaxTotalAmount") == "0.00"
    assert doc.one(f"{TOTALS}/ram:GrandTotalAmount") == "2000.00"
    assert doc.one(f"{TOTALS}/ram:DuePayableAmount") == "2000.00"
    assert problems(invoice) == []


def test_reverse_charge_without_the_buyers_vat_id_is_reported(setup):
    setup.client.reverse_charge = True
    setup.client.vat_id = ""
    setup.client.save()
    invoice = setup.invoiced()

    xml_of(invoice)  # still valid against the schema …

    assert problems(invoice) == [
        "BR-AE-02: Reverse charge needs the buyer's VAT id, which is missing."
    ]


def test_a_zero_rate_without_reverse_charge_is_exempt_with_a_reason(setup):
    setup.client.tax_rate = Decimal(0)
    setup.client.save()
    invoice = setup.invoiced()

    doc = xml_of(invoice)

    tax = f"{SETTLEMENT}/ram:ApplicableTradeTax"
    assert doc.one(f"{tax}/ram:CategoryCode") == "E"
    assert doc.one(f"{tax}/ram:RateApplicablePercent") == "0"
    assert doc.one(f"{tax}/ram:ExemptionReason")


# --- credit notes ------------------------------------------------------------------------------


def test_credit_note_is_type_381_and_references_the_cancelled_invoice(setup):
    invoice = setup.invoiced()
    note = setup.void(invoice, reason="Scope moved to milestone 2.")
    assert note.kind == InvoiceKind.CREDIT_NOTE and note.credit_note_for_id == invoice.pk

    doc = xml_of(note)

    assert_matches(doc, note)
    assert doc.one("//rsm:ExchangedDocument/ram:TypeCode") == "381"
    assert doc.one(f"{SETTLEMENT}/ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == (
        invoice.number
    )
    assert doc.one(f"{SETTLEMENT}/ram:InvoiceReferencedDocument//qdt:DateTimeString") == (
        invoice.issue_date.strftime("%Y%m%d")
    )
    # The amount credited to the buyer, set off against the cancelled invoice: nothing to pay,
    # so no payment means, no remittance reference.
    assert doc.one(f"{TOTALS}/ram:DuePayableAmount") == str(note.amount("gross"))
    assert not doc.has(f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans")
    assert not doc.has(f"{SETTLEMENT}/ram:PaymentReference")
    notes = doc.all("//rsm:ExchangedDocument/ram:IncludedNote/ram:Content")
    assert any(invoice.number in text for text in notes)
    assert any("Scope moved to milestone 2." in text for text in notes)


def test_credit_note_for_a_reverse_charge_invoice_is_valid(setup):
    setup.client.reverse_charge = True
    setup.client.save()
    note = setup.void(setup.invoiced())

    doc = xml_of(note)

    assert doc.one("//rsm:ExchangedDocument/ram:TypeCode") == "381"
    assert doc.one(f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:CategoryCode") == "AE"


# --- currencies and payment means --------------------------------------------------------------


def test_jpy_amounts_have_no_decimals(setup):
    invoice = setup.invoiced(currency="JPY", total_budget="1000000")
    assert invoice.amount("net") == Decimal(200000)

    doc = xml_of(invoice)

    assert_matches(doc, invoice)
    for name in ("LineTotalAmount", "TaxTotalAmount", "GrandTotalAmount", "DuePayableAmount"):
        assert "." not in doc.one(f"{TOTALS}/ram:{name}"), name
    assert doc.one(f"{TOTALS}/ram:GrandTotalAmount") == "238000"
    # SEPA is for euros: a yen invoice asks for an ordinary credit transfer to the same IBAN.
    assert doc.one(f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == "30"


def test_without_an_iban_the_payment_means_is_not_defined(setup):
    setup.organisation.iban = ""
    setup.organisation.bic = ""
    setup.organisation.save()
    invoice = setup.invoiced()

    doc = xml_of(invoice)

    means = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"
    assert doc.one(f"{means}/ram:TypeCode") == "1"
    assert not doc.has(f"{means}/ram:PayeePartyCreditorFinancialAccount")


def test_missing_seller_vat_id_is_reported_but_the_xml_stays_schema_valid(setup):
    setup.organisation.vat_id = ""
    setup.organisation.save()
    invoice = setup.invoiced()

    doc = xml_of(invoice)

    assert not doc.has(f"{SELLER}/ram:SpecifiedTaxRegistration")
    assert problems(invoice) == ["BR-S-02, BR-CO-26: The seller's VAT id is missing."]


def test_a_buyer_without_a_country_gets_it_from_the_vat_id(setup):
    setup.client.country = ""
    setup.client.save()
    invoice = setup.invoiced()

    doc = xml_of(invoice)

    assert doc.one(f"{BUYER}/ram:PostalTradeAddress/ram:CountryID") == "IE"
    assert problems(invoice) == []


def test_schema_errors_raise_einvoice_error():
    with pytest.raises(EInvoiceError, match="not valid against the official XML Schema"):
        validate(b"<rsm:CrossIndustryInvoice xmlns:rsm='" + NS["rsm"].encode() + b"'/>")


# --- the EN 16931 business rules (Schematron), when an XSLT 2 processor is installed -----------


def test_business_rules_pass_the_official_schematron(setup, tmp_path):
    """Invoice, reverse charge, credit note and JPY: no failed assertion of the EN 16931 rules.

    ``make test`` installs Java and Saxon-HE; without them the test fails rather than skips.
    """
    documents = {"invoice": setup.invoiced()}
    documents["credit-note"] = setup.void(setup.invoiced(name="Voided"))
    documents["jpy"] = setup.invoiced(name="Yen", currency="JPY", total_budget="1000000")
    setup.client.reverse_charge = True
    setup.client.save()
    documents["reverse-charge"] = setup.invoiced(name="Reverse charge")

    failed = failed_rules({name: cii_xml(inv) for name, inv in documents.items()}, tmp_path)

    assert failed == {name: [] for name in documents}
