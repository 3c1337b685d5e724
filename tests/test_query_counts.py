"""Pages and API lists keep a constant number of queries as their data grows."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from milepost.plans import services as plans

from .factories import ClientFactory, ContactFactory

PAGES = [
    ("web", "/"),
    ("web", "/clients/"),
    ("web", "/members/"),
    ("web", "/settings/"),
    ("web", "/projects/"),
    ("web", "/projects/{project}/"),
    ("web", "/projects/{project}/plan/"),
    ("web", "/projects/{project}/print/"),
    ("web", "/templates/"),
    ("api", "/api/v1/me/"),
    ("api", "/api/v1/clients/"),
    ("api", "/api/v1/projects/"),
    ("api", "/api/v1/projects/{project}/"),
    ("api", "/api/v1/projects/{project}/milestones/"),
    ("api", "/api/v1/projects/{project}/events/"),
    ("api", "/api/v1/templates/"),
]


def _project(world, n: int):
    return plans.project_create(
        organisation=world.organisation,
        client=world.client,
        actor=world.owner,
        name=f"Project {n}",
        currency="EUR",
        total_budget="10000.00",
        start_date="2027-01-04",
        template="website-cms",
    )


def _grow(world, project, clients: int, projects: int, milestones: int) -> None:
    """More clients, contacts, projects, milestones, deliverables and events."""
    for _ in range(clients):
        client = ClientFactory(organisation=world.organisation)
        ContactFactory.create_batch(2, client=client)
    for n in range(projects):
        _project(world, n)
    for n in range(milestones):
        plans.milestone_add(
            project=project,
            actor=world.owner,
            title=f"Extra {n}",
            budget="10.00",
            planned_start="2027-06-01",
            planned_due="2027-06-04",
            deliverables=[
                {"title": f"Part {i}", "acceptance_criteria": "It works."} for i in range(3)
            ],
        )


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
    project = _project(world, 0)
    path = path.format(project=project.pk)
    _grow(world, project, clients=2, projects=1, milestones=1)
    small = _count(kind, path, world.owner)
    _grow(world, project, clients=30, projects=12, milestones=6)
    large = _count(kind, path, world.owner)
    assert small == large, f"{path}: {small} queries with few rows, {large} with many"
