"""An owner builds a plan from a template, fixes a budget gap and proposes; the approver accepts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from milepost.accounts.models import Role
from milepost.plans.models import Project, ProjectStatus
from tests.factories import (
    PASSWORD,
    ClientFactory,
    ContactFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

from .helpers import confirm_dialog, log_in

pytestmark = pytest.mark.e2e

PROJECT_NAME = "Acme web shop"
APPROVER_EMAIL = "anna.approver@acme.example"


@pytest.fixture
def agency(transactional_db):
    organisation = OrganisationFactory(name="Northwind Studio", country="DE")
    owner = UserFactory(email="owner@northwind.example", name="Olivia Owner")
    MembershipFactory(organisation=organisation, user=owner, role=Role.OWNER)
    client = ClientFactory(organisation=organisation, name="Acme Shop")
    approver = UserFactory(email=APPROVER_EMAIL, name="Anna Approver")
    ContactFactory(client=client, user=approver)
    return organisation, owner, client, approver


def next_monday(after: dt.date) -> dt.date:
    return after + dt.timedelta(days=7 - after.weekday())


def test_owner_fixes_a_gap_proposes_and_the_approver_accepts(
    page: Page, new_page, live_server, agency, screenshot
):
    _, owner, client, approver = agency
    base = live_server.url
    start = next_monday(dt.date.today() + dt.timedelta(days=7))

    # The owner creates the project from the "Website on a CMS" template.
    log_in(page, base, owner.email, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    page.get_by_role("link", name="New project").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New project")
    page.get_by_label("Client", exact=True).select_option(label=client.name)
    page.get_by_label("Project name").fill(PROJECT_NAME)
    page.get_by_label("Currency").fill("EUR")
    page.get_by_label("Total budget").fill("10000.00")
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_label("Start from").select_option(label="Website on a CMS")
    page.get_by_role("button", name="Create project").click()

    # The plan editor: five milestones sharing the total exactly.
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan editor")
    expect(page.get_by_role("status")).to_contain_text("Project created.")
    gap = page.locator("#allocation [data-gap]")
    expect(gap).to_have_text("fully allocated")
    cards = page.locator("article.milestone-editor").filter(
        has=page.get_by_role("heading", name=re.compile(r"^Milestone \d$"))
    )
    expect(cards).to_have_count(5)
    first = cards.filter(has=page.get_by_role("heading", name="Milestone 1", exact=True))
    budget = first.get_by_label("Budget", exact=True)
    expect(budget).to_have_value("2000.00")

    # A budget the server would refuse ("1,500.00": no thousands separators) is flagged and not
    # counted, rather than read as 1500.
    budget.fill("1,500.00")
    expect(page.locator("#allocation [data-allocated]")).to_have_text("€8,000.00")
    assert budget.evaluate("input => input.validity.customError")

    # Typing a smaller budget shows the gap at once, before anything is saved.
    budget.fill("1500.00")
    expect(gap).to_have_text("€500.00 not yet allocated")
    expect(page.locator("#allocation [data-allocated]")).to_have_text("€9,500.00")
    expect(page.get_by_role("button", name="Propose to the client")).to_be_visible()

    # Saved, the gap becomes a problem to fix and the proposal is no longer offered.
    first.get_by_role("button", name="Save milestone").click()
    expect(page.get_by_role("status")).to_contain_text("Milestone 1 saved.")
    problems = page.locator("#problems")
    expect(problems).to_contain_text("Still to fix before proposing")
    expect(problems).to_contain_text("not yet allocated")
    expect(gap).to_have_text("€500.00 not yet allocated")
    expect(page.get_by_role("button", name="Propose to the client")).to_have_count(0)
    screenshot(page, "plan-editor-gap")

    # Put the budget back: the plan is valid again and can be proposed.
    first = page.locator("article.milestone-editor").filter(
        has=page.get_by_role("heading", name="Milestone 1", exact=True)
    )
    first.get_by_label("Budget", exact=True).fill("2000.00")
    expect(gap).to_have_text("fully allocated")
    first.get_by_role("button", name="Save milestone").click()
    expect(page.get_by_text("The plan is valid.")).to_be_visible()
    expect(page.locator("#problems")).to_have_count(0)
    page.get_by_role("button", name="Propose to the client").click()
    confirm_dialog(page, "Propose to the client")
    expect(page.get_by_role("heading", level=1)).to_have_text(PROJECT_NAME)
    expect(page.get_by_role("status")).to_contain_text("Plan proposed.")
    expect(page.locator("#answer")).to_contain_text("waiting for the client's answer")

    # The contact gets access as an approver through the project page.
    access = page.locator("section#access")
    access.get_by_label("Email").fill(APPROVER_EMAIL)
    access.get_by_label("Role").select_option(label="Approver")
    access.get_by_role("button", name="Give access").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"{APPROVER_EMAIL} can now see the project as approver."
    )
    person = page.locator("section#access li")
    expect(person).to_have_count(1)
    expect(person).to_contain_text(f"{APPROVER_EMAIL} (Anna Approver)")
    expect(person.get_by_label(f"Role of {APPROVER_EMAIL}")).to_have_value("approver")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))

    # The approver, in a browser of their own, finds the plan waiting on the dashboard.
    client_page = new_page()
    log_in(client_page, base, approver.email, PASSWORD)
    waiting = client_page.locator(
        "section", has=client_page.get_by_role("heading", name="Waiting for you")
    )
    waiting.get_by_role("link", name=f"Review and accept the plan of {PROJECT_NAME}").click()
    expect(client_page.get_by_role("heading", level=1)).to_have_text(PROJECT_NAME)
    plan = client_page.locator("table.plan")
    expect(plan.locator("tbody tr")).to_have_count(5)
    expect(plan.locator("tbody tr").first).to_contain_text("€2,000.00")
    expect(plan.locator("tfoot")).to_contain_text("€10,000.00 of €10,000.00")
    expect(client_page.locator("section#access")).to_have_count(0)  # agency-only

    client_page.get_by_role("button", name="Accept the plan").click()
    confirm_dialog(client_page, "Accept the plan")
    expect(client_page.get_by_role("status")).to_contain_text("Plan accepted.")
    header = client_page.locator("h1 + p")
    expect(header.locator(".badge")).to_have_text("Active")
    expect(header).to_contain_text(f"baseline v1 accepted by {APPROVER_EMAIL}")
    expect(client_page.get_by_role("button", name="Accept the plan")).to_have_count(0)

    project = Project.objects.get(name=PROJECT_NAME)
    assert project.status == ProjectStatus.ACTIVE
    assert project.plan_version == 1
