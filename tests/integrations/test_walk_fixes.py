"""What the newcomer walk of the webhooks found: a second rotation within a day dropped the
secret receivers still used, a reload added the same endpoint twice, a resend of a delivery
still being tried sent it twice, and the API took a ``secret`` it ignored."""

from __future__ import annotations

import datetime as dt

import pytest
from standardwebhooks import Webhook

from milepost.core import clock
from milepost.core.errors import InvalidInput, RuleViolation
from milepost.integrations import services
from milepost.integrations.models import WebhookDelivery

from ..reviews.conftest import fresh
from .conftest import T0

pytestmark = pytest.mark.django_db


def test_a_second_rotation_within_a_day_is_refused_and_the_old_secret_keeps_signing(
    world, receiver, endpoint_for, committed
):
    with clock.frozen(T0):
        endpoint, old = endpoint_for(receiver.url)
        endpoint, new = services.endpoint_rotate_secret(endpoint=endpoint, actor=fresh(world.owner))
    with clock.frozen(T0 + dt.timedelta(hours=1)), pytest.raises(RuleViolation) as refused:
        services.endpoint_rotate_secret(endpoint=endpoint, actor=fresh(world.owner))
    assert refused.value.code == "rotation_pending"
    assert "5 Jan 2027" in refused.value.message  # when the old secret stops signing
    with clock.frozen(T0 + dt.timedelta(hours=2)):
        committed(services.endpoint_send_test, endpoint=endpoint, actor=fresh(world.owner))
    last = receiver.received[-1]
    Webhook(old).verify(last.body, last.headers)  # the receiver that did not switch yet
    Webhook(new).verify(last.body, last.headers)
    # A day later the old one is gone, and rotating is allowed again.
    with clock.frozen(T0 + dt.timedelta(hours=24, minutes=1)):
        _, newer = services.endpoint_rotate_secret(endpoint=endpoint, actor=fresh(world.owner))
    assert newer not in (old, new)


def test_the_same_url_twice_is_refused(world, receiver, endpoint_for):
    endpoint, _ = endpoint_for(receiver.url)
    with pytest.raises(InvalidInput) as refused:
        services.endpoint_create(
            organisation=world.organisation, actor=fresh(world.owner), url=receiver.url
        )
    assert list(refused.value.details) == ["url"]
    assert "already" in refused.value.details["url"][0]
    other, _ = endpoint_for(receiver.url + "/other")
    with pytest.raises(InvalidInput):
        services.endpoint_update(endpoint=other, actor=fresh(world.owner), url=receiver.url)
    # Saving an endpoint with its own URL is no duplicate.
    services.endpoint_update(endpoint=endpoint, actor=fresh(world.owner), url=receiver.url)


def test_a_delivery_still_being_tried_is_not_resent(world, receiver, endpoint_for):
    endpoint, _ = endpoint_for(receiver.url)
    with clock.frozen(T0):
        delivery = services.endpoint_send_test(endpoint=endpoint, actor=fresh(world.owner))
    assert delivery.status == "pending"
    with pytest.raises(RuleViolation) as refused:
        services.delivery_resend(delivery=delivery, actor=fresh(world.owner))
    assert refused.value.code == "delivery_pending"
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1


def test_the_api_refuses_a_secret_it_would_ignore(world, receiver, api_as):
    api = api_as(world.owner)
    response = api.post(
        "/api/v1/webhook-endpoints/",
        {"url": receiver.url, "secret": "whsec_mine"},
        format="json",
    )
    assert response.status_code == 400
    assert "secret" in response.json()["error"]["details"]
    endpoint, _ = services.endpoint_create(
        organisation=world.organisation, actor=fresh(world.owner), url=receiver.url + "/x"
    )
    response = api.patch(
        f"/api/v1/webhook-endpoints/{endpoint.pk}/", {"secret": "abc"}, format="json"
    )
    assert response.status_code == 400
    assert "secret" in response.json()["error"]["details"]
