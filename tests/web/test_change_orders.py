"""Change orders in the web: the project page's section and contract value, drafting, the editor
(saved as typed, problems beside their fields), the change order's page for each role and state,
its steps with their confirmations, and the client's dashboard."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone

from milepost.audit.models import AuditEvent
from milepost.plans import services as plans
from milepost.plans.models import ChangeOrder, PlanVersion, Project
from milepost.reviews.services.change_orders import change_order_accept

from ..reviews.conftest import START, VIEWER_EMAIL, activate, cycle_for, fresh

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    http = Client()
    http.force_login(user)
    return http


def page(user, path: str) -> str:
    response = browser(user).get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def text(html: str) -> str:
    """The page's words, tags out and spaces folded, to assert what a person reads (a span
    wraps words inside a line: "(<span>+€600.00</span>)" reads "(+€600.00)")."""
    inline = re.sub(r"</?span\b[^>]*>", "", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", inline)))


def section(html: str, section_id: str) -> str:
    """The words of the ``<section id=…>`` of the page."""
    start = html.index(f'id="{section_id}"')
    return text(html[start : html.index("</section>", start)])


@pytest.fixture
def active(world):
    """An accepted website-cms plan (EUR 10,000.00, five milestones), approver and viewer."""
    project = plans.project_create(
        organisation=world.organisation,
        client=world.client,
        actor=world.owner,
        template="website-cms",
        name="Acme webshop",
        currency="EUR",
        total_budget="10000.00",
        start_date=START,
    )
    for email, role in ((world.contact.email, "approver"), (VIEWER_EMAIL, "viewer")):
        plans.project_access_grant(project=project, email=email, role=role, actor=world.owner)
    return cycle_for(world, activate(project, world.owner, world.contact))


def more_for(cycle, position: int, extra: str = "600.00", **fields) -> list[dict]:
    m = cycle.m(position)
    return [
        {
            "op": "update",
            "milestone": m.pk,
            "fields": {"budget": str(m.budget + Decimal(extra)), **fields},
        }
    ]


def draft_co(cycle, changes=None, title="A blog") -> ChangeOrder:
    return plans.change_order_create(
        project=Project.objects.get(pk=cycle.project.pk),
        actor=cycle.manager,
        title=title,
        reason="The client wants a blog.",
        changes_=changes if changes is not None else more_for(cycle, 3),
    )


def proposed_co(cycle, **kwargs) -> ChangeOrder:
    co = draft_co(cycle, **kwargs)
    return plans.change_order_propose(change_order=co, actor=cycle.manager)


class _Fields(HTMLParser):
    """What a browser would send for one form: its inputs, checked boxes, textareas, selects."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, False, []
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or "disabled" in a:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append([a["name"], a.get("value", "on")])
            elif kind not in ("submit", "button", "file"):
                self.fields.append([a["name"], a.get("value", "")])
        elif tag == "textarea":
            self._textarea = [a["name"], ""]
            self.fields.append(self._textarea)
        elif tag == "select":
            self._select = [a["name"], None]
            self.fields.append(self._select)
        elif (
            tag == "option"
            and self._select is not None
            and ("selected" in a or self._select[1] is None)
        ):
            self._select[1] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data.removeprefix("\n") if not self._textarea[1] else data


def form_data(html: str, form_id: str = "co-form") -> dict[str, str]:
    parser = _Fields(form_id)
    parser.feed(html)
    return {name: value or "" for name, value in parser.fields}


def co_path(co, step: str = "") -> str:
    return f"/change-orders/{co.pk}/" + (f"{step}/" if step else "")


def test_smoke_every_page_renders(active):
    co = draft_co(active)
    for user in (active.owner, active.manager, active.member):
        page(user, f"/projects/{active.project.pk}/")
    page(active.owner, co_path(co))
    page(active.owner, co_path(co, "edit"))
    page(active.owner, f"/projects/{active.project.pk}/change-orders/new/")
    plans.change_order_propose(change_order=co, actor=active.manager)
    for user in (active.owner, active.approver, active.viewer):
        page(user, co_path(co))
        page(user, f"/projects/{active.project.pk}/")
    page(active.approver, "/")


def edit(cycle, co, change=None, user=None, **typed):
    """Open the editor as a browser would, change the fields ``typed`` (name → value; None takes
    a field out: an unticked box), post it; returns the response."""
    user = user or cycle.manager
    data = form_data(page(user, co_path(co, "edit")))
    for name, value in typed.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    if change is not None:
        change(data)
    return browser(user).post(co_path(co, "edit"), data)


def stored(co) -> list:
    return ChangeOrder.objects.get(pk=co.pk).changes


