"""What a person reads on the invoice and milestone pages (a walk after issue 11).

Identifiers are stored compact and printed grouped (decision D26): the invoice page prints the
IBAN as the PDF does. A milestone started with a prepayment says that it waits for that invoice,
instead of "Work on this milestone has started."
"""

from __future__ import annotations

import pytest
from django.test import Client

from milepost.plans.models import MilestoneStatus

from .conftest import fresh
from .test_invoices import on_start

pytestmark = pytest.mark.django_db


def test_the_invoice_page_prints_the_iban_grouped(money):
    invoice = money.approved(money.project(), 1)
    web = Client()
    web.force_login(fresh(money.world.owner))
    page = web.get(f"/invoices/{invoice.pk}/").content.decode()

    assert '<td class="iban">DE89 3704 0044 0532 0130 00</td>' in page
    assert "DE89370400440532013000" not in page


def test_a_milestone_started_with_a_prepayment_says_it_waits_for_the_invoice(money):
    project = money.project(prepare=on_start(1))
    milestone = money.m(project, 1)
    web = Client()
    web.force_login(fresh(money.world.member))
    response = web.post(f"/milestones/{milestone.pk}/start/", follow=True)

    assert money.m(project, 1).status == MilestoneStatus.AWAITING_PREPAYMENT
    page = response.content.decode()
    assert "Work on this milestone has started." not in page
    assert "Its prepayment invoice is issued: work begins when it is paid." in page
    assert "Waiting for the prepayment invoice to be paid." in page


def test_an_invoice_across_borders_names_each_party_s_country(money):
    """Addresses are fields since issue 11 and the country is its own: an invoice from Berlin to
    Dublin prints both countries, as the free-text address used to when people typed them."""
    from milepost.billing.pdf import invoice_html

    invoice = money.approved(money.project(), 1)
    web = Client()
    web.force_login(fresh(money.world.owner))
    page = web.get(f"/invoices/{invoice.pk}/").content.decode()
    printed = invoice_html(invoice)

    for text in (page, printed):
        assert "Dublin 2<br>Ireland" in text
        assert "Germany" in text


def test_a_domestic_invoice_prints_no_country(money):
    from milepost.billing.pdf import invoice_html

    money.world.client.country = "DE"
    money.world.client.save()
    invoice = money.approved(money.project(), 1)

    assert "Germany" not in invoice_html(invoice)
