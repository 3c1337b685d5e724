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
BT-22 note                    project and milestone; for a credit note what it cancels and why,
                              or which invoice it corrects for which change order
BT-25/26 preceding invoice    credit notes: the cancelled (``credit_note_for``) or corrected
                              (``corrects``) invoice's number and issue date
BT-72 delivery date           the milestone's approval date, for invoices issued on approval and
                              change orders' invoices issued after it (and their credit notes)
BG-4 seller / BG-7 buyer      the ``seller`` / ``buyer`` snapshots: name; street (its lines as
                              LineOne to LineThree), postcode, city, country; VAT id
                              (``schemeID="VA"``); the seller's billing email as contact
BG-16 payment instructions    invoices only: 58 SEPA transfer with the seller's IBAN/BIC for EUR,
                              30 credit transfer for other currencies, 1 (not defined) without an
                              IBAN; BT-83 remittance information is the invoice number
BG-23 VAT breakdown           S with ``tax_rate``; AE (reverse charge, rate 0, exemption reason
                              ``tax_note`` and code VATEX-EU-AE); E (exempt) when the rate is 0
                              without reverse charge, with ``tax_note`` or a default as reason
BG-25 the one line            quantity 1 C62, item name = milestone title, description = scope
                              and deliverables, net price = line total = ``net``; a change order's
                              document: name "Change order CO-2: title", description the milestone
BG-22 totals                  BT-106 = BT-109 = ``net``, BT-110 = ``tax``, BT-112 = ``gross``;
                              invoices: BT-113 = ``paid`` (when > 0), BT-115 = gross - paid;
                              credit notes: BT-115 = gross, the amount credited to the buyer,
                              settled against the cancelled or corrected invoice (BT-25); BT-20
                              of a correction says how much less is due and how much is refunded.
                              A corrected invoice's own XML keeps BT-115 = gross - paid: what the
                              credit notes took off (``credited``) is theirs to say
============================  =================================================================

The package: ``terms`` (the EN 16931 meaning of an invoice's data: VAT category, amount due,
delivery date, the parties' country, postal address and identifiers), ``readiness`` (the business
rules the data cannot satisfy) and ``cii`` (the XML).

The schema cannot check EN 16931's business rules (the Schematron does, which needs an XSLT 2
processor). :func:`party_problems` lists the rules the parties' data cannot satisfy, such as a
missing seller VAT id: :func:`invoice_problems` applies it to an issued invoice's snapshots, and
``billing.selectors.organisation_einvoice_problems`` / ``client_einvoice_problems`` to the
organisation and a client before any invoice exists, so people are warned before it matters.
"""

from .cii import GUIDELINE, EInvoiceError, build, cii_xml, validate
from .readiness import Problem, invoice_problems, party_problems, payment_problems, problems
from .terms import delivery_date, due_amount, tax_category, vat_category

__all__ = [
    "GUIDELINE",
    "EInvoiceError",
    "Problem",
    "build",
    "cii_xml",
    "delivery_date",
    "due_amount",
    "invoice_problems",
    "party_problems",
    "payment_problems",
    "problems",
    "tax_category",
    "validate",
    "vat_category",
]
