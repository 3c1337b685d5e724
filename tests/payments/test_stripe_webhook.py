"""Card payments: Stripe Checkout sessions (no network) and the signed webhook that books them.

Events are signed exactly as Stripe documents it: the ``Stripe-Signature`` header carries
``t=<unix time>`` and one or more ``v1=<hex HMAC-SHA256 of "<t>.<raw body>">`` keyed with the
endpoint's secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import threading
import time
from decimal import Decimal
from types import SimpleNamespace

import pytest
import stripe
from django.db import connection
from django.test import Client

from milepost.accounts.models import Role, User
from milepost.audit.models import AuditEvent
from milepost.audit.verify import verify_chains
from milepost.billing.models import Invoice, InvoiceStatus, Payment, StripeEvent
from milepost.billing.stripe import checkout_create
from milepost.core.errors import NotAllowed, NotFound, RuleViolation
from milepost.plans import services as plans
from milepost.plans.models import MilestoneStatus, Project
from milepost.reviews import services as reviews
from tests.factories import ClientFactory, ContactFactory, MembershipFactory

from .conftest import fresh, invoice_state, money_rows, reload, reload_invoice

SECRET = "whsec_test"
URL = "/webhooks/stripe/"


@pytest.fixture
def stripe_keys(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    return settings


def hmac_hex(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature(body: bytes, *, secret: str = SECRET, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={hmac_hex(secret, t, body)}"


def completed(
    invoice: Invoice,
    *,
    event_id: str | None = None,
    amount: int | None = None,
    currency: str | None = None,
    organisation: int | None = None,
    invoice_id: int | None = None,
    payment_status: str = "paid",
    kind: str = "checkout.session.completed",
) -> bytes:
    """A checkout.session.completed event as Stripe sends it (the fields Milepost reads, and
    some it does not)."""
    units = amount if amount is not None else int(invoice.outstanding * 100)
    session = {
        "id": f"cs_test_{invoice.pk}",
        "object": "checkout.session",
        "amount_subtotal": units,
        "amount_total": units,
        "client_reference_id": str(invoice.pk),
        "currency": currency or invoice.currency.lower(),
        "customer_details": {"email": "buyer@example.com", "name": "Acme Shop"},
        "livemode": False,
        "metadata": {
            "invoice": str(invoice_id if invoice_id is not None else invoice.pk),
            "organisation": str(
                organisation if organisation is not None else invoice.organisation_id
            ),
        },
        "mode": "payment",
        "payment_intent": f"pi_test_{invoice.pk}",
        "payment_status": payment_status,
        "status": "complete",
    }
    event = {
        "id": event_id or f"evt_test_{invoice.pk}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(time.time()),
        "data": {"object": session},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": kind,
    }
    return json.dumps(event).encode()


def post(body: bytes, header: str | None = None, client: Client | None = None):
    headers = {} if header is None else {"Stripe-Signature": header}
    return (client or Client()).post(
        URL, data=body, content_type="application/json", headers=headers
    )


@pytest.fixture
def invoice(money):
    """An issued EUR invoice (2000.00 + 19 % = 2380.00) for milestone 1."""
    return money.approved(money.project(), 1)


# --- the happy path -------------------------------------------------------------------------------


def test_a_completed_checkout_records_a_card_payment(stripe_keys, invoice):
    body = completed(invoice)
    assert b'"amount_total": 238000' in body and b'"currency": "eur"' in body
    response = post(body, signature(body))

    assert response.status_code == 200, response.content
    assert response.json() == {"received": True, "outcome": "payment recorded"}
    payment = Payment.objects.get()
    assert payment.invoice_id == invoice.pk
    assert payment.amount == Decimal("2380.00")
    assert payment.method == "card"
    assert payment.reference == f"pi_test_{invoice.pk}"
    assert payment.recorded_by is None
    invoice = reload_invoice(invoice)
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.outstanding == 0
    event = StripeEvent.objects.get()
    assert (event.event_id, event.invoice_id, event.outcome) == (
        f"evt_test_{invoice.pk}",
        invoice.pk,
        "payment recorded",
    )
    audit = AuditEvent.objects.get(action="payment.recorded")
    assert audit.actor_id is None
    assert audit.data["method"] == "card"
    assert verify_chains().ok


def test_the_rest_of_a_partly_paid_invoice(stripe_keys, money, invoice):
    money.pay(invoice, "380.00")
    body = completed(reload_invoice(invoice), amount=200000)
    assert post(body, signature(body)).status_code == 200
    invoice = reload_invoice(invoice)
    assert invoice.status == InvoiceStatus.PAID
    assert sorted(p.method for p in invoice.payments.all()) == ["bank_transfer", "card"]


def test_a_header_with_several_v1_values_is_accepted_when_one_matches(stripe_keys, invoice):
    body = completed(invoice)
    t = int(time.time())
    wrong = hmac_hex("whsec_rolled_over", t, body)
    right = hmac_hex(SECRET, t, body)
    response = post(body, f"t={t},v1={wrong},v1={right}")
    assert response.status_code == 200, response.content
    assert Payment.objects.count() == 1


def test_a_timestamp_within_the_tolerance_is_accepted(stripe_keys, invoice):
    body = completed(invoice)
    response = post(body, signature(body, timestamp=int(time.time()) - 240))
    assert response.status_code == 200, response.content


def test_card_prepayment_starts_the_milestone(stripe_keys, money):
    def on_start(project: Project) -> None:
        plans.milestone_update(
            milestone=project.milestones.select_related("project").get(position=1),
            actor=fresh(money.world.owner),
            billing_trigger="on_start",
        )

    project = money.project(prepare=on_start)
    assert money.start(project, 1).status == MilestoneStatus.AWAITING_PREPAYMENT
    invoice = money.invoice(project, 1, trigger="on_start")
    body = completed(invoice)
    assert post(body, signature(body)).status_code == 200
    assert money.m(project, 1).status == MilestoneStatus.IN_PROGRESS


# --- each event once ----------------------------------------------------------------------------


def test_the_same_event_delivered_ten_times_in_any_order_pays_once(stripe_keys, money):
    project = money.project()
    first = money.approved(project, 1)
    second = money.approved(project, 2)
    deliveries = [completed(first)] * 10 + [completed(second)] * 3
    deliveries += [completed(first, event_id="evt_other", kind="charge.succeeded")] * 2
    random.Random(20270104).shuffle(deliveries)

    outcomes = []
    for body in deliveries:
        response = post(body, signature(body))
        assert response.status_code == 200, response.content
        outcomes.append(response.json()["outcome"])

    assert outcomes.count("payment recorded") == 2
    assert outcomes.count("ignored") == 1
    assert outcomes.count("duplicate") == len(deliveries) - 3
    assert Payment.objects.filter(invoice=first).count() == 1
    assert Payment.objects.filter(invoice=second).count() == 1
    assert reload_invoice(first).paid == first.gross
    assert StripeEvent.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_same_event_from_several_threads_pays_once(stripe_keys, invoice):
    body = completed(invoice)
    header = signature(body)
    barrier = threading.Barrier(8)
    statuses: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def deliver():
        client = Client()
        try:
            barrier.wait(timeout=30)
            response = post(body, header, client=client)
            with lock:
                statuses.append(response.status_code)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert statuses == [200] * 8
    assert Payment.objects.count() == 1
    assert reload_invoice(invoice).status == InvoiceStatus.PAID
    assert StripeEvent.objects.count() == 1


def test_an_unhandled_event_type_is_acknowledged_and_ignored(stripe_keys, invoice):
    before = money_rows()
    body = completed(invoice, kind="checkout.session.expired")
    response = post(body, signature(body))
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
    assert Payment.objects.count() == before["payments"]
    assert invoice_state(invoice) == ("issued", Decimal(0), 0)
    assert StripeEvent.objects.get().outcome == "ignored"


# --- refused deliveries ---------------------------------------------------------------------------


def _tampered(body: bytes) -> bytes:
    return body.replace(b'"amount_total": 238000', b'"amount_total": 238001')


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda b: (b, signature(b, secret="whsec_someone_else")), id="other-secret"),
        pytest.param(lambda b: (_tampered(b), signature(b)), id="changed-body"),
        pytest.param(
            lambda b: (b, signature(b, timestamp=int(time.time()) - 301)), id="older-than-300s"
        ),
        pytest.param(
            lambda b: (b, signature(b, timestamp=int(time.time()) - 3600)), id="an-hour-old"
        ),
        pytest.param(lambda b: (b, None), id="no-header"),
        pytest.param(lambda b: (b, "garbage"), id="malformed-header"),
        pytest.param(lambda b: (b, f"t={int(time.time())}"), id="no-v1"),
        pytest.param(
            lambda b: (b, signature(b).replace("v1=", "v0=")), id="only-an-unknown-scheme"
        ),
    ],
)
def test_a_bad_signature_is_refused_and_nothing_recorded(stripe_keys, invoice, make):
    body, header = make(completed(invoice))
    before, state = money_rows(), invoice_state(invoice)
    response = post(body, header)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_signature"
    assert (money_rows(), invoice_state(invoice)) == (before, state)


@pytest.fixture
def foreign_invoice(money):
    """An invoice of another agency (its own client, approver and numbering)."""
    world = money.world
    client = ClientFactory(organisation=world.other_organisation, name="Globex")
    contact = ContactFactory(client=client).user
    member = MembershipFactory(organisation=world.other_organisation, role=Role.MEMBER).user
    project = money.project(
        organisation=world.other_organisation, client=client, owner=world.outsider, approver=contact
    )
    milestone = project.milestones.get(position=1)
    reviews.milestone_start(milestone=reload(milestone), actor=fresh(member))
    reviews.milestone_deliver(milestone=reload(milestone), actor=fresh(member), notes="Done.")
    money.approve(project, 1, approver=contact)
    return money.invoice(project, 1)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("other-organisation", "no such invoice for this organisation"),
        ("foreign-invoice", "no such invoice for this organisation"),
        ("unknown-invoice", "no such invoice for this organisation"),
        ("no-metadata", "no such invoice for this organisation"),
        ("currency", "currency does not match the invoice"),
        ("less", "amount does not match what is outstanding"),
        ("more", "amount does not match what is outstanding"),
        ("zero", "amount does not match what is outstanding"),
        ("unpaid", "the session is not paid"),
    ],
)
def test_an_event_that_does_not_match_the_invoice_is_acknowledged_and_ignored(
    stripe_keys, invoice, foreign_invoice, change, problem
):
    """2xx, so Stripe stops retrying it for days; recorded as ignored with the reason, and no
    payment is booked."""
    kwargs = {
        "other-organisation": {"organisation": foreign_invoice.organisation_id},
        "foreign-invoice": {"invoice_id": foreign_invoice.pk},
        "unknown-invoice": {"invoice_id": 987654},
        "currency": {"currency": "usd"},
        "less": {"amount": 237999},
        "more": {"amount": 238001},
        "zero": {"amount": 0},
        "unpaid": {"payment_status": "unpaid"},
    }.get(change, {})
    body = completed(invoice, **kwargs)
    if change == "no-metadata":
        event = json.loads(body)
        del event["data"]["object"]["metadata"]
        body = json.dumps(event).encode()
    before = money_rows()
    states = (invoice_state(invoice), invoice_state(foreign_invoice))

    response = post(body, signature(body))

    assert response.status_code == 200, response.content
    assert response.json() == {"received": True, "outcome": "ignored", "reason": problem}
    assert money_rows() == {**before, "stripe_events": before["stripe_events"] + 1}
    assert (invoice_state(invoice), invoice_state(foreign_invoice)) == states
    event = StripeEvent.objects.get(event_id=f"evt_test_{invoice.pk}")
    assert (event.outcome, event.reason) == ("ignored", problem)
    # Stripe's retry of the same event is a duplicate, still acknowledged and still unpaid.
    again = post(body, signature(body))
    assert (again.status_code, again.json()["outcome"]) == (200, "duplicate")
    assert invoice_state(invoice) == states[0]
    # A correct delivery afterwards is still booked.
    good = completed(invoice, event_id="evt_good")
    assert post(good, signature(good)).status_code == 200
    assert reload_invoice(invoice).status == InvoiceStatus.PAID


def test_an_ignored_event_belongs_to_the_invoices_organisation(stripe_keys, invoice):
    body = completed(invoice, amount=100)
    post(body, signature(body))
    event = StripeEvent.objects.get()
    assert (event.organisation_id, event.invoice_id) == (invoice.organisation_id, invoice.pk)


def test_an_event_naming_another_agencys_invoice_is_not_linked_to_it(
    stripe_keys, invoice, foreign_invoice
):
    body = completed(invoice, invoice_id=foreign_invoice.pk)
    post(body, signature(body))
    event = StripeEvent.objects.get()
    assert (event.organisation_id, event.invoice_id) == (invoice.organisation_id, None)


def test_an_event_for_a_void_invoice_is_ignored(stripe_keys, money, invoice):
    body = completed(invoice)
    money.void(invoice)
    before = money_rows()
    response = post(body, signature(body))
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
    assert money_rows() == {**before, "stripe_events": before["stripe_events"] + 1}
    assert Payment.objects.count() == 0


@pytest.mark.parametrize("ahead", [301, 3600, 86400 * 365])
def test_a_timestamp_too_far_in_the_future_is_refused(stripe_keys, invoice, ahead):
    """The tolerance holds both ways: a signature dated ahead cannot be replayed for years."""
    body = completed(invoice)
    before, state = money_rows(), invoice_state(invoice)
    response = post(body, signature(body, timestamp=int(time.time()) + ahead))
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_signature"
    assert (money_rows(), invoice_state(invoice)) == (before, state)


def test_a_timestamp_slightly_ahead_is_accepted(stripe_keys, invoice):
    """Clocks drift: a few minutes ahead, within the tolerance, is fine."""
    body = completed(invoice)
    response = post(body, signature(body, timestamp=int(time.time()) + 240))
    assert response.status_code == 200, response.content


def test_a_body_over_the_limit_is_a_json_413(stripe_keys, settings, invoice):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    event = json.loads(completed(invoice))
    event["data"]["object"]["padding"] = "x" * 20_000
    body = json.dumps(event).encode()
    before = money_rows()
    response = post(body, signature(body))
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "payload_too_large"
    assert money_rows() == before


def test_the_webhook_only_takes_posts(stripe_keys):
    assert Client().get(URL).status_code == 405


# --- switched off ---------------------------------------------------------------------------------


def test_without_keys_the_webhook_is_not_there(settings, invoice):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    body = completed(invoice)
    before = money_rows()
    response = post(body, signature(body))
    assert response.status_code == 404
    assert money_rows() == before


@pytest.mark.parametrize("unset", ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"])
def test_with_one_key_missing_payments_stay_off(stripe_keys, money, invoice, api_as, unset):
    setattr(stripe_keys, unset, "")
    body = completed(invoice)
    assert post(body, signature(body)).status_code == 404
    response = api_as(fresh(money.world.contact)).post(f"/api/v1/invoices/{invoice.pk}/checkout/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "payments_not_configured"


def test_without_keys_checkout_answers_payments_not_configured(settings, money, invoice, api_as):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    response = api_as(fresh(money.world.contact)).post(f"/api/v1/invoices/{invoice.pk}/checkout/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "payments_not_configured"


# --- checkout sessions ----------------------------------------------------------------------------


@pytest.fixture
def sessions(monkeypatch):
    """Capture every ``stripe.checkout.Session.create`` call: nothing goes to the network."""
    calls: list[dict] = []

    def create(**kwargs):
        calls.append(kwargs)
        return SimpleNamespace(url=f"https://checkout.stripe.com/c/pay/cs_test_{len(calls)}")

    monkeypatch.setattr(stripe.checkout.Session, "create", create)
    return calls


def test_checkout_asks_stripe_for_what_is_outstanding(stripe_keys, money, invoice, sessions):
    money.pay(invoice, "1000.00")
    url = checkout_create(
        invoice=reload_invoice(invoice),
        actor=fresh(money.world.contact),
        success_url="https://milepost.example/invoices/1/?paid=1",
        cancel_url="https://milepost.example/invoices/1/",
    )
    assert url == "https://checkout.stripe.com/c/pay/cs_test_1"
    (call,) = sessions
    assert call["api_key"] == "sk_test_x"
    assert call["mode"] == "payment"
    assert call["metadata"] == {
        "invoice": str(invoice.pk),
        "organisation": str(money.organisation.pk),
    }
    assert call["client_reference_id"] == str(invoice.pk)
    (item,) = call["line_items"]
    assert item["quantity"] == 1
    assert item["price_data"]["currency"] == "eur"
    assert item["price_data"]["unit_amount"] == 138000  # 2380.00 - 1000.00, in cents
    assert isinstance(item["price_data"]["unit_amount"], int)
    assert invoice.number in item["price_data"]["product_data"]["name"]
    assert call["success_url"].endswith("?paid=1")
    assert call["cancel_url"] == "https://milepost.example/invoices/1/"


@pytest.mark.parametrize(
    ("currency", "budget", "units"),
    [("JPY", "1000000", 238000), ("BHD", "10000.000", 2380000)],
)
def test_checkout_amounts_in_the_currencys_minor_unit(
    stripe_keys, money, sessions, currency, budget, units
):
    invoice = money.approved(money.project(currency=currency, total_budget=budget), 1)
    checkout_create(
        invoice=invoice, actor=fresh(money.world.contact), success_url="s", cancel_url="c"
    )
    price = sessions[0]["line_items"][0]["price_data"]
    assert (price["currency"], price["unit_amount"]) == (currency.lower(), units)


def test_checkout_through_the_api(stripe_keys, money, invoice, sessions, api_as):
    response = api_as(fresh(money.world.contact)).post(f"/api/v1/invoices/{invoice.pk}/checkout/")
    assert response.status_code == 200, response.content
    assert response.json() == {"url": "https://checkout.stripe.com/c/pay/cs_test_1"}
    assert sessions[0]["success_url"] == f"http://testserver/invoices/{invoice.pk}/?paid=1"
    response = api_as(fresh(money.world.owner)).post(f"/api/v1/invoices/{invoice.pk}/checkout/")
    assert response.status_code == 403
    response = api_as(fresh(money.world.outsider)).post(f"/api/v1/invoices/{invoice.pk}/checkout/")
    assert response.status_code == 404
    assert len(sessions) == 1


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("owner", NotAllowed),
        ("manager", NotAllowed),
        ("member", NotAllowed),
        ("viewer", NotAllowed),
        ("outsider", NotFound),
    ],
)
def test_only_an_approver_may_open_a_checkout(stripe_keys, money, invoice, sessions, who, error):
    if who == "viewer":
        plans.project_access_grant(
            project=invoice.project,
            email="viewer@example.com",
            role="viewer",
            actor=fresh(money.world.owner),
        )
        actor = User.objects.get(email="viewer@example.com")
    else:
        actor = fresh(money.world.user(who))
    with pytest.raises(error):
        checkout_create(invoice=invoice, actor=actor, success_url="s", cancel_url="c")
    assert sessions == []


def test_nothing_to_pay_no_checkout(stripe_keys, money, sessions):
    project = money.project()
    paid = money.approved(project, 1)
    money.pay(paid)
    void = money.approved(project, 2)
    note = money.void(void)
    for invoice in (paid, void, note):
        with pytest.raises(RuleViolation) as refused:
            checkout_create(
                invoice=reload_invoice(invoice),
                actor=fresh(money.world.contact),
                success_url="s",
                cancel_url="c",
            )
        assert refused.value.code == "invalid_transition"
    assert sessions == []


# --- owners see what was ignored ------------------------------------------------------------------


def _settings_page(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/settings/")
    assert response.status_code == 200
    return response.content.decode()


def test_owners_see_ignored_events_with_the_reason_in_settings(
    stripe_keys, money, invoice, foreign_invoice
):
    body = completed(invoice, amount=100, event_id="evt_short_amount")
    post(body, signature(body))
    good = completed(invoice, event_id="evt_booked")
    post(good, signature(good))
    page = _settings_page(fresh(money.world.owner))
    assert "evt_short_amount" in page
    assert "amount does not match what is outstanding" in page
    assert invoice.number in page
    assert "evt_booked" not in page  # booked events are not a problem to look at
    for other in (money.world.manager, money.world.outsider):
        assert "evt_short_amount" not in _settings_page(fresh(other))


def test_settings_say_no_card_payment_was_left_unbooked(stripe_keys, money):
    page = _settings_page(fresh(money.world.owner))
    assert 'id="stripe-ignored"' in page
    assert "None. When Stripe reports a payment that does not match an open invoice" in page
