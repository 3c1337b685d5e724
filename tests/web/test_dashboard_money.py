"""The dashboards: the agency's money per currency, what waits on whom, what needs attention
first, and what a client contact owes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from milepost.billing import selectors as billing_selectors
from milepost.billing import services as billing
from milepost.billing.models import Invoice
from milepost.core import clock
from milepost.plans import selectors as plan_selectors
from milepost.plans import services as plans
from milepost.plans.models import Milestone
from milepost.reviews import selectors as review_selectors
from milepost.reviews import services as reviews
from milepost.reviews.services.start import start_refusal

from ..factories import ClientFactory, ContactFactory

pytestmark = pytest.mark.django_db

#: 4 January 2027 is a Monday; the website-cms plan's first milestone lasts ten working days.
START = dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)


def _fresh(milestone: Milestone) -> Milestone:
    return Milestone.objects.select_related(
        "project", "project__organisation", "project__client"
    ).get(pk=milestone.pk)


def _approver(world):
    return type(world.contact).objects.get(pk=world.contact.pk)


def _project(world, name, *, currency="EUR", client=None, contact=None, **settings):
    project = plans.project_create(
        organisation=world.organisation,
        client=client or world.client,
        actor=world.owner,
        name=name,
        currency=currency,
        total_budget="10000.00",
        start_date="2027-01-04",
        template="website-cms",
        **settings,
    )
    plans.project_access_grant(
        project=project,
        email=(contact or world.contact).email,
        role="approver",
        actor=world.owner,
    )
    return project


def _accepted(world, name, *, contact=None, **kwargs):
    project = _project(world, name, contact=contact, **kwargs)
    plans.plan_propose(project=project, actor=world.owner)
    approver = type(world.contact).objects.get(pk=(contact or world.contact).pk)
    plans.plan_accept(project=project, actor=approver)
    return project


def _milestone(project, position: int) -> Milestone:
    return _fresh(Milestone.objects.get(project=project, position=position))


def _deliver(world, milestone) -> None:
    reviews.milestone_start(milestone=_fresh(milestone), actor=world.owner)
    reviews.milestone_deliver(milestone=_fresh(milestone), actor=world.owner, notes="Done")


def _approve(world, milestone, *, contact=None) -> Invoice:
    _deliver(world, milestone)
    approver = type(world.contact).objects.get(pk=(contact or world.contact).pk)
    reviews.milestone_approve(milestone=_fresh(milestone), actor=approver, accept_open_items=True)
    return Invoice.objects.get(milestone=milestone, kind="invoice")


def _row(glance, currency):
    return next(row for row in glance if row["currency"] == currency)


def test_money_at_a_glance_keeps_each_currency_apart(world):
    with clock.frozen(START):
        euros = _accepted(world, "Euro shop")
        dollars = _accepted(world, "Dollar shop", currency="USD")
        last_month = _approve(world, _milestone(euros, 1))
    with clock.frozen(START + dt.timedelta(days=35)):  # 8 February: January's is overdue
        this_month = _approve(world, _milestone(euros, 2))
        billing.payment_record(
            invoice=this_month, amount="100.00", date="2027-02-08", method="cash", actor=world.owner
        )
        usd = _approve(world, _milestone(dollars, 1))
        _deliver(world, _milestone(dollars, 2))  # in review: its approval will invoice it
        glance = billing_selectors.money_at_a_glance(world.organisation.pk)
    assert [row["currency"] for row in glance] == ["EUR", "USD"]
    eur = _row(glance, "EUR")
    assert eur["invoiced_month"] == this_month.gross  # January's invoice is not this month's
    assert eur["outstanding"] == last_month.gross + this_month.gross - Decimal("100.00")
    assert eur["overdue"] == last_month.gross
    assert eur["overdue_count"] == 1
    assert eur["in_review"] == 0
    dollar = _row(glance, "USD")
    assert dollar["invoiced_month"] == dollar["outstanding"] == usd.gross
    assert dollar["overdue"] == 0 and dollar["overdue_count"] == 0
    assert dollar["in_review"] == _milestone(dollars, 2).budget


def test_money_at_a_glance_leaves_out_paid_voided_and_other_agencies_invoices(world):
    with clock.frozen(START):
        project = _accepted(world, "Paid up")
        paid = _approve(world, _milestone(project, 1))
        billing.payment_record(
            invoice=paid,
            amount=str(paid.gross),
            date="2027-01-04",
            method="cash",
            actor=world.owner,
        )
        voided = _approve(world, _milestone(project, 2))
        billing.invoice_void(invoice=voided, actor=world.owner)
        glance = billing_selectors.money_at_a_glance(world.organisation.pk)
        other = billing_selectors.money_at_a_glance(world.other_organisation.pk)
    eur = _row(glance, "EUR")
    assert eur["invoiced_month"] == paid.gross  # the void one is not invoiced
    assert eur["outstanding"] == 0
    assert other == []


def test_the_next_expected_payments_are_open_invoices_earliest_due_first(world):
    with clock.frozen(START):
        early = _accepted(world, "Early", payment_terms_days=7)
        late = _accepted(world, "Late", payment_terms_days=30)
        late_invoice = _approve(world, _milestone(late, 1))
        early_invoice = _approve(world, _milestone(early, 1))
        paid = _approve(world, _milestone(early, 2))
        billing.payment_record(
            invoice=paid,
            amount=str(paid.gross),
            date="2027-01-04",
            method="cash",
            actor=world.owner,
        )
    expected = billing_selectors.open_invoices_by_due_date(world.organisation.pk)
    assert [i.pk for i in expected] == [early_invoice.pk, late_invoice.pk]


def test_startable_milestones_follow_the_start_gates(world):
    with clock.frozen(START):
        gated = _accepted(world, "Gated")
        free = _accepted(world, "Free", sequential_gating=False)
        paying = _accepted(world, "Pay first", pay_before_next=True)
        _approve(world, _milestone(paying, 1))  # approved, its invoice unpaid
        _project(world, "Still a draft")
    startable = {
        m["pk"] for m in review_selectors.startable_milestones(world.organisation.pk, limit=50)
    }
    planned = Milestone.objects.filter(project__organisation=world.organisation, status="planned")
    # The list says exactly what the start service would allow.
    assert startable == {m.pk for m in planned if start_refusal(_fresh(m)) is None}
    assert _milestone(gated, 1).pk in startable and _milestone(gated, 2).pk not in startable
    assert {_milestone(free, n).pk for n in (1, 2, 3)} <= startable
    assert _milestone(paying, 2).pk not in startable  # its earlier invoice is unpaid
    invoice = Invoice.objects.get(milestone=_milestone(paying, 1))
    with clock.frozen(START):
        billing.payment_record(
            invoice=invoice,
            amount=str(invoice.gross),
            date="2027-01-04",
            method="cash",
            actor=world.owner,
        )
    startable = {
        m["pk"] for m in review_selectors.startable_milestones(world.organisation.pk, limit=50)
    }
    assert _milestone(paying, 2).pk in startable


def test_proposed_plans_wait_on_the_client(world, client):
    proposed = _project(world, "Proposed one")
    plans.plan_propose(project=proposed, actor=world.owner)
    _project(world, "Draft one")
    assert [p["pk"] for p in plan_selectors.proposed_plans(world.organisation.pk)] == [proposed.pk]
    client.force_login(world.manager)
    page = client.get("/").content.decode()
    assert "Plan of Proposed one" in page and "Draft one" not in page.split("Waiting on us")[0]


def test_projects_needing_attention_come_overdue_first_then_soon_approved_then_changes(world):
    with clock.frozen(START):
        overdue = _accepted(world, "Overdue")
        soon = _accepted(world, "Soon", auto_approve_days=5)
        later = _accepted(world, "Later")  # auto-approval in 14 days: not soon
        changes = _accepted(world, "Changes")
        quiet = _accepted(world, "Quiet")
        quiet_invoice = _approve(world, _milestone(quiet, 1))  # and paid: nothing to look at
        billing.payment_record(
            invoice=quiet_invoice,
            amount=str(quiet_invoice.gross),
            date="2027-01-04",
            method="cash",
            actor=world.owner,
        )
        _approve(world, _milestone(overdue, 1))
        _deliver(world, _milestone(changes, 1))
        reviews.milestone_request_changes(
            milestone=_milestone(changes, 1), actor=_approver(world), feedback="Not yet"
        )
    with clock.frozen(START + dt.timedelta(days=20)):
        _deliver(world, _milestone(soon, 1))
        _deliver(world, _milestone(later, 1))
    with clock.frozen(START + dt.timedelta(days=22)):  # Overdue's invoice was due on day 14
        attention = review_selectors.projects_needing_attention(world.organisation.pk)
    assert [p["name"] for p in attention] == ["Overdue", "Soon", "Changes"]
    first, second, third = attention
    assert first["overdue_invoices"] == 1 and first["oldest_due"] == dt.date(2027, 1, 18)
    assert second["auto_approve_at"] == START + dt.timedelta(days=25)
    assert second["auto_approve_title"] == _milestone(soon, 1).title
    assert third["changes_requested"] == 1


def test_the_agency_dashboard_shows_the_figures_per_currency(world, client):
    with clock.frozen(START):
        euros = _accepted(world, "Euro shop")
        dollars = _accepted(world, "Dollar shop", currency="USD")
        eur = _approve(world, _milestone(euros, 1))
        usd = _approve(world, _milestone(dollars, 1))
        client.force_login(world.member)
        response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert [row["currency"] for row in response.context["money"]] == ["EUR", "USD"]
    assert eur.number in page and usd.number in page  # the next expected payments
    assert "Money at a glance" in page


def test_a_client_contact_sees_what_they_owe_only_on_their_projects(world, client):
    other_client = ClientFactory(organisation=world.organisation, name="Other Co")
    other_contact = ContactFactory(client=other_client).user
    viewer = ContactFactory(client=world.client).user
    with clock.frozen(START):
        mine = _accepted(world, "Mine")
        plans.project_access_grant(
            project=mine, email=viewer.email, role="viewer", actor=world.owner
        )
        theirs = _accepted(world, "Theirs", client=other_client, contact=other_contact)
        due = _approve(world, _milestone(mine, 1))
        paid = _approve(world, _milestone(mine, 2))
        billing.payment_record(
            invoice=paid,
            amount=str(paid.gross),
            date="2027-01-04",
            method="cash",
            actor=world.owner,
        )
        not_mine = _approve(world, _milestone(theirs, 1), contact=other_contact)
    with clock.frozen(START + dt.timedelta(days=30)):
        for reader in (world.contact, viewer):  # viewers see the project's invoices too
            owed = billing_selectors.invoices_owed_by(reader)
            assert [i.pk for i in owed] == [due.pk]
        client.force_login(world.contact)
        response = client.get("/")
    page = response.content.decode()
    assert due.number in page and not_mine.number not in page and paid.number not in page
    assert f'href="/invoices/{due.pk}/"' in page
    assert "Overdue" in page
    [total] = response.context["owed_totals"]
    assert total == {"currency": "EUR", "outstanding": due.gross, "overdue": due.gross}


def test_the_agency_owes_nothing_of_its_own_invoices(world):
    with clock.frozen(START):
        _approve(world, _milestone(_accepted(world, "Own"), 1))
    assert billing_selectors.invoices_owed_by(world.owner) == []
    assert len(billing_selectors.invoices_owed_by(world.contact)) == 1


def test_a_client_with_nothing_to_pay_sees_an_empty_state(world, client):
    client.force_login(world.contact)
    page = client.get("/").content.decode()
    assert "You owe nothing" in page


def test_a_client_with_more_projects_than_the_dashboard_shows_gets_a_link_to_all(
    world, client, monkeypatch
):
    from milepost.web.views import pages

    for name in ("One", "Two"):
        plans.plan_propose(project=_project(world, name), actor=world.owner)
    client.force_login(world.contact)
    assert "All your projects" not in client.get("/").content.decode()
    monkeypatch.setattr(pages, "CLIENT_PROJECTS", 1)
    page = client.get("/").content.decode()
    assert "All your projects" in page
    your_projects = page.split("Your projects")[1]
    assert your_projects.count("<tr>") == 2  # the header and one project


def test_the_auto_approval_date_on_the_dashboard_counts_the_time_on_hold(world):
    """After a hold the dashboard warned of the date the review would have approved itself
    without it; the milestone's own date had moved on by the time on hold."""
    with clock.frozen(START):
        project = _accepted(world, "Held", auto_approve_days=5)
    with clock.frozen(START + dt.timedelta(days=1)):
        _deliver(world, _milestone(project, 1))
    with clock.frozen(START + dt.timedelta(days=2)):
        plans.project_hold(project=_fresh(_milestone(project, 1)).project, actor=world.owner)
    with clock.frozen(START + dt.timedelta(days=5)):
        reviews.project_resume_and_shift_clocks(
            project=_fresh(_milestone(project, 1)).project, actor=world.owner
        )
    with clock.frozen(START + dt.timedelta(days=7)):
        attention = review_selectors.projects_needing_attention(world.organisation.pk)
    milestone = _milestone(project, 1)
    assert milestone.auto_approve_at == START + dt.timedelta(days=1 + 5 + 3)
    assert [p["auto_approve_at"] for p in attention] == [milestone.auto_approve_at]


