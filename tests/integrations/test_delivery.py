"""Webhooks end to end: a real receiver on loopback verifies every signature; the review cycle's
events arrive in order, once each; failures are retried; nothing is sent for a rolled-back change
and nothing is lost while the worker is stopped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from milepost.billing.models import Invoice
from milepost.core import clock
from milepost.integrations.models import OutboundEvent, WebhookDelivery
from milepost.integrations.sending import RETRY_DELAYS
from milepost.plans import services as plans
from milepost.plans.models import Project
from milepost.reviews import services as reviews

from .conftest import T0, fresh

Status = WebhookDelivery.Status

FULL_CYCLE = [
    "project.proposed",
    "project.accepted",
    "milestone.started",
    "milestone.delivered",
    "milestone.changes_requested",
    "milestone.delivered",
    "milestone.approved",
    "invoice.issued",
    "payment.recorded",
    "invoice.paid",
    "support_request.created",
    "milestone.closed",
]


def test_a_full_review_cycle_sends_exactly_its_events_in_order_each_signed(
    world, draft, receiver, endpoint_for, committed, tick_at
):
    _endpoint, secret = endpoint_for(receiver.url)
    c = draft
    with clock.frozen(T0):
        committed(plans.plan_propose, project=Project.objects.get(pk=c.project.pk), actor=c.owner)
        committed(plans.plan_accept, project=Project.objects.get(pk=c.project.pk), actor=c.approver)
        committed(c.start)
        committed(c.deliver)
        committed(c.request_changes)
        committed(c.deliver, notes="Fixed the header.")
        c.pass_all()
        committed(c.approve)
        invoice = Invoice.objects.get(milestone=c.m(1))
        committed(
            reviews.payment_record_and_release,
            invoice=invoice,
            amount=str(invoice.gross),
            date=clock.today(),
            method="bank_transfer",
            actor=fresh(world.owner),
        )
        committed(
            reviews.support_request_file,
            milestone=c.m(1),
            actor=c.approver,
            description="The logo is blurry on phones.",
        )
    tick_at(c.m(1).support_ends_at + dt.timedelta(minutes=1))

    payloads = receiver.verified(secret)  # raises unless every signature verifies
    assert [p["type"] for p in payloads] == FULL_CYCLE
    assert len({p["id"] for p in payloads}) == len(FULL_CYCLE), "an event was sent twice"
    milestone = [p for p in payloads if p["type"].startswith("milestone.")]
    assert [p["sequence"] for p in milestone] == list(range(1, len(milestone) + 1))
    assert {p["data"]["object"]["id"] for p in milestone} == {c.m(1).pk}
    approved = next(p for p in payloads if p["type"] == "milestone.approved")
    assert approved["data"]["object"]["status"] == "approved"
    assert approved["version"] == 1
    assert approved["organisation"] == {"id": world.organisation.pk}
    paid = next(p for p in payloads if p["type"] == "invoice.paid")
    assert paid["data"]["object"]["number"] == invoice.number
    assert paid["data"]["object"]["status"] == "paid"
    # As GET /api/v1/invoices/{id}/ answers it (it was the list's shape, without these).
    assert paid["data"]["object"]["paid_in_full_on"] == T0.date().isoformat()
    assert len(paid["data"]["object"]["payments"]) == 1
    assert {"seller", "buyer", "description", "payment_terms"} <= set(paid["data"]["object"])
    headers = receiver.received[0].headers
    assert headers["webhook-id"] == payloads[0]["id"]
    assert headers["Content-Type"] == "application/json"
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {Status.SUCCEEDED}


def test_500_twice_then_200_delivers_each_event_once_in_order(
    world, draft, receiver, endpoint_for, committed, tick_at
):
    endpoint_for(receiver.url)
    receiver.statuses = [500, 500]
    c = draft
    with clock.frozen(T0):
        committed(plans.plan_propose, project=Project.objects.get(pk=c.project.pk), actor=c.owner)
        committed(plans.plan_accept, project=Project.objects.get(pk=c.project.pk), actor=c.approver)
    # The first attempt failed; the acceptance waits behind the proposal (same project).
    assert receiver.types() == ["project.proposed"]
    proposed = WebhookDelivery.objects.get(event__type="project.proposed")
    assert (proposed.status, proposed.attempts, proposed.last_status_code) == (
        Status.PENDING,
        1,
        500,
    )
    assert proposed.next_attempt_at == T0 + RETRY_DELAYS[0]
    tick_at(T0 + dt.timedelta(seconds=30))  # not due yet
    assert len(receiver.received) == 1
    tick_at(T0 + RETRY_DELAYS[0])  # 500 again
    tick_at(T0 + RETRY_DELAYS[0] + RETRY_DELAYS[1])  # 200, and the acceptance follows
    assert receiver.types() == ["project.proposed"] * 3 + ["project.accepted"]
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(set(ids[:3])) == 1, "a retry is the same message (same webhook-id)"
    assert list(WebhookDelivery.objects.order_by("pk").values_list("status", "attempts")) == [
        (Status.SUCCEEDED, 3),
        (Status.SUCCEEDED, 1),
    ]
    tick_at(T0 + dt.timedelta(days=2))
    assert len(receiver.received) == 4, "nothing is sent again once delivered"


def test_a_delivery_fails_after_its_last_retry(
    world, draft, receiver, endpoint_for, committed, tick_at
):
    endpoint_for(receiver.url)
    receiver.statuses = [503] * 20
    with clock.frozen(T0):
        committed(
            plans.plan_propose, project=Project.objects.get(pk=draft.project.pk), actor=draft.owner
        )
    at = T0
    for delay in RETRY_DELAYS:
        at += delay
        tick_at(at)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, len(RETRY_DELAYS) + 1)
    assert len(receiver.received) == len(RETRY_DELAYS) + 1
    assert at - T0 > dt.timedelta(hours=24), "retries last about a day"


def test_a_rolled_back_change_sends_nothing(world, draft, receiver, endpoint_for, committed):
    endpoint_for(receiver.url)

    def propose_then_fail():
        with transaction.atomic():
            plans.plan_propose(project=Project.objects.get(pk=draft.project.pk), actor=draft.owner)
            raise RuntimeError("the request failed after the change")

    with pytest.raises(RuntimeError):
        committed(propose_then_fail)
    assert not OutboundEvent.objects.exists()
    assert not WebhookDelivery.objects.exists()
    assert receiver.received == []


def test_a_stopped_worker_loses_nothing(
    world, draft, receiver, endpoint_for, committed, tick_at, settings
):
    """With the database task queue and no worker running, the events wait; the first tick of
    a worker that starts again sends them, in order."""
    endpoint_for(receiver.url)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with clock.frozen(T0):
        committed(
            plans.plan_propose, project=Project.objects.get(pk=draft.project.pk), actor=draft.owner
        )
        committed(
            plans.plan_accept,
            project=Project.objects.get(pk=draft.project.pk),
            actor=draft.approver,
        )
    assert receiver.received == []
    assert WebhookDelivery.objects.filter(status=Status.PENDING).count() == 2
    report = tick_at(T0 + dt.timedelta(hours=5))
    assert report["webhooks_sent"] == 2
    assert receiver.types() == ["project.proposed", "project.accepted"]


def test_an_endpoint_hears_only_the_events_it_chose(
    world, draft, receiver, endpoint_for, committed
):
    _endpoint, secret = endpoint_for(receiver.url, event_types=["project.accepted"])
    with clock.frozen(T0):
        committed(
            plans.plan_propose, project=Project.objects.get(pk=draft.project.pk), actor=draft.owner
        )
        committed(
            plans.plan_accept,
            project=Project.objects.get(pk=draft.project.pk),
            actor=draft.approver,
        )
    assert [p["type"] for p in receiver.verified(secret)] == ["project.accepted"]
    # The feed has both: it is every event of the organisation.
    assert list(OutboundEvent.objects.values_list("type", flat=True)) == [
        "project.proposed",
        "project.accepted",
    ]


def test_a_redirect_is_not_followed(world, draft, start_receiver, endpoint_for, committed):
    target = start_receiver()
    redirecting = start_receiver()
    redirecting.redirect_to = target.url
    endpoint_for(redirecting.url)
    with clock.frozen(T0):
        committed(
            plans.plan_propose, project=Project.objects.get(pk=draft.project.pk), actor=draft.owner
        )
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (Status.PENDING, 302)
    assert len(redirecting.received) == 1
    assert target.received == []


def test_a_claimed_delivery_is_not_sent_twice_and_a_dead_claim_runs_out(
    world, draft, receiver, endpoint_for, settings
):
    """Another worker holds the claim: this one skips it; the claim of a worker that died
    lapses after CLAIM_LEASE and the delivery goes then."""
    from milepost.integrations.sending import CLAIM_LEASE, _claim, send_due

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    endpoint_for(receiver.url)
    with clock.frozen(T0):
        plans.plan_propose(project=Project.objects.get(pk=draft.project.pk), actor=draft.owner)
    delivery = WebhookDelivery.objects.get()
    assert _claim(delivery.pk, T0)
    assert not _claim(delivery.pk, T0), "a claim is taken once"
    assert send_due(T0)["sent"] == 0
    assert send_due(T0 + CLAIM_LEASE)["sent"] == 1
    assert receiver.types() == ["project.proposed"]
