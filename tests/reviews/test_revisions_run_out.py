"""When the client runs out of revisions: buy one more at the project's price, or ask for a
change order; the agency drafts one from the request or declines it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from milepost.billing.models import Invoice, InvoiceKind
from milepost.core import clock
from milepost.core.errors import InvalidInput, NotAllowed, RuleViolation
from milepost.plans import services as plans
from milepost.plans.models import ChangeOrder, ChangeOrderRequest, Milestone, Project
from milepost.reviews import services as reviews
from milepost.reviews.services.change_orders import revision_buy

from ..factories import accepted_project

pytestmark = pytest.mark.django_db

START = dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


def _m(project, position):
    return Milestone.objects.select_related("project__organisation", "project__client").get(
        project=project, position=position
    )


@pytest.fixture
def shop(world):
    """Extra revisions sold at €150.00; milestone 1 in review with no revision left."""
    project = accepted_project(world, at=START, extra_revision_price="150.00")
    with clock.frozen(START):
        Milestone.objects.filter(pk=_m(project, 1).pk).update(revision_quota=0)
        reviews.milestone_start(milestone=_m(project, 1), actor=world.owner)
        reviews.milestone_deliver(milestone=_m(project, 1), actor=world.owner, notes="Done")
    return Project.objects.get(pk=project.pk)


def test_out_of_revisions_the_refusal_names_both_ways_on(world, shop):
    with pytest.raises(RuleViolation) as caught:
        reviews.milestone_request_changes(
            milestone=_m(shop, 1), actor=_fresh(world.contact), feedback="Bigger logo"
        )
    error = caught.value
    assert error.code == "revision_quota_exhausted"
    assert "buy one more for €150.00" in error.message
    ways = error.details["ways_on"]
    assert ways["buy_revision"]["price"] == "150.00"
    assert ways["ask_change_order"].endswith("/change-requests/")


def test_buying_a_revision_is_an_accepted_change_order_billed_with_the_milestone(world, shop):
    first = _m(shop, 1)
    bought = revision_buy(milestone=first, actor=_fresh(world.contact))
    co = bought.change_order
    assert (co.status, co.label, co.price) == ("accepted", "CO-1", Decimal("150.00"))
    assert bought.version.version == 2 and bought.invoices == ()
    again = _m(shop, 1)
    assert (again.revision_quota, again.budget) == (1, first.budget + Decimal("150.00"))
    assert Project.objects.get(pk=shop.pk).total_budget == Decimal("10150.00")
    reviews.milestone_request_changes(
        milestone=again, actor=_fresh(world.contact), feedback="Bigger logo"
    )
    assert _m(shop, 1).status == "changes_requested"
    # The milestone's invoice, on approval, carries the revision bought.
    reviews.milestone_deliver(milestone=_m(shop, 1), actor=world.owner, notes="Bigger")
    reviews.milestone_approve(
        milestone=_m(shop, 1), actor=_fresh(world.contact), accept_open_items=True
    )
    invoice = Invoice.objects.get(milestone=first, kind=InvoiceKind.INVOICE)
    assert invoice.net == first.budget + Decimal("150.00")


def test_on_an_approved_milestone_the_revision_is_invoiced_at_once(world, shop):
    Milestone.objects.filter(pk=_m(shop, 1).pk).update(revision_quota=1)
    reviews.milestone_approve(
        milestone=_m(shop, 1), actor=_fresh(world.contact), accept_open_items=True
    )
    Milestone.objects.filter(pk=_m(shop, 1).pk).update(revisions_used=1)
    bought = revision_buy(milestone=_m(shop, 1), actor=_fresh(world.contact))
    [invoice] = bought.invoices
    assert invoice.net == Decimal("150.00") and "CO-1" in str(invoice.description)


def test_only_an_approver_buys_and_only_when_the_project_offers_it(world, shop):
    with pytest.raises(NotAllowed):
        revision_buy(milestone=_m(shop, 1), actor=world.owner)
    Project.objects.filter(pk=shop.pk).update(extra_revision_price=None)
    with pytest.raises(RuleViolation) as caught:
        revision_buy(milestone=_m(shop, 1), actor=_fresh(world.contact))
    assert caught.value.code == "extra_revisions_off"
    assert not ChangeOrder.objects.exists()
    with pytest.raises(RuleViolation) as planned:
        Project.objects.filter(pk=shop.pk).update(extra_revision_price="150.00")
        revision_buy(milestone=_m(shop, 3), actor=_fresh(world.contact))
    assert planned.value.code == "invalid_transition"


def test_a_request_for_a_change_order_waits_on_the_agency_and_becomes_a_draft(world, shop):
    with pytest.raises(InvalidInput):
        plans.change_order_request_file(milestone=_m(shop, 1), actor=_fresh(world.contact), text="")
    with pytest.raises(NotAllowed):
        plans.change_order_request_file(milestone=_m(shop, 1), actor=world.owner, text="More")
    asked = plans.change_order_request_file(
        milestone=_m(shop, 1), actor=_fresh(world.contact), text="Add a gallery page"
    )
    co = plans.change_order_create(
        project=shop, actor=world.manager, title="A gallery", request=asked
    )
    assert co.changes == [{"op": "update", "milestone": asked.milestone_id, "fields": {}}]
    assert ChangeOrderRequest.objects.get(pk=asked.pk).status == "drafted"
    with pytest.raises(RuleViolation):
        plans.change_order_request_decline(request=asked, actor=world.manager, reason="No")
    other = plans.change_order_request_file(
        milestone=_m(shop, 2), actor=_fresh(world.contact), text="A chat widget"
    )
    with pytest.raises(InvalidInput):
        plans.change_order_request_decline(request=other, actor=world.manager, reason=" ")
    plans.change_order_request_decline(request=other, actor=world.manager, reason="Out of scope")
    other.refresh_from_db()
    assert (other.status, other.decline_reason) == ("declined", "Out of scope")


def _lines(co):
    from milepost.api.change_order_views import change_order_json
    from milepost.plans.pdf import change_order_context

    co = ChangeOrder.objects.select_related("project").get(pk=co.pk)
    return change_order_json(co)["lines"], change_order_context(co)["lines"]


def test_a_bought_revision_says_what_it_changed_in_the_currency_s_decimals(world, shop):
    first = _m(shop, 1)
    co = revision_buy(milestone=first, actor=_fresh(world.contact)).change_order
    budget = co.changes[0]["fields"]["budget"]
    assert budget == f"{first.budget + Decimal('150.00'):.2f}"  # "2150.00", not "2150.000"
    api, pdf = _lines(co)
    assert api == pdf and len(api) == 1
    assert "revisions 0 → 1" in api[0] and "budget" in api[0]
    assert co.proposals.get().snapshot["price"] == "150.00"


def test_a_revision_bought_on_an_approved_milestone_lists_it_and_its_price(world, shop):
    Milestone.objects.filter(pk=_m(shop, 1).pk).update(revision_quota=1)
    reviews.milestone_approve(
        milestone=_m(shop, 1), actor=_fresh(world.contact), accept_open_items=True
    )
    Milestone.objects.filter(pk=_m(shop, 1).pk).update(revisions_used=1)
    co = revision_buy(milestone=_m(shop, 1), actor=_fresh(world.contact)).change_order
    api, _pdf = _lines(co)
    assert len(api) == 1 and "revisions 1 → 2" in api[0] and "budget" in api[0]


def test_no_revision_is_bought_while_a_change_order_waits_for_an_answer(world, shop):
    second = _m(shop, 2)
    waiting = plans.change_order_create(
        project=shop,
        actor=world.owner,
        title="Longer",
        changes_=[{"op": "update", "milestone": second.pk, "fields": {"title": "Longer"}}],
    )
    plans.change_order_propose(change_order=waiting, actor=world.owner)
    with pytest.raises(RuleViolation) as caught:
        revision_buy(milestone=_m(shop, 1), actor=_fresh(world.contact))
    error = caught.value
    assert error.code == "change_order_pending"
    assert error.details == {"pending": waiting.pk, "pending_number": 1, "pending_label": "CO-1"}
    assert "Answer CO-1 first" in error.message
    assert ChangeOrder.objects.get(pk=waiting.pk).status == "proposed"
    assert ChangeOrder.objects.count() == 1


def test_no_revision_is_bought_while_the_milestone_has_one_left(world, shop):
    Milestone.objects.filter(pk=_m(shop, 1).pk).update(revision_quota=1)
    with pytest.raises(RuleViolation) as caught:
        revision_buy(milestone=_m(shop, 1), actor=_fresh(world.contact))
    assert caught.value.code == "revisions_left"
    assert caught.value.details == {"revisions_left": 1}
    assert not ChangeOrder.objects.exists()
