"""Owners and managers are told, before it matters, what a valid EN 16931 e-invoice still needs;
members and client contacts never see these notices."""

from __future__ import annotations

import pytest

from tests.billing.conftest import BUYER_ADDRESS, SELLER_ADDRESS, Billing, set_address

NOTICE = 'id="einvoice-problems"'
SEES = ["owner", "manager"]
DOES_NOT = ["member", "contact"]


def _page(client, user, path: str) -> tuple[int, str]:
    client.force_login(user)
    response = client.get(path)
    return response.status_code, response.content.decode()


@pytest.mark.parametrize("role", SEES)
def test_dashboard_names_what_the_organisation_lacks(world, client, role):
    status, page = _page(client, world.user(role), "/")

    assert status == 200 and NOTICE in page
    assert "not be valid EN 16931 e-invoices" in page
    assert "postal address" in page and "VAT id" in page
    assert 'href="/settings/#organisation"' in page


@pytest.mark.parametrize("role", DOES_NOT)
def test_dashboard_notice_is_not_for_members_or_contacts(world, client, role):
    status, page = _page(client, world.user(role), "/")
    assert status == 200 and NOTICE not in page


def test_dashboard_notice_goes_once_the_details_are_complete(world, client):
    set_address(world.organisation, SELLER_ADDRESS)
    world.organisation.vat_id = "DE123456789"
    world.organisation.save()
    _status, page = _page(client, world.owner, "/")
    assert NOTICE not in page


@pytest.mark.parametrize("role", SEES)
def test_settings_shows_the_notice(world, client, role):
    status, page = _page(client, world.user(role), "/settings/")
    assert status == 200 and NOTICE in page
    assert "postal address" in page and "VAT id" in page


def test_settings_puts_the_owners_notice_in_the_organisation_section(world, client):
    _status, page = _page(client, world.owner, "/settings/")
    section = page[page.index('id="organisation"') :]
    assert NOTICE in section


@pytest.mark.parametrize("role", DOES_NOT)
def test_settings_notice_is_not_for_members_or_contacts(world, client, role):
    _status, page = _page(client, world.user(role), "/settings/")
    assert NOTICE not in page


@pytest.mark.parametrize("role", SEES)
@pytest.mark.parametrize("path", ["/clients/{pk}/", "/clients/{pk}/edit/"])
def test_client_pages_name_what_the_client_lacks(world, client, role, path):
    status, page = _page(client, world.user(role), path.format(pk=world.client.pk))
    assert status == 200 and NOTICE in page
    assert "postal address" in page
    assert "VAT id" not in page[page.index(NOTICE) : page.index("</section>", page.index(NOTICE))]


def test_client_notice_asks_for_the_vat_id_under_reverse_charge(world, client):
    set_address(world.client, BUYER_ADDRESS)
    world.client.reverse_charge = True
    world.client.save()
    _status, page = _page(client, world.owner, f"/clients/{world.client.pk}/")
    notice = page[page.index(NOTICE) : page.index("</section>", page.index(NOTICE))]
    assert "VAT id" in notice and "postal address" not in notice
    world.client.vat_id = "IE6388047V"
    world.client.save()
    _status, page = _page(client, world.owner, f"/clients/{world.client.pk}/")
    assert NOTICE not in page


def test_client_page_notice_is_not_for_members(world, client):
    status, page = _page(client, world.member, f"/clients/{world.client.pk}/")
    assert status == 200 and NOTICE not in page


@pytest.mark.parametrize("role", SEES)
def test_invoice_page_lists_what_the_issued_invoice_breaks(world, client, role):
    invoice = Billing(world).invoiced()  # issued although the seller's VAT id is missing

    status, page = _page(client, world.user(role), f"/invoices/{invoice.pk}/")

    assert status == 200 and NOTICE in page
    assert "This invoice is not a valid EN 16931 e-invoice" in page
    assert "The seller&#x27;s VAT id is missing." in page
    assert "BR-S-02" not in page


@pytest.mark.parametrize("role", DOES_NOT)
def test_invoice_page_notice_is_not_for_members_or_contacts(world, client, role):
    invoice = Billing(world).invoiced()
    status, page = _page(client, world.user(role), f"/invoices/{invoice.pk}/")
    assert status == 200 and NOTICE not in page
