"""The SSRF guard (on save and at every delivery), secret rotation, and disabling an endpoint
that has failed for three days."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from milepost.core import clock
from milepost.core.errors import InvalidInput
from milepost.integrations import services, transport, urlcheck
from milepost.integrations.models import WebhookDelivery, WebhookEndpoint
from milepost.mail.models import OutgoingEmail
from milepost.plans import services as plans
from milepost.plans.models import Project

from .conftest import T0, fresh

PUBLIC_ADDRESS = "93.184.215.14"


def resolving_to(monkeypatch, address: str) -> None:
    """Every host name resolves to ``address`` (a literal address still resolves to itself)."""
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        except OSError:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(urlcheck.socket, "getaddrinfo", fake)


def create(world, url: str, **data):
    return services.endpoint_create(
        organisation=world.organisation, actor=fresh(world.owner), url=url, **data
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",  # IPv4-mapped IPv6
        "https://[fd00:ec2::254]/",  # AWS metadata over IPv6
        "https://0.0.0.0/",
        "https://192.168.1.20:8443/",
        "https://224.0.0.1/",
    ],
)
def test_a_url_to_a_non_public_address_is_refused_on_save(world, settings, url):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(InvalidInput) as refused:
        create(world, url)
    assert refused.value.code == "fields_invalid" or refused.value.details["url"]
    assert "url" in refused.value.details
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1", "169.254.169.254", "::1"])
def test_a_host_name_resolving_to_a_non_public_address_is_refused(
    world, settings, monkeypatch, address
):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    resolving_to(monkeypatch, address)
    with pytest.raises(InvalidInput) as refused:
        create(world, "https://hooks.example.com/milepost")
    assert address in refused.value.details["url"][0]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("javascript:alert(1)", "https"),
        ("file:///etc/passwd", "https"),
        ("ftp://hooks.example.com/", "https"),
        ("http://hooks.example.com/", "https"),  # plain http only to allowed hosts
        ("https://user:pass@hooks.example.com/", "user name"),
        ("https://hooks.example.com:99999/", "port"),
        ("https:///no-host", "host"),
        ("", "Enter"),
    ],
)
def test_a_url_that_is_not_https_to_a_host_is_refused(world, settings, monkeypatch, url, why):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    resolving_to(monkeypatch, PUBLIC_ADDRESS)
    with pytest.raises(InvalidInput) as refused:
        create(world, url)
    assert why in refused.value.details["url"][0]
    assert not WebhookEndpoint.objects.exists()


def test_a_public_https_url_is_accepted(world, settings, monkeypatch):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    resolving_to(monkeypatch, PUBLIC_ADDRESS)
    endpoint, secret = create(world, "https://hooks.example.com/milepost?source=mp")
    assert endpoint.url == "https://hooks.example.com/milepost?source=mp"
    assert secret.startswith("whsec_") and endpoint.secret == secret


def test_the_address_is_checked_again_at_delivery_and_the_checked_one_is_called(
    world, draft, settings, monkeypatch, committed
):
    """Saved while the host was public; by delivery time it resolves to loopback (DNS
    rebinding): the attempt fails without a connection."""
    settings.WEBHOOK_ALLOWED_HOSTS = []
    resolving_to(monkeypatch, PUBLIC_ADDRESS)
    create(world, "https://hooks.example.com/milepost")
    resolving_to(monkeypatch, "127.0.0.1")
    called = []
    monkeypatch.setattr(transport, "post", lambda *a, **k: called.append(a))
    with clock.frozen(T0):
        committed(
            plans.plan_propose, project=Project.objects.get(pk=draft.project.pk), actor=draft.owner
        )
    delivery = WebhookDelivery.objects.get()
    assert called == []
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempts == 1
    assert "loopback" in delivery.last_error
    # Public again: the retry connects to the address it checked, with the name as Host and SNI.
    resolving_to(monkeypatch, PUBLIC_ADDRESS)
    seen = []
    monkeypatch.setattr(
        transport,
        "post",
        lambda target, body, headers: seen.append(target) or transport.Answer(204, b""),
    )
    from milepost.integrations.sending import send_due

    send_due(T0 + dt.timedelta(minutes=1))
    assert [(t.address, t.host, t.host_header, t.path) for t in seen] == [
        (PUBLIC_ADDRESS, "hooks.example.com", "hooks.example.com", "/milepost")
    ]


def test_rotation_signs_with_both_secrets_for_24_hours(world, receiver, endpoint_for, committed):
    with clock.frozen(T0):
        endpoint, old = endpoint_for(receiver.url)
        endpoint, new = services.endpoint_rotate_secret(endpoint=endpoint, actor=fresh(world.owner))
        assert new != old and new.startswith("whsec_")
        committed(services.endpoint_send_test, endpoint=endpoint, actor=fresh(world.owner))
    assert receiver.verified(old) and receiver.verified(new)
    assert receiver.types() == ["webhook.test"]
    assert len(receiver.received[0].headers["webhook-signature"].split(" ")) == 2
    with clock.frozen(T0 + dt.timedelta(hours=24, minutes=1)):
        committed(services.endpoint_send_test, endpoint=endpoint, actor=fresh(world.owner))
    last = receiver.received[-1]
    Webhook(new).verify(last.body, last.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(last.body, last.headers)


def test_an_endpoint_failing_for_3_days_is_disabled_and_its_owner_emailed(
    world, draft, receiver, endpoint_for, committed, tick_at
):
    endpoint, _secret = endpoint_for(receiver.url)
    receiver.statuses = [500] * 50
    with clock.frozen(T0):
        committed(
            plans.plan_propose, project=Project.objects.get(pk=draft.project.pk), actor=draft.owner
        )
    assert WebhookEndpoint.objects.get().failing_since == T0
    tick_at(T0 + dt.timedelta(days=2, hours=23))
    assert WebhookEndpoint.objects.get().enabled
    report = tick_at(T0 + dt.timedelta(days=3, minutes=1))
    assert report["webhook_endpoints_disabled"] == 1
    endpoint.refresh_from_db()
    assert not endpoint.enabled and endpoint.disabled_reason
    emails = OutgoingEmail.objects.filter(subject__contains=receiver.url)
    assert list(emails.values_list("to", flat=True)) == [world.owner.email]
    assert tick_at(T0 + dt.timedelta(days=4))["webhook_endpoints_disabled"] == 0
    assert emails.count() == 1, "the owner is told once"
    # Enabling it again forgets the failures.
    services.endpoint_update(endpoint=endpoint, actor=fresh(world.owner), enabled=True)
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.failing_since is None


def test_a_success_ends_the_failing_period(
    world, draft, receiver, endpoint_for, committed, tick_at
):
    endpoint_for(receiver.url)
    receiver.statuses = [500]
    with clock.frozen(T0):
        committed(
            plans.plan_propose, project=Project.objects.get(pk=draft.project.pk), actor=draft.owner
        )
    assert WebhookEndpoint.objects.get().failing_since == T0
    tick_at(T0 + dt.timedelta(minutes=1))
    assert WebhookEndpoint.objects.get().failing_since is None
    assert tick_at(T0 + dt.timedelta(days=4))["webhook_endpoints_disabled"] == 0


@pytest.mark.parametrize(
    ("event_types", "message"),
    [
        (["project.exploded"], "Unknown event types"),
        ([], "at least one"),
        (["*", "invoice.paid"], "every event"),
        ("invoice.paid", "A list"),
    ],
)
def test_bad_event_types_are_refused(world, receiver, event_types, message):
    with pytest.raises(InvalidInput) as refused:
        create(world, receiver.url, event_types=event_types)
    assert message in refused.value.details["event_types"][0]
    assert not WebhookEndpoint.objects.exists()


def test_only_owners_manage_endpoints(world, receiver):
    from milepost.core.errors import NotAllowed

    for user in (world.manager, world.member, world.contact, world.outsider):
        with pytest.raises(NotAllowed):
            services.endpoint_create(
                organisation=world.organisation, actor=fresh(user), url=receiver.url
            )
    assert not WebhookEndpoint.objects.exists()
