"""A change order after the client's answer: revising a declined one opens the editor with the
client's reasons on top; the page, its print and its PDF say what it did, or would have done, as
its status has it; and the project's activity names each change order and links it for whoever
may see it."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

from milepost.plans import services as plans
from milepost.plans.models import ChangeOrder, Milestone, Project
from milepost.reviews.services.change_orders import change_order_accept

from ..billing.test_pdf import text_of
from ..factories import accepted_project
from ..reviews.conftest import VIEWER_EMAIL, cycle_for, fresh

pytestmark = pytest.mark.django_db

REASONS = "Too dear: keep the blog under €400.00, please."


@pytest.fixture
def shop(world):
    """An accepted website-cms plan (EUR 10,000.00, five milestones), approver and viewer."""

    def add_the_viewer(project):
        plans.project_access_grant(
            project=project, email=VIEWER_EMAIL, role="viewer", actor=world.owner
        )

    return cycle_for(world, accepted_project(world, before_propose=add_the_viewer))


def _browser(user) -> Client:
    http = Client()
    http.force_login(fresh(user))
    return http


def _html(user, path: str) -> str:
    response = _browser(user).get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def _words(html: str) -> str:
    """What a person reads: inline spans joined to their words, other tags as spaces."""
    html = re.sub(r"</?span\b[^>]*>", "", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _draft(shop, title="A blog", extra=600) -> ChangeOrder:
    last = Milestone.objects.filter(project=shop.project).order_by("-position").first()
    return plans.change_order_create(
        project=Project.objects.get(pk=shop.project.pk),
        actor=shop.manager,
        title=title,
        reason="The client wants a blog.",
        changes_=[
            {"op": "update", "milestone": last.pk, "fields": {"budget": str(last.budget + extra)}}
        ],
    )


def _proposed(shop, **kwargs) -> ChangeOrder:
    return plans.change_order_propose(change_order=_draft(shop, **kwargs), actor=shop.manager)


def _declined(shop, **kwargs) -> ChangeOrder:
    co = _proposed(shop, **kwargs)
    return plans.change_order_decline(change_order=co, actor=shop.approver, reason=REASONS)


def _fresh(co) -> ChangeOrder:
    return ChangeOrder.objects.select_related("project").get(pk=co.pk)


# --- Revising opens the editor, with the answer it revises --------------------------------------


def test_revising_a_declined_change_order_opens_the_editor_with_the_client_s_reasons(shop):
    co = _declined(shop)

    response = _browser(shop.manager).post(f"/change-orders/{co.pk}/revise/")

    assert response.status_code == 302 and response["Location"] == f"/change-orders/{co.pk}/edit/"
    assert _fresh(co).status == "draft"
    editor = _html(shop.manager, response["Location"])
    top = re.search(r'<section class="card callout" id="last-answer">.*?</section>', editor, re.S)
    assert top is not None, "the editor shows the answer it revises"
    said = _words(top.group(0))
    assert "Why the client declined proposal 1" in said and REASONS in said
    assert f"Declined by {shop.approver.email} on " in said
    # On top: before the totals and the milestones.
    assert editor.index('id="last-answer"') < editor.index('id="allocation"')


def test_revising_a_withdrawn_one_says_who_withdrew_it_and_a_fresh_draft_says_nothing(shop):
    fresh_draft = _draft(shop, title="Not proposed yet")
    assert 'id="last-answer"' not in _html(shop.manager, f"/change-orders/{fresh_draft.pk}/edit/")
    plans.change_order_delete(change_order=fresh_draft, actor=shop.manager)
    co = _proposed(shop)
    plans.change_order_withdraw(change_order=co, actor=shop.manager)

    response = _browser(shop.manager).post(f"/change-orders/{co.pk}/revise/")

    assert response["Location"] == f"/change-orders/{co.pk}/edit/"
    said = _words(_html(shop.manager, response["Location"]))
    assert f"Proposal 1 was withdrawn by {shop.manager.email} on " in said
    assert "Why the client declined" not in said


# --- The money, as the status has it -------------------------------------------------------------


def _money_said(user, co) -> str:
    html = _html(user, f"/change-orders/{co.pk}/")
    return _words(re.search(r'<section class="card" id="money">.*?</section>', html, re.S)[0])


def test_a_declined_change_order_says_what_it_would_have_made_the_total(shop):
    co = _declined(shop)
    for reader in (shop.manager, shop.approver, shop.viewer):
        said = _money_said(reader, co)
        assert "It was declined: it would have made the total €10,600.00 (+€600.00)." in said
        assert "becomes" not in said and "will be invoiced" not in said
        assert "Total it proposed" in said and "Total now" not in said
    page = _words(_html(shop.approver, f"/change-orders/{co.pk}/"))
    assert "What it would have changed" in page


def test_a_withdrawn_one_says_so_and_pending_and_accepted_ones_keep_their_tense(shop):
    withdrawn = _proposed(shop, title="Withdrawn")
    plans.change_order_withdraw(change_order=withdrawn, actor=shop.manager)
    said = _money_said(shop.manager, withdrawn)
    assert "It was withdrawn: it would have made the total €10,600.00 (+€600.00)." in said
    assert "becomes" not in said

    waiting = _proposed(shop, title="Waiting")
    assert "The total becomes €10,600.00 (+€600.00)." in _money_said(shop.approver, waiting)
    change_order_accept(change_order=_fresh(waiting), actor=shop.approver)
    said = _money_said(shop.approver, waiting)
    assert "The total became €10,600.00 (+€600.00)." in said and "would have" not in said


def test_the_print_and_the_pdf_say_it_as_the_page_does(shop):
    co = _declined(shop)
    printed = _words(_html(shop.approver, f"/change-orders/{co.pk}/print/"))
    assert "It was declined: it would have made the total €10,600.00 (+€600.00)." in printed
    assert "What it would have changed" in printed and "Total it proposed" in printed
    pdf = _browser(shop.approver).get(f"/change-orders/{co.pk}/pdf/")
    text = " ".join(text_of(pdf.content).split())
    assert "would have made the total €10,600.00" in text and "becomes" not in text

    accepted = _proposed(shop, title="Accepted")
    change_order_accept(change_order=_fresh(accepted), actor=shop.approver)
    printed = _words(_html(shop.approver, f"/change-orders/{accepted.pk}/print/"))
    assert "The total became €10,600.00 (+€600.00)." in printed and "What changed" in printed


# --- The activity names each change order -----------------------------------------------------


def _activity(user, shop) -> str:
    html = _html(user, f"/projects/{shop.project.pk}/")
    return re.search(r'<section class="card no-print" id="activity">.*?</section>', html, re.S)[0]


def test_the_activity_names_each_change_order_and_links_it_for_who_may_see_it(shop):
    proposed = _proposed(shop, title="Add a blog section")
    hidden = _draft(shop, title="Cheaper hosting")  # never proposed: the agency's alone
    gone = _draft(shop, title="Scrapped idea")
    plans.change_order_delete(change_order=gone, actor=shop.manager)
    link = f'<a href="/change-orders/{proposed.pk}/">CO-1 · Add a blog section</a>'

    agency = _activity(shop.manager, shop)
    assert f"proposed {link}" in agency and f"drafted {link}" in agency
    assert f'drafted <a href="/change-orders/{hidden.pk}/">CO-2 · Cheaper hosting</a>' in agency
    assert "deleted the draft CO-3 · Scrapped idea" in _words(agency)  # gone: named, no link
    assert f'href="/change-orders/{gone.pk}/"' not in agency

    for reader in (shop.approver, shop.viewer):
        client = _activity(reader, shop)
        assert f"proposed {link}" in client
        # A draft never proposed to them leaves no trace in their feed (a 404 on its page).
        assert "Cheaper hosting" not in client and "Scrapped idea" not in client
        assert "CO-2" not in client and "CO-3" not in client


def test_the_client_s_events_feed_in_the_api_leaves_out_the_agency_s_own_drafts(shop, api_as):
    _proposed(shop, title="Add a blog section")
    _draft(shop, title="Cheaper hosting")
    url = f"/api/v1/projects/{shop.project.pk}/events/"
    agency = [e["text"] for e in api_as(fresh(shop.manager)).get(url).json()["results"]]
    client = [e["text"] for e in api_as(fresh(shop.approver)).get(url).json()["results"]]
    assert "drafted CO-2 · Cheaper hosting" in agency
    assert "proposed CO-1 · Add a blog section" in client
    assert not [text for text in client if "CO-2" in text]
