"""Accepting a change order settles its money: a price on a milestone already invoiced is
invoiced at once (a credit note when it falls); the rest is billed with its milestone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from milepost.billing.einvoice import cii_xml
from milepost.billing.models import Invoice, InvoiceKind
from milepost.core import clock
from milepost.plans import services as plans
from milepost.plans.models import Milestone, Project
from milepost.reviews import services as reviews
from milepost.reviews.services.change_orders import change_order_accept

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
    """Milestone 1 approved (its invoice issued)."""
    project = accepted_project(world, at=START)
    with clock.frozen(START):
        reviews.milestone_start(milestone=_m(project, 1), actor=world.owner)
        reviews.milestone_deliver(milestone=_m(project, 1), actor=world.owner, notes="Done")
        reviews.milestone_approve(
            milestone=_m(project, 1), actor=_fresh(world.contact), accept_open_items=True
        )
    return Project.objects.get(pk=project.pk)


def _accept(world, project, changes, title="More support"):
    co = plans.change_order_create(
        project=project, actor=world.owner, title=title, changes_=changes
    )
    plans.change_order_propose(change_order=co, actor=world.owner)
    return change_order_accept(change_order=co, actor=_fresh(world.contact))


def test_more_support_on_an_approved_milestone_is_invoiced_at_once(world, shop):
    first = _m(shop, 1)
    approval_invoice = Invoice.objects.get(milestone=first, kind=InvoiceKind.INVOICE)
    with clock.frozen(START + dt.timedelta(days=20)):
        accepted = _accept(
            world,
            shop,
            [
                {
                    "op": "update",
                    "milestone": first.pk,
                    "fields": {"revision_quota": first.revision_quota + 2},
                    "price": "250.00",
                }
            ],
        )
    [invoice] = accepted.invoices
    assert invoice.kind == InvoiceKind.INVOICE and invoice.net == Decimal("250.00")
    assert invoice.sequence == approval_invoice.sequence + 1  # the next number, no gap
    assert "Change order CO-1: More support" in str(invoice.description)
    assert _m(shop, 1).revision_quota == first.revision_quota + 2
    assert _m(shop, 1).budget == first.budget + Decimal("250.00")
    assert Project.objects.get(pk=shop.pk).total_budget == Decimal("10250.00")
    assert b"<ram:TypeCode>380</ram:TypeCode>" in cii_xml(invoice)


def test_a_cut_on_a_prepaid_milestone_issues_a_credit_note(world, shop):
    second = _m(shop, 2)
    Milestone.objects.filter(pk=second.pk).update(billing_trigger="on_start")
    with clock.frozen(START + dt.timedelta(days=20)):
        reviews.milestone_start(milestone=_m(shop, 2), actor=world.owner)
        prepayment = Invoice.objects.get(milestone=second, kind=InvoiceKind.INVOICE)
        accepted = _accept(
            world,
            shop,
            [
                {
                    "op": "update",
                    "milestone": second.pk,
                    "fields": {"budget": str(second.budget - Decimal("300.00"))},
                }
            ],
            title="Smaller catalogue",
        )
    [note] = accepted.invoices
    assert note.kind == InvoiceKind.CREDIT_NOTE and note.net == Decimal("300.00")
    prepayment.refresh_from_db()
    assert prepayment.credited > 0
    assert b"<ram:TypeCode>381</ram:TypeCode>" in cii_xml(note)


def test_a_budget_change_on_a_milestone_not_invoiced_waits_for_its_invoice(world, shop):
    third = _m(shop, 3)
    before = Invoice.objects.count()
    accepted = _accept(
        world,
        shop,
        [{"op": "update", "milestone": third.pk, "fields": {"budget": str(third.budget + 100)}}],
    )
    assert accepted.invoices == () and Invoice.objects.count() == before


def test_the_client_is_told_of_a_credit_note_as_a_credit_note(world, shop):
    from milepost.notify.models import Notification

    second = _m(shop, 2)
    Milestone.objects.filter(pk=second.pk).update(billing_trigger="on_start")
    with clock.frozen(START + dt.timedelta(days=20)):
        reviews.milestone_start(milestone=_m(shop, 2), actor=world.owner)
        Notification.objects.all().delete()
        [note] = _accept(
            world,
            shop,
            [
                {
                    "op": "update",
                    "milestone": second.pk,
                    "fields": {"budget": str(second.budget - 300)},
                }
            ],
        ).invoices
    titles = list(Notification.objects.filter(user=world.contact).values_list("title", flat=True))
    assert f"Credit note {note.number} from Northwind Studio for Shop" in titles
    body = Notification.objects.get(user=world.contact, title__startswith="Credit note").body
    assert "credited" in body and "due" not in body


def test_the_credit_note_and_the_invoice_it_corrects_say_so(world, shop, client):
    from rest_framework.test import APIClient

    second = _m(shop, 2)
    Milestone.objects.filter(pk=second.pk).update(billing_trigger="on_start")
    with clock.frozen(START + dt.timedelta(days=20)):
        reviews.milestone_start(milestone=_m(shop, 2), actor=world.owner)
        prepayment = Invoice.objects.get(milestone=second, kind=InvoiceKind.INVOICE)
        [note] = _accept(
            world,
            shop,
            [
                {
                    "op": "update",
                    "milestone": second.pk,
                    "fields": {"budget": str(second.budget - 300)},
                }
            ],
            title="Smaller catalogue",
        ).invoices
    api = APIClient()
    api.force_authenticate(_fresh(world.contact))
    shown = api.get(f"/api/v1/invoices/{note.pk}/").json()
    assert (shown["corrects"], shown["change_order"]) == (prepayment.number, "CO-1")
    corrected = api.get(f"/api/v1/invoices/{prepayment.pk}/").json()
    assert Decimal(corrected["credited"]) > 0
    client.force_login(world.owner)
    page = client.get(f"/invoices/{note.pk}/").content.decode()
    assert f'corrects <a href="/invoices/{prepayment.pk}/">{prepayment.number}</a>' in page
    assert "settles change order CO-1" in page
    assert "credited by credit notes" in client.get(f"/invoices/{prepayment.pk}/").content.decode()


def test_a_longer_support_window_bought_moves_its_end_and_the_scheduler_waits(world, shop):
    first = _m(shop, 1)
    assert first.support_ends_at == START + dt.timedelta(days=14)
    with clock.frozen(START + dt.timedelta(days=10)):
        _accept(
            world,
            shop,
            [
                {
                    "op": "update",
                    "milestone": first.pk,
                    "fields": {"support_window_days": 21},
                    "price": "100.00",
                }
            ],
        )
    assert _m(shop, 1).support_ends_at == START + dt.timedelta(days=21)
    with clock.frozen(START + dt.timedelta(days=15)):
        assert reviews.run_due_work().closed == 0
        reviews.support_request_file(
            milestone=_m(shop, 1), actor=_fresh(world.contact), description="Footer link"
        )
    assert _m(shop, 1).status == "approved"
    with clock.frozen(START + dt.timedelta(days=21)):
        assert reviews.run_due_work().closed == 1


def test_more_revisions_bought_on_an_approved_milestone_serve_support_requests(world, shop):
    first = _m(shop, 1)
    Milestone.objects.filter(pk=first.pk).update(revisions_used=first.revision_quota)
    with clock.frozen(START + dt.timedelta(days=2)):
        _accept(
            world,
            shop,
            [
                {
                    "op": "update",
                    "milestone": first.pk,
                    "fields": {"revision_quota": first.revision_quota + 1},
                    "price": "150.00",
                }
            ],
            title="One more",
        )
        request = reviews.support_request_file(
            milestone=_m(shop, 1), actor=_fresh(world.contact), description="Footer link"
        )
    assert request.pk and _m(shop, 1).revisions_left == 0
