"""``Idempotency-Key`` on every API POST (issue 15, 2): a repeat gets the first answer and runs
nothing; the key with another request is refused (422), while the first runs it is in use (409);
keys are per user, kept 24 hours and purged by the scheduler."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from milepost.audit.models import AuditEvent
from milepost.billing.models import Payment
from milepost.core import clock, idempotency
from milepost.core.models import IdempotencyKey
from milepost.notify.scheduler import tick

from ..payments.conftest import fresh
from .helpers import assert_error

pytestmark = pytest.mark.django_db

KEY = "3f1c9a7e-5d2b-4c8e-9f00-2b7d1e6a4c11"


@pytest.fixture
def invoice(money):
    return money.approved(money.project())


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(fresh(user))
    return client


def pay(client: APIClient, invoice, key: str | None = KEY, amount: str = "100.00", date=None):
    body = {"amount": amount, "date": str(date or clock.today()), "method": "bank_transfer"}
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.post(f"/api/v1/invoices/{invoice.pk}/payments/", body, format="json", **headers)


def test_a_repeat_gets_the_first_answer_and_records_one_payment(world, invoice):
    client = as_user(world.manager)
    first = pay(client, invoice)
    assert first.status_code == 201, first.content
    audit = AuditEvent.objects.count()

    again = pay(client, invoice)

    assert again.status_code == 201
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert AuditEvent.objects.count() == audit  # nothing ran again


def test_the_same_body_spelled_otherwise_is_the_same_request(world, invoice):
    client = as_user(world.manager)
    path = f"/api/v1/invoices/{invoice.pk}/payments/"
    body = {"amount": "100.00", "date": str(clock.today()), "method": "bank_transfer"}
    first = client.post(
        path, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=KEY
    )
    spelled = json.dumps(dict(reversed(body.items())), indent=4)
    again = client.post(path, spelled, content_type="application/json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_the_key_with_another_amount_is_refused_and_records_nothing(world, invoice):
    client = as_user(world.manager)
    assert pay(client, invoice).status_code == 201

    other = pay(client, invoice, amount="50.00")

    assert_error(other, 422, "idempotency_key_reused")
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_the_key_on_another_path_is_refused(money, world, invoice):
    second = money.approved(money.project(name="Second shop"))
    client = as_user(world.manager)
    assert pay(client, invoice).status_code == 201
    assert_error(pay(client, second), 422, "idempotency_key_reused")
    assert not Payment.objects.filter(invoice=second).exists()


def _claim_as_if_running(user, invoice, amount: str = "100.00") -> None:
    """The key claimed by a first request that is still running, with the same request."""
    from milepost.api.idempotency import _canonical

    body = {"amount": amount, "date": str(clock.today()), "method": "bank_transfer"}
    path = f"/api/v1/invoices/{invoice.pk}/payments/"
    fingerprint = idempotency.fingerprint("POST", path, _canonical(body))
    claim = idempotency.idempotency_claim(user_id=user.pk, key=KEY, fingerprint=fingerprint)
    assert isinstance(claim, idempotency.Claim)


def test_a_repeat_while_the_first_runs_is_told_to_ask_again(world, invoice):
    _claim_as_if_running(world.manager, invoice)

    response = pay(as_user(world.manager), invoice)

    error = assert_error(response, 409, "idempotency_key_in_use")
    assert response["Retry-After"] == "1"
    assert error["details"] == {"retry_after": 1}
    assert not Payment.objects.filter(invoice=invoice).exists()


def test_a_claim_left_running_by_a_crashed_worker_is_taken_over(world, invoice):
    _claim_as_if_running(world.manager, invoice)
    later = clock.now() + idempotency.STALE_AFTER + dt.timedelta(seconds=1)
    with clock.frozen(later):
        response = pay(as_user(world.manager), invoice)
        again = pay(as_user(world.manager), invoice)
    assert response.status_code == 201, response.content
    assert again["Idempotent-Replayed"] == "true"
    assert Payment.objects.filter(invoice=invoice).count() == 1


@pytest.mark.parametrize(
    "key",
    ["k" * 256, "", "   ", "tab\there", "naïve", '""'],
    ids=["256", "empty", "blank", "tab", "non-ascii", "quotes"],
)
def test_a_bad_key_is_refused_before_anything_runs(world, invoice, key):
    response = pay(as_user(world.manager), invoice, key=key)
    error = assert_error(response, 400, "idempotency_key_invalid")
    assert list(error["details"]) == ["Idempotency-Key"]
    assert not Payment.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_a_key_of_255_characters_and_the_quoted_form_are_taken(world, invoice):
    client = as_user(world.manager)
    assert pay(client, invoice, key="k" * 255).status_code == 201
    quoted = pay(client, invoice, key=f'"{"k" * 255}"', amount="100.00")
    assert quoted["Idempotent-Replayed"] == "true"  # "…" is the IETF draft's spelling of …
    assert Payment.objects.count() == 1


def test_keys_are_per_user(world, invoice):
    assert pay(as_user(world.manager), invoice).status_code == 201
    owners = pay(as_user(world.owner), invoice, amount="50.00")
    assert owners.status_code == 201
    assert not owners.has_header("Idempotent-Replayed")
    assert sorted(p.amount for p in Payment.objects.all()) == [50, 100]


def test_without_the_header_every_post_runs(world, invoice):
    client = as_user(world.manager)
    assert pay(client, invoice, key=None).status_code == 201
    assert pay(client, invoice, key=None).status_code == 201
    assert Payment.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_a_refusal_is_kept_and_replayed_like_a_success(world, invoice):
    client = as_user(world.manager)
    refused = pay(client, invoice, amount="999999.00")
    assert_error(refused, 400)
    assert IdempotencyKey.objects.get().status == 400
    again = pay(client, invoice, amount="999999.00")
    assert again.status_code == 400 and again.content == refused.content
    assert again["Idempotent-Replayed"] == "true"


def test_a_server_error_lets_the_key_go_so_a_retry_runs(world, invoice, monkeypatch):
    from milepost.api import billing_views

    real = billing_views.reviews.payment_record_and_release

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(billing_views.reviews, "payment_record_and_release", broken)
    client = as_user(world.manager)
    client.raise_request_exception = False
    assert pay(client, invoice).status_code == 500
    assert not IdempotencyKey.objects.exists()

    monkeypatch.setattr(billing_views.reviews, "payment_record_and_release", real)
    retry = pay(client, invoice)
    assert retry.status_code == 201 and not retry.has_header("Idempotent-Replayed")
    assert Payment.objects.count() == 1


def test_answers_are_kept_24_hours_then_purged_by_the_scheduler(world, invoice):
    client = as_user(world.manager)
    start, today = clock.now(), clock.today()
    assert pay(client, invoice, amount="10.00", date=today).status_code == 201
    with clock.frozen(start + idempotency.TTL - dt.timedelta(minutes=1)):
        assert pay(client, invoice, amount="10.00", date=today)["Idempotent-Replayed"] == "true"
        assert idempotency.idempotency_keys_purge() == 0
    after = start + idempotency.TTL + dt.timedelta(minutes=1)
    with clock.frozen(after):
        assert tick(after)["idempotency_keys_expired"] == 1
        assert not IdempotencyKey.objects.exists()
        fresh_run = pay(client, invoice, amount="10.00", date=today)
    assert fresh_run.status_code == 201 and not fresh_run.has_header("Idempotent-Replayed")
    assert Payment.objects.count() == 2


def test_an_expired_key_not_yet_purged_is_as_good_as_new(world, invoice):
    client = as_user(world.manager)
    assert pay(client, invoice, amount="10.00").status_code == 201
    with clock.frozen(clock.now() + idempotency.TTL + dt.timedelta(seconds=1)):
        response = pay(client, invoice, amount="20.00")  # another body: no 422 once expired
    assert response.status_code == 201
    assert Payment.objects.count() == 2


# --- Every POST of the API honours the key -----------------------------------------------------


def _routes(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = pattern.namespace or ""
            yield from _routes(pattern, f"{prefix}{namespace}:" if namespace else prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{prefix}{pattern.name}", pattern


def _takes_post(callback) -> bool:
    actions = getattr(callback, "actions", None)
    if actions is not None:  # a viewset's route: its method → action map
        return "post" in actions
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is not None:
        return "post" in getattr(view_class, "http_method_names", []) and hasattr(
            view_class, "post"
        )
    return True  # a function view: assume it takes POST, so the walk cannot miss it


def _post_paths() -> list[str]:
    paths = []
    for name, pattern in _routes(get_resolver()):
        # The webhooks' API (milepost.integrations) is its own namespace under /api/v1/ too.
        if not name.startswith(("api:", "webhooks_api:")) or not _takes_post(pattern.callback):
            continue
        converters = getattr(pattern.pattern, "converters", {}) or {}
        names = set(converters) | set(pattern.pattern.regex.groupindex)
        paths.append(reverse(name, kwargs={n: "1" for n in names}))
    return paths


def test_the_walk_finds_the_posts():
    paths = _post_paths()
    assert "/api/v1/invoices/1/payments/" in paths
    assert "/api/v1/projects/" in paths
    assert not any("stripe" in p for p in paths)
    assert len(paths) >= 30


def test_every_post_of_the_api_honours_the_key(world):
    """A new POST view that does not derive from ``api/base.py`` fails here."""
    client = as_user(world.owner)
    ignored = []
    for path in _post_paths():
        response = client.post(path, {}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 256)
        body = response.json() if response["Content-Type"].startswith("application/json") else {}
        if response.status_code != 400 or body["error"]["code"] != "idempotency_key_invalid":
            ignored.append((path, response.status_code))
    assert ignored == []


# --- What "the same request" is, and what comes first ---------------------------------------


def test_an_upload_sent_again_with_another_boundary_is_the_same_request(money, world):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test.client import encode_multipart

    from milepost.reviews.models import Delivery

    milestone = money.start(money.project())
    client = as_user(world.member)
    path = f"/api/v1/milestones/{milestone.pk}/deliver/"

    def deliver(boundary: str, content: bytes = b"v1 notes"):
        upload = SimpleUploadedFile("notes.txt", content, content_type="text/plain")
        body = encode_multipart(boundary, {"notes": "Ready to test.", "files": [upload]})
        return client.post(
            path,
            body,
            content_type=f"multipart/form-data; boundary={boundary}",
            HTTP_IDEMPOTENCY_KEY=KEY,
        )

    first = deliver("----first-boundary")
    assert first.status_code == 201, first.content
    again = deliver("----another-boundary")
    assert again["Idempotent-Replayed"] == "true" and again.content == first.content
    assert_error(deliver("----third", content=b"other notes"), 422, "idempotency_key_reused")
    assert Delivery.objects.filter(milestone=milestone).count() == 1


def test_the_role_is_still_checked_before_the_body_is_read(world, invoice):
    """Not JSON, from the client's approver: 403, as without the key (the view answers it)."""
    client = as_user(world.contact)
    path = f"/api/v1/invoices/{invoice.pk}/payments/"
    response = client.post(
        path, "{not json", content_type="application/json", HTTP_IDEMPOTENCY_KEY=KEY
    )
    assert_error(response, 403)
    manager = as_user(world.manager)
    refused = manager.post(
        path, "{not json", content_type="application/json", HTTP_IDEMPOTENCY_KEY=KEY
    )
    assert_error(refused, 400, "malformed_request")
    again = manager.post(
        path, "{not json", content_type="application/json", HTTP_IDEMPOTENCY_KEY=KEY
    )
    assert again["Idempotent-Replayed"] == "true"


def test_the_schema_declares_the_header_and_its_answers_on_every_post():
    from .contract import fetch_schema

    document = fetch_schema()
    posts = [(path, item["post"]) for path, item in document["paths"].items() if "post" in item]
    assert len(posts) == len(_post_paths())
    for path, operation in posts:
        headers = [p for p in operation["parameters"] if p["in"] == "header"]
        assert [h["name"] for h in headers] == ["Idempotency-Key"], path
        assert headers[0]["schema"]["maxLength"] == 255
        for status, code in [("400", "invalid"), ("409", "in_use"), ("422", "reused")]:
            assert f"idempotency_key_{code}" in operation["responses"][status]["description"]
    listing = document["paths"]["/api/v1/projects/"]["get"]
    assert "Idempotency-Key" not in str(listing["parameters"])  # only POSTs take it
