"""The client sees the bell count rise after a delivery and opens the milestone from it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from milepost.notify.models import Notification
from tests.factories import PASSWORD

from .helpers import active_project, bell_count, forget_login_attempts, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _login_limit_untouched():
    """These journeys log in twice; leave the login rate limit as the next journey expects."""
    forget_login_attempts()
    yield
    forget_login_attempts()


@pytest.fixture
def project(transactional_db):
    return active_project()


def test_delivery_rings_the_bell_and_opening_it_marks_it_read(
    page: Page, new_page, live_server, project, screenshot
):
    owner, approver, milestones = project
    first = milestones[0]
    base = live_server.url
    title = f"“{first.title}” of {first.project.name} is ready for your review (v1)"

    client = page
    agency = new_page()
    log_in(client, base, approver.email, PASSWORD)
    log_in(agency, base, owner.email, PASSWORD)

    # Client: on the dashboard, note the bell.
    expect(client).to_have_url(f"{base}/")
    bell = client.locator("a.bell")
    before = bell_count(client)
    expect(bell).to_have_attribute("aria-label", f"Notifications, {before} unread")

    # Agency: start milestone 1 and deliver it.
    agency.goto(f"{base}/milestones/{first.pk}/")
    agency.get_by_role("button", name="Start this milestone").click()
    expect(agency.get_by_role("status")).to_contain_text("Work on this milestone has started.")
    deliver = agency.locator("section#deliver")
    deliver.get_by_label("What is delivered, and how to test it").fill(
        "The CMS is on staging. Log in with the account we sent and try the homepage."
    )
    deliver.get_by_role("button", name="Deliver").click()
    expect(agency.get_by_role("status")).to_contain_text("Delivered.")

    # Client: after a reload the bell shows one more.
    client.reload()
    expect(bell.locator("[data-unread]")).to_have_text(str(before + 1))
    expect(bell).to_have_attribute("aria-label", f"Notifications, {before + 1} unread")

    # The bell leads to the notifications page; the newest one is the delivery, unread.
    bell.click()
    expect(client).to_have_url(f"{base}/notifications/")
    expect(client.get_by_role("heading", level=1)).to_have_text("Notifications")
    expect(client.locator("li.notif.unread")).to_have_count(before + 1)  # as many as the bell says
    newest = client.locator("li.notif").first
    expect(newest.get_by_role("link")).to_have_text(title)
    expect(newest).to_have_class(re.compile(r"\bunread\b"))
    expect(newest).to_contain_text("Test each deliverable against its acceptance criteria")
    screenshot(client, "notifications-unread")

    # Opening it lands on milestone 1.
    newest.get_by_role("link", name=title).click()
    expect(client).to_have_url(f"{base}/milestones/{first.pk}/")
    expect(client.get_by_role("heading", level=1)).to_have_text(f"1. {first.title}")
    expect(client.get_by_role("heading", name="Checklist for delivery v1")).to_be_visible()
    expect(client.locator("a.bell")).to_have_attribute(
        "aria-label", f"Notifications, {before} unread"
    )

    # Back on the notifications page: read now, and the bell went down again.
    client.goto(f"{base}/notifications/")
    opened = client.locator("li.notif").filter(has_text=title)
    expect(opened).to_have_count(1)
    expect(opened).not_to_have_class(re.compile(r"\bunread\b"))
    assert bell_count(client) == before
    expect(client.locator("li.notif.unread")).to_have_count(before)
    if before == 0:
        expect(client.locator("a.bell [data-unread]")).to_have_count(0)

    notification = Notification.objects.get(user=approver, title=title)
    assert notification.read_at is not None
    assert notification.url == f"/milestones/{first.pk}/"
