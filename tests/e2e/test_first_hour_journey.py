"""A new agency's first hour, in two browsers, with every email read from a real SMTP server on
loopback and every link opened from it: the owner resets a forgotten password, adds two clients,
invites a contact of the second, plans a project for that second client and proposes it; the
contact accepts; the agency starts and delivers milestone 1; the contact approves it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from milepost.plans.models import MilestoneStatus, Project, ProjectStatus

from .helpers import confirm_dialog, forget_login_attempts

pytestmark = pytest.mark.e2e

OWNER = "olivia@northwind.example"
FIRST_PASSWORD = "first-password-soon-forgotten-19"
NEW_PASSWORD = "a-better-remembered-passphrase-23"
CONTACT = "dana.reviewer@birch.example"
CONTACT_PASSWORD = "dana-chooses-a-long-passphrase-58"
PROJECT = "Birch Bakery web shop"


@pytest.fixture
def site(transactional_db, live_server, smtp, settings, monkeypatch):
    """A fresh install: one organisation and its owner, made by the first-install command."""
    settings.SITE_URL = live_server.url
    monkeypatch.setattr("getpass.getpass", lambda prompt="": FIRST_PASSWORD)
    call_command("create_organisation", "Northwind Studio", OWNER)
    forget_login_attempts()
    yield live_server.url
    forget_login_attempts()


def log_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def add_client(page: Page, base: str, name: str) -> None:
    page.goto(f"{base}/clients/")
    form = page.locator("section#new-client")
    form.get_by_label("Name").fill(name)
    country = form.get_by_label("Country")
    country.focus()
    page.keyboard.type("Germany")  # a native select: typing a name jumps to it
    expect(country).to_have_value("DE")
    form.get_by_role("button", name="Add client").click()
    expect(page.get_by_role("status")).to_contain_text(f"Client {name} added.")


def next_monday() -> dt.date:
    today = dt.date.today()
    return today + dt.timedelta(days=7 - today.weekday())


def test_a_new_agency_gets_its_first_milestone_approved(
    page: Page, new_page, site, smtp, screenshot
):
    base = site
    agency = page

    # The owner forgot the password chosen at install: a reset link arrives by email.
    agency.goto(f"{base}/login/")
    agency.get_by_role("link", name="Forgot your password?").click()
    expect(agency.get_by_role("heading", level=1)).to_have_text("Reset your password")
    agency.get_by_label("Email").fill(OWNER.upper())
    agency.get_by_role("button", name="Send the link").click()
    expect(agency.get_by_role("heading", level=1)).to_have_text("Check your email")
    reset = smtp.wait_for(OWNER, "Choose a new Milepost password")
    agency.goto(reset.link(rf"{re.escape(base)}/password-reset/[^/\s]+/[^/\s]+/"))
    expect(agency.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    agency.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    agency.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    agency.get_by_role("button", name="Save the password").click()
    expect(agency.get_by_role("heading", level=1)).to_have_text("Password saved")
    agency.get_by_role("link", name="Log in").click()
    agency.get_by_label("Email").fill(OWNER)
    agency.get_by_label("Password").fill(NEW_PASSWORD)
    agency.get_by_role("button", name="Log in").click()
    expect(agency.get_by_role("button", name="Log out")).to_be_visible()

    # Two clients; a contact of the second is invited from its page.
    add_client(agency, base, "Acme Shop")
    add_client(agency, base, "Birch Bakery")
    expect(agency.get_by_role("heading", level=1)).to_have_text("Birch Bakery")
    invite = agency.locator("section#invite")
    invite.get_by_label("Email").fill(CONTACT)
    invite.get_by_label("Name").fill("Dana Reviewer")
    invite.get_by_role("button", name="Send invitation").click()
    expect(agency.get_by_role("status")).to_contain_text(f"Invitation sent to {CONTACT}.")

    # The contact, in a browser of their own, follows the link in the invitation email.
    client = new_page()
    invitation = smtp.wait_for(CONTACT, "You are invited to Northwind Studio")
    client.goto(invitation.link(rf"{re.escape(base)}/invitation/[A-Za-z0-9_-]+/"))
    expect(client.get_by_role("heading", name="Welcome to Milepost")).to_be_visible()
    client.get_by_label("Choose a password").fill(CONTACT_PASSWORD)
    client.get_by_label("Repeat the password").fill(CONTACT_PASSWORD)
    client.get_by_role("button", name="Set my password").click()
    # Choosing the password signs them in.
    expect(client.get_by_role("status")).to_contain_text("Your password is set.")
    expect(client.get_by_role("main").get_by_text("You speak for")).to_contain_text(
        "Birch Bakery (Northwind Studio)"
    )

    # The agency plans a project for the SECOND client and gives the contact access.
    agency.goto(f"{base}/projects/new/")
    picker = agency.get_by_label("Client", exact=True)
    expect(picker.locator("option")).to_have_text(["Acme Shop", "Birch Bakery"])
    picker.select_option(label="Birch Bakery")
    agency.get_by_label("Project name").fill(PROJECT)
    agency.get_by_label("Currency").fill("EUR")
    agency.get_by_label("Total budget").fill("10000.00")
    agency.get_by_label("Start date").fill(next_monday().isoformat())
    agency.get_by_label("Start from").select_option(label="Website on a CMS")
    agency.get_by_role("button", name="Create project").click()
    expect(agency.get_by_role("heading", level=1)).to_have_text("Plan editor")
    expect(agency.get_by_role("status")).to_contain_text("Project created.")
    project = Project.objects.select_related("client").get(name=PROJECT)
    assert project.client.name == "Birch Bakery"

    agency.goto(f"{base}/projects/{project.pk}/")
    access = agency.locator("section#access")
    access.get_by_label("Email").fill(CONTACT)
    access.get_by_label("Role").select_option(label="Approver")
    access.get_by_role("button", name="Give access").click()
    expect(agency.get_by_role("status")).to_contain_text(f"{CONTACT} can now see the project")
    agency.get_by_role("button", name="Propose to the client").click()
    confirm_dialog(agency, "Propose to the client", says=f"Its approvers ({CONTACT})")
    expect(agency.get_by_role("status")).to_contain_text("Plan proposed.")

    # The contact opens the proposal from its email and accepts the plan.
    proposal = smtp.wait_for(CONTACT, f"proposed the plan of {PROJECT}")
    client.goto(proposal.link(rf"{re.escape(base)}/projects/{project.pk}/"))
    expect(client.get_by_role("heading", level=1)).to_have_text(PROJECT)
    client.get_by_role("button", name="Accept the plan").click()
    confirm_dialog(client, "Accept the plan", says="the baseline (v1)")
    expect(client.get_by_role("status")).to_contain_text("Plan accepted.")

    # The agency starts milestone 1 and delivers it.
    first = project.milestones.order_by("position").first()
    agency.goto(f"{base}/milestones/{first.pk}/")
    agency.get_by_role("button", name="Start this milestone").click()
    expect(agency.get_by_role("status")).to_contain_text("Work on this milestone has started.")
    deliver = agency.locator("section#deliver")
    deliver.get_by_label("What is delivered, and how to test it").fill(
        "The CMS is on staging; log in with the account we sent you."
    )
    deliver.get_by_role("button", name="Deliver").click()
    expect(agency.get_by_role("status")).to_contain_text("Delivered.")

    # The contact opens the review from its email, passes every deliverable and approves.
    review = smtp.wait_for(CONTACT, "is ready for your review")
    client.goto(review.link(rf"{re.escape(base)}/milestones/{first.pk}/"))
    items = client.locator("ul.checklist > li")
    for index in range(items.count()):
        item = client.locator("ul.checklist > li").nth(index)
        item.get_by_label("Passed").check()
        item.get_by_role("button", name="Save result").click()
        expect(client.get_by_role("status")).to_contain_text("Test result saved.")
    client.locator("section#approve").get_by_role("button", name="Approve milestone").click()
    confirm_dialog(client, "Approve milestone")
    expect(client.get_by_role("status")).to_contain_text("Milestone approved.")
    expect(client.get_by_text(f"Approved by {CONTACT}")).to_be_visible()
    screenshot(client, "first-hour-approved")

    first.refresh_from_db()
    project.refresh_from_db()
    assert first.status == MilestoneStatus.APPROVED
    assert project.status == ProjectStatus.ACTIVE
    # Every email left through the outbox and reached the server.
    assert smtp.messages(f"proposed the plan of {PROJECT}")