# --- The project page -----------------------------------------------------------------------------


def test_the_project_page_lists_change_orders_and_the_running_contract_value(active):
    accepted = proposed_co(active, title="More pages")
    change_order_accept(change_order=accepted, actor=fresh(active.approver))
    declined = proposed_co(active, changes=more_for(active, 4, "-500.00"), title="Less polish")
    plans.change_order_decline(change_order=declined, actor=fresh(active.approver), reason="No")
    draft = draft_co(active, changes=more_for(active, 5, "250.00"), title="Launch help")
    path = f"/projects/{active.project.pk}/"

    owner = text(page(active.owner, path))
    assert "plan v2 · 3 change orders" in owner
    for row in (
        "CO-1 · More pages Accepted +€600.00",
        "CO-2 · Less polish Declined \N{MINUS SIGN}€500.00",
        "CO-3 · Launch help Draft +€250.00 (so far)",
    ):
        assert row in owner
    assert "Original total (plan v1) €10,000.00" in owner
    assert "1 accepted change order +€600.00" in owner
    assert "Total now (plan v2) €10,600.00" in owner
    # The open one comes first.
    assert owner.index("CO-3 · Launch help") < owner.index("CO-2 · Less polish")
    # Each accepted one is on the project's change-order page.
    listed = text(page(active.owner, f"/projects/{active.project.pk}/change-orders/"))
    assert "CO-1 · More pages · accepted" in listed
    assert "Original total (plan v1) €10,000.00" in listed
    assert "Total now (plan v2) €10,600.00" in listed
    html = page(active.owner, path)
    assert 'id="change-orders"' in html and f'href="/change-orders/{draft.pk}/"' in html

    # The client: no draft never proposed, the same contract value.
    client = text(page(active.approver, path))
    assert "plan v2 · 2 change orders" in client
    assert "Launch help" not in client
    assert "Original total (plan v1) €10,000.00" in client and "€10,600.00" in client


def test_the_project_page_lists_the_newest_few_and_links_the_rest(active):
    accepted = proposed_co(active, title="More pages")
    change_order_accept(change_order=accepted, actor=fresh(active.approver))
    for n in range(2, 8):
        draft_co(active, changes=more_for(active, 4, f"{n}0.00"), title=f"Idea {n}")
    path = f"/projects/{active.project.pk}/"
    whole = text(page(active.owner, path))
    assert "plan v2 · 7 change orders" in whole
    owner = section(page(active.owner, path), "change-orders")
    for n in range(3, 8):
        assert f"CO-{n} · Idea {n}" in owner
    assert "CO-2 · Idea 2" not in owner and "CO-1 · More pages Accepted" not in owner
    assert "All 7 change orders →" in owner
    listed = text(page(active.owner, f"{path}change-orders/"))
    for n in range(2, 8):
        assert f"CO-{n} · Idea {n} Draft" in listed
    assert "CO-1 · More pages Accepted +€600.00" in listed
    # The client sees the accepted one only, and no link to more.
    client = text(page(active.approver, path))
    assert "plan v2 · 1 change order" in client and "All 1" not in client
    assert "Idea" not in text(page(active.approver, f"{path}change-orders/"))


def test_the_change_order_page_of_a_project_says_when_there_is_none(active, world):
    path = f"/projects/{active.project.pk}/change-orders/"
    assert "No change orders yet" in text(page(active.owner, path))
    assert browser(world.outsider).get(path).status_code == 404


def test_the_agency_dashboard_shows_proposals_waiting_and_fresh_declines(active, world):
    proposed = proposed_co(active, title="More pages")
    dashboard = text(page(active.owner, "/"))
    waiting_on_client = dashboard.split("Waiting on the client")[1].split("Waiting on us")[0]
    assert "CO-1 · More pages · Acme Shop · +€600.00 · proposed" in waiting_on_client
    plans.change_order_decline(
        change_order=ChangeOrder.objects.get(pk=proposed.pk),
        actor=fresh(active.approver),
        reason="Too dear",
    )
    dashboard = text(page(active.owner, "/"))
    waiting_on_us = dashboard.split("Waiting on us")[1].split("Overdue against plan")[0]
    assert "CO-1 · More pages · Acme webshop · declined" in waiting_on_us
    assert "revise it or let it go" in waiting_on_us
    assert "CO-1" not in dashboard.split("Waiting on the client")[1].split("Waiting on us")[0]
    # Two weeks on, the decline is old news; another agency never sees it.
    ChangeOrder.objects.filter(pk=proposed.pk).update(
        decided_at=timezone.now() - timedelta(days=15)
    )
    assert "CO-1" not in text(page(active.owner, "/"))
    assert "CO-1" not in text(page(world.outsider, "/"))


