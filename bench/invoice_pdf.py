"""How long an invoice PDF (Factur-X: XML, schema check, WeasyPrint PDF/A-3b, embedding) takes.

    .venv/bin/python bench/invoice_pdf.py [--runs 20]

Prints the first (cold) render, which loads fonts and libraries once per process, and the
median, fastest and slowest of the warm renders that every later request pays. No database:
the invoice is an unsaved row with the snapshots a real one carries (a five-deliverable
milestone, bank details, a reverse-charge note). No assertion: the figure is for reading.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "milepost.settings")


def sample_invoice():
    from django.utils import timezone

    from milepost.billing.models import Invoice, InvoiceKind
    from milepost.billing.rules import REVERSE_CHARGE_NOTE
    from milepost.plans.models import Milestone

    invoice = Invoice(
        kind=InvoiceKind.INVOICE,
        trigger="on_approval",
        number="INV-2026-0042",
        year=2026,
        sequence=42,
        currency="EUR",
        net=Decimal("2500.00"),
        tax_rate=Decimal("0.00"),
        tax=Decimal("0.00"),
        gross=Decimal("2500.00"),
        reverse_charge=True,
        tax_note=REVERSE_CHARGE_NOTE,
        issue_date=dt.date(2026, 11, 25),
        due_date=dt.date(2026, 12, 9),
        seller={
            "name": "Northwind Studio GmbH",
            "address": "Torstraße 19\n10119 Berlin\nGermany",
            "vat_id": "DE123456789",
            "country": "DE",
            "iban": "DE89370400440532013000",
            "bic": "COBADEFFXXX",
            "account_holder": "Northwind Studio GmbH",
            "email": "billing@northwind.example",
        },
        buyer={
            "name": "Acme Shop Ltd",
            "address": "3 Grand Canal Square\nDublin 2 D02 X285",
            "vat_id": "IE6388047V",
            "country": "IE",
        },
        description={
            "project": "Acme webshop",
            "milestone": "Product import and admin panel",
            "position": 2,
            "scope": "Migrate or synchronise the product data, build the admin interface for "
            "products and the custom settings and filters the shop needs.",
            "deliverables": [
                "Product import",
                "Product admin",
                "Category and filter settings",
                "Stock synchronisation",
                "Admin documentation",
            ],
        },
        payment_terms="Payable within 14 days.",
        language="en",
    )
    invoice.milestone = Milestone(approved_at=timezone.now())  # unsaved: read for the date only
    return invoice


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="warm renders to time (default 20)")
    args = parser.parse_args()

    import django

    django.setup()
    from milepost.billing.pdf import invoice_pdf

    invoice = sample_invoice()
    started = time.perf_counter()
    pdf = invoice_pdf(invoice)
    cold = time.perf_counter() - started

    warm = []
    for _ in range(args.runs):
        started = time.perf_counter()
        invoice_pdf(invoice)
        warm.append(time.perf_counter() - started)

    print(f"invoice_pdf: {len(pdf):,} bytes")
    print(f"first render (cold process): {cold * 1000:.0f} ms")
    print(
        f"median of {args.runs} warm renders: {statistics.median(warm) * 1000:.0f} ms "
        f"(fastest {min(warm) * 1000:.0f} ms, slowest {max(warm) * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
