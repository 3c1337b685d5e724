"""On a 390 px phone, a table's actions and statuses are on screen without scrolling sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from milepost.accounts import services as accounts

from .conftest import SCREENSHOTS, TIMEOUT_MS
from .helpers import log_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def right_edge(locator) -> float:
    box = locator.bounding_box()
    return box["x"] + box["width"]


def test_the_revoke_action_of_an_api_token_fits_a_phone(world, phone, live_server, password):
    accounts.api_token_create(user=world.owner, name="CLI token", actor=world.owner)
    log_in(phone, live_server.url, world.owner.email, password)
    phone.goto(f"{live_server.url}/settings/")
    revoke = phone.get_by_role("link", name="Revoke")
    expect(revoke).to_be_visible()
    # No sideways scrolling inside the table: the link is where the page first shows it.
    wrap = phone.locator("#tokens .table-wrap, .table-wrap").first
    assert wrap.evaluate("el => el.scrollLeft") == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    revoke.locator("xpath=ancestor::section[1]").screenshot(
        path=str(SCREENSHOTS / "settings-tokens-390.png")
    )
    assert right_edge(revoke) <= right_edge(wrap)  # inside the table's visible box, not cut off
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
