"""On hold, resumed, cancelled, and a draft deleted, in the agency's and the client's browsers:
the client sees the hold and cannot approve meanwhile; resuming moves the auto-approval date by
the time on hold; a cancellation's reason reaches both sides; a draft never proposed goes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from milepost.core import clock
from milepost.plans import services as plans
from milepost.plans.models import Milestone, Project
from milepost.reviews import services as reviews
from tests.factories import PASSWORD

from .helpers import active_project, log_in

pytestmark = pytest.mark.e2e


def shown(when: dt.datetime) -> str:
    """A date and time as the English pages print them (DATETIME_FORMAT, UTC)."""
    return f"{when.day} {when:%b %Y, %H:%M}"


@pytest.fixture
def in_review(transactional_db):
    """An accepted plan whose first milestone waits for the client's review."""
    owner, approver, milestones = active_project()
    first = milestones[0]
    reviews.milestone_start(milestone=first, actor=owner)
    first = Milestone.objects.select_related("project__organisation").get(pk=first.pk)
    reviews.milestone_deliver(milestone=first, actor=owner, notes="Home page ready to test.")
    return owner, approver, Milestone.objects.select_related("project").get(pk=first.pk)


def test_hold_resume_cancel_and_delete_a_draft(
    page: Page, new_page, live_server, in_review, screenshot
):
    owner, approver, first = in_review
    project = first.project
    base = live_server.url
    before = first.auto_approve_at
    assert before is not None

    agency, client = page, new_page()
    log_in(agency, base, owner.email, PASSWORD)
    log_in(client, base, approver.email, PASSWORD)

    client.goto(f"{base}/milestones/{first.pk}/")
    expect(client.get_by_text(f"approved automatically on {shown(before)}")).to_be_visible()

    # The agency puts the project on hold, after reading what follows.
    agency.goto(f"{base}/projects/{project.pk}/")
    agency.get_by_role("link", name="Put on hold").click()
    expect(agency.get_by_role("heading", level=1)).to_have_text(f"Put “{project.name}” on hold?")
    agency.get_by_label("Why (both sides read it)").fill("Waiting for the client's new budget.")
    agency.get_by_role("button", name="Put on hold").click()
    expect(agency.locator("#on-hold")).to_contain_text("On hold since")
    expect(agency.locator("p.muted .badge")).to_have_text("On hold")

    # The client sees why, and cannot approve (or be asked to) meanwhile.
    client.goto(f"{base}/projects/{project.pk}/")
    expect(client.locator("#on-hold")).to_contain_text("Waiting for the client's new budget.")
    screenshot(client, "hold-client-project")
    client.goto(f"{base}/milestones/{first.pk}/")
    expect(client.get_by_role("button", name="Approve milestone")).to_be_disabled()
    expect(client.locator("#why-approve")).to_have_text(
        "The project is on hold: this waits until the agency resumes it."
    )
    expect(client.locator("#auto-approval-paused")).to_be_visible()
    expect(client.get_by_text("approved automatically on")).to_have_count(0)

    # Three days on hold (the clock of the server is the real one: move the hold's start).
    held_since = clock.now() - dt.timedelta(days=3)
    Project.objects.filter(pk=project.pk).update(on_hold_since=held_since)

    agency.goto(f"{base}/projects/{project.pk}/")
    agency.get_by_role("link", name="Resume").click()
    expect(agency.locator("ul.moved")).to_contain_text("is approved automatically on")
    screenshot(agency, "hold-resume-confirm")
    agency.get_by_role("button", name="Resume the project").click()
    expect(agency.locator("ul.messages")).to_contain_text("The project is active again")
    expect(agency.locator("#on-hold")).to_have_count(0)

    after = Milestone.objects.select_related("project").get(pk=first.pk).auto_approve_at
    moved = after - before
    assert dt.timedelta(days=3) <= moved < dt.timedelta(days=3, minutes=5), moved
    client.goto(f"{base}/milestones/{first.pk}/")
    expect(client.get_by_text(f"approved automatically on {shown(after)}")).to_be_visible()
    expect(client.get_by_role("button", name="Approve milestone")).to_be_enabled()

    # The agency cancels: a reason is required, and both sides read it.
    agency.get_by_role("link", name="Cancel the project").click()
    agency.get_by_role("button", name="Cancel the project").click()
    expect(agency.locator(".field.has-error")).to_contain_text("This field is required.")
    reason = agency.get_by_label("Why is the project cancelled? (both sides read it)")
    reason.fill("The client merged the shop into their group's platform.")
    agency.get_by_role("button", name="Cancel the project").click()
    expect(agency.locator("#cancelled")).to_contain_text("Cancelled on")
    expect(agency.locator("#cancelled")).to_contain_text("merged the shop into their group")
    screenshot(agency, "hold-cancelled-project")
    client.goto(f"{base}/projects/{project.pk}/")
    expect(client.locator("#cancelled")).to_contain_text(
        "The client merged the shop into their group's platform."
    )
    client.goto(f"{base}/milestones/{first.pk}/")
    expect(client.locator("#why-approve")).to_have_text(
        "The project is cancelled: nothing more happens in it."
    )

    # A draft never proposed: the agency deletes it after reading what goes with it.
    draft = plans.project_create(
        organisation=project.organisation,
        client=project.client,
        actor=owner,
        template="website-cms",
        name="Acme loyalty idea",
        currency="EUR",
        total_budget="4000.00",
        start_date=dt.date.today(),
    )
    agency.goto(f"{base}/projects/{draft.pk}/")
    agency.get_by_role("link", name="Delete the draft").click()
    expect(
        agency.get_by_text("It was never proposed, so the client has not seen it.")
    ).to_be_visible()
    agency.get_by_role("button", name="Delete the draft").click()
    expect(agency).to_have_url(re.compile(r"/projects/$"))
    expect(agency.get_by_text("The draft “Acme loyalty idea” was deleted.")).to_be_visible()
    assert not Project.objects.filter(pk=draft.pk).exists()
