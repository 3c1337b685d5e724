"""A declared input is checked by the service alone, and the OpenAPI document still shows it."""

from __future__ import annotations

import pytest

from milepost.accounts.models import Client

from .contract import fetch_schema

pytestmark = pytest.mark.django_db

CLIENTS = "/api/v1/clients/"


def test_the_document_shows_what_the_service_requires():
    schemas = fetch_schema()["components"]["schemas"]
    create, patch = schemas["ClientWriteRequest"], schemas["PatchedClientPatchRequest"]

    assert create["required"] == ["name"]
    assert create["properties"]["name"] == {"type": "string", "minLength": 1, "maxLength": 200}
    assert create["properties"]["vat_id"]["maxLength"] == 40
    assert "required" not in patch
    assert patch["properties"]["name"]["minLength"] == 1  # may be left out, not emptied
    assert schemas["ContactInviteRequest"]["required"] == ["email"]


def test_the_service_answers_for_every_field_at_once(world, api_as):
    response = api_as(world.owner).post(
        CLIENTS, {"country": "Germany", "vat_id": "DE1"}, format="json"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["details"]) == {"name", "country", "vat_id"}
    assert error["details"]["name"] == ["This field is required."]
    assert not Client.objects.exclude(pk=world.client.pk).exists()


def test_a_400_says_the_same_whole_message_from_a_service_and_from_a_serializer(world, api_as):
    """A program read "Please correct the highlighted fields." (nothing is highlighted in JSON)
    from some services and "…fields in details." from others."""
    http = api_as(world.owner)
    from_service = http.post(CLIENTS, {"country": "Germany"}, format="json").json()["error"]
    from_serializer = http.post(CLIENTS, {"name": ["not", "a", "string"]}, format="json")
    messages = {from_service["message"], from_serializer.json()["error"]["message"]}
    assert messages == {"Some fields are not valid: each one says why."}
