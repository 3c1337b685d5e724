"""The invoice as UN/CEFACT CII D16B XML, Factur-X profile EN 16931, checked against the schema."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import override
from lxml import etree

from milepost.core.identifiers import compact_bic, compact_iban, compact_vat_id

from ..models import Invoice, InvoiceKind
from .terms import (
    correction_terms,
    delivery_date,
    due_amount,
    party_country,
    postal_address,
    preceding_invoice,
    vat_category,
)

GUIDELINE = "urn:cen.eu:en16931:2017"
RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "qdt": QDT, "udt": UDT}

TYPE_INVOICE = "380"
TYPE_CREDIT_NOTE = "381"
UNIT_ONE = "C62"  # UN/ECE Rec 20: "one" (a piece of work)
MEANS_SEPA_TRANSFER = "58"
MEANS_CREDIT_TRANSFER = "30"
MEANS_NOT_DEFINED = "1"

# factur-x logs every successful schema check at INFO: only problems unless LOGGING says otherwise.
if logging.getLogger("factur-x").level == logging.NOTSET:
    logging.getLogger("factur-x").setLevel(logging.WARNING)


class EInvoiceError(ValueError):
    """The invoice could not be expressed as a valid EN 16931 CII document."""


# --- small pure helpers ------------------------------------------------------------------------


def _amount(value: Decimal) -> str:
    """A plain decimal string (never an exponent): ``10000.00``, ``1500`` for JPY."""
    return format(value, "f")


def _date(day) -> str:
    return day.strftime("%Y%m%d")


def _description(invoice: Invoice) -> str:
    description = invoice.description or {}
    if description.get("change_order"):  # the line is the change order's: name its milestone
        return _("Milestone %(position)s: %(title)s") % {
            "position": description.get("position", ""),
            "title": description.get("milestone", ""),
        }
    parts = [str(description.get("scope") or "").strip()]
    deliverables = [str(d).strip() for d in description.get("deliverables") or [] if str(d)]
    if deliverables:
        parts.append(_("Deliverables: %(items)s") % {"items": "; ".join(deliverables)})
    return "\n\n".join(part for part in parts if part)


# --- the document ------------------------------------------------------------------------------


class _Builder:
    """Appends namespaced elements in the order the schema wants them."""

    @staticmethod
    def sub(parent, tag: str, text: str | None = None, **attrs) -> etree._Element:
        prefix, name = tag.split(":")
        element = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}", **attrs)
        if text is not None:
            element.text = text
        return element

    def date_time(self, parent, tag: str, day, qualified: bool = False) -> None:
        holder = self.sub(parent, tag)
        self.sub(holder, "qdt:DateTimeString" if qualified else "udt:DateTimeString", _date(day))
        holder[0].set("format", "102")


def _party(b: _Builder, parent, tag: str, party: dict, *, email: str = "") -> None:
    node = b.sub(parent, tag)
    b.sub(node, "ram:Name", party.get("name") or "")
    if email:
        contact = b.sub(node, "ram:DefinedTradeContact")
        uri = b.sub(contact, "ram:EmailURIUniversalCommunication")
        b.sub(uri, "ram:URIID", email)
    country = party_country(party)
    if country:
        address = b.sub(node, "ram:PostalTradeAddress")
        fields = postal_address(party)
        for key, name in (
            ("postcode", "PostcodeCode"),
            ("line_one", "LineOne"),
            ("line_two", "LineTwo"),
            ("line_three", "LineThree"),
            ("city", "CityName"),
        ):
            if fields.get(key):
                b.sub(address, f"ram:{name}", fields[key])
        b.sub(address, "ram:CountryID", country)
    vat_id = compact_vat_id(party.get("vat_id", ""))
    if vat_id:
        registration = b.sub(node, "ram:SpecifiedTaxRegistration")
        b.sub(registration, "ram:ID", vat_id, schemeID="VA")


def _line(b: _Builder, parent, invoice: Invoice, category: str, rate: str) -> None:
    description = invoice.description or {}
    item = b.sub(parent, "ram:IncludedSupplyChainTradeLineItem")
    b.sub(b.sub(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", "1")
    product = b.sub(item, "ram:SpecifiedTradeProduct")
    name = description.get("line") or description.get("milestone") or invoice.number
    b.sub(product, "ram:Name", str(name))
    text = _description(invoice)
    if text:
        b.sub(product, "ram:Description", text)
    agreement = b.sub(item, "ram:SpecifiedLineTradeAgreement")
    price = b.sub(agreement, "ram:NetPriceProductTradePrice")
    b.sub(price, "ram:ChargeAmount", _amount(invoice.amount("net")))
    delivery = b.sub(item, "ram:SpecifiedLineTradeDelivery")
    b.sub(delivery, "ram:BilledQuantity", "1", unitCode=UNIT_ONE)
    settlement = b.sub(item, "ram:SpecifiedLineTradeSettlement")
    tax = b.sub(settlement, "ram:ApplicableTradeTax")
    b.sub(tax, "ram:TypeCode", "VAT")
    b.sub(tax, "ram:CategoryCode", category)
    b.sub(tax, "ram:RateApplicablePercent", rate)
    summation = b.sub(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    b.sub(summation, "ram:LineTotalAmount", _amount(invoice.amount("net")))


def _payment_means(b: _Builder, parent, invoice: Invoice) -> None:
    seller = invoice.seller or {}
    iban = compact_iban(seller.get("iban", ""))
    means = b.sub(parent, "ram:SpecifiedTradeSettlementPaymentMeans")
    if not iban:
        b.sub(means, "ram:TypeCode", MEANS_NOT_DEFINED)
        return
    sepa = invoice.currency == "EUR"
    b.sub(means, "ram:TypeCode", MEANS_SEPA_TRANSFER if sepa else MEANS_CREDIT_TRANSFER)
    account = b.sub(means, "ram:PayeePartyCreditorFinancialAccount")
    b.sub(account, "ram:IBANID", iban)
    if seller.get("account_holder"):
        b.sub(account, "ram:AccountName", seller["account_holder"])
    bic = compact_bic(seller.get("bic", ""))
    if bic:
        institution = b.sub(means, "ram:PayeeSpecifiedCreditorFinancialInstitution")
        b.sub(institution, "ram:BICID", bic)


def build(invoice: Invoice) -> etree._Element:
    """The CII document as an lxml tree, not yet checked against the schema."""
    b = _Builder()
    credit_note = invoice.kind == InvoiceKind.CREDIT_NOTE
    category, reason, reason_code = vat_category(invoice)
    rate = _amount(Decimal(0) if category in ("AE", "E") else Decimal(invoice.tax_rate))
    currency = invoice.currency
    description = invoice.description or {}

    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = b.sub(root, "rsm:ExchangedDocumentContext")
    b.sub(b.sub(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", GUIDELINE)

    document = b.sub(root, "rsm:ExchangedDocument")
    b.sub(document, "ram:ID", invoice.number)
    b.sub(document, "ram:TypeCode", TYPE_CREDIT_NOTE if credit_note else TYPE_INVOICE)
    b.date_time(document, "ram:IssueDateTime", invoice.issue_date)
    notes = [
        _("%(project)s, milestone %(position)s: %(title)s")
        % {
            "project": description.get("project", ""),
            "position": description.get("position", ""),
            "title": description.get("milestone", ""),
        }
    ]
    if credit_note and invoice.corrects_id:
        notes.append(
            _("Credit note correcting invoice %(number)s: %(line)s.")
            % {"number": description.get("corrects", ""), "line": description.get("line", "")}
        )
    elif credit_note:
        cancels = description.get("cancels") or getattr(invoice.credit_note_for, "number", "")
        notes.append(_("Credit note cancelling invoice %(number)s.") % {"number": cancels})
        if description.get("reason"):
            notes.append(_("Reason: %(reason)s") % {"reason": description["reason"]})
    for text in notes:
        b.sub(b.sub(document, "ram:IncludedNote"), "ram:Content", text)

    transaction = b.sub(root, "rsm:SupplyChainTradeTransaction")
    _line(b, transaction, invoice, category, rate)

    agreement = b.sub(transaction, "ram:ApplicableHeaderTradeAgreement")
    seller = invoice.seller or {}
    _party(b, agreement, "ram:SellerTradeParty", seller, email=seller.get("email", ""))
    _party(b, agreement, "ram:BuyerTradeParty", invoice.buyer or {})

    delivery = b.sub(transaction, "ram:ApplicableHeaderTradeDelivery")
    delivered = delivery_date(invoice)
    if delivered:
        event = b.sub(delivery, "ram:ActualDeliverySupplyChainEvent")
        b.date_time(event, "ram:OccurrenceDateTime", delivered)

    settlement = b.sub(transaction, "ram:ApplicableHeaderTradeSettlement")
    if not credit_note:
        b.sub(settlement, "ram:PaymentReference", invoice.number)
    b.sub(settlement, "ram:InvoiceCurrencyCode", currency)
    if not credit_note:
        _payment_means(b, settlement, invoice)

    tax = b.sub(settlement, "ram:ApplicableTradeTax")
    b.sub(tax, "ram:CalculatedAmount", _amount(invoice.amount("tax")))
    b.sub(tax, "ram:TypeCode", "VAT")
    if reason:
        b.sub(tax, "ram:ExemptionReason", reason)
    b.sub(tax, "ram:BasisAmount", _amount(invoice.amount("net")))
    b.sub(tax, "ram:CategoryCode", category)
    if reason_code:
        b.sub(tax, "ram:ExemptionReasonCode", reason_code)
    b.sub(tax, "ram:RateApplicablePercent", rate)

    terms = b.sub(settlement, "ram:SpecifiedTradePaymentTerms")
    if credit_note and invoice.corrects_id:
        terms_text = correction_terms(invoice)
    elif credit_note:
        terms_text = _("Settles invoice %(number)s in full: nothing to pay.") % {
            "number": description.get("cancels") or getattr(invoice.credit_note_for, "number", "")
        }
    else:
        terms_text = invoice.payment_terms
    if terms_text:
        b.sub(terms, "ram:Description", terms_text)
    b.date_time(terms, "ram:DueDateDateTime", invoice.due_date)

    totals = b.sub(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    b.sub(totals, "ram:LineTotalAmount", _amount(invoice.amount("net")))
    b.sub(totals, "ram:TaxBasisTotalAmount", _amount(invoice.amount("net")))
    b.sub(totals, "ram:TaxTotalAmount", _amount(invoice.amount("tax")), currencyID=currency)
    b.sub(totals, "ram:GrandTotalAmount", _amount(invoice.amount("gross")))
    if not credit_note and invoice.paid:
        b.sub(totals, "ram:TotalPrepaidAmount", _amount(invoice.amount("paid")))
    b.sub(totals, "ram:DuePayableAmount", _amount(due_amount(invoice)))

    original = preceding_invoice(invoice)
    if original is not None:
        referenced = b.sub(settlement, "ram:InvoiceReferencedDocument")
        b.sub(referenced, "ram:IssuerAssignedID", original.number)
        b.date_time(referenced, "ram:FormattedIssueDateTime", original.issue_date, qualified=True)
    return root


def validate(xml: bytes | etree._Element) -> None:
    """Check against the official Factur-X EN 16931 schema; raise :class:`EInvoiceError`."""
    import facturx

    try:
        facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    except Exception as error:  # facturx raises a bare Exception with the schema's message
        raise EInvoiceError(str(error)) from error


def cii_xml(invoice: Invoice) -> bytes:
    """The invoice (or credit note) as Factur-X EN 16931 CII XML, valid against the schema."""
    with override(invoice.language or "en"):
        root = build(invoice)
    validate(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
