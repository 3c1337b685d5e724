"""What an invoice's data means in EN 16931 terms: VAT category, amount due, delivery date, the
parties' country and postal address. Pure functions over the invoice and its snapshots."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from milepost.core.identifiers import compact_vat_id
from milepost.plans.models import BillingTrigger

from ..models import CHANGE_ORDER, Invoice, InvoiceKind
from ..rules import REVERSE_CHARGE_NOTE

VATEX_REVERSE_CHARGE = "VATEX-EU-AE"
DEFAULT_EXEMPTION = "Exempt from VAT."

# VAT ids start with the ISO 3166 country code, except Greece (EL) and Northern Ireland (XI).
_VAT_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}


def party_country(party: dict) -> str:
    """The party's ISO 3166-1 alpha-2 country, or the one its VAT id starts with."""
    country = (party.get("country") or "").strip().upper()
    if len(country) == 2 and country.isalpha():
        return country
    prefix = compact_vat_id(party.get("vat_id", ""))[:2]
    if len(prefix) == 2 and prefix.isalpha():
        return _VAT_PREFIX_COUNTRY.get(prefix, prefix)
    return ""


def postal_address(party: dict) -> dict[str, str]:
    """The snapshot's ``street``, ``postcode`` and ``city`` as CII's postal fields.

    The street's first two lines are LineOne and LineTwo; any more are joined into LineThree.
    """
    lines = [line.strip() for line in str(party.get("street") or "").splitlines() if line.strip()]
    street = lines[:2] + ([", ".join(lines[2:])] if len(lines) > 2 else [])
    fields = dict(zip(("line_one", "line_two", "line_three"), street, strict=False))
    for key in ("postcode", "city"):
        if str(party.get(key) or "").strip():
            fields[key] = str(party[key]).strip()
    return fields


def tax_category(reverse_charge: bool, rate: Decimal) -> str:
    """UNCL 5305: AE for reverse charge, S with a rate above 0, E (exempt) otherwise."""
    if reverse_charge:
        return "AE"
    return "S" if Decimal(rate) > 0 else "E"


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


def preceding_invoice(invoice: Invoice) -> Invoice | None:
    """BT-25: the invoice a credit note cancels or corrects (None for invoices)."""
    if invoice.kind != InvoiceKind.CREDIT_NOTE:
        return None
    if invoice.corrects_id:
        return invoice.corrects
    return invoice.credit_note_for


def correction_terms(invoice: Invoice) -> str:
    """What a credit note correcting part of an invoice settles, as it stood when issued."""
    description = invoice.description or {}
    number, currency = description.get("corrects", ""), invoice.currency
    applied = Decimal(description.get("applied") or 0)
    refund = Decimal(description.get("refund") or 0)
    parts = []
    if applied:
        parts.append(
            _("%(amount)s %(currency)s less is due on invoice %(number)s.")
            % {"amount": applied, "currency": currency, "number": number}
        )
    if refund:
        parts.append(
            _("%(amount)s %(currency)s already paid on invoice %(number)s is refunded.")
            % {"amount": refund, "currency": currency, "number": number}
        )
    return " ".join(parts) or _("Corrects invoice %(number)s.") % {"number": number}


def delivery_date(invoice: Invoice):
    """The day the work was accepted, when the invoice (or the one a note cancels or corrects)
    says so."""
    source = preceding_invoice(invoice) if invoice.kind == InvoiceKind.CREDIT_NOTE else invoice
    if source is None or source.trigger not in (BillingTrigger.ON_APPROVAL, CHANGE_ORDER):
        return None
    approved_at = source.milestone.approved_at
    if not approved_at:
        return None
    day = timezone.localdate(approved_at)
    # A change order's price on a milestone approved before it was invoiced: the work was
    # accepted that day. Approved later (a prepaid milestone), it was not yet when issued.
    return day if day <= source.issue_date else None