def test_only_owners_and_managers_of_a_going_project_may_draft_one(active):
    path = f"/projects/{active.project.pk}/"
    new = f"/projects/{active.project.pk}/change-orders/new/"
    for user in (active.owner, active.manager):
        assert f'href="{new}"' in page(user, path)
    for user in (active.member, active.approver, active.viewer):
        assert new not in page(user, path)
    assert browser(active.member).get(new).status_code == 403
    assert browser(active.approver).get(new).status_code == 403
    plans.project_cancel(
        project=Project.objects.get(pk=active.project.pk), actor=active.owner, reason="Over"
    )
    assert new not in page(active.owner, path)
    response = browser(active.owner).get(new, follow=True)
    assert "not active or on hold" in text(response.content.decode())


def test_a_proposed_plan_says_what_change_orders_are_and_links_them(world):
    project = plans.project_create(
        organisation=world.organisation,
        client=world.client,
        actor=world.owner,
        template="website-cms",
        name="Acme webshop",
        currency="EUR",
        total_budget="10000.00",
        start_date=START,
    )
    plans.project_access_grant(
        project=project, email=world.contact.email, role="approver", actor=world.owner
    )
    plans.plan_propose(project=project, actor=world.owner)
    html = page(fresh(world.contact), f"/projects/{project.pk}/")
    assert '<a href="#change-orders">change orders you accept</a>' in html
    assert 'id="change-orders"' in html
    assert "Once the plan is accepted, its scope, budgets and dates change only" in text(html)


def test_the_proposal_says_what_one_more_revision_costs_when_it_is_offered(world):
    project = plans.project_create(
        organisation=world.organisation,
        client=world.client,
        actor=world.owner,
        template="website-cms",
        name="Acme webshop",
        currency="EUR",
        total_budget="10000.00",
        start_date=START,
    )
    plans.project_access_grant(
        project=project, email=world.contact.email, role="approver", actor=world.owner
    )
    path = f"/projects/{project.pk}/"
    plans.plan_propose(project=project, actor=world.owner)
    assert "One more revision" not in text(page(fresh(world.contact), path))  # not offered
    plans.plan_withdraw(project=Project.objects.get(pk=project.pk), actor=world.owner)
    plans.project_update(
        project=Project.objects.get(pk=project.pk), actor=world.owner, extra_revision_price="250"
    )
    plans.plan_propose(project=Project.objects.get(pk=project.pk), actor=world.owner)
    said = text(page(fresh(world.contact), path))
    assert "One more revision, once a milestone's revisions run out: €250.00" in said


def test_the_locked_plan_editor_links_the_project_s_change_orders(active):
    html = page(active.owner, f"/projects/{active.project.pk}/plan/")
    assert f'<a href="/projects/{active.project.pk}/#change-orders">change orders</a>' in html


# --- Drafting -------------------------------------------------------------------------------------


def test_drafting_names_the_change_and_opens_the_editor(active):
    path = f"/projects/{active.project.pk}/change-orders/new/"
    response = browser(active.manager).post(path, {"title": "A blog", "reason": "Wanted."})
    co = ChangeOrder.objects.get(project=active.project)
    assert response.status_code == 302 and response["Location"] == co_path(co, "edit")
    assert (co.title, co.reason, co.base_version, co.changes) == ("A blog", "Wanted.", 1, [])


def test_drafting_without_a_title_is_refused_beside_it_and_keeps_the_reason(active):
    path = f"/projects/{active.project.pk}/change-orders/new/"
    response = browser(active.manager).post(path, {"title": " ", "reason": "Kept as typed"})
    html = response.content.decode()
    assert response.status_code == 400
    assert re.search(r'id="id_title_error">\s*<li>This field is required', html)
    assert "Kept as typed" in html
    assert not ChangeOrder.objects.exists()


# --- The editor -----------------------------------------------------------------------------------


def test_saving_the_editor_untouched_changes_nothing_in_the_plan(active):
    co = draft_co(active, changes=[])
    response = edit(active, co)
    assert response.status_code == 302
    assert stored(co) == []


