"""The agency is told while its invoices cannot say where to pay: on the dashboard and in Settings
(owners and managers), beside the button whose action issues an invoice (anyone in the agency),
and after that action. Bank details typed wrong are refused beside their fields, nothing saved."""

from __future__ import annotations

import pytest

from milepost.billing.einvoice import payment_problems
from milepost.billing.models import Invoice
from tests.payments.conftest import Money, fresh
from tests.payments.test_invoices import on_start
from tests.test_permission_matrix import organisation_form

from .test_declared_forms import ORGANISATION, _field_block

pytestmark = pytest.mark.django_db

NOTICE = 'id="bank-details-missing"'
IBAN = "DE89370400440532013000"


def _get(client, user, path: str) -> str:
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def _notice(page: str, marker: str = NOTICE) -> str:
    start = page.index(marker)
    return page[start : page.index("</section>", start)]


# --- what is missing (pure) ----------------------------------------------------------------------


def test_an_iban_is_what_a_euro_invoice_needs_and_a_bic_only_outside_the_euro():
    assert [p.field for p in payment_problems({}, "EUR")] == ["iban"]
    assert [p.field for p in payment_problems({"iban": IBAN}, "EUR")] == []
    assert [p.field for p in payment_problems({"iban": IBAN}, "GBP")] == ["bic"]
    assert [p.field for p in payment_problems({"iban": IBAN, "bic": "COBADEFFXXX"}, "GBP")] == []
    assert [p.missing for p in payment_problems({}, "CHF")] == ["an IBAN", "a BIC"]


# --- dashboard and settings ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_the_dashboard_tells_owners_and_managers_that_invoices_do_not_say_where_to_pay(
    world, client, role
):
    notice = _notice(_get(client, world.user(role), "/"))

    assert "Your invoices do not say where to pay." in notice
    assert "The organisation needs an IBAN" in notice
    if role == "owner":
        assert 'href="/settings/#organisation"' in notice
    else:
        assert "Only an owner can change the organisation's bank details." in notice


@pytest.mark.parametrize("role", ["member", "contact"])
def test_members_and_client_contacts_are_not_told(world, client, role):
    assert NOTICE not in _get(client, world.user(role), "/")


def test_the_notice_goes_once_the_iban_is_saved_and_asks_for_a_bic_outside_the_euro(world, client):
    client.force_login(world.owner)
    response = client.post(
        "/settings/organisation/", {**organisation_form(world, "owner"), "iban": IBAN}
    )
    assert response.status_code == 302
    assert NOTICE not in _get(client, world.owner, "/")

    world.organisation.refresh_from_db()
    world.organisation.default_currency = "GBP"
    world.organisation.save()
    assert "The organisation needs a BIC" in _notice(_get(client, world.owner, "/"))


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_settings_shows_the_notice_in_the_organisation_section_without_a_link_to_itself(
    world, client, role
):
    page = _get(client, world.user(role), "/settings/")
    notice = _notice(page)

    if role == "owner":
        assert page.index(ORGANISATION) < page.index(NOTICE) < page.index('name="iban"')
    assert "/settings/#organisation" not in notice


def test_bad_bank_details_are_refused_beside_their_fields_and_nothing_is_saved(world, client):
    client.force_login(world.owner)
    data = {
        **organisation_form(world, "owner"),
        "name": "Renamed",
        "bank_account_holder": "Northwind Studio GmbH",
        "iban": "DE89 3704 0044 0532 0130 01",
        "bic": "COBA DE F",
    }
    response = client.post("/settings/organisation/", data)

    assert response.status_code == 400
    page = response.content.decode()
    iban = _field_block(page, "iban", ORGANISATION)
    bic = _field_block(page, "bic", ORGANISATION)
    assert "This IBAN is not valid (check digits)." in iban
    assert 'value="DE89 3704 0044 0532 0130 01"' in iban  # what was typed is kept
    assert "A BIC has 8 or 11 characters." in bic and 'value="COBA DE F"' in bic
    holder = _field_block(page, "bank_account_holder", ORGANISATION)
    assert 'value="Northwind Studio GmbH"' in holder
    world.organisation.refresh_from_db()
    assert world.organisation.name != "Renamed"  # nothing saved, not even the valid fields
    assert (world.organisation.bank_account_holder, world.organisation.iban) == ("", "")


