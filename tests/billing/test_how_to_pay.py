"""What an invoice's PDF tells the client about paying it: the seller's bank details as they were
at issue, what remains once part is paid, "Paid in full on …" once settled, nothing once void."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils.formats import date_format
from django.utils.translation import override

from milepost.billing.einvoice import cii_xml
from milepost.billing.pdf import invoice_html, invoice_pdf

from .conftest import reload
from .test_pdf import text_of

pytestmark = pytest.mark.django_db


def day(value: dt.date, language: str = "en") -> str:
    """A date as the invoice prints it in ``language`` (its DATE_FORMAT)."""
    with override(language):
        return date_format(value, "DATE_FORMAT")


def test_an_unpaid_invoice_asks_for_the_gross_by_transfer_to_the_sellers_account(setup):
    invoice = setup.invoiced()

    text = text_of(invoice_pdf(invoice))

    assert f"Please transfer €2,380.00 by {day(invoice.due_date)} to:" in text
    for expected in (
        "Account holder Northwind Studio GmbH",
        "IBAN DE89 3704 0044 0532 0130 00",
        "BIC COBADEFFXXX",
        f"Reference {invoice.number}",
    ):
        assert expected in text, expected
    assert "Paid in full" not in text and "remaining" not in text


def test_a_partly_paid_invoice_says_what_was_paid_and_what_remains(setup):
    invoice = setup.pay(setup.invoiced(), amount="1000.00")

    text = text_of(invoice_pdf(invoice))

    assert "€1,000.00 of €2,380.00 has been paid." in text
    assert "Please transfer the remaining €1,380.00 by" in text
    assert "IBAN DE89 3704 0044 0532 0130 00" in text
    assert "Please transfer €2,380.00" not in text and "Paid in full" not in text


def test_a_paid_invoice_says_paid_in_full_on_the_day_of_the_last_payment(setup):
    invoice = setup.invoiced()
    first_day = invoice.issue_date - dt.timedelta(days=3)
    invoice = setup.pay(invoice, amount="380.00", date=first_day)
    invoice = setup.pay(invoice, amount="2000.00", date=invoice.issue_date - dt.timedelta(days=1))
    assert invoice.status == "paid"

    text = text_of(invoice_pdf(invoice))

    last_day = invoice.issue_date - dt.timedelta(days=1)
    assert f"Paid in full on {day(last_day)}. Thank you." in text
    assert "Please" not in text  # neither "Please transfer" nor "Please pay €0.00"
    assert "€0.00 by" not in text
    assert "Account holder" not in text  # no bank table to pay into


def test_a_paid_invoice_in_german_says_so_dated_in_german(setup):
    setup.client.language = "de"
    setup.client.save()
    invoice = setup.pay(setup.invoiced())

    html = invoice_html(invoice)

    assert f"Paid in full on {day(invoice.issue_date, 'de')}." in html  # "2. Dezember 2026"


def test_a_void_invoice_names_its_credit_note_and_asks_for_nothing(setup):
    invoice = setup.invoiced()
    note = setup.void(invoice)

    text = text_of(invoice_pdf(reload(invoice)))

    assert f"Cancelled by credit note {note.number}. There is nothing to pay." in text
    assert "Please" not in text


def test_without_an_iban_the_invoice_asks_to_quote_the_number_and_for_what_remains(setup):
    setup.organisation.iban = ""
    setup.organisation.bic = ""
    setup.organisation.save()
    invoice = setup.invoiced()

    assert "Please pay €2,380.00 by" in text_of(invoice_pdf(invoice))
    partly = setup.pay(invoice, amount="380.00")
    text = text_of(invoice_pdf(partly))
    assert "Please pay the remaining €2,000.00 by" in text and "IBAN" not in text


def test_an_issued_invoice_keeps_the_bank_details_it_was_issued_with(setup, api_as):
    invoice = setup.invoiced()
    response = api_as(setup.world.owner).patch(
        f"/api/v1/organisations/{setup.organisation.pk}/",
        {"iban": "GB82 WEST 1234 5698 7654 32", "bic": "NWBKGB2L", "bank_account_holder": "Else"},
        format="json",
    )
    assert response.status_code == 200

    invoice = reload(invoice)
    text = text_of(invoice_pdf(invoice))

    assert invoice.seller["iban"] == "DE89370400440532013000"
    assert "IBAN DE89 3704 0044 0532 0130 00" in text and "COBADEFFXXX" in text
    assert "GB82" not in text and "NWBKGB2L" not in text and "Else" not in text
    assert "GB82" not in cii_xml(invoice).decode()  # nor the e-invoice inside it
