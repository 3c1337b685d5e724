"""The invoice as a machine-readable e-invoice: UN/CEFACT CII D16B, Factur-X profile EN 16931.

``cii_xml(invoice)`` builds the XML from the invoice's own snapshots (seller, buyer, description)
and amounts, never from the live organisation or client, so the same invoice always gives the same
document. It is checked against the official Factur-X EN 16931 schema before it is returned.

How an :class:`~milepost.billing.models.Invoice` maps to EN 16931 business terms:

============================  =================================================================
BT-1 number, BT-2 issue date  ``number``, ``issue_date`` (format 102, ``YYYYMMDD``)
BT-3 type                     380 for invoices, 381 for credit notes
BT-5 currency                 ``currency``; every amount has exactly the currency's decimals
BT-9 due date, BT-20 terms    ``due_date``, ``payment_terms`` (a fixed sentence for credit notes)
BT-22 note                    project and milestone; for a credit note what it cancels and why
BT-25/26 preceding invoice    credit notes: the cancelled invoice's number and issue date
BT-72 delivery date           the milestone's approval date, for invoices issued on approval
BG-4 seller / BG-7 buyer      the ``seller`` / ``buyer`` snapshots: name, address, country,
                              VAT id (``schemeID="VA"``); the seller's billing email as contact
BG-16 payment instructions    invoices only: 58 SEPA transfer with the seller's IBAN/BIC for EUR,
                              30 credit transfer for other currencies, 1 (not defined) without an
                              IBAN; BT-83 remittance information is the invoice number
BG-23 VAT breakdown           S with ``tax_rate``; AE (reverse charge, rate 0, exemption reason
                              ``tax_note`` and code VATEX-EU-AE); E (exempt) when the rate is 0
                              without reverse charge, with ``tax_note`` or a default as reason
BG-25 the one line            quantity 1 C62, item name = milestone title, description = scope
                              and deliverables, net price = line total = ``net``
BG-22 totals                  BT-106 = BT-109 = ``net``, BT-110 = ``tax``, BT-112 = ``gross``;
                              invoices: BT-113 = ``paid`` (when > 0), BT-115 = gross - paid;
                              credit notes: BT-115 = gross, the amount credited to the buyer,
                              settled against the cancelled invoice (BT-25)
============================  =================================================================

The schema cannot check EN 16931's business rules (the Schematron does, which needs an XSLT 2
processor). :func:`party_problems` lists the rules the parties' data cannot satisfy, such as a
missing seller VAT id: :func:`invoice_problems` applies it to an issued invoice's snapshots, and
``billing.selectors.organisation_einvoice_problems`` / ``client_einvoice_problems`` to the
organisation and a client before any invoice exists, so people are warned before it matters.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from lxml import etree

from milepost.plans.models import BillingTrigger

from .models import Invoice, InvoiceKind
from .rules import REVERSE_CHARGE_NOTE

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
VATEX_REVERSE_CHARGE = "VATEX-EU-AE"
DEFAULT_EXEMPTION = "Exempt from VAT."

# factur-x logs every successful schema check at INFO: only problems unless LOGGING says otherwise.
if logging.getLogger("factur-x").level == logging.NOTSET:
    logging.getLogger("factur-x").setLevel(logging.WARNING)

# Languages in which a trailing country line of an address is recognised.
_COUNTRY_LOCALES = ("en", "de", "fr", "es", "it", "nl", "pl", "pt", "sv", "da")
# VAT ids start with the ISO 3166 country code, except Greece (EL) and Northern Ireland (XI).
_VAT_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}


class EInvoiceError(ValueError):
    """The invoice could not be expressed as a valid EN 16931 CII document."""


# --- small pure helpers ------------------------------------------------------------------------


def _amount(value: Decimal) -> str:
    """A plain decimal string (never an exponent): ``10000.00``, ``1500`` for JPY."""
    return format(value, "f")


def _date(day) -> str:
    return day.strftime("%Y%m%d")


def _compact(identifier: str) -> str:
    """``DE 123 456 789`` → ``DE123456789`` (VAT ids, IBANs and BICs without blanks)."""
    return re.sub(r"[\s.\-]", "", identifier or "").upper()


def _country(party: dict) -> str:
    """The party's ISO 3166-1 alpha-2 country, or the one its VAT id starts with."""
    country = (party.get("country") or "").strip().upper()
    if len(country) == 2 and country.isalpha():
        return country
    prefix = _compact(party.get("vat_id", ""))[:2]
    if len(prefix) == 2 and prefix.isalpha():
        return _VAT_PREFIX_COUNTRY.get(prefix, prefix)
    return ""


