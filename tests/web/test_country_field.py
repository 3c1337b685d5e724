"""A country is chosen by its name from a list of countries; the code is what is stored."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from milepost.web.forms import ClientForm, OrganisationForm
from tests.test_permission_matrix import organisation_form

from .test_declared_forms import ORGANISATION, _field_block

pytestmark = pytest.mark.django_db


def _options(block: str) -> list[tuple[str, str]]:
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', block)


def test_the_organisation_s_country_is_a_select_of_named_countries(world, client):
    client.force_login(world.owner)
    page = client.get("/settings/").content.decode()

    block = _field_block(page, "country", ORGANISATION)
    assert '<select name="country"' in block and "maxlength" not in block
    options = _options(block)
    assert options[0] == ("", "Choose a country")
    assert ("DE", "Germany") in options and ("FR", "France") in options
    assert len(options) == 251  # the blank choice and 250 countries
    assert [name for _code, name in options[1:4]] == ["Afghanistan", "Åland Islands", "Albania"]
    selected = re.search(r'<option value="([A-Z]{2})"[^>]*selected', block)
    assert selected and selected.group(1) == world.organisation.country


def test_choosing_a_country_stores_its_code(world, client):
    client.force_login(world.owner)
    response = client.post(
        "/settings/organisation/", {**organisation_form(world, "owner"), "country": "FR"}
    )

    assert response.status_code == 302
    world.organisation.refresh_from_db()
    assert world.organisation.country == "FR"


def test_a_code_that_is_no_country_is_refused_beside_the_country(world, client):
    client.force_login(world.owner)
    data = {**organisation_form(world, "owner"), "name": "Renamed", "country": "XX"}
    response = client.post("/settings/organisation/", data)

    assert response.status_code == 400
    block = _field_block(response.content.decode(), "country", ORGANISATION)
    assert "Use a two-letter ISO 3166 code" in block and 'aria-invalid="true"' in block
    world.organisation.refresh_from_db()
    assert world.organisation.name == "Northwind Studio"


def test_a_client_s_country_is_optional_and_kept_when_stored(world, client):
    client.force_login(world.owner)
    page = client.get(f"/clients/{world.client.pk}/edit/").content.decode()

    block = _field_block(page, "country")
    assert "(optional)" in block and "required" not in block
    assert re.search(r'<option value="IE"[^>]*selected[^>]*>Ireland</option>', block)

    response = client.post("/clients/", {"name": "Borderless Ltd", "country": ""})
    assert response.status_code == 302
    assert world.organisation.clients.get(name="Borderless Ltd").country == ""


def test_a_stored_code_missing_from_the_list_stays_chosen():
    form = ClientForm(initial={"name": "Old", "country": "IC"})
    html = str(form["country"])
    assert re.search(r'<option value="IC" selected>IC</option>', html)


def test_countries_are_named_in_the_page_s_language():
    with translation.override("de"):
        options = _options(str(OrganisationForm(initial={"country": "AT"})["country"]))
    assert ("DE", "Deutschland") in options
    assert ("AT", "Österreich") in options
