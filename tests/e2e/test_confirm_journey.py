"""Binding actions say what they will do before they are taken, in a native dialog (focus moves
in, Esc cancels), and a mistaken payment is reversed with a reason. Two browsers: the agency's
owner and the client's approver, from the proposal to the reversal; and the same confirmation on
a page when JavaScript is off."""

from __future__ import annotations

import datetime as dt
import re
import urllib.request
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from milepost.billing.models import Invoice, InvoiceStatus
from milepost.core import clock
from milepost.plans.models import Milestone, MilestoneStatus, Project, ProjectStatus
from tests.factories import PASSWORD

from .conftest import TIMEOUT_MS
from .helpers import confirm_dialog, forget_login_attempts, log_in

pytestmark = pytest.mark.e2e

APPROVER = "anna.approver@acme.example"
SLOW = 30_000  # ms: the steps that render a PDF


@pytest.fixture(autouse=True)
def _login_limit_untouched():
    forget_login_attempts()
    yield
    forget_login_attempts()


@pytest.fixture(autouse=True)
def _warm(live_server, transactional_db):
    """The live server's first request imports every view: on a busy machine that takes longer
    than a browser step may wait, so it is made here, before the browsers start."""
    urllib.request.urlopen(f"{live_server.url}/login/", timeout=120).read()


@pytest.fixture
def draft(transactional_db):
    """A valid draft plan (EUR 10,000, 19 % VAT) whose client has an approver: ready to propose."""
    from milepost.accounts.models import Role
    from milepost.plans import services as plans
    from tests.factories import (
        ClientFactory,
        ContactFactory,
        MembershipFactory,
        OrganisationFactory,
        UserFactory,
    )

    organisation = OrganisationFactory(
        name="Northwind Studio", country="DE", tax_rate=Decimal("19.00")
    )
    owner = UserFactory(email="owner@northwind.example", name="Olivia Owner")
    MembershipFactory(organisation=organisation, user=owner, role=Role.OWNER)
    client = ClientFactory(organisation=organisation, name="Acme Shop")
    approver = UserFactory(email=APPROVER, name="Anna Approver")
    ContactFactory(client=client, user=approver)
    project = plans.project_create(
        organisation=organisation,
        client=client,
        actor=owner,
        template="website-cms",
        name="Acme web shop",
        currency="EUR",
        total_budget="10000.00",
        start_date=dt.date.today(),
    )
    plans.project_access_grant(project=project, email=APPROVER, role="approver", actor=owner)
    return owner, approver, Project.objects.get(pk=project.pk)


def invoice_badge(page: Page):
    return page.locator("p", has_text=re.compile(r"issued .+, due ")).locator(".badge")


