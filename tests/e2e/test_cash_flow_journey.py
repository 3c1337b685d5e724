"""The agency reads its cash-flow forecast: from the menu, one chart and one table per currency,
by month and then by week for one client, the chart readable at 390 and 1280 pixels without
the page scrolling sideways, and the figures as a CSV. The forecasts behind it were refreshed
by the changes themselves, on commit (no command was run)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from playwright.sync_api import Page, expect

from milepost.core import clock
from milepost.core.money import format_money
from tests.factories import PASSWORD

from .conftest import TIMEOUT_MS
from .helpers import forget_login_attempts, log_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}


@pytest.fixture(autouse=True)
def _login_limit_untouched():
    forget_login_attempts()
    yield
    forget_login_attempts()


@pytest.fixture
def agency(transactional_db):
    """Northwind with Acme (EUR: a shop accepted today, its first milestone approved and
    invoiced) and Globex (USD: a portal accepted today, untouched)."""
    from milepost.accounts.models import Role, User
    from milepost.plans import services as plans
    from milepost.plans.models import Milestone
    from milepost.reviews import services as reviews
    from tests.factories import ClientFactory, ContactFactory, MembershipFactory, UserFactory

    owner = UserFactory(email="owner@northwind.example", name="Olivia Owner")
    membership = MembershipFactory(user=owner, role=Role.OWNER, organisation__country="DE")
    organisation = membership.organisation
    acme = ClientFactory(organisation=organisation, name="Acme Shop")
    globex = ClientFactory(organisation=organisation, name="Globex Corp")
    anna, gus = UserFactory(email="anna@acme.example"), UserFactory(email="gus@globex.example")
    ContactFactory(client=acme, user=anna)
    ContactFactory(client=globex, user=gus)

    def accepted(client, contact, name, currency):
        project = plans.project_create(
            organisation=organisation,
            client=client,
            actor=owner,
            template="website-cms",
            name=name,
            currency=currency,
            total_budget="10000.00",
            start_date=clock.today(),
        )
        plans.project_access_grant(
            project=project, email=contact.email, role="approver", actor=owner
        )
        plans.plan_propose(project=project, actor=owner)
        plans.plan_accept(project=project, actor=User.objects.get(pk=contact.pk))
        return project

    shop = accepted(acme, anna, "Acme web shop", "EUR")
    accepted(globex, gus, "Globex portal", "USD")

    def first():
        return Milestone.objects.select_related("project").get(project=shop, position=1)

    reviews.milestone_start(milestone=first(), actor=owner)
    reviews.milestone_deliver(milestone=first(), actor=owner, notes="Ready.")
    reviews.milestone_approve(
        milestone=first(), actor=User.objects.get(pk=anna.pk), accept_open_items=True
    )
    invoice = first().invoices.get(kind="invoice")
    return {"owner": owner, "acme": acme, "invoiced": format_money(invoice.gross, "EUR", "en")}


def _sideways(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > innerWidth")


def test_the_cash_flow_by_month_and_week_as_a_chart_a_table_and_a_csv(
    browser, live_server, agency, screenshot
):
    for size in (WIDE, PHONE):
        context = browser.new_context(viewport=size, locale="en-GB", accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        try:
            log_in(page, live_server.url, agency["owner"].email, PASSWORD)
            if size is PHONE:
                page.get_by_role("button", name="Menu").click()
            page.get_by_role("navigation", name="Main").get_by_role(
                "link", name="Cash flow"
            ).click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Cash-flow forecast")
            eur = page.locator('section[data-currency="EUR"]')
            usd = page.locator('section[data-currency="USD"]')
            expect(eur.get_by_role("heading", name="EUR")).to_be_visible()
            expect(usd.get_by_role("heading", name="USD")).to_be_visible()
            # Acme's first invoice (€2,000.00 and 19% VAT) is in this month's "invoiced".
            this_month = eur.locator("tbody tr").first
            invoiced = this_month.locator('td[data-figure="invoiced"]')
            expect(invoiced).to_have_text(agency["invoiced"])
            expect(usd.locator("tfoot")).to_contain_text("$11,900.00")  # every milestone ahead
            chart = eur.get_by_role("img", name=re.compile("Cash flow in EUR by month"))
            expect(chart).to_be_visible()
            expect(chart.locator('rect[data-figure="invoiced"] title')).to_have_count(1)
            assert not _sideways(page)
            # The stacked total row is labelled "Total", not "Month / Total".
            assert eur.locator("tfoot th").get_attribute("data-label") is None
            assert eur.locator("tfoot td").first.get_attribute("data-label") == "Expected invoices"
            screenshot(page, f"cash-flow-month-{size['width']}")

            # By week, for Acme only: the dollars are gone.
            page.get_by_label("Interval", exact=True).select_option("week")
            page.get_by_label("Client", exact=True).select_option(label="Acme Shop")
            page.get_by_role("button", name="Show").click()
            expect(page).to_have_url(re.compile(r"interval=week.*client=\d+"))
            expect(usd).to_have_count(0)
            expect(eur.get_by_role("img", name=re.compile("by week"))).to_be_visible()
            expect(eur.locator("thead")).to_contain_text("Week from")
            assert not _sideways(page)
            screenshot(page, f"cash-flow-week-{size['width']}")

            # A range backwards is refused beside the field, with what was typed kept.
            page.get_by_label("To", exact=True).fill("2020-01-01")
            page.get_by_role("button", name="Show").click()
            expect(page.get_by_text("The end comes before the start")).to_be_visible()
            expect(page.get_by_label("To", exact=True)).to_have_value("2020-01-01")
            page.go_back()

            if size is WIDE:
                with page.expect_download() as download:
                    page.get_by_role("link", name="Export CSV").click()
                rows = list(csv.reader(io.StringIO(download.value.path().read_text())))
                assert rows[0][:3] == ["currency", "start", "end"]
                assert {row[0] for row in rows[1:]} == {"EUR"}
                monday = clock.today() - dt.timedelta(days=clock.today().weekday())
                assert rows[1][1] == monday.isoformat()
        finally:
            context.close()
