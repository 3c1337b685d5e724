"""Settings → Webhooks: add (the secret shown once), edit, disable, rotate and delete after a
confirmation page, a test event, and the delivery log with Resend."""

from __future__ import annotations

import re

import pytest

from milepost.integrations.models import WebhookDelivery, WebhookEndpoint

from .conftest import fresh

SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]+")


@pytest.fixture
def owner_browser(client, world):
    client.force_login(fresh(world.owner))
    return client


def add(browser, url: str, **fields):
    data = {"url": url, "description": "Chat", "event_types": ["*"], "enabled": "on", **fields}
    return browser.post("/settings/webhooks/", data)


def test_adding_shows_the_secret_once(owner_browser, receiver):
    response = add(owner_browser, receiver.url)
    assert response.status_code == 200
    shown = SECRET.findall(response.content.decode())
    endpoint = WebhookEndpoint.objects.get()
    assert shown == [endpoint.secret]
    again = owner_browser.get("/settings/webhooks/").content.decode()
    assert receiver.url in again and not SECRET.search(again)
    assert not SECRET.search(
        owner_browser.get(f"/settings/webhooks/{endpoint.pk}/").content.decode()
    )


def test_a_refused_url_is_shown_beside_the_field_and_kept(owner_browser, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    response = add(owner_browser, "https://10.0.0.1/hook")
    assert response.status_code == 400
    html = response.content.decode()
    assert "private address" in html and 'value="https://10.0.0.1/hook"' in html
    assert not WebhookEndpoint.objects.exists()


def test_edit_disable_rotate_delete(owner_browser, receiver):
    add(owner_browser, receiver.url)
    endpoint = WebhookEndpoint.objects.get()
    page = f"/settings/webhooks/{endpoint.pk}/"
    saved = owner_browser.post(
        page, {"url": receiver.url, "description": "Accounting", "event_types": ["invoice.paid"]}
    )
    assert saved.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.description, endpoint.event_types, endpoint.enabled) == (
        "Accounting",
        ["invoice.paid"],
        False,  # the box was left unchecked
    )
    owner_browser.post(f"{page}toggle/")
    endpoint.refresh_from_db()
    assert endpoint.enabled
    old = endpoint.secret
    assert "24 hours" in owner_browser.get(f"{page}rotate/").content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret == old, "asking first changes nothing"
    rotated = owner_browser.post(f"{page}rotate/").content.decode()
    endpoint.refresh_from_db()
    assert SECRET.findall(rotated) == [endpoint.secret] and endpoint.previous_secret == old
    assert owner_browser.get(f"{page}delete/").status_code == 200
    assert WebhookEndpoint.objects.exists()
    assert owner_browser.post(f"{page}delete/").status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_a_test_event_appears_in_the_log_and_can_be_resent(
    owner_browser, receiver, django_capture_on_commit_callbacks
):
    add(owner_browser, receiver.url)
    endpoint = WebhookEndpoint.objects.get()
    page = f"/settings/webhooks/{endpoint.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        owner_browser.post(f"{page}test/")
    html = owner_browser.get(page).content.decode()
    assert "webhook.test" in html and "succeeded" in html
    delivery = WebhookDelivery.objects.get()
    assert f"/settings/webhook-deliveries/{delivery.pk}/resend/" in html
    with django_capture_on_commit_callbacks(execute=True):
        owner_browser.post(f"/settings/webhook-deliveries/{delivery.pk}/resend/")
    assert receiver.types() == ["webhook.test", "webhook.test"]


def test_the_settings_page_links_owners_to_webhooks(client, world):
    client.force_login(fresh(world.owner))
    assert "/settings/webhooks/" in client.get("/settings/").content.decode()
    client.force_login(fresh(world.manager))
    assert "/settings/webhooks/" not in client.get("/settings/").content.decode()
    assert client.get("/settings/webhooks/").status_code == 403
