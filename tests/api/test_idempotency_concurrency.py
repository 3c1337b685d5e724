"""The same payment POSTed 10 times at once with one key, over real HTTP (issue 15, 5): one
payment and 10 equal answers; the key with another amount is refused. Each request is served in
its own thread with its own database connection, on SQLite and on PostgreSQL alike.

A request that arrives while the first still runs hears 409 ``idempotency_key_in_use`` with
``Retry-After``; these clients do what the docs ask and send it again, so each ends with the
first request's answer."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from milepost.accounts.services import api_token_create
from milepost.billing.models import Payment
from milepost.core import clock
from milepost.core.models import IdempotencyKey

from ..payments.conftest import fresh

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "pay-inv-1-attempt"
CLIENTS = 10


def _post(url: str, token: str, body: dict) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": KEY}
    return requests.post(url, json=body, headers=headers, timeout=60)


def _until_answered(url: str, token: str, body: dict, in_use: list[int]) -> requests.Response:
    deadline = time.monotonic() + 60
    while True:
        response = _post(url, token, body)
        if response.status_code != 409 or time.monotonic() > deadline:
            return response
        assert response.json()["error"]["code"] == "idempotency_key_in_use"
        assert response.headers["Retry-After"] == "1"
        in_use.append(1)
        time.sleep(0.05)  # shorter than Retry-After, to keep the test quick


def test_ten_concurrent_payments_with_one_key_record_one(live_server, money):
    invoice = money.approved(money.project())
    manager = fresh(money.world.manager)
    _token, raw = api_token_create(user=manager, name="Accounting sync", actor=manager)
    url = f"{live_server.url}/api/v1/invoices/{invoice.pk}/payments/"
    body = {"amount": "100.00", "date": str(clock.today()), "method": "bank_transfer"}

    start = threading.Barrier(CLIENTS)
    answers: list[requests.Response] = []
    errors: list[BaseException] = []
    in_use: list[int] = []

    def client() -> None:
        try:
            start.wait()
            answers.append(_until_answered(url, raw, body, in_use))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    print(f"{len(in_use)} answers were 409 idempotency_key_in_use before the final one")
    assert errors == []
    assert len(answers) == CLIENTS
    assert {a.status_code for a in answers} == {201}, [a.content[:200] for a in answers]
    assert len({a.content for a in answers}) == 1  # 10 equal answers
    assert sum("Idempotent-Replayed" not in a.headers for a in answers) == 1  # one ran
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert IdempotencyKey.objects.get().state == IdempotencyKey.State.DONE

    other = _post(url, raw, {**body, "amount": "50.00"})
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert Payment.objects.filter(invoice=invoice).count() == 1