# --- where the agency's action issues an invoice -------------------------------------------------


@pytest.fixture
def unbanked(world) -> Money:
    """The agency of the payments tests as it starts: no bank details (nor address, nor VAT id)."""
    assert world.organisation.iban == ""
    return Money(world)


@pytest.mark.parametrize("role", ["member", "owner"])
def test_the_start_button_of_a_prepaid_milestone_says_its_invoice_will_not_say_where_to_pay(
    unbanked, client, role
):
    project = unbanked.project(prepare=on_start(1))
    milestone = unbanked.m(project, 1)

    page = _get(client, fresh(unbanked.world.user(role)), f"/milestones/{milestone.pk}/")

    start = page[page.index('id="start"') : page.index("</section>", page.index('id="start"'))]
    assert "This milestone's invoice will not say where to pay" in start
    assert "an IBAN" in start


def test_the_start_button_says_nothing_when_the_milestone_is_billed_on_approval(unbanked, client):
    milestone = unbanked.m(unbanked.project(), 1)
    page = _get(client, fresh(unbanked.world.member), f"/milestones/{milestone.pk}/")
    assert "will not say where to pay" not in page


def test_delivering_a_milestone_billed_on_approval_says_its_invoice_will_not_say_where_to_pay(
    unbanked, client
):
    milestone = unbanked.start(unbanked.project(), 1)
    page = _get(client, fresh(unbanked.world.member), f"/milestones/{milestone.pk}/")
    deliver = page[
        page.index('id="deliver"') : page.index("</section>", page.index('id="deliver"'))
    ]
    assert "invoice will not say where to pay" in deliver

    unbanked.organisation.iban = IBAN
    unbanked.organisation.save()
    page = _get(client, fresh(unbanked.world.member), f"/milestones/{milestone.pk}/")
    assert "will not say where to pay" not in page


def test_client_contacts_never_see_the_agencys_bank_notice(unbanked, client):
    milestone = unbanked.to_review(unbanked.project(), 1)
    page = _get(client, fresh(unbanked.world.contact), f"/milestones/{milestone.pk}/")
    assert "will not say where to pay" not in page


def test_starting_a_prepaid_milestone_warns_that_its_invoice_has_no_bank_details(unbanked, client):
    project = unbanked.project(prepare=on_start(1))
    milestone = unbanked.m(project, 1)
    client.force_login(fresh(unbanked.world.member))

    page = client.post(f"/milestones/{milestone.pk}/start/", follow=True).content.decode()

    assert Invoice.objects.filter(milestone=milestone, trigger="on_start").exists()
    assert '<li class="warning">The invoice was issued without bank details' in page


def test_reissuing_a_voided_invoice_warns_while_the_bank_details_are_missing(unbanked, client):
    invoice = unbanked.approved(unbanked.project(), 1)
    client.force_login(fresh(unbanked.world.owner))

    response = client.post(
        f"/invoices/{invoice.pk}/void/", {"reason": "Wrong address", "reissue": "on"}, follow=True
    )

    assert "The invoice was issued without bank details" in response.content.decode()
    unbanked.organisation.iban = IBAN
    unbanked.organisation.save()
    replacement = Invoice.objects.get(milestone=invoice.milestone, kind="invoice", status="issued")
    response = client.post(
        f"/invoices/{replacement.pk}/void/",
        {"reason": "Bank details", "reissue": "on"},
        follow=True,
    )
    assert "without bank details" not in response.content.decode()
    latest = Invoice.objects.get(milestone=invoice.milestone, kind="invoice", status="issued")
    assert latest.seller["iban"] == IBAN  # the reissue takes the details as they are now
