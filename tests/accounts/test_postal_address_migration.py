"""Addresses became fields: the free text of organisations and clients was split once, with the
rules the e-invoice used to apply at every export, and issued invoices' snapshots got the same
fields, so their e-invoices stay the same documents."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from milepost.accounts.models import Client, Organisation
from milepost.billing.einvoice.terms import postal_address

migration = importlib.import_module("milepost.accounts.migrations.0004_postal_address")
snapshots = importlib.import_module("milepost.billing.migrations.0005_invoice_postal_address")

LONG_CITY = "Main Street 1\n12345 " + "C" * 120
BEFORE = [
    ("accounts", "0003_client_language_client_reverse_charge_and_more"),
    ("billing", "0004_stripe_event_organisation_and_reason"),
]


@pytest.mark.parametrize(
    ("address", "country", "expected"),
    [
        (
            "Torstraße 19\n10119 Berlin\nDeutschland",
            "DE",
            {"line_one": "Torstraße 19", "postcode": "10119", "city": "Berlin"},
        ),
        (
            "Rue de Rivoli 1, 75001 Paris, France",
            "FR",
            {"line_one": "Rue de Rivoli 1", "postcode": "75001", "city": "Paris"},
        ),
        (
            "Acme House\nUnit 4\nDock Road\nFloor 2\nDublin 2 D02 X285",
            "IE",
            {
                "line_one": "Acme House",
                "line_two": "Unit 4",
                "line_three": "Dock Road, Floor 2",
                "city": "Dublin 2 D02 X285",
            },
        ),
        ("", "DE", {}),
    ],
)
def test_split_address(address, country, expected):
    assert migration.split_address(address, country) == expected


def test_an_old_snapshot_gets_the_fields_its_xml_was_built_from():
    seller = {
        "name": "Northwind Studio GmbH",
        "address": "Torstraße 19\n10119 Berlin\nGermany",
        "country": "DE",
        "vat_id": "DE123456789",
        "iban": "DE89370400440532013000",
    }
    migrated = snapshots._with_fields(seller)

    assert migrated == {**seller, "street": "Torstraße 19", "postcode": "10119", "city": "Berlin"}
    # The e-invoice reads from the fields exactly what it used to split from the text.
    assert postal_address(migrated) == migration.split_address(seller["address"], "DE")
    assert snapshots._with_fields(migrated) is migrated  # twice changes nothing


def test_a_buyer_known_only_by_its_vat_id_is_split_for_that_country():
    buyer = {
        "name": "Acme",
        "address": "1 Market Street\nDublin 2\nIreland",
        "vat_id": "IE6388047V",
    }
    migrated = snapshots._with_fields(buyer)
    assert (migrated["street"], migrated["city"]) == ("1 Market Street", "Dublin 2")
    long = {"address": "Acme House\nUnit 4\nDock Road\nFloor 2\nDublin 2 D02 X285", "country": "IE"}
    assert postal_address(snapshots._with_fields(long)) == migration.split_address(
        long["address"], "IE"
    )


@pytest.mark.django_db(transaction=True)
def test_the_migration_splits_organisations_and_clients_once():
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldOrganisation = old.get_model("accounts", "Organisation")
    OldClient = old.get_model("accounts", "Client")
    org = OldOrganisation.objects.create(
        name="Northwind", country="DE", address="Torstraße 19, 10119 Berlin, Deutschland"
    )
    odd = OldOrganisation.objects.create(name="Odd", country="FR", address=LONG_CITY)
    acme = OldClient.objects.create(
        organisation=org,
        name="Acme",
        country="",
        vat_id="IE6388047V",
        legal_address="3 Grand Canal Square\nDublin 2 D02 X285\nIreland",
    )

    executor = MigrationExecutor(connection)
    executor.migrate(leaves)

    org, odd = Organisation.objects.get(pk=org.pk), Organisation.objects.get(pk=odd.pk)
    assert (org.street, org.postcode, org.city) == ("Torstraße 19", "10119", "Berlin")
    assert org.address == "Torstraße 19\n10119 Berlin"
    client = Client.objects.get(pk=acme.pk)
    assert (client.street, client.postcode, client.city) == (
        "3 Grand Canal Square",
        "",
        "Dublin 2 D02 X285",
    )
    # A postcode or city too long for its column: the whole text is kept as the street.
    assert (odd.street, odd.postcode, odd.city) == (LONG_CITY, "", "")
