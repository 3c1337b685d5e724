"""Fixtures for the REST API tests."""

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def bearer():
    """Return an API client that sends ``Authorization: Bearer <raw>``."""

    def make(raw: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make
