"""Pages and API lists keep a constant number of queries as their data grows."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from .factories import ClientFactory, ContactFactory

PAGES = [
    ("web", "/"),
    ("web", "/clients/"),
    ("web", "/members/"),
    ("web", "/settings/"),
    ("api", "/api/v1/me/"),
    ("api", "/api/v1/clients/"),
]


def _grow(world, clients: int) -> None:
    for _ in range(clients):
        client = ClientFactory(organisation=world.organisation)
        ContactFactory.create_batch(2, client=client)


def _count(kind: str, path: str, user) -> int:
    user = type(user).objects.get(pk=user.pk)  # no roles cached from an earlier request
    if kind == "api":
        http = APIClient()
        http.force_authenticate(user)
    else:
        http = Client()
        http.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = http.get(path)
    assert response.status_code == 200, path
    return len(queries)


@pytest.mark.parametrize(("kind", "path"), PAGES)
def test_query_count_does_not_grow_with_rows(kind, path, world):
    _grow(world, 2)
    small = _count(kind, path, world.owner)
    _grow(world, 40)
    large = _count(kind, path, world.owner)
    assert small == large, f"{path}: {small} queries with few rows, {large} with many"
