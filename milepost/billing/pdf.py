"""Invoices as Factur-X PDFs: PDF/A-3b with the EN 16931 XML inside, laid out from
``billing/invoice.html`` by ``core.pdf``."""

from __future__ import annotations

from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import override

from milepost.core.identifiers import compact_bic, group_iban
from milepost.core.pdf import language_tag, write_pdf

from .einvoice import cii_xml, delivery_date, due_amount, vat_category
from .models import Invoice, InvoiceKind
from .selectors import credited_by, invoice_credited_by, paid_in_full_on


def invoice_html(invoice: Invoice) -> str:
    """The invoice's printable page in its own language (also handy to preview the layout)."""
    seller = invoice.seller or {}
    credit_note = invoice.kind == InvoiceKind.CREDIT_NOTE
    category, _reason, _code = vat_category(invoice)
    description = invoice.description or {}
    corrects = invoice.corrects if invoice.corrects_id else None
    credited = invoice.amount("credited")
    due = due_amount(invoice)
    context = {
        "invoice": invoice,
        "credit_note": credit_note,
        "seller": seller,
        "buyer": invoice.buyer or {},
        "description": description,
        "cancels": description.get("cancels") or getattr(invoice.credit_note_for, "number", ""),
        "net": invoice.amount("net"),
        "tax": invoice.amount("tax"),
        "gross": invoice.amount("gross"),
        "paid": invoice.amount("paid"),
        "due": due,
        # What is left to pay once credit notes took part of the invoice off (the XML's BT-115
        # stays gross less paid: the credit notes are documents of their own).
        "to_pay": invoice.outstanding if credited else due,
        "credited": credited,
        "credited_by": ", ".join(credited_by(invoice)) if credited else "",
        "corrects": corrects,
        "applied": _decimal(description.get("applied")) if corrects else None,
        "refund": _decimal(description.get("refund")) if corrects else None,
        "tax_rate": invoice.tax_rate,
        "vat_category": category,
        "iban": group_iban(seller.get("iban", "")),
        "bic": compact_bic(seller.get("bic")),
        "delivery_date": delivery_date(invoice),
        "paid_on": paid_in_full_on(invoice),
        "voided_by": None if credit_note else invoice_credited_by(invoice),
    }
    with override(language_tag(invoice.language)):
        return render_to_string("billing/invoice.html", context)


def _decimal(value) -> Decimal:
    return Decimal(str(value or 0))


def invoice_pdf(invoice: Invoice) -> bytes:
    """A Factur-X invoice: PDF/A-3b for people, with ``factur-x.xml`` (EN 16931) for machines."""
    import facturx

    xml = cii_xml(invoice)  # raises EInvoiceError when the XML is not valid against the schema
    pdf = write_pdf(invoice_html(invoice), pdf_variant="pdf/a-3b")
    seller_name = (invoice.seller or {}).get("name", "")
    with override(language_tag(invoice.language)):
        kind = _("Credit note") if invoice.kind == InvoiceKind.CREDIT_NOTE else _("Invoice")
        metadata = {
            "author": seller_name,
            "keywords": "Factur-X, EN 16931, " + str(kind),
            "title": f"{seller_name}: {kind} {invoice.number}",
            "subject": _("%(kind)s %(number)s of %(date)s issued by %(seller)s")
            % {
                "kind": kind,
                "number": invoice.number,
                "date": invoice.issue_date.isoformat(),
                "seller": seller_name,
            },
        }
    return facturx.generate_from_binary(
        pdf,
        xml,
        flavor="factur-x",
        level="en16931",
        check_xsd=True,
        pdf_metadata=metadata,
        lang=language_tag(invoice.language),
    )
