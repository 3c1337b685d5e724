"""The pages' forms only read types: the service refuses, and its messages sit next to the fields.

The rules of each write are declared once (``accounts/inputs.py``); a form shows them (required
marker, ``maxlength``) but a value that breaks them still reaches the service, which answers with
the same message the API gives.
"""

from __future__ import annotations

import re

import pytest

from tests.test_permission_matrix import organisation_form

pytestmark = pytest.mark.django_db

ORGANISATION = 'id="organisation"'  # the settings page's organisation section


def _field_block(page: str, name: str, within: str = "<main") -> str:
    """The ``<div class="field">`` that holds the input called ``name`` (after ``within``)."""
    page = page[page.index(within) :]
    for block in re.findall(r'<div class="field[^"]*">.*?</div>', page, re.S):
        if f'name="{name}"' in block:
            return block
    raise AssertionError(f"no field {name}")


def test_a_bad_iban_is_refused_by_the_service_next_to_its_field(world, client):
    client.force_login(world.owner)
    data = {**organisation_form(world, "owner"), "iban": "DE89 3704 0044 0532 0130 01"}
    response = client.post("/settings/organisation/", data)

    assert response.status_code == 400
    block = _field_block(response.content.decode(), "iban", ORGANISATION)
    assert "This IBAN is not valid (check digits)." in block
    assert 'aria-invalid="true"' in block
    assert 'maxlength="42"' in block
    world.organisation.refresh_from_db()
    assert world.organisation.iban == ""


def test_a_client_name_over_the_declared_length_gets_the_services_message(world, client):
    client.force_login(world.owner)
    response = client.post("/clients/", {"name": "n" * 201})

    assert response.status_code == 400
    block = _field_block(response.content.decode(), "name")
    assert "At most 200 characters." in block  # the service's words, not Django's
    assert 'maxlength="200"' in block and "(optional)" not in block
    assert not world.organisation.clients.filter(name="n" * 201).exists()


def test_an_empty_required_field_is_refused_by_the_service(world, client):
    client.force_login(world.owner)
    response = client.post(
        "/settings/organisation/", {**organisation_form(world, "owner"), "name": ""}
    )

    assert response.status_code == 400
    block = _field_block(response.content.decode(), "name", ORGANISATION)
    assert "This field is required." in block


def test_a_null_character_is_refused_not_stored(world, client):
    client.force_login(world.owner)
    response = client.post("/clients/", {"name": "Ac\x00me", "vat_id": "CH\x00E"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Null characters are not allowed." in _field_block(page, "name")
    assert "Null characters are not allowed." in _field_block(page, "vat_id")
