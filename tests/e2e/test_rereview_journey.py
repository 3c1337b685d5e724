"""Re-review without starting over, in two browsers: the client fails one item with a note and
passes another, asks for changes (the note already written for them), the agency delivers v2, and
the client finds the passed item still passed ("passed in v1") and only the failed one to test."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from milepost.plans.models import MilestoneStatus
from milepost.reviews.models import Verdict
from tests.factories import PASSWORD

from .helpers import active_project, confirm_dialog, log_in

pytestmark = pytest.mark.e2e

PREVIEW = "https://staging.acme.example/v1"
NOTE = "The admin login says the password is wrong."


def row(page: Page, title: str):
    return page.locator("ul.checklist > li").filter(has_text=title)


def save_result(page: Page, title: str, result: str, note: str = "") -> None:
    item = row(page, title)
    item.get_by_label(result).check()
    if note:
        item.get_by_label("Note").fill(note)
    item.get_by_role("button", name="Save result").click()
    expect(page.get_by_role("status")).to_contain_text("Test result saved.")


def test_v2_keeps_what_passed_and_asks_again_for_what_failed(
    page: Page, new_page, live_server, transactional_db, screenshot
):
    owner, approver, milestones = active_project()
    first = milestones[0]
    login, speed, *rest = [d.title for d in first.deliverables.order_by("position")]
    base = live_server.url
    url = f"{base}/milestones/{first.pk}/"

    agency = page
    client = new_page()
    log_in(agency, base, owner.email, PASSWORD)
    log_in(client, base, approver.email, PASSWORD)

    # Agency: start and deliver v1 with a preview and Markdown notes.
    agency.goto(url)
    agency.get_by_role("button", name="Start this milestone").click()
    deliver = agency.locator("section#deliver")
    deliver.get_by_label("What is delivered, and how to test it").fill(
        "The CMS is on **staging**.\n\n- log in\n- open the homepage"
    )
    deliver.get_by_label("Preview URL").fill(PREVIEW)
    deliver.get_by_role("button", name="Deliver").click()
    expect(agency.get_by_role("status")).to_contain_text("Delivered.")

    # Client: the preview is a button at the top; the notes read as Markdown.
    client.goto(url)
    preview = client.get_by_role("link", name="Open the preview of v1")
    expect(preview).to_be_visible()
    expect(preview).to_have_attribute("href", PREVIEW)
    expect(preview).to_have_attribute("target", "_blank")
    notes = client.locator("section#deliveries .md").first
    expect(notes.locator("strong")).to_have_text("staging")
    expect(notes.locator("li")).to_have_text(["log in", "open the homepage"])

    # One item fails with a note, another passes; the change request starts from the note.
    save_result(client, login, "Failed", NOTE)
    save_result(client, speed, "Passed", "Fast on my phone.")
    changes = client.locator("section#request-changes")
    feedback = changes.get_by_label("What should change?")
    drafted = f"- **{login}**: {NOTE}"
    expect(feedback).to_have_value(drafted)
    feedback.fill(drafted + "\n\nAnd please send the new password.")
    changes.get_by_role("button", name="Request changes").click()
    confirm_dialog(client, "Request changes")
    expect(client.get_by_role("status")).to_contain_text("Changes requested.")
    thread = client.locator("#thread li.entry-changes").first
    expect(thread.locator(".md li")).to_have_text(f"{login}: {NOTE}")
    expect(thread.locator(".md strong")).to_have_text(login)
    expect(thread.locator(".md p")).to_have_text("And please send the new password.")

    # Agency: deliver v2.
    agency.reload()
    deliver = agency.locator("section#deliver")
    deliver.get_by_label("What is delivered, and how to test it").fill("The login is fixed.")
    deliver.get_by_label("Preview URL").fill("https://staging.acme.example/v2")
    deliver.get_by_role("button", name="Deliver").click()
    expect(agency.get_by_role("status")).to_contain_text("Delivered.")
    expect(row(agency, speed)).to_contain_text("passed in v1")

    # Client: passed stays passed, failed is to test with its earlier verdict and note.
    client.reload()
    expect(client.get_by_role("heading", name="Checklist for delivery v2")).to_be_visible()
    expect(client.get_by_role("link", name="Open the preview of v2")).to_have_attribute(
        "href", "https://staging.acme.example/v2"
    )
    expect(row(client, speed).locator(".badge")).to_have_text("Passed")
    expect(row(client, speed)).to_contain_text("passed in v1")
    expect(row(client, speed).get_by_label("Passed")).to_be_checked()
    expect(row(client, login).locator(".badge")).to_have_text("to test")
    expect(row(client, login)).to_contain_text(f"Earlier: failed in v1 — {NOTE}")
    expect(row(client, login).get_by_label("Passed")).not_to_be_checked()
    expect(row(client, login).get_by_label("Failed")).not_to_be_checked()
    for title in rest:
        expect(row(client, title).locator(".badge")).to_have_text("to test")
    expect(client.locator("section#approve")).to_contain_text(
        f"{1 + len(rest)} deliverables have not passed yet."
    )
    screenshot(client, "rereview-client-v2")

    # The client tests what is left and approves; nothing is open.
    for title in (login, *rest):
        save_result(client, title, "Passed")
    expect(row(client, speed)).to_contain_text("passed in v1")
    expect(client.locator("section#approve")).not_to_contain_text("not passed yet")
    # Approval issues the invoice and emails its PDF within the request: slow on a busy machine.
    client.locator("section#approve").get_by_role("button", name="Approve milestone").click()
    confirm_dialog(client, "Approve milestone")
    expect(client.get_by_role("status")).to_contain_text("Milestone approved.", timeout=30_000)

    first.refresh_from_db()
    assert first.status == MilestoneStatus.APPROVED
    assert first.revisions_used == 1
    carried = Verdict.objects.get(delivery__number=2, deliverable__title=speed)
    assert carried.carried_from.delivery.number == 1
    assert carried.decided_by_id == approver.pk
