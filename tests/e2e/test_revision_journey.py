"""The client declines a plan; while the agency revises it, the client sees what was proposed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from milepost.accounts.models import Role
from milepost.plans import services as plans
from tests.factories import (
    PASSWORD,
    ClientFactory,
    ContactFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

from .helpers import confirm_dialog, forget_login_attempts, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def proposal(transactional_db):
    """A proposed "Website on a CMS" plan (EUR 10,000) and a second project never proposed."""
    organisation = OrganisationFactory(name="Northwind Studio", country="DE")
    owner = UserFactory(email="owner@northwind.example", name="Olivia Owner")
    MembershipFactory(organisation=organisation, user=owner, role=Role.OWNER)
    client = ClientFactory(organisation=organisation, name="Acme Shop")
    approver = UserFactory(email="anna.approver@acme.example", name="Anna Approver")
    ContactFactory(client=client, user=approver)
    projects = []
    for name in ("Acme web shop", "Acme secret pitch"):
        project = plans.project_create(
            organisation=organisation,
            client=client,
            actor=owner,
            template="website-cms",
            name=name,
            currency="EUR",
            total_budget="10000.00",
            start_date=dt.date.today() + dt.timedelta(days=14),
        )
        plans.project_access_grant(
            project=project, email=approver.email, role="approver", actor=owner
        )
        projects.append(project)
    plans.plan_propose(project=projects[0], actor=owner)
    return owner, approver, projects[0], projects[1]


def test_the_client_sees_the_proposed_plan_while_the_agency_revises_it(
    page: Page, new_page, live_server, proposal, screenshot
):
    owner, approver, shop, pitch = proposal
    base = live_server.url
    forget_login_attempts()

    # The approver declines the plan in the browser.
    log_in(page, base, approver.email, PASSWORD)
    page.goto(f"{base}/projects/{shop.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme web shop")
    page.get_by_text("Decline and ask for changes").click()
    page.get_by_label("What should change?").fill("Milestone 1 is too cheap to be serious.")
    page.get_by_role("button", name="Decline the plan").click()
    expect(page.get_by_text("You declined the plan.")).to_be_visible()

    # The owner raises the total and the first milestone in the plan editor.
    agency = new_page()
    log_in(agency, base, owner.email, PASSWORD)
    agency.goto(f"{base}/projects/{shop.pk}/plan/")
    allocation = agency.locator("#allocation")
    allocation.get_by_label("Total budget").fill("12000.00")
    expect(allocation.locator("[data-gap]")).to_contain_text("not yet allocated")  # as typed
    allocation.get_by_role("button", name="Save total").click()
    expect(agency.get_by_role("status")).to_contain_text("Total budget saved.")
    expect(agency.locator("#allocation").get_by_label("Total budget")).to_have_value("12000.00")
    first = agency.locator("article.milestone-editor").filter(
        has=agency.get_by_role("heading", name="Milestone 1", exact=True)
    )
    first.get_by_label("Title", exact=True).fill("Discovery, workshops and research")
    first.get_by_label("Budget", exact=True).fill("4000.00")
    first.get_by_role("button", name="Save milestone").click()
    expect(agency.locator("#allocation [data-gap]")).to_have_text("fully allocated")
    agency.goto(f"{base}/projects/{shop.pk}/")
    expect(agency.locator(".glance")).to_contain_text("€12,000.00")

    # The approver sees the plan as proposed to them, being revised, and no answer to give.
    page.reload()
    notice = page.locator("#revising")
    expect(notice).to_contain_text("Northwind Studio is revising this plan")
    expect(page.locator(".glance")).to_contain_text("€10,000.00")
    plan = page.locator("table.plan")
    expect(plan).to_contain_text("€2,000.00")
    expect(plan).not_to_contain_text("€4,000.00")
    expect(page.locator("body")).not_to_contain_text("€12,000.00")
    expect(page.locator("body")).not_to_contain_text("Discovery, workshops and research")
    expect(page.get_by_role("button", name="Accept the plan")).to_have_count(0)
    expect(plan.get_by_role("link")).to_have_count(0)
    activity = page.locator("#activity")
    expect(activity).to_contain_text("declined the plan")
    expect(activity).not_to_contain_text("changed a milestone")
    screenshot(page, "revision-client-sees-last-proposal")

    # The list says so too, and the project never proposed is nowhere.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    row = page.get_by_role("row", name=re.compile("Acme web shop"))
    expect(row).to_contain_text("Being revised")
    expect(row).to_contain_text("€10,000.00")
    expect(page.locator("body")).not_to_contain_text("Acme secret pitch")
    response = page.goto(f"{base}/projects/{pitch.pk}/")
    assert response is not None and response.status == 404

    # Proposed again, the client sees the new figures.
    agency.goto(f"{base}/projects/{shop.pk}/")
    agency.get_by_role("button", name="Propose to the client").click()
    confirm_dialog(agency, "Propose to the client")
    expect(agency.get_by_role("status")).to_contain_text("Plan proposed.")
    page.goto(f"{base}/projects/{shop.pk}/")
    expect(page.locator(".glance")).to_contain_text("€12,000.00")
    expect(page.get_by_role("button", name="Accept the plan")).to_be_visible()
    forget_login_attempts()