def _section(page: str, heading: str) -> str:
    return page.split(f"<h2>{heading}</h2>")[1].split("</section>")[0]


def test_the_queues_name_each_milestone_its_project_its_state_and_who_waits(world, client):
    with clock.frozen(START):
        shop = _accepted(world, "Shop")
        blog = _accepted(world, "Blog")
        _approve(world, _milestone(shop, 1))
        reviews.support_request_file(
            milestone=_milestone(shop, 1), actor=_approver(world), description="The logo is blurry"
        )
        reviews.milestone_start(milestone=_milestone(shop, 2), actor=world.owner)
        _deliver(world, _milestone(blog, 1))
    with clock.frozen(START + dt.timedelta(days=60)):  # Shop's milestone 2 is late by then
        client.force_login(world.owner)
        page = client.get("/").content.decode()
    on_client = _section(page, "Waiting on the client")
    on_us = _section(page, "Waiting on us")
    late = _section(page, "Overdue against plan")
    blog_first = _milestone(blog, 1)
    shop_second = _milestone(shop, 2)
    assert f"/milestones/{blog_first.pk}/" in on_client and world.client.name in on_client
    assert f"/milestones/{shop_second.pk}/" in on_us
    assert "· Shop · in progress · due" in on_us
    assert "The logo is blurry" in on_us and "#support-requests" in on_us
    assert f"/milestones/{shop_second.pk}/" in late and "· Shop</span>" in late


def test_a_change_order_asked_for_waits_on_the_agency(world, client):
    with clock.frozen(START):
        shop = _accepted(world, "Shop")
        plans.change_order_request_file(
            milestone=_milestone(shop, 2), actor=_approver(world), text="Could it take gift cards?"
        )
        client.force_login(world.owner)
        page = client.get("/").content.decode()
    on_us = _section(page, "Waiting on us")
    assert "Change order asked for" in on_us and "Could it take gift cards?" in on_us
    assert f"/milestones/{_milestone(shop, 2).pk}/" in on_us
