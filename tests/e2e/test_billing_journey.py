"""Approval issues an invoice both sides see; the agency records a partial and then a full
payment; with "pay before next" on, the next milestone cannot start until the invoice is paid."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from milepost.billing.models import Invoice, InvoiceStatus
from milepost.core import clock
from milepost.core.money import format_money
from milepost.plans.models import Milestone, MilestoneStatus
from milepost.reviews import services as reviews
from tests.factories import PASSWORD

from .helpers import active_project, confirm_dialog, forget_login_attempts, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _login_limit_untouched():
    """These journeys log in twice; leave the login rate limit as the next journey expects."""
    forget_login_attempts()
    yield
    forget_login_attempts()


IBAN = "DE89370400440532013000"
IBAN_GROUPED = "DE89 3704 0044 0532 0130 00"  # as the invoice page and the PDF print it


def euro(amount) -> str:
    """Format like the pages do (the ``money`` filter): €2,380.00."""
    return format_money(Decimal(amount), "EUR", "en")


def invoice_status(page: Page):
    """The badge in the line under the invoice heading ("Issued · issued …, due …")."""
    return page.locator("p", has_text=re.compile(r"issued .+, due ")).locator(".badge")


@pytest.fixture
def delivered_project(transactional_db):
    """An active project paying before each next milestone; milestone 1 delivered for review."""
    owner, approver, milestones = active_project(pay_before_next=True, iban=IBAN)
    first = milestones[0]
    assert first.project.pay_before_next
    reviews.milestone_start(milestone=first, actor=owner)
    first = Milestone.objects.get(pk=first.pk)
    reviews.milestone_deliver(
        milestone=first, actor=owner, notes="The CMS is on staging; try the homepage."
    )
    return owner, approver, [Milestone.objects.get(pk=m.pk) for m in milestones]


def test_approval_invoices_payments_and_pay_before_next(
    page: Page, new_page, live_server, delivered_project, screenshot
):
    owner, approver, milestones = delivered_project
    first, second = milestones[:2]
    base = live_server.url
    number = f"INV-{clock.today().year}-0001"

    client = page
    agency = new_page()
    log_in(client, base, approver.email, PASSWORD)
    log_in(agency, base, owner.email, PASSWORD)

    # Client: approve milestone 1 although its deliverables were not tested one by one.
    client.goto(f"{base}/milestones/{first.pk}/")
    approve = client.locator("section#approve")
    expect(approve).to_contain_text("have not passed yet")
    approve.get_by_label(re.compile(r"^Approve with open items")).check()
    approve.get_by_role("button", name="Approve milestone").click()
    confirm_dialog(client, "Approve milestone", says="Approving issues an invoice")
    expect(client.get_by_role("status")).to_contain_text("Milestone approved.")

    invoice = Invoice.objects.get(milestone=first)
    assert invoice.number == number
    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.net == first.budget and invoice.gross > invoice.net  # 19 % German VAT
    gross = invoice.gross

    # Client: the project page lists the invoice; nothing is paid yet.
    client.goto(f"{base}/projects/{first.project_id}/")
    invoices = client.locator("section#invoices")
    row = invoices.locator("tbody tr").filter(has_text=number)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(first.title)
    expect(row).to_contain_text(euro(gross))
    expect(row.locator(".badge")).to_have_text("Issued")
    glance = client.get_by_role("region", name="At a glance")
    expect(glance).to_contain_text("paid €0.00 of €10,000.00")

    # Agency: the invoice is on the Invoices page; record a partial bank transfer.
    agency.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices").click()
    expect(agency.get_by_role("heading", level=1)).to_have_text("Invoices")
    listed = agency.locator("table tbody tr").filter(has_text=number)
    expect(listed.locator(".badge")).to_have_text("Issued")
    listed.get_by_role("link", name=number).click()
    expect(agency.get_by_role("heading", level=1)).to_have_text(f"Invoice {number}")
    how_to_pay = agency.locator("section#how-to-pay")
    expect(how_to_pay.get_by_role("row", name="IBAN")).to_contain_text(IBAN_GROUPED)
    expect(how_to_pay.get_by_role("row", name="Reference")).to_contain_text(number)
    payments = agency.locator("section#payments")
    expect(payments).to_contain_text("No payment received yet.")
    amount = payments.get_by_label("Amount")
    expect(amount).to_have_value(f"{gross:.2f}")  # defaults to what is outstanding
    amount.fill("1000.00")
    payments.get_by_label("Method").select_option(label="Bank transfer")
    payments.get_by_label("Reference").fill("Transfer 1 of 2")
    payments.get_by_role("button", name="Record payment").click()
    confirm_dialog(agency, "Record payment", says="is then partially paid")
    expect(agency.get_by_role("status")).to_contain_text("Payment recorded.")
    expect(invoice_status(agency)).to_have_text("Partially paid")
    rest = gross - Decimal("1000.00")
    totals = agency.locator("table.totals")
    expect(totals.locator("tr").filter(has_text="Outstanding")).to_contain_text(euro(rest))
    expect(totals.locator("tr").filter(has_text="Paid")).to_contain_text("€1,000.00")
    expect(payments.locator("ul.feed li")).to_have_text(
        [re.compile(r"€1,000\.00 · Bank transfer · Transfer 1 of 2")]
    )
    screenshot(agency, "invoice-partially-paid")

    # Milestone 2 cannot start while the invoice is not fully paid.
    agency.goto(f"{base}/milestones/{second.pk}/")
    start = agency.locator("section#start").get_by_role("button", name="Start this milestone")
    expect(start).to_be_disabled()
    expect(start).to_have_accessible_description(
        f"Invoice {number} must be paid before this milestone can start."
    )

    # Agency: record the rest; the amount field offers exactly what is outstanding.
    agency.go_back()
    expect(agency.get_by_role("heading", level=1)).to_have_text(f"Invoice {number}")
    agency.reload()  # go_back may show the page from the cache; the form value must be fresh
    amount = agency.locator("section#payments").get_by_label("Amount")
    outstanding = Decimal(amount.input_value())
    assert outstanding == rest
    agency.locator("section#payments").get_by_role("button", name="Record payment").click()
    confirm_dialog(agency, "Record payment", says="is then paid in full")
    expect(agency.get_by_role("status")).to_contain_text("Payment recorded.")
    expect(invoice_status(agency)).to_have_text("Paid")
    expect(agency.locator("table.totals tr").filter(has_text="Outstanding")).to_contain_text(
        "€0.00"
    )
    expect(agency.locator("section#payments ul.feed li")).to_have_count(2)
    # Nothing left to record; each payment can still be reversed.
    expect(agency.locator("section#payments").get_by_label("Amount")).to_have_count(0)
    expect(agency.get_by_role("button", name="Record payment")).to_have_count(0)
    expect(agency.locator("section#payments summary")).to_have_text(["Reverse this payment…"] * 2)

    # Milestone 2 can start now.
    agency.goto(f"{base}/milestones/{second.pk}/")
    start = agency.get_by_role("button", name="Start this milestone")
    expect(start).to_be_enabled()
    start.click()
    expect(agency.get_by_role("status")).to_contain_text("Work on this milestone has started.")
    expect(agency.locator("p.meta-line .badge")).to_have_text("In progress")

    # Client: the project page shows what was paid, before tax like the budget it is
    # compared with; the invoice is paid.
    client.goto(f"{base}/projects/{first.project_id}/")
    expect(client.get_by_role("region", name="At a glance")).to_contain_text(
        f"paid {euro(invoice.net)} of €10,000.00"
    )
    expect(
        client.locator("section#invoices tbody tr").filter(has_text=number).locator(".badge")
    ).to_have_text("Paid")

    # Client: the invoice PDF downloads.
    client.locator("section#invoices").get_by_role("link", name=number).click()
    expect(client.get_by_role("heading", level=1)).to_have_text(f"Invoice {number}")
    expect(client.locator("section#payments form")).to_have_count(0)  # clients cannot record
    pdf_link = client.get_by_role("link", name="Download PDF")
    response = client.request.get(base + pdf_link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert f'filename="{number}.pdf"' in response.headers["content-disposition"]
    assert response.body().startswith(b"%PDF")

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.paid == gross
    assert invoice.payments.count() == 2
    assert Milestone.objects.get(pk=second.pk).status == MilestoneStatus.IN_PROGRESS
