"""The agency changes a budget in a draft and the activity says how; the client's bell names
the project and its money as people write it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from milepost.accounts.models import Role
from milepost.notify.models import Notification
from milepost.plans import services as plans
from milepost.plans.models import Milestone
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

PROJECT_NAME = "Acme web shop"


@pytest.fixture(autouse=True)
def _login_limit_untouched():
    forget_login_attempts()
    yield
    forget_login_attempts()


@pytest.fixture
def draft(transactional_db):
    """A draft "Website on a CMS" plan (EUR 10,000, milestone 1 at 2,000) with an approver."""
    organisation = OrganisationFactory(name="Northwind Studio", country="DE")
    owner = UserFactory(email="owner@northwind.example", name="Olivia Owner")
    MembershipFactory(organisation=organisation, user=owner, role=Role.OWNER)
    client = ClientFactory(organisation=organisation, name="Acme Shop")
    approver = UserFactory(email="anna.approver@acme.example", name="Anna Approver")
    ContactFactory(client=client, user=approver)
    project = plans.project_create(
        organisation=organisation,
        client=client,
        actor=owner,
        template="website-cms",
        name=PROJECT_NAME,
        currency="EUR",
        total_budget="10000.00",
        start_date=dt.date.today() + dt.timedelta(days=7),
    )
    plans.project_access_grant(project=project, email=approver.email, role="approver", actor=owner)
    return project, owner, approver


def card(page: Page, position: int):
    return page.locator("article.milestone-editor").filter(
        has=page.get_by_role("heading", name=f"Milestone {position}", exact=True)
    )


def test_a_budget_edit_reads_old_to_new_and_the_client_bell_names_the_project(
    page: Page, new_page, live_server, draft, screenshot
):
    project, owner, approver = draft
    base = live_server.url
    first, second = Milestone.objects.filter(project=project).order_by("position")[:2]
    assert first.budget == 2000
    moved_to = second.budget + 100

    # The owner lowers milestone 1 by €100 and gives it to milestone 2.
    log_in(page, base, owner.email, PASSWORD)
    page.goto(f"{base}/projects/{project.pk}/plan/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan editor")
    card(page, 1).get_by_label("Budget", exact=True).fill("1900.00")
    card(page, 1).get_by_role("button", name="Save milestone").click()
    expect(page.get_by_role("status")).to_contain_text("Milestone 1 saved.")
    card(page, 2).get_by_label("Budget", exact=True).fill(f"{moved_to:.2f}")
    card(page, 2).get_by_role("button", name="Save milestone").click()
    expect(page.get_by_role("status")).to_contain_text("Milestone 2 saved.")

    # The project's activity says what changed, in euros, newest first.
    page.goto(f"{base}/projects/{project.pk}/")
    feed = page.locator("section#activity ol.feed li")
    expect(feed.first).to_contain_text(
        f"changed milestone 2 “{second.title}”: budget €{second.budget:,.2f} → €{moved_to:,.2f}"
    )
    expect(feed.nth(1)).to_contain_text(
        f"{owner.email} changed milestone 1 “{first.title}”: budget €2,000.00 → €1,900.00"
    )
    screenshot(page, "activity-budget-change")

    # Proposed, the plan reaches the approver's bell with its project and its total.
    page.get_by_role("button", name="Propose to the client").click()
    confirm_dialog(page, "Propose to the client")
    expect(page.get_by_role("status")).to_contain_text("Plan proposed.")

    client = new_page()
    log_in(client, base, approver.email, PASSWORD)
    client.locator("a.bell").click()
    expect(client).to_have_url(f"{base}/notifications/")
    newest = client.locator("li.notif").first
    title = f"Northwind Studio proposed the plan of {PROJECT_NAME} (€10,000.00)"
    expect(newest.get_by_role("link")).to_have_text(title)
    expect(newest).not_to_contain_text(re.compile(r"10000\.00|EUR|\d{4}-\d{2}-\d{2}"))
    screenshot(client, "notification-names-the-project")
    assert Notification.objects.filter(user=approver, title=title).count() == 1
