"""Every 413 is one answer, wherever it is decided: the size middleware, the API's JSON parser,
Django's own limit on the API and on the Stripe webhook."""

from __future__ import annotations

import json

import pytest
from django.test import Client, RequestFactory
from django.urls import resolve

from milepost.accounts.services import api_token_create
from milepost.api.webhooks import stripe_webhook

pytestmark = pytest.mark.django_db

LIMIT = 1024
BODY = json.dumps({"name": "Big", "legal_address": "x" * 4096})
EXPECTED = {
    "code": "payload_too_large",
    "message": "The request is too large: 4 KB sent, at most 1 KB.",
    "details": {"limit_bytes": LIMIT, "sent_bytes": len(BODY)},
}


@pytest.fixture
def token(world, settings) -> str:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = LIMIT
    _, raw = api_token_create(user=world.owner, actor=world.owner)
    return f"Bearer {raw}"


def rendered(response) -> dict:
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)["error"]


def test_the_middleware_answers_before_the_view(token):
    response = Client().post(
        "/api/v1/clients/", BODY, content_type="application/json", HTTP_AUTHORIZATION=token
    )
    assert rendered(response) == EXPECTED


def test_the_json_parser_answers_the_same(token):
    """Without the middleware in front (a body it could not measure), the parser refuses it."""
    request = RequestFactory().post(
        "/api/v1/clients/", BODY, content_type="application/json", HTTP_AUTHORIZATION=token
    )
    response = resolve("/api/v1/clients/").func(request)
    assert rendered(response.render()) == EXPECTED


def test_the_webhook_answers_the_same(token):
    request = RequestFactory().post("/webhooks/stripe/", BODY, content_type="application/json")
    assert rendered(stripe_webhook(request)) == EXPECTED
