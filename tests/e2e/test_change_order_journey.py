"""A change order from the agency's draft to the client's signature, in two browsers: the agency
raises a milestone's budget and moves its due date, is told the next milestone now overlaps,
moves the later ones with it and proposes (a dialog says what follows); the client finds it on
the dashboard, reads what changes and what it costs, and accepts (a dialog says it makes plan
v2); both then see plan v2 and the new total. Screenshots at 1280 and 390 px go to the test's
tmp dir."""

from __future__ import annotations

import datetime as dt
import urllib.request
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from milepost.plans.models import ChangeOrder, Milestone, Project
from tests.factories import PASSWORD

from .helpers import active_project, confirm_dialog, forget_login_attempts, log_in

pytestmark = pytest.mark.e2e

NARROW = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}


@pytest.fixture(autouse=True)
def _login_limit_untouched():
    forget_login_attempts()
    yield
    forget_login_attempts()


@pytest.fixture(autouse=True)
def _warm(live_server, transactional_db):
    urllib.request.urlopen(f"{live_server.url}/login/", timeout=120).read()


def shots(page: Page, folder, name: str) -> None:
    """The page at 1280 and at 390 px wide, whole."""
    for label, size in (("1280", WIDE), ("390", NARROW)):
        page.set_viewport_size(size)
        page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(WIDE)


def day(value: dt.date) -> str:
    return f"{value.day} {value:%b %Y}"