def test_an_edit_is_stored_as_the_documented_changes_and_drawn_again_as_typed(active):
    co = draft_co(active, changes=[])
    third, fourth, fifth = active.m(3), active.m(4), active.m(5)
    items = list(third.deliverables.order_by("position"))
    k = f"m{third.pk}"

    def change(data):
        data[f"{k}-budget"] = "3600.00"
        data[f"{k}-planned_due"] = "2027-03-12"
        data[f"{k}-shift_following"] = "on"
        data[f"{k}-d-0-title"] = "Calculator, revised"
        data[f"{k}-d-1-remove"] = "on"
        data[f"{k}-d-3-title"] = "Quote form"  # the empty row
        data[f"m{fifth.pk}-remove"] = "on"
        data["new-title"] = "Blog"
        data["new-budget"] = "1500.00"
        data["new-planned_start"] = "2027-04-05"
        data["new-planned_due"] = "2027-04-16"
        data["new-after"] = "4"
        data["new-d-0-title"] = "Blog index"

    assert edit(active, co, change).status_code == 302
    assert stored(co) == [
        {
            "op": "update",
            "milestone": third.pk,
            "fields": {"budget": "3600.00", "planned_due": "2027-03-12"},
            "deliverables": [
                {
                    "id": items[0].pk,
                    "title": "Calculator, revised",
                    "acceptance_criteria": items[0].acceptance_criteria,
                },
                {
                    "id": items[2].pk,
                    "title": items[2].title,
                    "acceptance_criteria": items[2].acceptance_criteria,
                },
                {"title": "Quote form", "acceptance_criteria": ""},
            ],
            "shift_following": True,
        },
        {"op": "remove", "milestone": fifth.pk},
        {
            "op": "add",
            "position": 5,
            "milestone": {
                "title": "Blog",
                "scope": "",
                "budget": "1500.00",
                "planned_start": "2027-04-05",
                "planned_due": "2027-04-16",
                "revision_quota": 2,
                "support_window_days": 14,
                "billing_trigger": "on_approval",
                "deliverables": [{"title": "Blog index", "acceptance_criteria": ""}],
            },
        },
    ]
    assert len(items) == 3 and fourth.position == 4
    # Drawn again from the stored list, then saved untouched: the same list.
    before = stored(co)
    html = page(active.manager, co_path(co, "edit"))
    data = form_data(html)
    assert data[f"{k}-budget"] == "3600.00" and data[f"m{fifth.pk}-remove"] == "on"
    assert data["a1-title"] == "Blog" and data["a1-after"] == "4" and data["added"] == "1"
    # Each card says what the change order does to it, as the client will read it.
    assert '<p class="summary">Milestone 3 · budget €3,000.00 → €3,600.00' in html
    assert "Milestone 5 “Final testing and delivery preparation” removed" in text(html)
    assert edit(active, co).status_code == 302
    assert stored(co) == before


def test_a_save_with_problems_keeps_what_was_typed_and_shows_each_beside_its_field(active):
    co = draft_co(active, changes=[])
    third, fourth = active.m(3), active.m(4)
    response = edit(
        active,
        co,
        **{f"m{third.pk}-budget": "36OO", f"m{third.pk}-planned_due": "2027-03-12"},
    )
    assert response.status_code == 302 and response["Location"] == co_path(co, "edit")
    assert stored(co)[0]["fields"] == {"budget": "36OO", "planned_due": "2027-03-12"}
    html = browser(active.manager).get(co_path(co, "edit")).content.decode()
    assert 'value="36OO"' in html  # as typed
    budget = re.search(rf'id="id_m{third.pk}-budget_error">(.*?)</ul>', html, re.S)
    assert budget and "Enter an amount such as 2500.00." in budget.group(1)
    overlap = re.search(rf'id="id_m{fourth.pk}-planned_start_error">(.*?)</ul>', html, re.S)
    assert overlap and "Milestone 4 starts before milestone 3 is due." in overlap.group(1)
    # Listed at once at the top too, as the plan editor lists them.
    top = re.search(r'id="problems">(.*?)</section>', html, re.S).group(1)
    assert top.count("<li>") == 2
    assert "Enter an amount" in top and "Milestone 4 starts before milestone 3 is due" in top
    # Fixed: the budget, and the later milestones move with the due date.
    response = edit(
        active,
        co,
        **{f"m{third.pk}-budget": "3600.00", f"m{third.pk}-shift_following": "on"},
    )
    assert response.status_code == 302 and response["Location"] == co_path(co)
    assert stored(co)[0]["shift_following"] is True


def test_a_refused_title_is_shown_beside_it_and_the_changes_are_kept(active):
    co = draft_co(active, changes=[])
    third = active.m(3)
    response = edit(active, co, title="", **{f"m{third.pk}-budget": "3600.00"})
    html = response.content.decode()
    assert response.status_code == 400
    assert re.search(r'id="id_title_error" role="alert">\s*<li>This field is required', html)
    fresh_co = ChangeOrder.objects.get(pk=co.pk)
    assert fresh_co.title == "A blog"  # unchanged
    assert fresh_co.changes[0]["fields"] == {"budget": "3600.00"}  # nothing typed is lost
    assert 'value="3600.00"' in html