def _is_country_line(line: str, country: str) -> bool:
    """``Germany``, ``Deutschland``, ``DE``: a last line that only repeats the country."""
    if not country:
        return False
    text = line.strip().casefold()
    if text == country.casefold():
        return True
    names = {
        (Locale.parse(code).territories.get(country) or "").casefold() for code in _COUNTRY_LOCALES
    }
    return text in names


def split_address(address: str, country: str = "") -> dict[str, str]:
    """Split a free-text address into CII's postal fields.

    A last line naming ``country`` is dropped (CountryID carries it). The last line left is the
    city line: when its first word holds a digit it is the postcode (``10115 Berlin``; ``Dublin 2
    D02 X285`` stays whole as the city). Up to three lines before it are the street lines; more
    are joined into the third. One line with commas is split on the commas.
    """
    lines = [line.strip() for line in (address or "").splitlines() if line.strip()]
    if len(lines) == 1 and "," in lines[0]:
        lines = [part.strip() for part in lines[0].split(",") if part.strip()]
    if len(lines) > 1 and _is_country_line(lines[-1], country):
        lines.pop()
    result: dict[str, str] = {}
    if not lines:
        return result
    city_line = lines.pop() if len(lines) > 1 else ""
    if city_line:
        first, _sep, rest = city_line.partition(" ")
        if rest and any(ch.isdigit() for ch in first):
            result["postcode"] = first
            result["city"] = rest.strip()
        else:
            result["city"] = city_line
    street = lines[:2] + ([", ".join(lines[2:])] if len(lines) > 2 else [])
    for key, line in zip(("line_one", "line_two", "line_three"), street, strict=False):
        result[key] = line
    return result


def vat_category(invoice: Invoice) -> tuple[str, str, str]:
    """(UNCL 5305 category, exemption reason text, VATEX exemption reason code)."""
    category = tax_category(invoice.reverse_charge, invoice.tax_rate)
    if category == "AE":
        return "AE", invoice.tax_note or REVERSE_CHARGE_NOTE, VATEX_REVERSE_CHARGE
    if category == "S":
        return "S", "", ""
    return "E", invoice.tax_note or DEFAULT_EXEMPTION, ""


def due_amount(invoice: Invoice) -> Decimal:
    """BT-115: gross less what was paid for invoices; the full amount credited for notes."""
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        return invoice.amount("gross")
    return invoice.amount("gross") - invoice.amount("paid")


def delivery_date(invoice: Invoice):
    """The day the work was accepted, when the invoice (or the one a note cancels) says so."""
    source = invoice.credit_note_for if invoice.kind == InvoiceKind.CREDIT_NOTE else invoice
    if source is None or source.trigger != BillingTrigger.ON_APPROVAL:
        return None
    approved_at = source.milestone.approved_at
    return timezone.localdate(approved_at) if approved_at else None


def _description(invoice: Invoice) -> str:
    description = invoice.description or {}
    parts = [str(description.get("scope") or "").strip()]
    deliverables = [str(d).strip() for d in description.get("deliverables") or [] if str(d)]
    if deliverables:
        parts.append(_("Deliverables: %(items)s") % {"items": "; ".join(deliverables)})
    return "\n\n".join(part for part in parts if part)


@dataclass(frozen=True)
class Problem:
    """One EN 16931 rule the data cannot satisfy: which rules, whose data, which field, why."""

    rules: str  # "BR-S-02, BR-CO-26": for tests and logs, not for people
    party: str  # "seller", "buyer" or "invoice"
    field: str  # "address", "vat_id", "country", "amounts"
    message: str  # a sentence for people

    def __str__(self) -> str:
        return f"{self.rules}: {self.message}"

    @property
    def missing(self) -> str:
        """What is missing, as a short noun for a list: "a postal address"."""
        return str(_MISSING.get(self.field, self.message))


