"""The invoice page's Payment section: how to pay by transfer (the bank details the invoice was
issued with), what remains, "Paid in full on …" once settled, and "Pay … by card" for the
client's approvers only when card payments are set up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils.formats import date_format

from milepost.core import clock

from .conftest import fresh, reload_invoice

pytestmark = pytest.mark.django_db

STRIPE = {"STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"}


def section(money, invoice, who: str = "contact") -> str:
    web = Client()
    web.force_login(fresh(money.world.user(who)))
    response = web.get(f"/invoices/{invoice.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    start = page.index('id="how-to-pay"')
    return page[start : page.index("</section>", start)]


def test_the_client_sees_where_to_transfer_what_is_due(money):
    invoice = money.approved(money.project(), 1)

    text = section(money, invoice)

    assert "<strong>€2,380.00</strong> is due by" in text
    assert "Northwind Studio GmbH" in text  # the account holder defaults to the legal name
    assert '<td class="iban">DE89 3704 0044 0532 0130 00</td>' in text
    assert "<td>COBADEFFXXX</td>" in text
    assert f"<td>{invoice.number}</td>" in text
    assert "Paid in full" not in text


def test_a_partly_paid_invoice_says_what_remains(money):
    invoice = money.approved(money.project(), 1)
    money.pay(invoice, amount="380.00")

    text = section(money, reload_invoice(invoice))

    assert "€380.00 of €2,380.00 has been paid: <strong>€2,000.00</strong> remains" in text
    assert "<td>€2,000.00</td>" in text  # the amount to transfer


def test_a_paid_invoice_says_paid_in_full_on_the_day_and_offers_no_payment(money, settings):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = STRIPE.values()
    invoice = money.approved(money.project(), 1)
    yesterday = clock.today() - dt.timedelta(days=1)
    money.pay(invoice, date=yesterday)

    text = section(money, reload_invoice(invoice))

    assert f"Paid in full on {date_format(yesterday, 'DATE_FORMAT')}." in text
    assert "€0.00" not in text and "IBAN" not in text
    assert "by card" not in text


def test_a_void_invoice_names_its_credit_note(money):
    invoice = money.approved(money.project(), 1)
    note = money.void(invoice)

    text = section(money, reload_invoice(invoice), "owner")

    assert f"Cancelled by credit note {note.number}. There is nothing to pay." in text
    assert "IBAN" not in text


def test_without_bank_details_the_agency_is_told_and_the_client_asked_to_quote_the_number(money):
    money.organisation.iban = money.organisation.bic = ""
    money.organisation.save()
    invoice = money.approved(money.project(), 1)

    agency, client = section(money, invoice, "owner"), section(money, invoice)

    assert 'id="invoice-no-bank-details"' in agency and "Settings" in agency
    assert "void it with a credit note and issue it again" in agency  # unpaid: it can be redone
    assert 'id="invoice-no-bank-details"' not in client
    assert f"Quote {invoice.number} with your payment." in client and "IBAN" not in client


@pytest.mark.parametrize(("who", "offered"), [("contact", True), ("owner", False)])
def test_pay_by_card_names_the_amount_for_the_approver_when_card_payments_are_on(
    money, settings, who, offered
):
    invoice = money.approved(money.project(), 1)
    money.pay(invoice, amount="380.00")
    invoice = reload_invoice(invoice)
    assert "by card" not in section(money, invoice, who)  # off until the keys are set

    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = STRIPE.values()
    text = section(money, invoice, who)

    assert ("Pay €2,000.00 by card</button>" in text) is offered
    if offered:  # beside the transfer details, after them: one Payment section
        assert text.index("DE89 3704") < text.index(f"/invoices/{invoice.pk}/checkout/")


def test_the_api_says_when_an_invoice_was_paid_in_full(money, api_as):
    invoice = money.approved(money.project(), 1)
    api = api_as(fresh(money.world.contact))
    assert api.get(f"/api/v1/invoices/{invoice.pk}/").json()["paid_in_full_on"] is None

    yesterday = clock.today() - dt.timedelta(days=1)
    money.pay(invoice, amount="380.00", date=yesterday - dt.timedelta(days=1))
    assert api.get(f"/api/v1/invoices/{invoice.pk}/").json()["paid_in_full_on"] is None
    money.pay(invoice, date=yesterday)

    body = api.get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert body["paid_in_full_on"] == yesterday.isoformat()
    assert body["seller"]["iban"] == "DE89370400440532013000"  # the details it was issued with
