"""The client reads the plan's versions on a phone and on a desktop: from the project page to the
history, to v2 with what changed since v1, and back to v1 compared with v2."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from milepost.accounts.models import User
from tests.plan_versions import accepted_project, change_budget_and_due

from .conftest import SCREENSHOTS, TIMEOUT_MS
from .helpers import log_in

pytestmark = pytest.mark.e2e

SIZES = ({"width": 390, "height": 844}, {"width": 1280, "height": 900})
CHANGE = (
    "Milestone 3 · budget €3,000.00 → €3,600.00 · due 26 Feb 2027 → 2 Mar 2027 · "
    "deliverable “Quote form” added"
)


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), (
        f"{page.url} scrolls sideways at {page.viewport_size['width']} px"
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: str(s["width"]))
def test_the_client_reads_the_versions_and_what_changed(
    world, browser, live_server, password, size
):
    project = accepted_project(world)
    change_budget_and_due(project, accepted_by=User.objects.get(pk=world.contact.pk))
    width = size["width"]
    context = browser.new_context(viewport=size, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        log_in(page, live_server.url, world.contact.email, password)
        page.goto(f"{live_server.url}/projects/{project.pk}/")
        page.get_by_role("link", name="Plan versions").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Plan versions")
        rows = page.locator("table.versions tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.nth(0)).to_contain_text("v2")
        expect(rows.nth(0)).to_contain_text("CO-1: a quote form")
        expect(rows.nth(1)).to_contain_text("The baseline")
        _fits(page)
        if width < 500:  # the table stacks, each cell labelled with its column
            expect(rows.nth(0).locator("td").nth(2)).to_have_attribute("data-label", "Reason")
        page.screenshot(path=str(SCREENSHOTS / f"versions-{width}.png"), full_page=True)

        page.get_by_role("link", name="v2", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Plan v2")
        changes = page.locator("#changes")
        expect(changes.get_by_role("heading")).to_have_text("What changed since v1")
        expect(changes.get_by_text(CHANGE)).to_be_visible()
        expect(page.locator("#total-change")).to_contain_text("€10,000.00 → €10,600.00")
        expect(page.locator("#m3")).to_contain_text("Quote form")
        _fits(page)
        page.screenshot(path=str(SCREENSHOTS / f"version-2-{width}.png"), full_page=True)

        # v1 compared with v2: the same change, the other way.
        page.goto(f"{live_server.url}/projects/{project.pk}/versions/1/")
        expect(changes.get_by_role("heading")).to_have_text("The baseline")
        page.get_by_label("Compare with").select_option("2")
        page.get_by_role("button", name="Compare").click()
        expect(page).to_have_url(f"{live_server.url}/projects/{project.pk}/versions/1/?against=2")
        expect(changes.get_by_role("heading")).to_have_text("What differs from v2")
        expect(changes).to_contain_text("deliverable “Quote form” removed")
        expect(page.locator("#total-change")).to_contain_text("€10,600.00 → €10,000.00")
        _fits(page)
    finally:
        context.close()
