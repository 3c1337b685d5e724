"""Invoices through the REST API and the web: lists, filters, JSON, CSV, the project page."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client

from milepost.core import clock
from tests.factories import ClientFactory, ContactFactory

from .conftest import fresh, money_rows, reload_invoice

LIST = "/api/v1/invoices/"
FIELDS = {
    "id",
    "number",
    "project",
    "milestone",
    "kind",
    "status",
    "currency",
    "net",
    "tax_rate",
    "tax",
    "gross",
    "paid",
    "outstanding",
    "issue_date",
    "due_date",
}


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()["results"]]


@pytest.fixture
def books(money):
    """Two projects: A with milestone 1 paid, 2 partly paid, 3 issued; B with 1 void."""
    a = money.project(name="Webshop A")
    b = money.project(name="Webshop B")
    a1 = money.approved(a, 1)
    a2 = money.approved(a, 2)
    a3 = money.approved(a, 3)
    b1 = money.approved(b, 1)
    money.pay(a1)
    money.pay(a2, "100.00")
    note = money.void(b1)
    return {
        "a": a,
        "b": b,
        "a1": reload_invoice(a1),
        "a2": reload_invoice(a2),
        "a3": reload_invoice(a3),
        "b1": reload_invoice(b1),
        "note": reload_invoice(note),
    }


# --- the API list ---------------------------------------------------------------------------------


def test_list_filters_by_project_and_status(money, books, api_as):
    api = api_as(fresh(money.world.owner))
    everything = numbers(api.get(LIST))
    assert len(everything) == 5
    assert numbers(api.get(LIST, {"project": books["a"].pk})) == [
        books["a3"].number,
        books["a2"].number,
        books["a1"].number,
    ]
    assert set(numbers(api.get(LIST, {"project": books["b"].pk}))) == {
        books["b1"].number,
        books["note"].number,
    }
    assert numbers(api.get(LIST, {"status": "paid"})) == [books["note"].number, books["a1"].number]
    assert numbers(api.get(LIST, {"status": "partially_paid"})) == [books["a2"].number]
    assert numbers(api.get(LIST, {"status": "issued"})) == [books["a3"].number]
    assert numbers(api.get(LIST, {"status": "void"})) == [books["b1"].number]
    assert numbers(api.get(LIST, {"project": books["b"].pk, "status": "issued"})) == []
    assert numbers(api.get(LIST, {"status": "overdue"})) == []


def test_list_refuses_an_unknown_status_and_hides_unknown_projects(money, books, api_as):
    api = api_as(fresh(money.world.owner))
    response = api.get(LIST, {"status": "lost"})
    assert response.status_code == 400
    assert "status" in response.json()["error"]["details"]
    for bad in ("abc", "0", str(2**63)):  # not an id: a 400 naming the filter, like status
        response = api.get(LIST, {"project": bad})
        assert response.status_code == 400
        assert "project" in response.json()["error"]["details"]
    assert numbers(api.get(LIST, {"project": 987654})) == []


def test_overdue_after_the_due_date(money, books, api_as):
    api = api_as(fresh(money.world.manager))
    due = books["a3"].due_date
    with clock.frozen(dt.datetime.combine(due, dt.time(12), tzinfo=dt.UTC)):
        assert numbers(api.get(LIST, {"status": "overdue"})) == []
    with clock.frozen(dt.datetime.combine(due + dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)):
        overdue = api.get(LIST, {"status": "overdue"})
        # Unpaid and partly paid invoices are overdue; paid, void and credit notes are not.
        assert set(numbers(overdue)) == {books["a2"].number, books["a3"].number}
        assert all(row["overdue"] for row in overdue.json()["results"])
        rows = {r["number"]: r for r in api.get(LIST).json()["results"]}
        assert rows[books["a1"].number]["overdue"] is False
        assert rows[books["a3"].number]["status"] == "issued"  # overdue is not a stored status


def test_invoice_json(money, books, api_as):
    api = api_as(fresh(money.world.owner))
    invoice = books["a2"]
    row = next(r for r in api.get(LIST).json()["results"] if r["id"] == invoice.pk)
    assert set(row) >= FIELDS
    assert row == {
        **row,
        "id": invoice.pk,
        "number": invoice.number,
        "project": books["a"].pk,
        "milestone": invoice.milestone_id,
        "kind": "invoice",
        "status": "partially_paid",
        "currency": "EUR",
        "net": "2500.00",
        "tax_rate": "19.00",
        "tax": "475.00",
        "gross": "2975.00",
        "paid": "100.00",
        "outstanding": "2875.00",
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": invoice.due_date.isoformat(),
    }
    note = next(r for r in api.get(LIST).json()["results"] if r["id"] == books["note"].pk)
    assert (note["kind"], note["status"], note["outstanding"]) == ("credit_note", "paid", "0.00")
    assert note["credit_note_for"] == books["b1"].number

    detail = api.get(f"{LIST}{invoice.pk}/").json()
    assert set(detail) >= FIELDS
    assert detail["seller"]["vat_id"] == "DE123456789"
    assert detail["buyer"]["name"] == "Acme Shop"
    assert detail["description"]["position"] == 2
    (payment,) = detail["payments"]
    assert (payment["amount"], payment["method"]) == ("100.00", "bank_transfer")


@pytest.mark.parametrize(
    ("currency", "budget", "amounts"),
    [
        ("JPY", "1000000", ("200000", "38000", "238000", "0")),
        ("BHD", "10000.000", ("2000.000", "380.000", "2380.000", "0.000")),
    ],
)
def test_amounts_have_the_currencys_decimals(money, api_as, currency, budget, amounts):
    invoice = money.approved(money.project(currency=currency, total_budget=budget), 1)
    row = api_as(fresh(money.world.owner)).get(f"{LIST}{invoice.pk}/").json()
    assert (row["net"], row["tax"], row["gross"], row["paid"]) == amounts
    assert row["outstanding"] == amounts[2]


def test_who_sees_what_through_the_api(money, books, api_as):
    world = money.world
    other_client = ClientFactory(organisation=world.organisation, name="Initech")
    other_contact = ContactFactory(client=other_client).user
    assert numbers(api_as(fresh(other_contact)).get(LIST)) == []
    assert api_as(fresh(other_contact)).get(f"{LIST}{books['a1'].pk}/").status_code == 404
    assert numbers(api_as(fresh(world.outsider)).get(LIST)) == []
    assert api_as(fresh(world.outsider)).get(f"{LIST}{books['a1'].pk}/").status_code == 404
    assert api_as(None).get(LIST).status_code == 401
    assert len(numbers(api_as(fresh(world.contact)).get(LIST))) == 5  # approver of A and B
    assert len(numbers(api_as(fresh(world.member)).get(LIST))) == 5


def test_payments_and_voids_through_the_api(money, books, api_as):
    world = money.world
    url = f"{LIST}{books['a3'].pk}/"
    today = clock.today().isoformat()

    response = api_as(fresh(world.manager)).post(
        url + "payments/", {"amount": "10.005", "date": today, "method": "card"}, format="json"
    )
    assert response.status_code == 400
    assert "amount" in response.json()["error"]["details"]
    for who, status in (("member", 403), ("contact", 403), ("outsider", 404)):
        before = money_rows()
        response = api_as(fresh(world.user(who))).post(
            url + "payments/", {"amount": "10.00", "date": today, "method": "card"}, format="json"
        )
        assert response.status_code == status, who
        assert money_rows() == before

    response = api_as(fresh(world.manager)).post(
        url + "payments/",
        {"amount": "3570.00", "date": today, "method": "bank_transfer", "reference": "SEPA 1"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["outstanding"]) == ("paid", "0.00")

    response = api_as(fresh(world.owner)).post(url + "void/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invoice_paid"

    response = api_as(fresh(world.owner)).post(
        f"{LIST}{books['a2'].pk}/void/", {"reason": "x"}, format="json"
    )
    assert response.json()["error"]["code"] == "invoice_paid"


def test_void_through_the_api_answers_with_the_credit_note(money, api_as):
    invoice = money.approved(money.project(), 1)
    response = api_as(fresh(money.world.owner)).post(
        f"{LIST}{invoice.pk}/void/", {"reason": "Wrong address."}, format="json"
    )
    assert response.status_code == 201, response.content
    note = response.json()
    assert note["kind"] == "credit_note"
    assert note["credit_note_for"] == invoice.number
    assert note["gross"] == "2380.00"
    assert note["number"] == f"INV-{clock.today().year}-0002"


# --- the web: CSV and the project page ---------------------------------------------------------


def web_as(user) -> Client:
    client = Client()
    client.force_login(fresh(user))
    return client


def test_csv_export_has_a_header_and_one_row_per_invoice(money, books):
    response = web_as(money.world.owner).get("/invoices/", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["number", "kind", "status"]
    assert {"net", "tax", "gross", "paid", "outstanding", "due_date"} <= set(header)
    assert len(body) == 5
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    assert set(by_number) == {books[k].number for k in ("a1", "a2", "a3", "b1", "note")}
    a2 = by_number[books["a2"].number]
    assert (a2["status"], a2["gross"], a2["paid"], a2["outstanding"]) == (
        "partially_paid",
        "2975.00",
        "100.00",
        "2875.00",
    )
    assert by_number[books["note"].number]["kind"] == "credit_note"
    assert by_number[books["b1"].number]["status"] == "void"
    # Nothing is outstanding on a void invoice or a credit note, written with the decimals.
    assert by_number[books["note"].number]["outstanding"] == "0.00"
    assert by_number[books["b1"].number]["outstanding"] == "0.00"


def test_csv_export_follows_the_status_filter(money, books):
    response = web_as(money.world.owner).get("/invoices/", {"format": "csv", "status": "paid"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(row[0] for row in rows[1:]) == sorted([books["a1"].number, books["note"].number])


def test_the_invoice_list_page_shows_totals(money, books):
    response = web_as(money.world.owner).get("/invoices/")
    assert response.status_code == 200
    page = response.content.decode()
    for key in ("a1", "a2", "a3"):
        assert books[key].number in page


def test_the_project_page_tells_the_client_what_is_paid_and_what_comes_next(money):
    project = money.project()
    client = web_as(money.world.contact)
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert "paid €0.00 of €10,000.00 · next: €2,000.00 on approval of milestone 1" in page

    invoice = money.approved(project, 1)
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert "paid €0.00 of €10,000.00 · next: €2,500.00 on approval of milestone 2" in page

    # Amounts before tax, like the budget: half of the gross paid is half of the net; what was
    # received, with tax, beside it.
    money.pay(invoice, invoice.gross / 2)
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert (
        "paid €1,000.00 of €10,000.00 before tax (€1,190.00 received with tax)"
        " · next: €2,500.00 on approval of milestone 2"
    ) in page

    money.pay(invoice)
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert invoice.gross == Decimal("2380.00")
    assert (
        "paid €2,000.00 of €10,000.00 before tax (€2,380.00 received with tax)"
        " · next: €2,500.00 on approval of milestone 2"
    ) in page
