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


# --- Every main page at 390 and 1280 px ----------------------------------------------------------

WIDE = {"width": 1280, "height": 900}


def _two_clients():
    """Northwind: Acme's active shop (milestone 1 approved and invoiced) and Birch's proposed
    plan, both shared with Anna (a contact of both clients); a draft for the plan editor."""
    import datetime as dt

    from milepost.accounts.models import User
    from milepost.billing.models import Invoice
    from milepost.plans import services as plans
    from milepost.plans.models import Milestone
    from milepost.reviews import services as reviews
    from tests.factories import ClientFactory, ContactFactory

    from .helpers import active_project

    owner, approver, milestones = active_project()
    first = milestones[0]
    organisation = first.project.organisation
    reviews.milestone_start(milestone=first, actor=owner)
    fresh = Milestone.objects.select_related("project").get(pk=first.pk)
    reviews.milestone_deliver(milestone=fresh, actor=owner, notes="Ready for you.")
    fresh = Milestone.objects.select_related("project").get(pk=first.pk)
    reviews.milestone_approve(milestone=fresh, actor=approver, accept_open_items=True)
    invoice = Invoice.objects.get(milestone=first, kind="invoice")

    birch = ClientFactory(organisation=organisation, name="Birch Bakery International GmbH")
    ContactFactory(client=birch, user=approver)
    proposed = plans.project_create(
        organisation=organisation,
        client=birch,
        actor=owner,
        template="website-cms",
        name="Bakery ordering portal with a long name",
        currency="EUR",
        total_budget="8000.00",
        start_date=dt.date.today(),
    )
    plans.project_access_grant(project=proposed, email=approver.email, role="approver", actor=owner)
    plans.plan_propose(project=proposed, actor=owner)
    draft = plans.project_create(
        organisation=organisation,
        client=birch,
        actor=owner,
        template="website-cms",
        name="Bakery newsletter",
        currency="EUR",
        total_budget="3000.00",
        start_date=dt.date.today(),
    )
    approver = User.objects.get(pk=approver.pk)
    return owner, approver, first, invoice, draft


def _pages(first, invoice, draft, *, agency: bool) -> dict[str, str]:
    pages = {
        "dashboard": "/",
        "projects": "/projects/",
        "project": f"/projects/{first.project_id}/",
        "milestone": f"/milestones/{first.pk}/",
        "invoices": "/invoices/",
        "invoice": f"/invoices/{invoice.pk}/",
        "settings": "/settings/",
        "notifications": "/notifications/",
    }
    if agency:
        pages |= {
            "plan-editor": f"/projects/{draft.pk}/plan/",
            "clients": "/clients/",
            "search": "/search/?q=Bakery",
            "cash-flow": "/cash-flow/",
        }
    return pages


UNLABELLED_CELLS = """() => {
  const cells = Array.from(document.querySelectorAll("main table.stacks tbody td"));
  const bad = [];
  for (const cell of cells) {
    const table = cell.closest("table");
    const heads = table.tHead ? Array.from(table.tHead.rows[0].cells) : [];
    const header = heads[cell.cellIndex];
    const wanted = header ? header.textContent.trim() : "";
    if (!wanted || cell.offsetParent === null) continue;
    const shown = getComputedStyle(cell, "::before").content.replace(/^"|"$/g, "");
    const box = cell.getBoundingClientRect();
    if (shown !== wanted || box.right > innerWidth + 0.5) bad.push(wanted + ": " + shown);
  }
  return {count: cells.length, bad: bad};
}"""


def _check_page(page, base: str, name: str, path: str, width: int, who: str) -> dict:
    page.goto(f"{base}{path}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), (
        f"{who} {name} at {width}: the page scrolls sideways "
        f"({page.evaluate('document.documentElement.scrollWidth')} px)"
    )
    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    result = {}
    if width < 500:
        expect(menu).to_be_visible()
        expect(menu).to_have_attribute("aria-expanded", "false")
        expect(nav).to_be_hidden()
        labels = page.evaluate(UNLABELLED_CELLS)
        assert not labels["bad"], f"{who} {name} at {width}: {labels['bad']}"
        result["cells"] = labels["count"]
    else:
        expect(menu).to_be_hidden()
        expect(nav).to_be_visible()
        bar = page.locator("header.top .bar").bounding_box()
        # One line: the brand, every link of the menu, the search and the account sit side by
        # side, their middles level with the brand's.
        middles = page.evaluate(
            """() => Array.from(document.querySelectorAll(
                 "header.top .brand, nav.main a, header.top .header-search, header.top .who > *"))
               .filter(el => el.offsetParent !== null)
               .map(el => { const r = el.getBoundingClientRect(); return r.top + r.height / 2; })"""
        )
        assert max(middles) - min(middles) <= 6, f"{who} {name}: the header wraps ({middles})"
        result["header"] = bar["height"]
    page.screenshot(path=str(SCREENSHOTS / f"screens-{who}-{name}-{width}.png"), full_page=True)
    if name == "plan-editor":
        # Scrolled down to the third milestone, the allocation box is still at the top.
        page.locator("article.milestone-editor").nth(2).scroll_into_view_if_needed()
        page.mouse.wheel(0, 400)
        expect(page.locator("article.milestone-editor").nth(2)).to_be_in_viewport()
        box = page.locator("#allocation").bounding_box()
        assert abs(box["y"]) <= 1, f"the allocation box scrolled away (y={box['y']})"
        expect(page.locator("#allocation").get_by_label("Total budget")).to_be_in_viewport()
        page.screenshot(path=str(SCREENSHOTS / f"screens-{who}-{name}-scrolled-{width}.png"))
    return result


