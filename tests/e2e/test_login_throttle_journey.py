"""Someone mistypes a password too often: the browser shows the 429 page, not a 403, and a
colleague in the same office (the same address) still logs in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from milepost.accounts.models import Role
from tests.factories import PASSWORD, MembershipFactory, OrganisationFactory, UserFactory

from .helpers import log_in

pytestmark = pytest.mark.e2e


def test_too_many_wrong_passwords_show_the_friendly_429_page(
    transactional_db, settings, live_server, page, screenshot
):
    settings.LOGIN_RATE = "3/d"  # a fixed window that does not end during the test
    organisation = OrganisationFactory(name="Northwind Studio")
    for email in ("ann@northwind.example", "bob@northwind.example"):
        user = UserFactory(email=email)
        MembershipFactory(organisation=organisation, user=user, role=Role.OWNER)

    statuses = []
    page.on("response", lambda r: statuses.append(r.status) if r.request.method == "POST" else 0)
    for attempt in range(4):
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Email").fill(
            "Ann@Northwind.example" if attempt % 2 else "ann@northwind.example"
        )
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Too many attempts")).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"Wait (an hour|about \d+ hours|\d+ minutes)"))
    ).to_be_visible()
    screenshot(page, "login-429")
    assert statuses == [200, 200, 200, 429]

    page.get_by_role("link", name="Back to logging in").click()
    log_in(page, live_server.url, "bob@northwind.example", PASSWORD)
