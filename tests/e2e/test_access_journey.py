"""People on a project, around the loop: the agency invites a client contact (shown pending),
sends the invitation again (the old link stops working), the contact accepts and is signed in
on the project, the agency makes them approver (they see it), then removes them (404); a second
invitation is revoked and its link shows the invalid page. Two clients, so a contact of one
never sees the other's project."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from milepost.plans import services as plans
from tests.factories import PASSWORD as OWNER_PASSWORD
from tests.factories import ClientFactory, ContactFactory, UserFactory

from .helpers import active_project, link_in, log_in, newest_mail

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-battery-staple"
DANA = "dana.buyer@acme.example"
EVE = "eve.intern@acme.example"
INVITATION_LINK = r"http://[^/\s]+/invitation/[A-Za-z0-9_-]+/"


@pytest.fixture
def agency(transactional_db):
    """Acme Shop's active project (with its approver), and Globex's proposed one."""
    owner, _approver, milestones = active_project()
    project = milestones[0].project
    globex = ClientFactory(organisation=project.organisation, name="Globex")
    globex_buyer = UserFactory(email="gus@globex.example")
    ContactFactory(client=globex, user=globex_buyer)
    other = plans.project_create(
        organisation=project.organisation,
        client=globex,
        actor=owner,
        template="website-cms",
        name="Globex intranet",
        currency="EUR",
        total_budget="8000.00",
        start_date=project.start_date,
    )
    plans.project_access_grant(
        project=other, email=globex_buyer.email, role="approver", actor=owner
    )
    plans.plan_propose(project=other, actor=owner)
    return owner, project, other


def access_row(page: Page, email: str):
    return page.locator("#access li", has_text=email)


def test_invite_resend_accept_change_role_remove_and_revoke(
    page: Page, new_page, live_server, mail_dir, agency, screenshot
):
    owner, project, other = agency
    base = live_server.url
    project_url = f"{base}/projects/{project.pk}/"

    # The owner gives a new person access: they are invited and shown as pending.
    log_in(page, base, owner.email, OWNER_PASSWORD)
    page.goto(project_url)
    give = page.locator("#access form", has=page.get_by_role("button", name="Give access"))
    give.get_by_label("Email").fill(DANA)
    give.get_by_label("Role").select_option("viewer")
    give.get_by_role("button", name="Give access").click()
    expect(page.get_by_role("status")).to_contain_text(f"{DANA} can now see the project")
    row = access_row(page, DANA)
    expect(row.get_by_text("Invitation pending")).to_be_visible()
    first_link = link_in(newest_mail(mail_dir), INVITATION_LINK)

    # The client's page says so too.
    page.goto(f"{base}/clients/{project.client_id}/")
    expect(page.locator("#contacts tr", has_text=DANA)).to_contain_text("Invitation pending")

    # Sent again from the project page: a new email, a new link.
    page.goto(project_url)
    access_row(page, DANA).get_by_role("button", name="Resend").click()
    expect(page.get_by_role("status")).to_contain_text("the earlier link no longer works")
    expect(page).to_have_url(re.compile(rf"/projects/{project.pk}/#access$"))
    message = newest_mail(mail_dir)
    assert message["To"] == DANA
    second_link = link_in(message, INVITATION_LINK)
    assert second_link != first_link
    screenshot(page, "access-pending")

    # Dana's own browser: the first link is dead, the second signs her in on the project.
    dana = new_page()
    dana.goto(first_link)
    expect(dana.get_by_role("heading", name="This link cannot be used")).to_be_visible()
    expect(dana.get_by_role("alert")).to_contain_text("not valid")
    dana.goto(second_link)
    dana.get_by_label("Choose a password").fill(PASSWORD)
    dana.get_by_label("Repeat the password").fill(PASSWORD)
    dana.get_by_role("button", name="Set my password").click()
    expect(dana).to_have_url(f"{base}/projects/{project.pk}/")
    expect(dana.get_by_role("button", name="Log out")).to_be_visible()
    expect(dana.get_by_role("heading", level=1)).to_have_text(project.name)
    expect(dana.locator("#my-access")).to_contain_text("You are a viewer")
    # Another client's project is not hers to see.
    assert dana.goto(f"{base}/projects/{other.pk}/").status == 404
    dana.goto(f"{base}/projects/")
    expect(dana.get_by_role("main")).not_to_contain_text(other.name)

    # The agency sees she signed up, and makes her approver.
    page.reload()
    row = access_row(page, DANA)
    expect(row.get_by_text("Invitation pending")).to_have_count(0)
    row.get_by_label(f"Role of {DANA}").select_option("approver")
    row.get_by_role("button", name="Change").click()
    expect(page.get_by_role("status")).to_contain_text(f"{DANA} is now approver")
    dana.goto(f"{base}/projects/{project.pk}/")
    expect(dana.locator("#my-access")).to_contain_text("You are an approver")

    # Removing Dana: asked first, then gone for her at once.
    access_row(page, DANA).get_by_role("link", name="Remove").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Remove {DANA} from {project.name}?")
    screenshot(page, "access-remove-confirm")
    page.get_by_role("button", name="Remove access").click()
    expect(page.get_by_role("status")).to_contain_text(f"{DANA} no longer has access")
    expect(access_row(page, DANA)).to_have_count(0)
    response = dana.goto(f"{base}/projects/{project.pk}/")
    assert response.status == 404
    response = dana.goto(f"{base}/milestones/{project.milestones.first().pk}/")
    assert response.status == 404

    # The only approver left is kept: removing Anna is refused, with the reason beside it.
    access_row(page, "anna.approver@acme.example").get_by_role("link", name="Remove").click()
    page.get_by_role("button", name="Remove access").click()
    expect(page.get_by_role("alert")).to_contain_text("needs at least one approver")

    # A second invitation, revoked before it is used: its link shows the invalid page.
    page.goto(f"{base}/clients/{project.client_id}/")
    invite = page.locator("section", has=page.get_by_role("heading", name="Invite a contact"))
    invite.get_by_label("Email").fill(EVE)
    invite.get_by_role("button", name="Send invitation").click()
    eve_link = link_in(newest_mail(mail_dir), INVITATION_LINK)
    row = page.locator("#contacts tr", has_text=EVE)
    expect(row).to_contain_text("Invitation pending")
    row.get_by_role("link", name="Revoke").click()
    page.get_by_role("button", name="Revoke invitation").click()
    expect(page.get_by_role("status")).to_contain_text("its link no longer works")
    expect(page.locator("#contacts tr", has_text=EVE)).to_contain_text("Invitation revoked")
    eve = new_page()
    eve.goto(eve_link)
    expect(eve.get_by_role("heading", name="This link cannot be used")).to_be_visible()
    screenshot(eve, "access-revoked-link")

    # And the contact goes from the client, asked first.
    page.locator("#contacts tr", has_text=EVE).get_by_role("link", name="Remove").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Remove {EVE} from Acme Shop?")
    page.get_by_role("button", name="Remove contact").click()
    expect(page.get_by_role("status")).to_contain_text(f"{EVE} is no longer a contact")
    expect(page.locator("#contacts tr", has_text=EVE)).to_have_count(0)
