"""The cash flow as people and programs read it: the page (a chart and a table per currency,
filters that keep what was typed, an empty state), the CSV, the API, and the dashboard's list
of projects behind their baseline."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.test import Client

from milepost.core import clock
from milepost.forecast import services
from milepost.forecast.cashflow import Bucket, Series, cash_flow
from milepost.forecast.cashflow_svg import chart

from ..reviews.conftest import fresh
from .conftest import TODAY
from .helpers import accepted_project, at, milestone, start

SVG = "{http://www.w3.org/2000/svg}"
D = dt.date
MONTHS = {"from": "2026-11-01", "to": "2027-02-28"}


def page(user, path="/cash-flow/", **params):
    http = Client()
    http.force_login(user)
    with clock.frozen(at(TODAY)):
        return http.get(path, params)


def test_the_page_has_a_chart_and_a_table_per_currency(books):
    response = page(books.owner, **MONTHS)
    assert response.status_code == 200
    html = response.content.decode()
    assert [m for m in re.findall(r'data-currency="([A-Z]{3})"', html)] == ["EUR", "GBP"]
    gbp = html[html.index('data-currency="GBP"') :]
    assert "£1,190.00" in gbp  # invoiced in November
    assert "£2,380.00" in gbp  # expected: January's invoice, February's payment
    assert "€119.00 overdue now" in html
    assert html.count("<svg") - html.count('<svg width="18"') == 2  # one chart per currency


def test_the_chart_is_valid_svg_with_a_title_per_bar(books):
    flow = cash_flow(books.organisation, D(2026, 11, 1), D(2027, 2, 28), "month", today=TODAY)
    eur = flow.series[0]
    root = ET.fromstring(str(chart(eur, "month")))  # valid XML, or this raises
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 720 260" and root.get("width") == "100%"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == "Cash flow in EUR by month, November 2026 to February 2027"
    assert "€119.00 overdue now" in desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("data-figure")]
    assert {r.get("data-figure") for r in bars} == {
        "invoiced",
        "expected_invoices",
        "expected_payments",
    }
    titles = sorted(r.find(f"{SVG}title").text for r in bars)
    assert "December 2026: invoiced €357.00" in titles
    assert "February 2027: expected to be paid €3,570.00" in titles
    assert all(float(r.get("height")) > 0 for r in bars)


def test_a_week_chart_of_one_bucket_and_a_negative_one_are_drawn(books):
    zero = Decimal(0)
    refund = Bucket(D(2027, 1, 4), D(2027, 1, 10), zero, zero, Decimal("-50.00"), zero, zero)
    root = ET.fromstring(str(chart(Series("EUR", [refund], zero), "week")))
    [bar] = [r for r in root.iter(f"{SVG}rect") if r.get("data-figure")]
    assert bar.find(f"{SVG}title").text == "week of 4 Jan 2027: invoiced -€50.00"


def test_filters_keep_what_was_typed_and_say_what_is_wrong(books):
    response = page(books.owner, **{"from": "2027-05-01", "to": "2027-01-01", "interval": "day"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="2027-05-01"' in html and 'value="2027-01-01"' in html
    assert "The end comes before the start" in html
    assert "Choose week or month." in html
    assert "<svg" not in html.replace('<svg width="18"', "")


def test_a_filter_of_another_organisation_is_not_found(books):
    assert page(books.owner, client=books.bolt.pk).status_code == 200
    assert page(books.outsider, client=books.bolt.pk).status_code == 404


def test_the_empty_state(world):
    html = page(world.owner).content.decode()
    assert "Nothing is expected, invoiced, paid or overdue in these months." in html
    assert "format=csv" not in html


def test_client_contacts_do_not_see_it(books):
    assert page(fresh(books.contact)).status_code == 404


def test_the_csv_has_a_header_and_a_row_per_currency_and_bucket(books):
    """Its columns in the order of the page's table (a newcomer found them shuffled)."""
    response = page(books.owner, format="csv", **MONTHS)
    assert response["Content-Type"].startswith("text/csv")
    assert "cash-flow-2026-11-01-2027-02-28.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "currency",
        "start",
        "end",
        "expected_invoices",
        "invoiced",
        "expected_payments",
        "paid",
        "overdue",
    ]
    html = page(books.owner, **MONTHS).content.decode()
    table = html[html.index('class="cash-flow-table"') :]
    shown = re.findall(r'data-figure="(\w+)"', table[: table.index("</tr>", table.index("<tbody"))])
    assert shown == rows[0][3:]
    assert len(rows) == 1 + 2 * 4  # two currencies, four months
    assert ["GBP", "2027-02-01", "2027-02-28", "0.00", "0.00", "2380.00", "0.00", "0.00"] in rows
    assert ["EUR", "2026-12-01", "2026-12-31", "0.00", "357.00", "0.00", "0.00", "119.00"] in rows


