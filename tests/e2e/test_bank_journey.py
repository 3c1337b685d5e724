"""The agency adds its bank details in Settings (a mistyped IBAN is refused beside its field),
the dashboard's warning goes; the client opens the approved milestone's invoice and sees where to
transfer it; once paid, the page and the PDF say "Paid in full on …"."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.utils.formats import date_format
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from milepost.billing import services as billing
from milepost.billing.models import Invoice
from milepost.core import clock
from milepost.plans.models import Milestone
from milepost.reviews import services as reviews
from tests.factories import PASSWORD

from .helpers import active_project, forget_login_attempts, log_in

pytestmark = pytest.mark.e2e

IBAN_GROUPED = "DE89 3704 0044 0532 0130 00"
NOTICE = "Your invoices do not say where to pay."


@pytest.fixture(autouse=True)
def _login_limit_untouched():
    forget_login_attempts()
    yield
    forget_login_attempts()


@pytest.fixture
def in_review(transactional_db):
    """An active project of an agency without bank details; milestone 1 delivered for review."""
    owner, approver, milestones = active_project()
    first = milestones[0]
    reviews.milestone_start(milestone=first, actor=owner)
    reviews.milestone_deliver(
        milestone=Milestone.objects.get(pk=first.pk), actor=owner, notes="Ready on staging."
    )
    return owner, approver, Milestone.objects.get(pk=first.pk)


def test_bank_details_entered_in_settings_reach_the_clients_invoice_and_its_paid_pdf(
    page: Page, new_page, live_server, in_review, screenshot
):
    owner, approver, first = in_review
    base = live_server.url
    agency = page
    log_in(agency, base, owner.email, PASSWORD)

    # The dashboard warns that invoices cannot say where to pay, and links to Settings.
    warning = agency.locator("#bank-details-missing")
    expect(warning).to_contain_text(NOTICE)
    expect(warning).to_contain_text("an IBAN")
    warning.get_by_role("link", name=re.compile("Add the bank details")).click()
    organisation = agency.locator("section#organisation")
    expect(organisation.locator("#bank-details-missing")).to_be_visible()

    # A mistyped IBAN is refused beside its field; what was typed stays.
    organisation.get_by_label("Account holder").fill("Northwind Studio GmbH")
    organisation.get_by_label(re.compile(r"^IBAN")).fill("DE89 3704 0044 0532 0130 01")
    organisation.get_by_label(re.compile(r"^BIC")).fill("COBA DE FF XXX")
    organisation.get_by_role("button", name="Save organisation").click()
    iban = agency.locator("section#organisation").get_by_label(re.compile(r"^IBAN"))
    expect(iban).to_have_attribute("aria-invalid", "true")
    expect(agency.locator("section#organisation")).to_contain_text(
        "This IBAN is not valid (check digits)."
    )
    expect(agency.locator("section#organisation").get_by_label("Account holder")).to_have_value(
        "Northwind Studio GmbH"
    )
    iban.fill("DE89 3704 0044 0532 0130 00")
    agency.locator("section#organisation").get_by_role("button", name="Save organisation").click()
    expect(agency.get_by_role("status")).to_contain_text("saved")
    expect(agency.locator("#bank-details-missing")).to_have_count(0)
    agency.goto(f"{base}/")
    expect(agency.get_by_role("heading", level=1)).to_have_text("Northwind Studio")
    expect(agency.locator("#bank-details-missing")).to_have_count(0)

    # The client approves; the invoice takes the bank details as they are now.
    reviews.milestone_approve(milestone=first, actor=approver, accept_open_items=True)
    invoice = Invoice.objects.get(milestone=first)
    assert invoice.seller["iban"] == "DE89370400440532013000"

    client = new_page()
    log_in(client, base, approver.email, PASSWORD)
    client.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices").click()
    client.get_by_role("link", name=invoice.number).click()
    how_to_pay = client.locator("section#how-to-pay")
    expect(how_to_pay.get_by_role("row", name="IBAN")).to_contain_text(IBAN_GROUPED)
    expect(how_to_pay.get_by_role("row", name="BIC")).to_contain_text("COBADEFFXXX")
    expect(how_to_pay.get_by_role("row", name="Account holder")).to_contain_text(
        "Northwind Studio GmbH"
    )
    expect(how_to_pay.get_by_role("row", name="Reference")).to_contain_text(invoice.number)
    screenshot(client, "bank-invoice-to-pay")
    client.set_viewport_size({"width": 390, "height": 844})  # a phone: the details still fit
    assert how_to_pay.evaluate("s => s.scrollWidth <= s.clientWidth")
    client.set_viewport_size({"width": 1280, "height": 900})

    # Paid by transfer: the page and the PDF say so, and ask for nothing.
    billing.payment_record(
        invoice=invoice,
        amount=str(invoice.gross),
        date=clock.today(),
        method="bank_transfer",
        reference=invoice.number,
        actor=owner,
    )
    client.reload()
    paid_on = date_format(clock.today(), "DATE_FORMAT")
    expect(how_to_pay).to_contain_text(f"Paid in full on {paid_on}.")
    expect(how_to_pay).not_to_contain_text("IBAN")
    with client.expect_download() as download:
        client.get_by_role("link", name="Download PDF").click()
    pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    assert f"Paid in full on {paid_on}. Thank you." in text
    assert "Please transfer" not in text and "Please pay" not in text
    assert IBAN_GROUPED in text  # the footer still names the account