def test_the_agency_drafts_fixes_and_proposes_and_the_client_accepts(
    page: Page, new_page, live_server, tmp_path, transactional_db
):
    owner, approver, milestones = active_project()
    project = milestones[0].project
    third, fourth = milestones[2], milestones[3]
    later = third.planned_due + dt.timedelta(days=7)
    base = live_server.url
    agency, client = page, new_page()
    log_in(agency, base, owner.email, PASSWORD)
    log_in(client, base, approver.email, PASSWORD)

    # The agency drafts a change order from the project page.
    agency.goto(f"{base}/projects/{project.pk}/")
    expect(agency.locator("#plan-version")).to_contain_text("plan v1 · 0 change orders")
    agency.locator("#change-orders").get_by_role("link", name="Draft a change order").click()
    agency.get_by_label("What changes, in a few words").fill("Quote form")
    agency.get_by_label("Why (the client reads it)").fill("Sales want quotes online.")
    agency.get_by_role("button", name="Draft it").click()
    expect(agency.get_by_role("status")).to_contain_text("CO-1 drafted on plan v1.")

    # Milestone 3 costs €600.00 more and is due a week later; the live total follows.
    card = agency.locator(f"article#m{third.pk}")
    card.get_by_label("Budget").fill("3600.00")
    card.get_by_label("Due", exact=True).fill(later.isoformat())
    box = agency.locator("#allocation")
    expect(box.locator("[data-after]")).to_have_text("€10,600.00")
    expect(box.locator("[data-change]")).to_have_text("+€600.00")
    box.get_by_role("button", name="Save draft").click()

    # Saved as typed, with the problem it makes, beside milestone 4's start.
    expect(agency.get_by_role("status")).to_contain_text("1 problem to fix")
    expect(agency.locator("#problems")).to_contain_text(
        "Milestone 4 starts before milestone 3 is due."
    )
    expect(agency.locator(f"#id_m{fourth.pk}-planned_start_error")).to_contain_text(
        "starts before milestone 3 is due"
    )
    expect(agency.locator(f"article#m{third.pk}").get_by_label("Budget")).to_have_value("3600.00")
    shots(agency, tmp_path, "co-editor-problem")

    # Fixed: the later milestones move with the due date.
    agency.locator(f"article#m{third.pk}").get_by_label(
        "Move the later milestones by as many working days as the due date moves"
    ).check()
    agency.locator("#allocation").get_by_role("button", name="Save draft").click()
    expect(agency.get_by_role("status")).to_contain_text("Draft saved. It is ready to propose.")
    changes = agency.locator("#what-changes")
    expect(changes).to_contain_text("Milestone 3 · budget €3,000.00 → €3,600.00")
    expect(changes).to_contain_text("Milestone 4 · start")

    # Proposing asks first, with who is told and the money.
    agency.get_by_role("button", name="Propose to the client").click()
    said = confirm_dialog(agency, "Propose to the client", says="which makes plan v2")
    assert "The total becomes €10,600.00 (+€600.00)." in said
    expect(agency.get_by_role("status")).to_contain_text("CO-1 proposed.")
    assert ChangeOrder.objects.get(project=project).status == "proposed"

    # The client finds it on the dashboard, reads the lines and the money.
    client.goto(f"{base}/")
    client.get_by_role("link", name="Review and answer change order CO-1 “Quote form”").click()
    expect(client.locator("#what-changes")).to_contain_text(
        f"due {day(third.planned_due)} → {day(later)}"
    )
    expect(client.locator("#what-changes")).to_contain_text("Sales want quotes online.")
    expect(client.locator("#money")).to_contain_text("The total becomes €10,600.00 (+€600.00).")
    shots(client, tmp_path, "co-client-reads")

    # Accepting asks first: it makes plan v2.
    client.get_by_role("button", name="Accept the change order").click()
    confirm_dialog(client, "Accept the change order", says="Accepting CO-1 makes plan v2")
    expect(client.get_by_role("status")).to_contain_text("You accepted CO-1. The plan is now v2.")

    project = Project.objects.get(pk=project.pk)
    assert (project.plan_version, project.total_budget) == (2, Decimal("10600.00"))
    assert Milestone.objects.get(pk=third.pk).planned_due == later

    # Both sides see plan v2 and the new total on the project page.
    for browser_page in (agency, client):
        browser_page.goto(f"{base}/projects/{project.pk}/")
        expect(browser_page.locator("#plan-version")).to_contain_text("plan v2 · 1 change order")
        contract = browser_page.locator("#change-orders table.contract tr")
        expect(contract.filter(has_text="Original total (plan v1)")).to_contain_text("€10,000.00")
        expect(contract.filter(has_text="1 accepted change order")).to_contain_text("+€600.00")
        expect(contract.filter(has_text="Total now (plan v2)")).to_contain_text("€10,600.00")
        # The project's change-order page has each accepted one's price.
        contract.filter(has_text="1 accepted change order").get_by_role("link").click()
        listed = browser_page.locator("table.contract tr")
        expect(listed.filter(has_text="CO-1 · Quote form")).to_contain_text("+€600.00")
    shots(client, tmp_path, "co-project-client")
    agency.goto(f"{base}/projects/{project.pk}/#change-orders")
    shots(agency, tmp_path, "co-project-agency")
    print(f"screenshots: {tmp_path}")


def test_an_untouched_draft_on_a_project_with_an_approved_milestone_says_no_change(
    page: Page, live_server, transactional_db
):
    """The live total counts the approved milestone's budget: it was read as nothing, so a new
    draft said the total falls by it."""
    from milepost.plans import services as plans
    from milepost.reviews import services as reviews

    owner, approver, milestones = active_project()
    first = milestones[0]
    reviews.milestone_start(milestone=first, actor=owner)
    reviews.milestone_deliver(milestone=Milestone.objects.get(pk=first.pk), actor=owner, notes="v1")
    reviews.milestone_approve(
        milestone=Milestone.objects.get(pk=first.pk), actor=approver, accept_open_items=True
    )
    co = plans.change_order_create(
        project=Project.objects.get(pk=first.project_id), actor=owner, title="Nothing yet"
    )
    log_in(page, live_server.url, owner.email, PASSWORD)
    page.goto(f"{live_server.url}/change-orders/{co.pk}/edit/")
    box = page.locator("#allocation")
    expect(box.locator("[data-after]")).to_have_text("€10,000.00")
    expect(box.locator("[data-change]")).to_have_text("no change")
    page.locator(f"article#m{milestones[2].pk}").get_by_label("Budget").fill("3600.00")
    expect(box.locator("[data-after]")).to_have_text("€10,600.00")