def test_an_approved_milestone_offers_only_more_revisions_or_support_for_a_price(active):
    active.to_approved(1)
    co = draft_co(active, changes=[])
    first = active.m(1)
    html = page(active.manager, co_path(co, "edit"))
    data = form_data(html)
    assert f"m{first.pk}-budget" not in data and f"m{first.pk}-remove" not in data
    assert f"m{first.pk}-d-TOTAL_FORMS" not in data
    response = edit(
        active, co, **{f"m{first.pk}-revision_quota": "3", f"m{first.pk}-price": "150.00"}
    )
    assert response.status_code == 302
    assert stored(co) == [
        {"op": "update", "milestone": first.pk, "fields": {"revision_quota": 3}, "price": "150.00"}
    ]
    page_text = text(page(active.manager, co_path(co)))
    assert "revisions 2 → 3" in page_text and "budget €2,000.00 → €2,150.00" in page_text
    assert "€150.00 will be invoiced on acceptance, for work already invoiced." in page_text


def test_the_live_total_counts_an_approved_milestone_s_budget_in_the_currency_s_decimals(active):
    # The script reads an amount with at most the currency's decimals: "2000.000" was read as
    # nothing, so an untouched draft said the total falls by the approved milestone's budget.
    active.to_approved(1)
    co = draft_co(active, changes=[])
    html = page(active.manager, co_path(co, "edit"))
    assert f'id="m{active.m(1).pk}" data-card data-base="2000.00"' in html


def test_a_new_milestone_goes_only_after_the_approved_ones(active):
    active.to_approved(1)
    co = draft_co(active, changes=[])
    html = page(active.manager, co_path(co, "edit"))
    select = re.search(r'<select name="new-after".*?</select>', html, re.S).group(0)
    assert "At the start" not in select
    assert 'value="1"' in select and "After milestone 1" in select


def test_someone_else_s_role_cannot_open_or_post_the_editor(active):
    co = draft_co(active)
    before = stored(co)
    for user, status in ((active.member, 403), (active.approver, 404), (active.viewer, 404)):
        assert browser(user).get(co_path(co, "edit")).status_code == status
        assert browser(user).post(co_path(co, "edit"), {"title": "x"}).status_code == status
    assert stored(co) == before


def test_the_editor_of_a_proposed_change_order_sends_back_to_its_page(active):
    co = proposed_co(active)
    response = browser(active.manager).get(co_path(co, "edit"), follow=True)
    assert "Only a draft change order can be edited" in text(response.content.decode())


# --- The change order's page ----------------------------------------------------------------------


def test_the_page_says_what_changes_and_the_money_and_lists_every_proposal(active):
    co = proposed_co(active)
    plans.change_order_decline(change_order=co, actor=fresh(active.approver), reason="Too dear")
    plans.change_order_revise(change_order=ChangeOrder.objects.get(pk=co.pk), actor=active.manager)
    plans.change_order_propose(change_order=ChangeOrder.objects.get(pk=co.pk), actor=active.manager)
    words = text(page(active.approver, co_path(co)))
    assert "CO-1 · A blog" in words and "Proposed" in words
    assert "Milestone 3 · budget €3,000.00 → €3,600.00" in words
    assert "The total becomes €10,600.00 (+€600.00)." in words
    assert "Nothing is invoiced at once" in words
    assert "The client wants a blog." in words
    assert "Proposal 1" in words and "Declined" in words and "“Too dear”" in words
    assert "Proposal 2" in words and "Waiting for an answer" in words


def test_a_draft_lists_every_problem_and_cannot_be_proposed(active):
    third = active.m(3)
    co = draft_co(active, changes=more_for(active, 3, "600.00", planned_due="2027-03-12", title=""))
    html = page(active.manager, co_path(co))
    problems = re.search(r'id="problems">(.*?)</section>', html, re.S).group(1)
    assert "Milestone 3 needs a title." in problems
    assert "Milestone 4 starts before milestone 3 is due." in problems
    assert f'action="/change-orders/{co.pk}/propose/"' not in html
    assert third.pk
    before = stored(co)
    response = browser(active.manager).post(co_path(co, "propose"), {"confirm": "yes"}, follow=True)
    assert "2 problem(s) to fix" in text(response.content.decode())
    assert ChangeOrder.objects.get(pk=co.pk).status == "draft" and stored(co) == before


def _forms(html: str) -> set[str]:
    return set(re.findall(r'action="/change-orders/\d+/([a-z]+)/"', html))


