"""``GET /api/v1/invoices/{id}/pdf/`` over real HTTP, as a PDF client asks for it (issue 10, 7)."""

from __future__ import annotations

import pytest
import requests

from milepost.accounts.services import api_token_create

from .conftest import fresh

pytestmark = pytest.mark.django_db(transaction=True)


def _get(url: str, token: str | None, accept: str) -> requests.Response:
    headers = {"Accept": accept}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return requests.get(url, headers=headers, timeout=60)


def _json_error(response: requests.Response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()["error"]


@pytest.mark.parametrize("accept", ["application/pdf", "application/pdf, */*;q=0.1", "*/*"])
def test_a_client_that_asks_for_a_pdf_gets_the_pdf(live_server, money, accept):
    invoice = money.approved(money.project())
    approver = fresh(money.world.contact)
    _token, raw = api_token_create(user=approver, name="PDF reader", actor=approver)
    response = _get(f"{live_server.url}/api/v1/invoices/{invoice.pk}/pdf/", raw, accept)
    assert response.status_code == 200, response.content[:300]
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert f'filename="{invoice.number}.pdf"' in response.headers["Content-Disposition"]


def test_errors_stay_json_when_the_client_asks_for_a_pdf(live_server, money):
    invoice = money.approved(money.project())
    outsider = fresh(money.world.outsider)
    _token, raw = api_token_create(user=outsider, name="Curious", actor=outsider)
    url = f"{live_server.url}/api/v1/invoices/{invoice.pk}/pdf/"
    assert _json_error(_get(url, raw, "application/pdf"), 404)["code"] == "not_found"
    assert _json_error(_get(url, None, "application/pdf"), 401)["code"] == "not_authenticated"
