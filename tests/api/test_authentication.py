"""API tokens travel as ``Authorization: Bearer <token>``; a client that sends them otherwise is
told how, instead of "not provided"."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from milepost.accounts import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def raw(world) -> str:
    _token, raw = services.api_token_create(user=world.owner, name="CLI", actor=world.owner)
    return raw


def get(authorization: str):
    return APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=authorization)


def test_a_bearer_token_is_taken(raw):
    assert get(f"Bearer {raw}").status_code == 200


@pytest.mark.parametrize("scheme", ["Token", "token", "ApiKey"])
def test_a_token_under_another_scheme_is_told_to_use_bearer(raw, scheme):
    """A newcomer sent ``Authorization: Token mp_…`` and read "Authentication credentials were
    not provided." although they were."""
    response = get(f"{scheme} {raw}")
    assert response.status_code == 401
    body = response.json()
    assert body["error"]["code"] == "invalid_token"
    assert "Authorization: Bearer <token>" in body["error"]["message"]
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_bare_token_is_told_to_use_bearer(raw):
    response = get(raw)
    assert response.status_code == 401
    assert "Authorization: Bearer <token>" in response.json()["error"]["message"]


def test_no_authorization_still_says_not_provided():
    response = APIClient().get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_proxys_basic_credentials_are_left_to_the_session():
    """Behind a proxy asking for Basic authentication the header is the proxy's: not refused,
    just not a token (the request has no session here, so: not provided)."""
    response = get("Basic dXNlcjpwYXNz")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
