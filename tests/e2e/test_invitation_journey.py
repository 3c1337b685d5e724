"""An owner invites a client contact, who follows the emailed link, sets a password and is in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from milepost.accounts.models import Role
from tests.factories import (
    PASSWORD,
    ClientFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

from .helpers import link_in, newest_mail

pytestmark = pytest.mark.e2e

CONTACT_EMAIL = "dana.reviewer@acme.example"
CONTACT_PASSWORD = "a-long-and-new-passphrase-42"


@pytest.fixture
def agency(transactional_db):
    organisation = OrganisationFactory(name="Northwind Studio")
    owner = UserFactory(email="owner@northwind.example", name="Olivia Owner")
    MembershipFactory(organisation=organisation, user=owner, role=Role.OWNER)
    client = ClientFactory(organisation=organisation, name="Acme Shop")
    return organisation, owner, client


def log_in(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_owner_invites_a_contact_who_sets_a_password_and_logs_in(
    page: Page, live_server, mail_dir, agency, screenshot
):
    _, owner, client = agency
    base = live_server.url

    # The owner logs in and invites a contact from the client's page.
    log_in(page, base, owner.email, PASSWORD)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    page.get_by_role("link", name=client.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(client.name)
    invite = page.locator("section", has=page.get_by_role("heading", name="Invite a contact"))
    invite.get_by_label("Email").fill(CONTACT_EMAIL)
    invite.get_by_label("Name").fill("Dana Reviewer")
    invite.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text(f"Invitation sent to {CONTACT_EMAIL}.")
    expect(page.get_by_role("cell", name=CONTACT_EMAIL, exact=True)).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)

    # The contact follows the link in the mail folder and chooses a password.
    message = newest_mail(mail_dir)
    assert message["To"] == CONTACT_EMAIL
    link = link_in(message, r"http://[^/\s]+/invitation/[A-Za-z0-9_-]+/")
    assert link.startswith(f"{base}/invitation/")
    page.goto(link)
    expect(page.get_by_role("heading", name="Welcome to Milepost")).to_be_visible()
    expect(page.get_by_text(f"Northwind Studio invited you as {CONTACT_EMAIL}")).to_be_visible()
    page.get_by_label("Choose a password").fill(CONTACT_PASSWORD)
    page.get_by_label("Repeat the password").fill(CONTACT_PASSWORD)
    page.get_by_role("button", name="Set my password").click()

    # Signed in at once, on their dashboard (no project is shared with them yet).
    expect(page).to_have_url(f"{base}/")
    expect(page.get_by_role("status")).to_contain_text("Your password is set.")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    # The contact's dashboard: no agency navigation, the client they speak for.
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Dana")
    expect(page.get_by_role("main").get_by_text("You speak for")).to_have_text(
        "You speak for Acme Shop (Northwind Studio)."
    )
    expect(page.get_by_role("link", name="Clients")).to_have_count(0)
    screenshot(page, "invitation-contact-dashboard")

    # The link works once.
    page.goto(link)
    expect(page.get_by_role("heading", name="This link cannot be used")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("already been used")
    screenshot(page, "invitation-used")


def test_refused_client_form_keeps_what_was_typed(
    page: Page, live_server, mail_dir, agency, screenshot
):
    _, owner, client = agency

    log_in(page, live_server.url, owner.email, PASSWORD)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.goto(f"{live_server.url}/clients/")
    form = page.locator("section#new-client")
    form.get_by_label("Name").fill(client.name)
    form.get_by_label("VAT id").fill("IE6388047V")
    form.get_by_role("button", name="Add client").click()

    form = page.locator("section#new-client")
    name = form.get_by_label("Name")
    expect(name).to_have_attribute("aria-invalid", "true")
    # The error sits in the Name field's own block and is announced with it.
    expect(form.locator(".field", has=page.get_by_label("Name", exact=True))).to_contain_text(
        "A client with this name already exists."
    )
    expect(name).to_have_accessible_description("A client with this name already exists.")
    expect(name).to_have_value(client.name)
    expect(form.get_by_label("VAT id")).to_have_value("IE6388047V")
    screenshot(page, "client-form-refused")
