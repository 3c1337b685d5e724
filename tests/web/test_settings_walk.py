"""What a person meets on the settings page's organisation form (a walk after issue 11).

The organisation form sits at the bottom of a long page: an answer with errors opens at that
section, not at the top with the password form focused. A BIC typed in groups, as it is printed
("COBA DE FF XXX"), fits in the field whole, like an IBAN with its blanks.
"""

from __future__ import annotations

import re

import pytest

from tests.test_permission_matrix import organisation_form

pytestmark = pytest.mark.django_db


def _organisation_form_tag(page: str) -> str:
    return re.search(r'<form[^>]*action="/settings/organisation/[^"]*"[^>]*>', page).group(0)


def test_an_organisation_form_with_errors_opens_at_the_organisation_section(world, client):
    client.force_login(world.owner)
    data = {**organisation_form(world, "owner"), "vat_id": "DE123456789"}
    response = client.post("/settings/organisation/", data)

    assert response.status_code == 400
    page = response.content.decode()
    assert 'action="/settings/organisation/#organisation"' in _organisation_form_tag(page)
    assert 'id="organisation"' in page
    assert "This VAT id is not valid (check digit)." in page


def test_a_bic_typed_in_groups_fits_the_field_and_is_stored_compact(world, client):
    client.force_login(world.owner)
    page = client.get("/settings/").content.decode()
    bic = re.search(r'<input[^>]*name="bic"[^>]*>', page).group(0)
    maxlength = int(re.search(r'maxlength="(\d+)"', bic).group(1))
    assert maxlength >= len("COBA DE FF XXX")

    response = client.post(
        "/settings/organisation/", {**organisation_form(world, "owner"), "bic": "COBA DE FF XXX"}
    )
    assert response.status_code == 302, response.content
    world.organisation.refresh_from_db()
    assert world.organisation.bic == "COBADEFFXXX"