def test_the_api_answers_per_currency(books, api_as):
    with clock.frozen(at(TODAY)):
        response = api_as(fresh(books.member)).get(
            "/api/v1/cash-flow/", {**MONTHS, "client": books.bolt.pk}
        )
    assert response.status_code == 200
    body = response.json()
    assert (body["start"], body["end"], body["interval"]) == ("2026-11-01", "2027-02-28", "month")
    assert body["client"] == books.bolt.pk and body["today"] == "2027-01-04"
    [gbp] = body["currencies"]
    assert gbp["currency"] == "GBP" and gbp["overdue"] == "0.00"
    assert gbp["totals"]["paid"] == "1190.00"
    assert gbp["buckets"][3] == {
        "start": "2027-02-01",
        "end": "2027-02-28",
        "expected_invoices": "0.00",
        "expected_payments": "2380.00",
        "invoiced": "0.00",
        "paid": "0.00",
        "overdue": "0.00",
    }


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"from": "2027-02-01", "to": "2027-01-01"}, 400, "to"),
        ({"from": "2027-01-01", "to": "2030-01-02"}, 400, "to"),
        ({"interval": "fortnight"}, 400, "interval"),
        ({"from": "1st of May"}, 400, "from"),
        ({"from": "9999-12-31", "to": "9999-12-31"}, 400, "from"),
    ],
)
def test_the_api_refuses_bad_input_in_the_usual_shape(world, api_as, params, status, field):
    response = api_as(fresh(world.owner)).get("/api/v1/cash-flow/", params)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["details"]


def test_the_api_refuses_contacts_and_other_organisations(books, api_as):
    assert api_as(fresh(books.contact)).get("/api/v1/cash-flow/").status_code == 403
    theirs = {"client": books.bolt.pk}
    assert api_as(fresh(books.outsider)).get("/api/v1/cash-flow/", theirs).status_code == 404
    other = {"organisation": books.organisation.pk}
    assert api_as(fresh(books.outsider)).get("/api/v1/cash-flow/", other).status_code == 404


# --- The dashboard --------------------------------------------------------------------------------


def test_the_dashboard_lists_the_projects_behind_their_baseline(world):
    late = accepted_project(
        world,
        client=world.client,
        name="Late shop",
        currency="EUR",
        accepted_on=D(2026, 12, 30),
        milestones=[milestone("Design", "1000.00", D(2027, 1, 4), D(2027, 1, 15))],
    )
    accepted_project(
        world,
        client=world.client,
        name="On time",
        currency="EUR",
        accepted_on=D(2026, 12, 30),
        milestones=[milestone("Design", "1000.00", D(2027, 2, 1), D(2027, 2, 12))],
    )
    start(world, late, 1, D(2027, 1, 4))
    today = D(2027, 1, 22)  # a week after Design was due, still in progress
    services.refresh_all(today=today)
    http = Client()
    http.force_login(world.owner)
    with clock.frozen(at(today)):
        html = http.get("/").content.decode()
    section = html[
        html.index('id="slipped-heading"') : html.index(
            "</section>", html.index('id="slipped-heading"')
        )
    ]
    assert "Late shop" in section and "On time" not in section
    assert "forecast end 22 Jan 2027 · 5 working days later than baseline" in section
    assert "agency 14 days · client 0 days" in section


def test_a_slipping_project_with_nothing_overdue_is_not_called_on_schedule(world):
    """Design (4 to 15 Jan) not started on Fri 8 Jan: four working days behind the baseline,
    though nothing is past its due date yet. The overdue card said "Everything is on
    schedule." beside it."""
    accepted_project(
        world,
        client=world.client,
        name="Late start",
        currency="EUR",
        accepted_on=D(2026, 12, 30),
        milestones=[milestone("Design", "1000.00", D(2027, 1, 4), D(2027, 1, 15))],
    )
    today = D(2027, 1, 8)
    services.refresh_all(today=today)
    http = Client()
    http.force_login(world.owner)
    with clock.frozen(at(today)):
        html = http.get("/").content.decode()
    assert "Late start" in html[html.index('id="slipped-heading"') :]
    assert "Everything is on schedule" not in html
    assert "No milestone is past its planned due date." in html