def test_the_live_total_says_it_cannot_add_up_while_a_budget_is_not_an_amount(
    page: Page, live_server, transactional_db
):
    """A budget the server would refuse ("12,5x", "12,5", nothing) was left out of the sum, so
    the total looked lower; now the box says which milestone to fix instead of a total."""
    from milepost.plans import services as plans

    owner, _approver, milestones = active_project()
    third, fourth = milestones[2], milestones[3]
    co = plans.change_order_create(
        project=Project.objects.get(pk=third.project_id), actor=owner, title="A blog"
    )
    log_in(page, live_server.url, owner.email, PASSWORD)
    page.goto(f"{live_server.url}/change-orders/{co.pk}/edit/")
    box = page.locator("#allocation")
    after, change = box.locator("[data-after]"), box.locator("[data-change]")
    fix = box.locator("[data-fix]")
    expect(fix).to_be_hidden()  # the empty "Add a milestone" card is not part of the plan

    budget = page.locator(f"article#m{third.pk}").get_by_label("Budget")
    for typed in ("12,5x", "", "12,5"):
        budget.fill(typed)
        expect(after).to_have_text("—")
        expect(change).to_have_text("—")
        expect(fix).to_have_text(
            f"The total cannot add up yet: fix the budget of milestone 3 “{third.title}”."
        )
    fourth_budget = page.locator(f"article#m{fourth.pk}").get_by_label("Budget")
    as_shown = fourth_budget.input_value()
    fourth_budget.fill("abc")
    expect(fix).to_contain_text(
        f"fix the budget of milestone 3 “{third.title}”, the budget of milestone 4 "
        f"“{fourth.title}”."
    )

    budget.fill("3600.00")
    fourth_budget.fill(as_shown)
    expect(fix).to_be_hidden()
    expect(after).to_have_text("€10,600.00")
    expect(change).to_have_text("+€600.00")

    # A new milestone with a title and no budget cannot be added up either.
    page.locator("#add summary").click()
    page.locator("article#new").get_by_label("Title").fill("Blog")
    expect(fix).to_have_text("The total cannot add up yet: fix the budget of “Blog”.")
    page.locator("article#new").get_by_label("Budget").fill("400")
    expect(after).to_have_text("€11,000.00")


#: Each signed amount on the page, and on how many lines it is drawn.
SIGNED_LINES = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.querySelector("main") || document.body,
                                           NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    for (const match of node.textContent.matchAll(/[+\\u2212]€[\\d,.]+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top)));
      if (tops.size) found.push([match[0], tops.size]);
    }
  }
  return found;
}"""

#: Squeeze the boxes that hold money to their narrowest, as a small screen does at worst.
SQUEEZE = """() => document.querySelectorAll(
  "#money td, #money .consequence p, #proposals p").forEach((e) => { e.style.width = "1px"; })"""


def test_a_signed_price_stays_on_one_line_on_a_narrow_screen(
    page: Page, live_server, transactional_db
):
    """At 390 px "(+€600.00)" broke after its sign; a signed amount is kept whole."""
    from milepost.plans import services as plans

    owner, approver, milestones = active_project()
    third = milestones[2]
    co = plans.change_order_create(
        project=Project.objects.get(pk=third.project_id),
        actor=owner,
        title="A blog",
        changes_=[
            {"op": "update", "milestone": third.pk, "fields": {"budget": str(third.budget + 600)}}
        ],
    )
    plans.change_order_propose(change_order=co, actor=owner)
    log_in(page, live_server.url, approver.email, PASSWORD)
    page.set_viewport_size(NARROW)
    page.goto(f"{live_server.url}/change-orders/{co.pk}/")
    page.locator("#proposals summary").click()
    page.evaluate(SQUEEZE)
    drawn = page.evaluate(SIGNED_LINES)
    assert len(drawn) >= 3, drawn  # the price, the sentence under it, the proposal's record
    assert all(lines == 1 for _text, lines in drawn), drawn