def test_each_role_is_offered_the_steps_of_its_side_and_state(active):
    co = draft_co(active)
    assert _forms(page(active.manager, co_path(co))) == {"propose", "delete"}
    assert "/edit/" in page(active.manager, co_path(co))
    assert _forms(page(active.member, co_path(co))) == set()
    for user in (active.approver, active.viewer):
        assert browser(user).get(co_path(co)).status_code == 404  # never proposed
    plans.change_order_propose(change_order=co, actor=active.manager)
    assert _forms(page(active.manager, co_path(co))) == {"withdraw"}
    assert _forms(page(active.approver, co_path(co))) == {"accept", "decline"}
    assert _forms(page(active.viewer, co_path(co))) == set()
    assert _forms(page(active.member, co_path(co))) == set()
    plans.change_order_decline(
        change_order=ChangeOrder.objects.get(pk=co.pk), actor=fresh(active.approver), reason="No"
    )
    assert _forms(page(active.manager, co_path(co))) == {"revise"}
    assert _forms(page(active.approver, co_path(co))) == set()
    plans.change_order_revise(change_order=ChangeOrder.objects.get(pk=co.pk), actor=active.manager)
    assert _forms(page(active.manager, co_path(co))) == {"propose"}  # proposed once: kept
    # The client sees it as last proposed, told it is being revised.
    words = text(page(active.approver, co_path(co)))
    assert "is revising this change order" in words and "€3,600.00" in words


def test_a_draft_on_an_older_plan_offers_a_rebase(active):
    stale = draft_co(active, changes=more_for(active, 5, "100.00"), title="Later")
    accepted = proposed_co(active)
    change_order_accept(change_order=accepted, actor=fresh(active.approver))
    html = page(active.manager, co_path(stale))
    assert "drafted on plan v1, but the plan is now v2" in text(html)
    assert "rebase" in _forms(html)
    response = browser(active.manager).post(co_path(stale, "rebase"))
    assert response.status_code == 302
    assert ChangeOrder.objects.get(pk=stale.pk).base_version == 2
    assert "rebase" not in _forms(page(active.manager, co_path(stale)))


# --- The steps ------------------------------------------------------------------------------------


def test_proposing_asks_first_with_what_it_does(active):
    co = draft_co(active)
    html = page(active.manager, co_path(co))
    dialog = re.search(r'<dialog[^>]*id="confirm-co-propose".*?</dialog>', html, re.S).group(0)
    assert "Its approvers (" in dialog and "which makes plan v2" in dialog
    assert "The total becomes €10,600.00 (+€600.00)." in text(dialog)
    response = browser(active.manager).post(co_path(co, "propose"), {"confirm": "ask"})
    assert response.status_code == 200 and "Propose this change order?" in text(
        response.content.decode()
    )
    assert ChangeOrder.objects.get(pk=co.pk).status == "draft"
    response = browser(active.manager).post(co_path(co, "propose"), {"confirm": "yes"})
    assert response.status_code == 302
    assert ChangeOrder.objects.get(pk=co.pk).status == "proposed"


def test_accepting_asks_first_then_makes_the_next_plan_version(active):
    co = proposed_co(active)
    approver = browser(fresh(active.approver))
    response = approver.post(co_path(co, "accept"), {"confirm": "ask"})
    words = text(response.content.decode())
    assert response.status_code == 200
    assert "Accepting CO-1 makes plan v2" in words and "The total becomes €10,600.00" in words
    assert ChangeOrder.objects.get(pk=co.pk).status == "proposed"
    response = approver.post(co_path(co, "accept"), {"confirm": "yes"}, follow=True)
    assert "You accepted CO-1. The plan is now v2." in text(response.content.decode())
    project = Project.objects.get(pk=active.project.pk)
    assert (project.plan_version, project.total_budget) == (2, Decimal("10600.00"))
    assert PlanVersion.objects.filter(project=project, version=2, change_order=co).exists()
    words = text(page(active.approver, co_path(co)))
    assert "made plan v2" in words and "The total became €10,600.00 (+€600.00)." in words


