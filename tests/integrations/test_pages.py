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
    """After a redirect, on the endpoint's page: reloading it neither shows the secret again
    nor adds the endpoint twice (the form's answer did, when reloaded)."""
    response = add(owner_browser, receiver.url)
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{endpoint.pk}/")
    shown = owner_browser.get(response["Location"]).content.decode()
    assert SECRET.findall(shown) == [endpoint.secret] and "Endpoint added" in shown
    again = owner_browser.get("/settings/webhooks/").content.decode()
    assert receiver.url in again and not SECRET.search(again)
    assert not SECRET.search(owner_browser.get(response["Location"]).content.decode())
    # The same URL again is refused beside the field, with what was typed kept.
    twice = add(owner_browser, receiver.url)
    assert twice.status_code == 400 and "exists already" in twice.content.decode()
    assert WebhookEndpoint.objects.count() == 1


def test_every_event_with_some_events_is_refused_not_saved_as_every_event(owner_browser, receiver):
    response = add(owner_browser, receiver.url, event_types=["*", "milestone.started"])
    assert response.status_code == 400
    assert "not both" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()
    response = add(owner_browser, receiver.url, event_types=[])
    assert "Choose the events to send" in response.content.decode()
    assert "<legend>Events</legend>" in response.content.decode()  # no "(optional)"


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
    toggled = owner_browser.post(f"{page}toggle/", follow=True).content.decode()
    endpoint.refresh_from_db()
    assert endpoint.enabled and "Endpoint enabled." in toggled  # it said "disabled"
    toggled = owner_browser.post(f"{page}toggle/", follow=True).content.decode()
    assert "Endpoint disabled: events are not queued" in toggled
    owner_browser.post(f"{page}toggle/")
    old = endpoint.secret
    assert "24 hours" in owner_browser.get(f"{page}rotate/").content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret == old, "asking first changes nothing"
    rotated = owner_browser.post(f"{page}rotate/")
    assert rotated.status_code == 302
    shown = owner_browser.get(rotated["Location"]).content.decode()
    endpoint.refresh_from_db()
    assert SECRET.findall(shown) == [endpoint.secret] and endpoint.previous_secret == old
    assert "The old secret also signs until" in shown
    # Sent again (a reload), it rotates nothing and says why.
    again = owner_browser.post(f"{page}rotate/", follow=True).content.decode()
    endpoint.refresh_from_db()
    assert endpoint.previous_secret == old and not SECRET.search(again)
    assert "rotated less than a day ago" in again
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