def test_every_main_page_fits_390_and_1280_pixels(transactional_db, browser, live_server, password):
    owner, approver, first, invoice, draft = _two_clients()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    figures = {}
    for who, user, agency in (("owner", owner, True), ("contact", approver, False)):
        for size in (PHONE, WIDE):
            context = browser.new_context(viewport=size, locale="en-GB")
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            try:
                log_in(page, live_server.url, user.email, password)
                for name, path in _pages(first, invoice, draft, agency=agency).items():
                    figures[(who, name, size["width"])] = _check_page(
                        page, live_server.url, name, path, size["width"], who
                    )
            finally:
                context.close()
    # The phone's menu opens and closes with the button.
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        log_in(page, live_server.url, owner.email, password)
        menu = page.get_by_role("button", name="Menu")
        nav = page.get_by_role("navigation", name="Main")
        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")
        expect(nav.get_by_role("link", name="Invoices")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        page.screenshot(path=str(SCREENSHOTS / "screens-owner-menu-open-390.png"))
        nav.get_by_role("link", name="Clients").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Clients")
        expect(nav).to_be_hidden()
    finally:
        context.close()
    # Tables were really there to check at 390 px.
    assert figures[("owner", "invoices", 390)]["cells"] > 0
    assert figures[("owner", "projects", 390)]["cells"] > 0
    assert figures[("contact", "projects", 390)]["cells"] > 0


def test_without_javascript_the_navigation_stays_open(world, browser, live_server, password):
    context = browser.new_context(viewport=PHONE, locale="en-GB", java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        log_in(page, live_server.url, world.owner.email, password)
        expect(page.get_by_role("navigation", name="Main")).to_be_visible()
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


# --- Between phone and desktop -------------------------------------------------------------------

#: A tablet held upright, a small laptop, a tablet held sideways and a laptop with a side bar.
MIDDLE_WIDTHS = (800, 900, 1024, 1150, 1240)

#: The header's pieces that are off screen or drawn over one another, by name.
HEADER_CLASHES = """() => {
  const items = Array.from(document.querySelectorAll(
      "header.top .brand, nav.main a, header.top .header-search, header.top .who > *"))
    .filter(el => el.offsetParent !== null)
    .map(el => ({name: el.textContent.trim() || el.className, r: el.getBoundingClientRect()}));
  const bad = items.filter(i => i.r.left < 0 || i.r.right > innerWidth + 0.5).map(i => i.name);
  for (let a = 0; a < items.length; a++) for (let b = a + 1; b < items.length; b++) {
    const p = items[a].r, q = items[b].r;
    if (p.left < q.right - 1 && q.left < p.right - 1
        && p.top < q.bottom - 1 && q.top < p.bottom - 1)
      bad.push(items[a].name + " over " + items[b].name);
  }
  return bad;
}"""


def test_the_header_fits_between_a_phone_and_a_desktop(world, browser, live_server, password):
    """Eight links, the search and the account did not fit one line below about 1,150 px: the
    last links slid under the search box and the account. There the links take a row of their
    own."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in MIDDLE_WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        try:
            log_in(page, live_server.url, world.owner.email, password)
            page.goto(f"{live_server.url}/")
            expect(page.get_by_role("navigation", name="Main")).to_be_visible()
            clashes = page.evaluate(HEADER_CLASHES)
            assert not clashes, f"at {width} px: {clashes}"
            nav = page.locator("nav.main")
            assert nav.evaluate("el => el.scrollWidth <= el.clientWidth"), f"{width}: links cut off"
            assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), width
            expect(page.get_by_role("link", name="Settings", exact=True)).to_be_in_viewport()
            expect(page.get_by_role("button", name="Log out")).to_be_in_viewport()
            page.locator("header.top").screenshot(path=str(SCREENSHOTS / f"header-{width}.png"))
        finally:
            context.close()
