"""Issued invoices' seller and buyer snapshots get ``street``, ``postcode`` and ``city``.

The e-invoice now reads these fields instead of splitting the printed ``address`` every time; the
snapshots of invoices issued before are given them once, split with the same rules
(``accounts.0004_postal_address.postal_fields``), so each such invoice still exports the same
XML. The printed ``address`` stays as it was issued.
"""

import importlib

from django.db import migrations

accounts_0004 = importlib.import_module("milepost.accounts.migrations.0004_postal_address")
POSTAL = ("street", "postcode", "city")


def _with_fields(party):
    if not isinstance(party, dict) or all(key in party for key in POSTAL):
        return party
    fields = accounts_0004.postal_fields(
        party.get("address") or "",
        party.get("country") or "",
        party.get("vat_id") or "",
        limit=False,  # a JSON snapshot has no column to fit
    )
    return {**party, **fields}


def add_fields(apps, schema_editor):
    Invoice = apps.get_model("billing", "Invoice")
    for invoice in Invoice.objects.only("pk", "seller", "buyer").iterator():
        seller, buyer = _with_fields(invoice.seller), _with_fields(invoice.buyer)
        if (seller, buyer) != (invoice.seller, invoice.buyer):
            Invoice.objects.filter(pk=invoice.pk).update(seller=seller, buyer=buyer)


def drop_fields(apps, schema_editor):
    Invoice = apps.get_model("billing", "Invoice")
    for invoice in Invoice.objects.only("pk", "seller", "buyer").iterator():
        seller, buyer = (
            {k: v for k, v in (party or {}).items() if k not in POSTAL} if isinstance(party, dict)
            else party
            for party in (invoice.seller, invoice.buyer)
        )
        Invoice.objects.filter(pk=invoice.pk).update(seller=seller, buyer=buyer)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_postal_address"),
        ("billing", "0004_stripe_event_organisation_and_reason"),
    ]

    operations = [migrations.RunPython(add_fields, drop_fields)]
