"""What a person reads on the invoice and milestone pages (a walk after issue 11).

Identifiers are stored compact and printed grouped (decision D26): the invoice page prints the
IBAN as the PDF does.
"""

from __future__ import annotations

import pytest
from django.test import Client

from .conftest import fresh

pytestmark = pytest.mark.django_db


def test_the_invoice_page_prints_the_iban_grouped(money):
    invoice = money.approved(money.project(), 1)
    web = Client()
    web.force_login(fresh(money.world.owner))
    page = web.get(f"/invoices/{invoice.pk}/").content.decode()

    assert "IBAN DE89 3704 0044 0532 0130 00" in page
    assert "DE89370400440532013000" not in page
