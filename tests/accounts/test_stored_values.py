"""Values stored before today's checks, and what a browser sends, never block a save."""

import io

import pytest
from django.core.management import CommandError, call_command

from milepost.accounts import services
from milepost.accounts.models import Organisation, User
from milepost.core.errors import InvalidInput

pytestmark = pytest.mark.django_db

OLD_VAT_ID = "DE123456789"  # the demo's id before issue 11: its check digit is wrong


def test_an_unchanged_old_vat_id_does_not_block_saving_other_settings(world):
    Organisation.objects.filter(pk=world.organisation.pk).update(vat_id=OLD_VAT_ID)
    world.organisation.refresh_from_db()

    services.organisation_update(
        organisation=world.organisation,
        actor=world.owner,
        vat_id=OLD_VAT_ID,  # the settings form sends it back as it shows it
        payment_terms_days=30,
    )

    world.organisation.refresh_from_db()
    assert (world.organisation.payment_terms_days, world.organisation.vat_id) == (30, OLD_VAT_ID)


def test_a_changed_vat_id_is_checked(world):
    Organisation.objects.filter(pk=world.organisation.pk).update(vat_id=OLD_VAT_ID)
    world.organisation.refresh_from_db()
    with pytest.raises(InvalidInput) as raised:
        services.organisation_update(
            organisation=world.organisation, actor=world.owner, vat_id="DE123456780"
        )
    assert "vat_id" in raised.value.details


def test_an_unchanged_old_client_vat_id_does_not_block_renaming_the_client(world):
    type(world.client).objects.filter(pk=world.client.pk).update(vat_id=OLD_VAT_ID)
    world.client.refresh_from_db()

    services.client_update(
        client=world.client, actor=world.owner, name="Acme Shop GmbH", vat_id=OLD_VAT_ID
    )

    world.client.refresh_from_db()
    assert world.client.name == "Acme Shop GmbH"


def test_a_street_typed_in_a_browser_keeps_plain_line_ends(world):
    services.client_update(
        client=world.client, actor=world.owner, street="12 rue de la Paix\r\nBâtiment B"
    )
    world.client.refresh_from_db()
    assert world.client.street == "12 rue de la Paix\nBâtiment B"


def test_create_organisation_refused_creates_no_owner(monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a long enough password 123")
    with pytest.raises(CommandError):
        call_command(
            "create_organisation",
            "Your Studio",
            "you@example.com",
            "--vat-id",
            OLD_VAT_ID,
            stdout=io.StringIO(),
        )
    assert not User.objects.filter(email="you@example.com").exists()
    assert not Organisation.objects.filter(name="Your Studio").exists()