def test_each_binding_step_asks_with_its_consequence_and_a_payment_is_reversed(
    page: Page, new_page, live_server, draft, screenshot
):
    owner, approver, project = draft
    base = live_server.url
    number = f"INV-{clock.today().year}-0001"
    agency = page
    client = new_page()
    log_in(agency, base, owner.email, PASSWORD)
    log_in(client, base, approver.email, PASSWORD)

    # Agency: proposing asks first. Esc cancels, focus goes back to the button, nothing moved.
    agency.goto(f"{base}/projects/{project.pk}/")
    propose = agency.get_by_role("button", name="Propose to the client")
    propose.click()
    dialog = agency.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"Its approvers ({APPROVER}) are told by email")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()  # focus moved in
    agency.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(propose).to_be_focused()
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.DRAFT
    propose.click()
    confirm_dialog(agency, "Propose to the client", says="in 5 milestones) to Acme Shop")
    expect(agency.get_by_role("status")).to_contain_text("Plan proposed.")

    # Client: accepting says the plan becomes the baseline and what is invoiced first.
    first = Milestone.objects.get(project=project, position=1)
    client.goto(f"{base}/projects/{project.pk}/")
    client.get_by_role("button", name="Accept the plan").click()
    said = confirm_dialog(client, "Accept the plan", says="the baseline (v1)")
    assert "The first invoice, €2,380.00 (€2,000.00 + 19 % VAT)" in said
    expect(client.get_by_role("status")).to_contain_text("Plan accepted.")

    # Agency: start and deliver milestone 1 (no confirmation: nothing binding for the client).
    agency.goto(f"{base}/milestones/{first.pk}/")
    agency.get_by_role("button", name="Start this milestone").click()
    expect(agency.get_by_role("status")).to_contain_text("Work on this milestone has started.")
    deliver = agency.locator("section#deliver")
    deliver.get_by_label("What is delivered, and how to test it").fill("On staging.")
    deliver.get_by_role("button", name="Deliver").click()
    expect(agency.get_by_role("status")).to_contain_text("Delivered.")

    # Client: approving states the invoice, the support window and what it unlocks.
    client.goto(f"{base}/milestones/{first.pk}/")
    approve = client.locator("section#approve")
    approve.get_by_label(re.compile(r"^Approve with open items")).check()
    approve.get_by_role("button", name="Approve milestone").click()
    said = confirm_dialog(client, "Approve milestone")
    assert (
        "Approving issues an invoice for €2,380.00 (€2,000.00 + 19 % VAT), payable within 14 "
        "days, opens a 14-day support window for small fixes and lets milestone 2" in said
    )
    status = client.get_by_role("status")
    # Approval issues the invoice and emails it with its PDF: the slowest step of the journey.
    expect(status).to_contain_text(f"Milestone approved. Thank you! Invoice {number}", timeout=SLOW)
    screenshot(client, "confirm-approved")
    invoice = Invoice.objects.get(milestone=first)
    assert invoice.number == number and invoice.gross == Decimal("2380.00")
    # The milestone page links its invoice, and the message's link opens it.
    expect(client.locator("section#milestone-invoices")).to_contain_text(number)
    status.get_by_role("link", name=number).click()
    expect(client.get_by_role("heading", level=1)).to_have_text(f"Invoice {number}")

    # Agency: recording a payment says the status it leaves and asks.
    agency.goto(f"{base}/invoices/{invoice.pk}/")
    payments = agency.locator("section#payments")
    payments.get_by_label("Reference").fill("Transfer 0815")
    payments.get_by_role("button", name="Record payment").click()
    confirm_dialog(agency, "Record payment", says=f"{number} is then paid in full.")
    expect(agency.get_by_role("status")).to_contain_text("Payment recorded.", timeout=SLOW)
    expect(invoice_badge(agency)).to_have_text("Paid")

    # Agency: it was booked on the wrong invoice; reversed with a reason, the invoice is unpaid.
    payments = agency.locator("section#payments")
    payments.get_by_text("Reverse this payment…").click()
    payments.get_by_label("Why is this payment reversed?").fill("Booked on the wrong invoice.")
    payments.get_by_role("button", name="Reverse payment").click()
    said = confirm_dialog(agency, "Reverse payment", says=f"{number} is then unpaid again")
    assert "the payment stays on record, marked reversed" in said
    expect(agency.get_by_role("status")).to_contain_text(
        f"Payment reversed. Invoice {number} is now issued."
    )
    expect(invoice_badge(agency)).to_have_text("Issued")
    row = agency.locator("section#payments ul.feed li")
    expect(row).to_contain_text("Reversed")
    expect(row).to_contain_text("Booked on the wrong invoice.")
    screenshot(agency, "confirm-reversed")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and invoice.paid == Decimal("0.00")

    # Client: the invoice shows as unpaid again.
    client.reload()
    expect(invoice_badge(client)).to_have_text("Issued")
    assert Milestone.objects.get(pk=first.pk).status == MilestoneStatus.APPROVED


def test_without_javascript_a_page_asks_before_accepting(browser, live_server, draft):
    from milepost.plans import services as plans

    owner, approver, project = draft
    plans.plan_propose(project=project, actor=owner)
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        client = context.new_page()
        log_in(client, live_server.url, approver.email, PASSWORD)
        client.goto(f"{live_server.url}/projects/{project.pk}/")
        client.get_by_role("button", name="Accept the plan").click()
        expect(client.get_by_role("heading", level=1)).to_have_text("Accept this plan?")
        expect(client.locator("main")).to_contain_text("the baseline (v1)")
        assert Project.objects.get(pk=project.pk).status == ProjectStatus.PROPOSED
        client.get_by_role("button", name="Accept the plan").click()
        expect(client.get_by_role("status")).to_contain_text("Plan accepted.")
        assert Project.objects.get(pk=project.pk).status == ProjectStatus.ACTIVE
    finally:
        context.close()
