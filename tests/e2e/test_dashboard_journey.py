"""The agency's dashboard keeps each currency's money apart and says what waits on whom; a
client contact sees what they owe; search finds an invoice by its number; the projects list
sorts and pages."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from milepost.core import clock
from milepost.core.money import format_money
from tests.factories import PASSWORD

from .helpers import forget_login_attempts, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _login_limit_untouched():
    forget_login_attempts()
    yield
    forget_login_attempts()


def money(amount, currency: str) -> str:
    return format_money(Decimal(amount), currency, "en")


def _accepted(owner, client, contact, name: str, currency: str, start: dt.date):
    from milepost.accounts.models import User
    from milepost.plans import services as plans

    project = plans.project_create(
        organisation=client.organisation,
        client=client,
        actor=owner,
        template="website-cms",
        name=name,
        currency=currency,
        total_budget="10000.00",
        start_date=start,
    )
    plans.project_access_grant(project=project, email=contact.email, role="approver", actor=owner)
    plans.plan_propose(project=project, actor=owner)
    plans.plan_accept(project=project, actor=User.objects.get(pk=contact.pk))
    return project


def _approve(owner, contact, project, position: int):
    from milepost.accounts.models import User
    from milepost.billing.models import Invoice
    from milepost.plans.models import Milestone
    from milepost.reviews import services as reviews

    def fresh():
        return Milestone.objects.select_related("project").get(project=project, position=position)

    reviews.milestone_start(milestone=fresh(), actor=owner)
    reviews.milestone_deliver(milestone=fresh(), actor=owner, notes="Ready for you.")
    reviews.milestone_approve(
        milestone=fresh(), actor=User.objects.get(pk=contact.pk), accept_open_items=True
    )
    return Invoice.objects.get(milestone=fresh(), kind="invoice")


@pytest.fixture
def agency(transactional_db):
    """Northwind with two clients: Acme (EUR: one invoice overdue since last month, one issued
    today and part-paid, a plan proposed) and Globex (USD: one invoice issued today), plus
    enough drafts for the projects list to have a second page."""
    from milepost.accounts.models import Role
    from milepost.billing import services as billing
    from milepost.plans import services as plans
    from tests.factories import (
        ClientFactory,
        ContactFactory,
        MembershipFactory,
        OrganisationFactory,
        UserFactory,
    )

    organisation = OrganisationFactory(name="Northwind Studio", country="DE")
    owner = UserFactory(email="owner@northwind.example", name="Olivia Owner")
    MembershipFactory(organisation=organisation, user=owner, role=Role.OWNER)
    acme = ClientFactory(organisation=organisation, name="Acme Shop")
    globex = ClientFactory(organisation=organisation, name="Globex Corp")
    anna = UserFactory(email="anna@acme.example", name="Anna Approver")
    gus = UserFactory(email="gus@globex.example", name="Gus Approver")
    ContactFactory(client=acme, user=anna)
    ContactFactory(client=globex, user=gus)

    today = clock.today()
    earlier = dt.datetime.combine(today - dt.timedelta(days=40), dt.time(9), tzinfo=dt.UTC)
    with clock.frozen(earlier):
        shop = _accepted(owner, acme, anna, "Acme web shop", "EUR", earlier.date())
        overdue = _approve(owner, anna, shop, 1)  # due 26 days ago
    current = _approve(owner, anna, shop, 2)
    billing.payment_record(
        invoice=current, amount="100.00", date=str(today), method="cash", actor=owner
    )
    portal = _accepted(owner, globex, gus, "Globex portal", "USD", today)
    dollars = _approve(owner, gus, portal, 1)

    proposed = plans.project_create(
        organisation=organisation,
        client=acme,
        actor=owner,
        template="website-cms",
        name="Acme mobile app",
        currency="EUR",
        total_budget="8000.00",
        start_date=today,
    )
    plans.project_access_grant(project=proposed, email=anna.email, role="approver", actor=owner)
    plans.plan_propose(project=proposed, actor=owner)
    for n in range(19):  # 22 projects in all: a second page of the list (20 a page)
        plans.project_create(
            organisation=organisation,
            client=globex if n % 2 else acme,
            actor=owner,
            name=f"Draft {n:02}",
            currency="EUR",
            total_budget="1000.00",
            start_date=today,
        )
    return {
        "owner": owner,
        "anna": anna,
        "overdue": overdue,
        "current": current,
        "dollars": dollars,
    }


def _figure(page: Page, currency: str, figure: str):
    return page.locator(f'tr[data-currency="{currency}"] td[data-figure="{figure}"]')


def test_dashboards_money_waiting_lists_search_and_the_projects_list(
    page: Page, new_page, live_server, agency, screenshot
):
    overdue, current, dollars = agency["overdue"], agency["current"], agency["dollars"]
    log_in(page, live_server.url, agency["owner"].email, PASSWORD)

    # Money at a glance, one row per currency, never added across currencies.
    expect(page.get_by_role("heading", name="Money at a glance")).to_be_visible()
    expect(_figure(page, "EUR", "invoiced_month")).to_have_text(money(current.gross, "EUR"))
    expect(_figure(page, "EUR", "outstanding")).to_have_text(
        money(overdue.gross + current.gross - Decimal("100.00"), "EUR")
    )
    expect(_figure(page, "EUR", "overdue")).to_contain_text(money(overdue.gross, "EUR"))
    expect(_figure(page, "EUR", "overdue")).to_contain_text("1 invoice")
    expect(_figure(page, "USD", "invoiced_month")).to_have_text(money(dollars.gross, "USD"))
    expect(_figure(page, "USD", "overdue")).to_have_text(money(0, "USD"))
    # The next expected payments: the overdue one first.
    expected = page.locator("table.expected-payments tbody tr")
    expect(expected.first).to_contain_text(overdue.number)
    expect(expected.first).to_contain_text("Overdue")
    # What waits on whom, and what needs attention first.
    waiting_client = page.locator(
        "section", has=page.get_by_role("heading", name="Waiting on the client")
    )
    expect(waiting_client).to_contain_text("Plan of Acme mobile app")
    waiting_us = page.locator("section", has=page.get_by_role("heading", name="Waiting on us"))
    expect(waiting_us).to_contain_text(
        "can start"
    )  # milestone 2 of the Globex portal, 3 of the shop
    attention = page.locator(
        "section", has=page.get_by_role("heading", name="Needs attention first")
    )
    expect(attention).to_contain_text("Acme web shop")
    expect(attention).to_contain_text("1 overdue invoice")
    screenshot(page, "dashboard-agency")

    # Search from the header box finds the invoice by its number.
    page.get_by_label("Search projects, clients and invoices").fill(dollars.number)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="1 invoice")).to_be_visible()
    page.get_by_role("link", name=dollars.number).click()
    expect(page.get_by_role("heading", name=re.compile(dollars.number))).to_be_visible()

    # The projects list: counted, sorted by a column, paged with the sort kept.
    page.goto(f"{live_server.url}/projects/")
    expect(page.locator(".list-count")).to_have_text("22 projects")
    page.get_by_role("link", name="Project", exact=True).click()
    expect(page).to_have_url(re.compile(r"sort=name"))
    rows = page.locator("table tbody tr")
    expect(rows.first).to_contain_text("Acme mobile app")
    expect(rows).to_have_count(20)
    page.get_by_role("link", name=re.compile("Next")).click()
    expect(page).to_have_url(re.compile(r"sort=name.*page=2"))
    expect(rows).to_have_count(2)
    expect(rows.last).to_contain_text("Globex portal")
    page.get_by_role("link", name="Project ▲").click()  # now descending
    expect(page).to_have_url(re.compile(r"sort=-name"))
    expect(rows.first).to_contain_text("Globex portal")

    # The client: what they owe, on their projects only, the overdue one flagged.
    client_page = new_page()
    log_in(client_page, live_server.url, agency["anna"].email, PASSWORD)
    owed = client_page.locator("#owed")
    expect(owed.get_by_role("heading", name="What you owe")).to_be_visible()
    owed_rows = owed.locator("tbody tr")
    expect(owed_rows).to_have_count(2)
    expect(owed_rows.first).to_contain_text(overdue.number)
    expect(owed_rows.first).to_contain_text("Overdue")
    expect(owed_rows.nth(1)).to_contain_text(money(current.gross - Decimal("100.00"), "EUR"))
    expect(owed).not_to_contain_text(dollars.number)
    expect(client_page.get_by_label("Search projects, clients and invoices")).to_have_count(0)
    screenshot(client_page, "dashboard-client")
    owed.get_by_role("link", name=overdue.number).click()
    expect(client_page.get_by_role("heading", name=re.compile(overdue.number))).to_be_visible()