_MISSING = {
    "address": gettext_lazy("a postal address"),
    "vat_id": gettext_lazy("a VAT id"),
    "country": gettext_lazy("a country"),
}


def tax_category(reverse_charge: bool, rate: Decimal) -> str:
    """UNCL 5305: AE for reverse charge, S with a rate above 0, E (exempt) otherwise."""
    if reverse_charge:
        return "AE"
    return "S" if Decimal(rate) > 0 else "E"


def party_problems(seller: dict | None, buyer: dict | None, category: str) -> list[Problem]:
    """EN 16931 rules the parties' data breaks for an invoice of VAT ``category``.

    ``seller`` and ``buyer`` are invoice snapshots (``billing.services.seller_snapshot`` /
    ``buyer_snapshot``); a party given as None is not checked, so the organisation or a client
    can be checked alone before any invoice exists.
    """
    found: list[Problem] = []
    if seller is not None:
        if not (seller.get("address") or "").strip():
            found.append(
                Problem("BR-08", "seller", "address", _("The seller's postal address is missing."))
            )
        if not _country(seller):
            found.append(
                Problem("BR-09", "seller", "country", _("The seller's country is missing."))
            )
        if not _compact(seller.get("vat_id", "")):
            # BR-CO-26: without a VAT id (or another identifier) the buyer cannot tell who sold.
            found.append(
                Problem(
                    f"BR-{category}-02, BR-CO-26",
                    "seller",
                    "vat_id",
                    _("The seller's VAT id is missing."),
                )
            )
    if buyer is not None:
        if not (buyer.get("address") or "").strip():
            found.append(
                Problem("BR-10", "buyer", "address", _("The buyer's postal address is missing."))
            )
        if not _country(buyer):
            found.append(Problem("BR-11", "buyer", "country", _("The buyer's country is missing.")))
        if category == "AE" and not _compact(buyer.get("vat_id", "")):
            found.append(
                Problem(
                    "BR-AE-02",
                    "buyer",
                    "vat_id",
                    _("Reverse charge needs the buyer's VAT id, which is missing."),
                )
            )
    return found


def invoice_problems(invoice: Invoice) -> list[Problem]:
    """EN 16931 business rules this invoice's data breaks (the schema alone does not see them).

    An empty list means the data has everything the rules we can foresee ask for.
    """
    category, _reason, _code = vat_category(invoice)
    found = party_problems(invoice.seller or {}, invoice.buyer or {}, category)
    if invoice.amount("net").as_tuple().exponent < -2:
        found.append(
            Problem(
                "BR-DEC",
                "invoice",
                "amounts",
                _("EN 16931 amounts have at most 2 decimals (%(currency)s has more).")
                % {"currency": invoice.currency},
            )
        )
    return found


def problems(invoice: Invoice) -> list[str]:
    """:func:`invoice_problems` as ``"BR-…: message"`` lines, for logs and tests."""
    return [str(problem) for problem in invoice_problems(invoice)]


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
    country = _country(party)
    if country:
        address = b.sub(node, "ram:PostalTradeAddress")
        fields = split_address(party.get("address", ""), country)
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
    vat_id = _compact(party.get("vat_id", ""))
    if vat_id:
        registration = b.sub(node, "ram:SpecifiedTaxRegistration")
        b.sub(registration, "ram:ID", vat_id, schemeID="VA")


def _line(b: _Builder, parent, invoice: Invoice, category: str, rate: str) -> None:
    description = invoice.description or {}
    item = b.sub(parent, "ram:IncludedSupplyChainTradeLineItem")
    b.sub(b.sub(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", "1")
    product = b.sub(item, "ram:SpecifiedTradeProduct")
    b.sub(product, "ram:Name", str(description.get("milestone") or invoice.number))
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
    iban = _compact(seller.get("iban", ""))
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
    bic = _compact(seller.get("bic", ""))
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
    if credit_note:
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
    if credit_note:
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

    if credit_note and invoice.credit_note_for is not None:
        original = invoice.credit_note_for
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
