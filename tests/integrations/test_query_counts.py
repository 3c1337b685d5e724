"""The webhook lists and pages run the same number of queries whatever their size (the pattern
of tests/test_query_counts.py: count at two sizes, expect the same)."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from milepost.core import clock
from milepost.integrations import services
from milepost.integrations.models import WebhookEndpoint
from milepost.plans import services as plans
from milepost.plans.models import Project

from .conftest import T0, fresh


def count(kind: str, path: str, user) -> int:
    user = fresh(user)
    if kind == "api":
        http = APIClient()
        http.force_authenticate(user)
    else:
        http = Client()
        http.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = http.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(queries)


def grow(world, endpoint: WebhookEndpoint, n: int) -> None:
    """``n`` more endpoints, test deliveries on ``endpoint``, and events in the feed."""
    owner = fresh(world.owner)
    first = WebhookEndpoint.objects.count()  # one endpoint per URL: each a new one
    for i in range(first, first + n):
        services.endpoint_create(
            organisation=world.organisation, actor=owner, url=f"http://127.0.0.1:9/more-{i}"
        )
        services.endpoint_send_test(endpoint=endpoint, actor=owner)


def paths(endpoint) -> list[tuple[str, str]]:
    return [
        ("api", "/api/v1/webhook-endpoints/"),
        ("api", f"/api/v1/webhook-endpoints/{endpoint.pk}/deliveries/"),
        ("api", "/api/v1/events/"),
        ("web", "/settings/webhooks/"),
        ("web", f"/settings/webhooks/{endpoint.pk}/"),
    ]


def test_webhook_lists_do_not_grow_with_their_data(world, draft, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    endpoint, _secret = services.endpoint_create(
        organisation=world.organisation, actor=fresh(world.owner), url="http://127.0.0.1:9/hook"
    )
    with clock.frozen(T0):
        plans.plan_propose(project=Project.objects.get(pk=draft.project.pk), actor=draft.owner)
    grow(world, endpoint, 1)
    small = [count(kind, path, world.owner) for kind, path in paths(endpoint)]
    with clock.frozen(T0):
        plans.plan_accept(project=Project.objects.get(pk=draft.project.pk), actor=draft.approver)
    grow(world, endpoint, 4)
    large = [count(kind, path, world.owner) for kind, path in paths(endpoint)]
    assert small == large