def test_declining_needs_a_reason_beside_its_field_and_changes_nothing_without_it(active):
    co = proposed_co(active)
    approver = browser(fresh(active.approver))
    events = AuditEvent.objects.count()
    response = approver.post(co_path(co, "decline"), {"reason": "  ", "confirm": "yes"})
    html = response.content.decode()
    assert response.status_code == 400
    assert re.search(r'id="id_reason_error">\s*<li>This field is required', html)
    assert '<details id="decline" open>' in html
    assert ChangeOrder.objects.get(pk=co.pk).status == "proposed"
    assert AuditEvent.objects.count() == events
    response = approver.post(co_path(co, "decline"), {"reason": "Too dear", "confirm": "ask"})
    assert "The plan stays v1." in text(response.content.decode())
    assert 'value="Too dear"' in response.content.decode()  # carried to the confirmation
    response = approver.post(co_path(co, "decline"), {"reason": "Too dear", "confirm": "yes"})
    assert response.status_code == 302
    co = ChangeOrder.objects.get(pk=co.pk)
    assert (co.status, co.decline_reason) == ("declined", "Too dear")


def test_withdrawing_and_revising_and_deleting(active):
    co = proposed_co(active)
    manager = browser(active.manager)
    assert manager.post(co_path(co, "withdraw"), {"confirm": "ask"}).status_code == 200
    assert ChangeOrder.objects.get(pk=co.pk).status == "proposed"
    assert manager.post(co_path(co, "withdraw"), {"confirm": "yes"}).status_code == 302
    assert ChangeOrder.objects.get(pk=co.pk).status == "withdrawn"
    assert manager.post(co_path(co, "revise")).status_code == 302
    assert ChangeOrder.objects.get(pk=co.pk).status == "draft"
    # Proposed once, it stays on record: no delete.
    response = manager.post(co_path(co, "delete"), {"confirm": "yes"}, follow=True)
    assert "stays on record" in text(response.content.decode())
    assert ChangeOrder.objects.filter(pk=co.pk).exists()
    fresh_draft = draft_co(active, title="Never shown")
    response = manager.post(co_path(fresh_draft, "delete"), {"confirm": "yes"})
    assert response.status_code == 302 and response["Location"].endswith("/#change-orders")
    assert not ChangeOrder.objects.filter(pk=fresh_draft.pk).exists()


def test_a_second_proposal_while_one_waits_is_said_before_the_button(active):
    proposed_co(active)
    other = draft_co(active, changes=more_for(active, 5, "100.00"), title="Later")
    html = page(active.manager, co_path(other))
    assert "Change order CO-1 is waiting for the client's answer." in text(html)
    assert "propose" not in _forms(html)


# --- The client's dashboard -----------------------------------------------------------------------


def test_the_client_dashboard_lists_change_orders_waiting_for_the_approver(active):
    co = proposed_co(active)
    html = page(fresh(active.approver), "/")
    assert f'href="/change-orders/{co.pk}/"' in html
    assert "Review and answer change order CO-1 “A blog” (Acme webshop)" in text(html)
    assert "+€600.00" in text(html)
    assert f"/change-orders/{co.pk}/" not in page(active.viewer, "/")
    change_order_accept(
        change_order=ChangeOrder.objects.get(pk=co.pk), actor=fresh(active.approver)
    )
    assert f"/change-orders/{co.pk}/" not in page(fresh(active.approver), "/")


