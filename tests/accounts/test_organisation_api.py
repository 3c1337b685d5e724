"""The organisation through the API: members read it, owners change it; IBAN and BIC are checked
digit by digit (400 naming every bad field, nothing saved) and stored compact; invoices already
issued keep the bank details they were issued with."""

from __future__ import annotations

import pytest

from milepost.audit.models import AuditEvent
from tests.api.helpers import assert_error
from tests.billing.conftest import IBAN

pytestmark = pytest.mark.django_db


def url(world) -> str:
    return f"/api/v1/organisations/{world.organisation.pk}/"


@pytest.mark.parametrize("role", ["owner", "manager", "member"])
def test_every_member_reads_the_organisation_with_its_bank_details(world, api_as, role):
    world.organisation.iban, world.organisation.bic = IBAN, "COBADEFFXXX"
    world.organisation.bank_account_holder = "Northwind Studio GmbH"
    world.organisation.street, world.organisation.postcode = "Torstraße 19", "10119"
    world.organisation.city = "Berlin"
    world.organisation.save()

    body = api_as(world.user(role)).get(url(world)).json()

    assert body["id"] == world.organisation.pk
    assert (body["iban"], body["bic"]) == (IBAN, "COBADEFFXXX")
    assert body["bank_account_holder"] == "Northwind Studio GmbH"
    assert body["legal_address"] == world.organisation.address
    assert body["tax_rate"] == "19.00"  # money and rates are strings


@pytest.mark.parametrize("who", ["contact", "outsider"])
def test_client_contacts_and_other_agencies_get_404(world, api_as, who):
    user = world.contact if who == "contact" else world.outsider
    assert_error(api_as(user).get(url(world)), 404, "not_found")
    assert_error(api_as(user).patch(url(world), {"iban": IBAN}, format="json"), 404, "not_found")


@pytest.mark.parametrize("role", ["manager", "member"])
def test_only_owners_change_it_refused_before_the_body_is_read(world, api_as, role):
    response = api_as(world.user(role)).patch(url(world), {"iban": "nonsense"}, format="json")

    error = assert_error(response, 403, "permission_denied")
    assert error["details"] == {}  # not told that the IBAN was wrong
    world.organisation.refresh_from_db()
    assert world.organisation.iban == ""


def test_an_owner_sets_the_bank_details_typed_in_groups_and_they_are_stored_compact(world, api_as):
    before = AuditEvent.objects.count()
    response = api_as(world.owner).patch(
        url(world),
        {
            "bank_account_holder": "Northwind Studio GmbH",
            "iban": "de89 3704 0044 0532 0130 00",
            "bic": "COBA DE FF XXX",
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    assert (response.json()["iban"], response.json()["bic"]) == (IBAN, "COBADEFFXXX")
    world.organisation.refresh_from_db()
    assert (world.organisation.iban, world.organisation.bic) == (IBAN, "COBADEFFXXX")
    event = AuditEvent.objects.order_by("-id").first()
    assert AuditEvent.objects.count() == before + 1
    assert event.data["before"]["iban"] == "" and event.data["after"]["iban"] == IBAN


def test_a_bad_iban_and_a_bad_bic_are_named_at_once_and_nothing_is_saved(world, api_as):
    before = AuditEvent.objects.count()
    response = api_as(world.owner).patch(
        url(world),
        {
            "name": "Renamed",
            "bank_account_holder": "Northwind Studio GmbH",
            "iban": "DE89370400440532013001",
            "bic": "COBAXXFF",
        },
        format="json",
    )

    error = assert_error(response, 400, "invalid")
    assert error["details"] == {
        "iban": ["This IBAN is not valid (check digits)."],
        "bic": ["This BIC is not valid."],
    }
    world.organisation.refresh_from_db()
    assert world.organisation.name != "Renamed" and world.organisation.bank_account_holder == ""
    assert AuditEvent.objects.count() == before


def test_legal_address_is_refused_not_dropped(world, api_as):
    response = api_as(world.owner).patch(
        url(world), {"legal_address": "Torstraße 19, 10119 Berlin", "iban": IBAN}, format="json"
    )
    error = assert_error(response, 400, "invalid")
    assert list(error["details"]) == ["legal_address"]
    world.organisation.refresh_from_db()
    assert world.organisation.iban == ""


def test_an_empty_iban_clears_it(world, api_as):
    world.organisation.iban = IBAN
    world.organisation.save()
    response = api_as(world.owner).patch(url(world), {"iban": ""}, format="json")
    assert response.status_code == 200 and response.json()["iban"] == ""
