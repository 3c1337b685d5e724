"""The review cycle in two browsers side by side: the agency delivers, the client tests, asks for
changes once, then approves; the next milestone opens while the one after stays gated."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from milepost.accounts.models import Role, User
from milepost.plans import services as plans
from milepost.plans.models import MilestoneStatus
from tests.factories import (
    PASSWORD,
    ClientFactory,
    ContactFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

from .helpers import confirm_dialog, log_in, tiny_png

pytestmark = pytest.mark.e2e


@pytest.fixture
def active_project(transactional_db):
    """An accepted "Website on a CMS" plan, with sequential gating (the organisation default)."""
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
        name="Acme web shop",
        currency="EUR",
        total_budget="10000.00",
        start_date=dt.date.today(),
    )
    plans.project_access_grant(project=project, email=approver.email, role="approver", actor=owner)
    plans.plan_propose(project=project, actor=owner)
    approver = User.objects.get(pk=approver.pk)  # roles are cached on the user object
    plans.plan_accept(project=project, actor=approver)
    assert project.sequential_gating
    return owner, approver, list(project.milestones.order_by("position"))


def status_of(page: Page):
    return page.locator("p.meta-line .badge")


def test_deliver_request_changes_deliver_again_and_approve(
    page: Page, new_page, live_server, active_project, tmp_path, screenshot
):
    owner, approver, milestones = active_project
    first, second, third = milestones[:3]
    deliverables = list(first.deliverables.order_by("position"))
    assert len(deliverables) >= 2
    base = live_server.url
    url = f"{base}/milestones/{first.pk}/"
    png = tiny_png(tmp_path / "homepage-mobile.png")

    agency = page
    client = new_page()
    log_in(agency, base, owner.email, PASSWORD)
    log_in(client, base, approver.email, PASSWORD)

    # Agency: start milestone 1 and deliver v1 with a screenshot.
    agency.goto(url)
    expect(agency.get_by_role("heading", level=1)).to_have_text(f"1. {first.title}")
    expect(status_of(agency)).to_have_text("Planned")
    agency.get_by_role("button", name="Start this milestone").click()
    expect(agency.get_by_role("status")).to_contain_text("Work on this milestone has started.")
    expect(status_of(agency)).to_have_text("In progress")
    deliver = agency.locator("section#deliver")
    expect(deliver.get_by_role("heading")).to_have_text("Deliver for review")
    deliver.get_by_label("What is delivered, and how to test it").fill(
        "The CMS is on staging. Log in with the account we sent and try the homepage."
    )
    deliver.get_by_label("Files").set_input_files(str(png))
    deliver.get_by_role("button", name="Deliver").click()
    expect(agency.get_by_role("status")).to_contain_text("Delivered.")
    expect(status_of(agency)).to_have_text("In review")
    expect(agency.locator("section#deliver")).to_have_count(0)

    # Client: one deliverable fails; changes are requested, which uses a revision.
    client.goto(url)
    expect(status_of(client)).to_have_text("In review")
    expect(client.locator("p.meter")).to_contain_text("2 of 2 revisions left")
    expect(client.get_by_role("heading", name="Checklist for delivery v1")).to_be_visible()
    expect(client.get_by_role("button", name="Start this milestone")).to_have_count(0)
    expect(client.locator("section#deliver")).to_have_count(0)
    attachment = client.locator("section#deliveries").get_by_role("link", name=re.compile(png.name))
    expect(attachment).to_have_count(1)
    download = client.request.get(base + attachment.get_attribute("href"))
    assert download.status == 200
    assert download.headers["content-disposition"].startswith("attachment")
    assert png.name in download.headers["content-disposition"]
    assert download.body() == png.read_bytes()

    item = client.locator("ul.checklist > li").filter(has_text=deliverables[0].title)
    item.get_by_label("Failed").check()
    item.get_by_label("Note").fill("The admin login says the password is wrong.")
    item.get_by_role("button", name="Save result").click()
    expect(client.get_by_role("status")).to_contain_text("Test result saved.")
    item = client.locator("ul.checklist > li").filter(has_text=deliverables[0].title)
    expect(item.locator(".badge")).to_have_text("Failed")
    expect(item).to_contain_text("The admin login says the password is wrong.")
    changes = client.locator("section#request-changes")
    changes.get_by_label("What should change?").fill("Please fix the **admin login** on staging.")
    changes.get_by_role("button", name="Request changes").click()
    confirm_dialog(client, "Request changes", says="after this one")
    expect(client.get_by_role("status")).to_contain_text("Changes requested.")
    expect(status_of(client)).to_have_text("Changes requested")
    expect(client.locator("p.meter")).to_contain_text("1 of 2 revisions left")

    # Agency: deliver v2.
    agency.reload()
    expect(status_of(agency)).to_have_text("Changes requested")
    deliver = agency.locator("section#deliver")
    expect(deliver.get_by_role("heading")).to_have_text("Deliver a new version")
    deliver.get_by_label("What is delivered, and how to test it").fill(
        "The admin account is reset; the new password is in your inbox."
    )
    deliver.get_by_role("button", name="Deliver").click()
    expect(agency.get_by_role("status")).to_contain_text("Delivered.")
    expect(agency.locator("section#deliveries li")).to_have_count(2)

    # Client: the checklist starts afresh for v2; every deliverable passes; approve.
    client.reload()
    expect(client.get_by_role("heading", name="Checklist for delivery v2")).to_be_visible()
    expect(client.locator("ul.checklist > li .badge")).to_have_text(["to test"] * len(deliverables))
    screenshot(client, "milestone-client-review-v2")
    for deliverable in deliverables:
        item = client.locator("ul.checklist > li").filter(has_text=deliverable.title)
        item.get_by_label("Passed").check()
        item.get_by_role("button", name="Save result").click()
        expect(client.get_by_role("status")).to_contain_text("Test result saved.")
    expect(client.locator("ul.checklist > li .badge")).to_have_text(["Passed"] * len(deliverables))
    expect(client.locator("section#approve")).not_to_contain_text("not passed yet")
    client.locator("section#approve").get_by_role("button", name="Approve milestone").click()
    confirm_dialog(client, "Approve milestone")
    expect(client.get_by_role("status")).to_contain_text("Milestone approved.")
    expect(status_of(client)).to_have_text("Approved")
    expect(client.get_by_text(f"Approved by {approver.email}")).to_be_visible()

    # Agency: milestone 2 can start now; milestone 3 still waits for milestone 2.
    agency.goto(f"{base}/milestones/{second.pk}/")
    expect(agency.get_by_role("button", name="Start this milestone")).to_be_enabled()
    agency.goto(f"{base}/milestones/{third.pk}/")
    start = agency.get_by_role("button", name="Start this milestone")
    expect(start).to_be_disabled()
    expect(start).to_have_accessible_description(
        f"Milestone 2 (“{second.title}”) must be approved first."
    )
    expect(agency.locator("section#start .why")).to_contain_text("Milestone 2")

    first.refresh_from_db()
    assert first.status == MilestoneStatus.APPROVED
    assert first.revisions_used == 1
