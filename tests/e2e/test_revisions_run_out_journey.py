"""When the client runs out of revisions, in two browsers: the client is told how to go on and
asks for a change order; the agency sees it waiting, drafts a change order from it, prices it and
proposes it; the client reads what changes and what it costs, and accepts; on another milestone
the client buys one more revision at the project's price. Screenshots at 1280 and 390 px."""

from __future__ import annotations

import urllib.request
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from milepost.plans.models import ChangeOrder, ChangeOrderRequest, Milestone, Project
from milepost.reviews import services as reviews
from tests.factories import PASSWORD

from .helpers import active_project, confirm_dialog, forget_login_attempts, log_in
from .test_change_order_journey import shots

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _login_limit_untouched():
    forget_login_attempts()
    yield
    forget_login_attempts()


@pytest.fixture(autouse=True)
def _warm(live_server, transactional_db):
    urllib.request.urlopen(f"{live_server.url}/login/", timeout=120).read()


def _in_review_without_revisions(milestone, owner):
    Milestone.objects.filter(pk=milestone.pk).update(revision_quota=0)
    fresh = Milestone.objects.select_related("project__organisation").get(pk=milestone.pk)
    reviews.milestone_start(milestone=fresh, actor=owner)
    fresh = Milestone.objects.select_related("project__organisation").get(pk=milestone.pk)
    reviews.milestone_deliver(milestone=fresh, actor=owner, notes="Ready to test.")


def test_out_of_revisions_the_client_asks_and_the_agency_prices_a_change_order(
    page: Page, new_page, live_server, tmp_path, transactional_db
):
    owner, approver, milestones = active_project()
    first = milestones[0]
    project = first.project
    Project.objects.filter(pk=project.pk).update(extra_revision_price="150.00")
    _in_review_without_revisions(first, owner)
    base = live_server.url
    agency, client = page, new_page()
    log_in(agency, base, owner.email, PASSWORD)
    log_in(client, base, approver.email, PASSWORD)

    # The client has no revision left: the page says how to go on.
    client.goto(f"{base}/milestones/{first.pk}/")
    expect(client.locator("#request-changes")).to_contain_text("No revision is left.")
    offer = client.locator("#more-than-planned")
    expect(offer).to_contain_text("costs €150.00")
    shots(client, tmp_path, "out-of-revisions-client")
    offer.get_by_text("Ask for a change order").click()
    offer.get_by_label("What should change?").fill("A page for gift cards, please.")
    offer.get_by_role("button", name="Send to the agency").click()
    expect(client.get_by_role("status")).to_contain_text("Sent: the agency prices your request")
    asked = ChangeOrderRequest.objects.get(milestone=first)

    # The agency sees it waiting on its dashboard and drafts a change order from it.
    agency.goto(f"{base}/")
    expect(agency.locator("body")).to_contain_text("Change order asked for")
    agency.get_by_role("link", name="Change order asked for").first.click()
    requests = agency.locator("#change-order-requests")
    expect(requests).to_contain_text("A page for gift cards, please.")
    requests.get_by_role("button", name="Draft a change order").click()
    expect(agency.get_by_role("status")).to_contain_text("drafted from the client's request")
    co = ChangeOrder.objects.get(request=asked)
    assert co.status == "draft"

    # It prices it: milestone 1 costs €400.00 more.
    card = agency.locator(f"article#m{first.pk}")
    card.get_by_label("Budget").fill(str(first.budget + Decimal("400.00")))
    agency.locator("#allocation").get_by_role("button", name="Save draft").click()
    expect(agency.get_by_role("status")).to_contain_text("Draft saved. It is ready to propose.")
    agency.get_by_role("button", name="Propose to the client").click()
    confirm_dialog(agency, "Propose to the client", says="which makes plan v2")
    expect(agency.get_by_role("status")).to_contain_text(f"{co.label} proposed.")

    # The client reads it and accepts.
    client.goto(f"{base}/change-orders/{co.pk}/")
    expect(client.locator("#money")).to_contain_text("The total becomes €10,400.00 (+€400.00).")
    shots(client, tmp_path, "change-order-from-request")
    client.get_by_role("button", name="Accept the change order").click()
    confirm_dialog(client, "Accept the change order", says="makes plan v2")
    expect(client.get_by_role("status")).to_contain_text("The plan is now v2.")
    assert Project.objects.get(pk=project.pk).total_budget == Decimal("10400.00")

    # Buying one more revision asks first, then the client can ask for changes again.
    client.goto(f"{base}/milestones/{first.pk}/")
    client.locator("#more-than-planned").get_by_role("button", name="Buy one revision").click()
    confirm_dialog(client, "Buy one revision", says="costs €150.00")
    expect(client.get_by_role("status")).to_contain_text("One more revision bought")
    assert Milestone.objects.get(pk=first.pk).revision_quota == 1
    assert Project.objects.get(pk=project.pk).plan_version == 3
    shots(client, tmp_path, "revision-bought")
    print(f"screenshots: {tmp_path}")
