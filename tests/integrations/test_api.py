"""The webhook API: owners only, the secret answered once, bad input refused in the usual shape
with nothing saved, other organisations' ids 404, and the event feed's cursor."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from milepost.audit.models import AuditEvent
from milepost.core import clock
from milepost.integrations.models import OutboundEvent, WebhookDelivery, WebhookEndpoint
from milepost.plans import services as plans
from milepost.plans.models import Project

from .conftest import T0, fresh

LIST = "/api/v1/webhook-endpoints/"


def error_of(response) -> dict:
    body = response.json()
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


@pytest.fixture
def owner_api(api_as, world):
    return api_as(fresh(world.owner))


def test_create_answers_the_secret_once(owner_api, receiver):
    created = owner_api.post(
        LIST,
        {"url": receiver.url, "description": "Accounting", "event_types": ["invoice.paid"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["event_types"] == ["invoice.paid"] and body["enabled"] is True
    read = owner_api.get(f"{LIST}{body['id']}/").json()
    assert "secret" not in read
    assert "secret" not in owner_api.get(LIST).json()["results"][0]
    rotated = owner_api.post(f"{LIST}{body['id']}/rotate-secret/").json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != body["secret"]
    assert rotated["previous_secret_expires_at"]
    logged = AuditEvent.objects.filter(action__startswith="webhook_endpoint.")
    assert list(logged.order_by("sequence").values_list("action", flat=True)) == [
        "webhook_endpoint.created",
        "webhook_endpoint.secret_rotated",
    ]
    assert logged.first().data["after"]["event_types"] == ["invoice.paid"]
    assert not any("whsec_" in str(e.data) for e in logged), "a secret is never logged"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "file:///etc/passwd"}, "url"),
        ({"url": "https://10.0.0.1/hook"}, "url"),
        ({"url": "https://169.254.169.254/"}, "url"),
        ({"url": "RECEIVER", "event_types": ["project.exploded"]}, "event_types"),
        ({"url": "RECEIVER", "event_types": []}, "event_types"),
        ({"url": "RECEIVER", "event_types": "invoice.paid"}, "event_types"),
        ({"url": "RECEIVER", "description": "x" * 201}, "description"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(
    owner_api, receiver, settings, data, field
):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    data = {k: receiver.url if v == "RECEIVER" else v for k, v in data.items()}
    response = owner_api.post(LIST, data, format="json")
    assert response.status_code == 400, response.content
    assert field in error_of(response)["details"]
    assert not WebhookEndpoint.objects.exists()


def test_a_bad_change_saves_nothing(owner_api, receiver):
    pk = owner_api.post(LIST, {"url": receiver.url}, format="json").json()["id"]
    response = owner_api.patch(
        f"{LIST}{pk}/", {"url": "file:///etc/passwd", "description": "changed"}, format="json"
    )
    assert response.status_code == 400
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.url, endpoint.description) == (receiver.url, "")


@pytest.mark.parametrize("role", ["manager", "member", "contact"])
def test_other_people_are_refused(api_as, world, role, receiver):
    client = api_as(fresh(world.user(role)))
    assert client.get(LIST).status_code == 403
    assert client.post(LIST, {"url": receiver.url}, format="json").status_code == 403
    assert client.get("/api/v1/events/").status_code == 403
    assert not WebhookEndpoint.objects.exists()


def test_another_organisations_endpoint_is_404(api_as, world, owner_api, receiver):
    pk = owner_api.post(LIST, {"url": receiver.url}, format="json").json()["id"]
    outsider = api_as(fresh(world.outsider))
    for method, path in [
        ("get", f"{LIST}{pk}/"),
        ("patch", f"{LIST}{pk}/"),
        ("delete", f"{LIST}{pk}/"),
        ("post", f"{LIST}{pk}/rotate-secret/"),
        ("post", f"{LIST}{pk}/test/"),
        ("get", f"{LIST}{pk}/deliveries/"),
    ]:
        response = getattr(outsider, method)(path, {}, format="json")
        assert response.status_code == 404, (method, path)
        assert error_of(response)["code"] == "not_found"
    assert outsider.get(LIST).json()["results"] == []
    assert WebhookEndpoint.objects.filter(pk=pk, enabled=True).exists()
    assert api_as(fresh(world.manager)).get(f"{LIST}{pk}/").status_code == 403, (
        "a member of the organisation who is not an owner: 403"
    )


def test_test_event_deliveries_and_resend(owner_api, receiver, django_capture_on_commit_callbacks):
    pk = owner_api.post(LIST, {"url": receiver.url}, format="json").json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        sent = owner_api.post(f"{LIST}{pk}/test/")
    assert sent.status_code == 202 and sent.json()["event_type"] == "webhook.test"
    assert receiver.types() == ["webhook.test"]
    log = owner_api.get(f"{LIST}{pk}/deliveries/").json()["results"]
    assert [(d["event_type"], d["status"], d["last_status_code"]) for d in log] == [
        ("webhook.test", "succeeded", 200)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        again = owner_api.post(f"/api/v1/webhook-deliveries/{log[0]['id']}/resend/")
    assert again.status_code == 202
    assert receiver.types() == ["webhook.test", "webhook.test"]
    assert receiver.received[0].headers["webhook-id"] == receiver.received[1].headers["webhook-id"]
    assert WebhookDelivery.objects.count() == 2
    assert OutboundEvent.objects.filter(is_test=True).count() == 1
    assert owner_api.get("/api/v1/events/").json()["results"] == [], "tests are not in the feed"


def test_disabling_and_deleting(owner_api, receiver):
    pk = owner_api.post(LIST, {"url": receiver.url}, format="json").json()["id"]
    off = owner_api.patch(f"{LIST}{pk}/", {"enabled": False}, format="json")
    assert off.status_code == 200 and off.json()["enabled"] is False
    refused = owner_api.post(f"{LIST}{pk}/test/")
    assert refused.status_code == 409 and error_of(refused)["code"] == "endpoint_disabled"
    assert owner_api.delete(f"{LIST}{pk}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_the_event_feed_pages_with_a_cursor(owner_api, world, draft, api_as):
    with clock.frozen(T0):
        plans.plan_propose(project=Project.objects.get(pk=draft.project.pk), actor=draft.owner)
        plans.plan_accept(project=Project.objects.get(pk=draft.project.pk), actor=draft.approver)
    first = owner_api.get("/api/v1/events/?limit=1").json()
    assert [e["type"] for e in first["results"]] == ["project.proposed"]
    assert first["results"][0]["data"]["object"]["id"] == draft.project.pk
    assert first["next"].endswith(f"?after={first['last_id']}&limit=1")
    rest = owner_api.get(f"/api/v1/events/?after={first['last_id']}").json()
    assert [e["type"] for e in rest["results"]] == ["project.accepted"]
    assert rest["next"] is None
    caught_up = owner_api.get(f"/api/v1/events/?after={rest['last_id']}").json()
    assert caught_up["results"] == [] and caught_up["last_id"] == rest["last_id"]
    # The same events the webhooks send: the feed entry is the payload.
    assert rest["results"][0] == OutboundEvent.objects.get(type="project.accepted").payload
    # Another organisation's owner sees none of them, and cannot use their ids as a cursor.
    outsider = api_as(fresh(world.outsider))
    assert outsider.get("/api/v1/events/").json()["results"] == []
    bad = outsider.get(f"/api/v1/events/?after={first['last_id']}")
    assert bad.status_code == 400 and "after" in error_of(bad)["details"]
    assert owner_api.get("/api/v1/events/?limit=0").status_code == 400


def test_the_openapi_document_declares_every_event_as_a_webhook(db):
    from milepost.integrations.public import PAYLOAD_TYPES

    schema = APIClient().get("/api/v1/schema/").json()
    assert schema["openapi"].startswith("3.0")
    assert set(schema["x-webhooks"]) == set(PAYLOAD_TYPES)
    body = schema["x-webhooks"]["milestone.approved"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"].endswith("/WebhookEvent")
    event = schema["components"]["schemas"]["WebhookEvent"]
    assert {"id", "type", "version", "created_at", "sequence", "organisation", "data"} <= set(
        event["properties"]
    )
    for path in ("/api/v1/webhook-endpoints/", "/api/v1/events/"):
        assert path in schema["paths"]