def test_the_change_order_page_links_its_printable_page_and_pdf(world, client):
    from milepost.plans import services as plan_services
    from milepost.plans.models import Milestone, Project

    from ..billing.test_pdf import text_of

    project = plan_services.project_create(
        organisation=world.organisation,
        client=world.client,
        actor=world.owner,
        name="Print shop",
        currency="EUR",
        total_budget="10000.00",
        start_date="2027-01-04",
        template="website-cms",
    )
    plan_services.project_access_grant(
        project=project, email=world.contact.email, role="approver", actor=world.owner
    )
    plan_services.plan_propose(project=project, actor=world.owner)
    plan_services.plan_accept(
        project=project, actor=type(world.contact).objects.get(pk=world.contact.pk)
    )
    last = Milestone.objects.filter(project=project).order_by("-position").first()
    co = plan_services.change_order_create(
        project=Project.objects.get(pk=project.pk),
        actor=world.owner,
        title="A blog",
        changes_=[
            {"op": "update", "milestone": last.pk, "fields": {"budget": str(last.budget + 600)}}
        ],
    )
    plan_services.change_order_propose(change_order=co, actor=world.owner)
    client.force_login(world.contact)
    page = client.get(f"/change-orders/{co.pk}/").content.decode()
    assert f"/change-orders/{co.pk}/print/" in page and f"/change-orders/{co.pk}/pdf/" in page
    printed = client.get(f"/change-orders/{co.pk}/print/").content.decode()
    assert "Change order CO-1: A blog" in printed and "waiting for the client" in printed
    pdf = client.get(f"/change-orders/{co.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert "€10,600.00" in text_of(pdf.content)


def test_the_client_dashboard_lists_the_change_orders_they_asked_for_until_answered(active):
    milestone = active.m(2)
    asked = plans.change_order_request_file(
        milestone=milestone, actor=fresh(active.approver), text="Loyalty points in the account."
    )
    for reader in (active.approver, active.viewer):  # both sides see the request's state
        html = page(fresh(reader), "/")
        assert 'id="asked"' in html and f'href="/milestones/{milestone.pk}/"' in html
        assert "Loyalty points in the account. · " + milestone.title in text(html)
    plans.change_order_request_decline(request=asked, actor=active.manager, reason="Out of scope")
    assert 'id="asked"' not in page(fresh(active.approver), "/")


# --- The price per extra revision in the editor (issue 13 walk) ---------------------------------


def test_the_editor_changes_the_price_per_extra_revision_and_the_draft_says_it(active):
    co = draft_co(active, changes=[])
    data = form_data(page(active.manager, co_path(co, "edit")))
    assert data["settings-extra_revision_price"] == ""
    assert edit(active, co, **{"settings-extra_revision_price": "150.00"}).status_code == 302
    assert stored(co) == [{"op": "settings", "extra_revision_price": "150.00"}]
    # Drawn again as set, and saved untouched: the same.
    data = form_data(page(active.manager, co_path(co, "edit")))
    assert data["settings-extra_revision_price"] == "150.00"
    assert edit(active, co).status_code == 302
    assert stored(co) == [{"op": "settings", "extra_revision_price": "150.00"}]
    # A settings-only draft shows its line and can be proposed.
    html = page(active.manager, co_path(co))
    assert "Price per extra revision: not offered → €150.00" in text(html)
    assert f'action="/change-orders/{co.pk}/propose/"' in html


def test_saving_in_the_editor_keeps_a_settings_change_made_through_the_api(active):
    co = draft_co(
        active, changes=[*more_for(active, 3), {"op": "settings", "extra_revision_price": "90"}]
    )
    third = active.m(3)
    assert edit(active, co, **{f"m{third.pk}-budget": "3700.00"}).status_code == 302
    assert stored(co) == [
        {"op": "update", "milestone": third.pk, "fields": {"budget": "3700.00"}},
        {"op": "settings", "extra_revision_price": "90"},
    ]


def test_saving_in_the_editor_keeps_a_change_it_cannot_show(active):
    unknown = {"op": "update", "milestone": 999999, "fields": {"budget": "1.00"}}
    co = draft_co(active, changes=[*more_for(active, 3), unknown])
    assert "saving here keeps it as it is" in text(page(active.manager, co_path(co, "edit")))
    assert edit(active, co).status_code == 302
    assert unknown in stored(co)


def test_a_refused_price_per_extra_revision_is_shown_beside_its_field(active):
    co = draft_co(active, changes=[])
    response = edit(active, co, **{"settings-extra_revision_price": "-5"})
    assert stored(co) == [{"op": "settings", "extra_revision_price": "-5"}]
    html = page(active.manager, co_path(co, "edit"))
    assert "Price per extra revision:" in section(html, "settings")
    assert 'aria-invalid="true"' in html.split('id="settings"', 1)[1].split("</section>", 1)[0]
    assert response.status_code in (200, 302)


# --- A change order's invoice names it, and its page links the invoice (issue 13 walk) ---------


def test_a_change_order_s_invoice_says_so_and_links_each_way(active):
    active.to_approved(1)
    first = active.m(1)
    co = proposed_co(
        active,
        changes=[
            {
                "op": "update",
                "milestone": first.pk,
                "fields": {"revision_quota": 3},
                "price": "150.00",
            }
        ],
        title="One more round",
    )
    change_order_accept(change_order=co, actor=fresh(active.approver))
    from milepost.billing.models import Invoice

    invoice = Invoice.objects.get(change_order=co.label)
    for user in (active.manager, active.approver):
        html = page(user, f"/invoices/{invoice.pk}/")
        assert f"Change order {co.label}: One more round" in section(html, "invoice-line")
        assert f'href="/change-orders/{co.pk}/"' in html
        listed = text(page(user, "/invoices/"))
        assert f"Change order {co.label}: One more round" in listed
        shown = page(user, co_path(co))
        assert f'href="/invoices/{invoice.pk}/"' in shown
        assert f"Invoice {invoice.number}" in text(shown)


def test_the_change_order_pdf_is_named_for_the_change_order_and_its_project(active):
    co = proposed_co(active)
    response = browser(active.manager).get(co_path(co, "pdf"))
    assert response.status_code == 200
    expected = f'filename="change-order-{co.label}-project-{co.project_id}.pdf"'
    assert expected in response["Content-Disposition"]
