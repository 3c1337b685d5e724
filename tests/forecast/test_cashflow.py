"""The organisation's cash flow, worked out from a fixed clock: two currencies, a client who
pays five days late on average, an invoice overdue and one not yet due; bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from milepost.billing.models import Payment
from milepost.billing.services import payment_reverse
from milepost.core.errors import InvalidInput, NotAllowed, NotFound
from milepost.forecast import services
from milepost.forecast.cashflow import (
    cash_flow,
    cash_flow_organisation,
    cash_flow_query,
)
from milepost.forecast.models import ClientForecast, MilestoneForecast

from ..factories import ClientFactory
from ..reviews.conftest import fresh
from .conftest import TODAY
from .helpers import m

D = dt.date


def figures(series, start):
    """The bucket of ``series`` starting on ``start``, as strings."""
    [bucket] = [b for b in series.buckets if b.start == start]
    return {name: str(value) for name, value in bucket.figures().items()}


def test_the_stored_forecasts_of_the_worked_example(books):
    assert ClientForecast.objects.get(client=books.bolt).payment_delay == 5
    assert ClientForecast.objects.get(client=books.client).payment_delay == 0
    design = MilestoneForecast.objects.get(milestone=m(books.shop, 1))
    # Billed on start: invoiced the day it is expected to start, paid 14 days later.
    assert (design.invoice_date, design.amount, design.payment_date) == (
        D(2027, 1, 4),
        Decimal("1190.00"),
        D(2027, 1, 18),
    )
    build = MilestoneForecast.objects.get(milestone=m(books.shop, 2))
    assert (build.start, build.end, build.invoice_date, build.payment_date) == (
        D(2027, 1, 18),
        D(2027, 2, 12),
        D(2027, 2, 12),
        D(2027, 2, 26),
    )
    launch = MilestoneForecast.objects.get(milestone=m(books.app, 3))
    # Bolt pays five days late: 29 Jan + 14 days + 5.
    assert (launch.invoice_date, launch.amount, launch.currency, launch.payment_date) == (
        D(2027, 1, 29),
        Decimal("2380.00"),
        "GBP",
        D(2027, 2, 17),
    )
    # Invoiced milestones expect nothing more; the completed audit has no forecast at all.
    sketch = MilestoneForecast.objects.get(milestone=m(books.app, 1))
    assert sketch.invoice_date is None and sketch.amount is None
    assert not MilestoneForecast.objects.filter(project=books.audit).exists()


def test_a_cash_flow_by_month_in_two_currencies(books):
    flow = cash_flow(books.organisation, D(2026, 11, 1), D(2027, 2, 28), "month", today=TODAY)
    assert [s.currency for s in flow.series] == ["EUR", "GBP"]
    eur, gbp = flow.series
    zero = dict.fromkeys(
        ["expected_invoices", "expected_payments", "invoiced", "paid", "overdue"], "0.00"
    )
    assert figures(eur, D(2026, 11, 1)) == zero
    # Both audit invoices were issued in December; the first is overdue now.
    assert figures(eur, D(2026, 12, 1)) == {**zero, "invoiced": "357.00", "overdue": "119.00"}
    # Design is invoiced and paid in January; the audit's second invoice is expected on its
    # due date (Acme has never paid late).
    assert figures(eur, D(2027, 1, 1)) == {
        **zero,
        "expected_invoices": "1190.00",
        "expected_payments": "1428.00",
    }
    assert figures(eur, D(2027, 2, 1)) == {
        **zero,
        "expected_invoices": "3570.00",
        "expected_payments": "3570.00",
    }
    assert eur.overdue == Decimal("119.00")
    assert figures(gbp, D(2026, 11, 1)) == {**zero, "invoiced": "1190.00", "paid": "595.00"}
    assert figures(gbp, D(2026, 12, 1)) == {**zero, "paid": "595.00"}
    assert figures(gbp, D(2027, 1, 1)) == {**zero, "expected_invoices": "2380.00"}
    assert figures(gbp, D(2027, 2, 1)) == {**zero, "expected_payments": "2380.00"}
    assert gbp.overdue == Decimal("0.00")
    assert str(gbp.totals.paid) == "1190.00" and str(eur.totals.expected_payments) == "4998.00"


def test_weeks_start_on_monday_and_the_range_covers_whole_buckets(books):
    flow = cash_flow(books.organisation, D(2027, 2, 10), D(2027, 2, 20), "week", today=TODAY)
    assert (flow.from_, flow.to) == (D(2027, 2, 8), D(2027, 2, 21))
    eur, gbp = flow.series
    assert [b.start for b in gbp.buckets] == [D(2027, 2, 8), D(2027, 2, 15)]
    assert str(gbp.buckets[1].expected_payments) == "2380.00"  # Wednesday 17 February
    assert str(eur.buckets[0].expected_invoices) == "3570.00"  # Friday 12 February
    # Overdue now is shown whatever the range.
    assert eur.overdue == Decimal("119.00")


def test_filters_by_client_and_project(books):
    by_client = cash_flow(
        books.organisation, D(2026, 11, 1), D(2027, 2, 28), "month", client=books.bolt, today=TODAY
    )
    assert [s.currency for s in by_client.series] == ["GBP"]
    by_project = cash_flow(
        books.organisation,
        D(2026, 11, 1),
        D(2027, 2, 28),
        "month",
        project=books.audit,
        today=TODAY,
    )
    [eur] = by_project.series
    assert str(eur.totals.invoiced) == "357.00"
    assert str(eur.totals.expected_payments) == "238.00"
    assert str(eur.totals.expected_invoices) == "0.00"


def test_a_reversed_payment_was_never_paid_and_the_delay_follows(books):
    payment = Payment.objects.get(invoice__milestone=m(books.app, 2))
    payment_reverse(payment=payment, reason="Booked twice", actor=fresh(books.owner))
    services.refresh(books.app, today=TODAY)
    # Only the first invoice is paid now: three days late.
    assert ClientForecast.objects.get(client=books.bolt).payment_delay == 3
    flow = cash_flow(books.organisation, D(2026, 12, 1), D(2026, 12, 31), "month", today=TODAY)
    gbp = next(s for s in flow.series if s.currency == "GBP")
    assert str(gbp.buckets[0].paid) == "0.00"
    assert str(gbp.overdue) == "595.00"  # due 11 December, unpaid again


def test_an_organisation_with_nothing_has_an_empty_cash_flow(world):
    flow = cash_flow(world.other_organisation, D(2027, 1, 1), D(2027, 6, 30), "month")
    assert flow.empty


# --- What was asked for -------------------------------------------------------------------------


def test_defaults_are_this_month_and_six_more(world):
    query = cash_flow_query(world.organisation, {}, today=D(2027, 1, 20))
    assert query == {
        "from_": D(2027, 1, 1),
        "to": D(2027, 6, 30),
        "interval": "month",
        "client": None,
        "project": None,
    }
    weekly = cash_flow_query(world.organisation, {"interval": "week"}, today=D(2027, 1, 20))
    assert (weekly["from_"], weekly["to"]) == (D(2027, 1, 18), D(2027, 7, 17))


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"from": "2027-13-01"}, {"from"}),
        ({"to": "tomorrow", "interval": "day"}, {"to", "interval"}),
        ({"client": "abc", "project": "-1"}, {"client", "project"}),
        ({"from": "2027\x00-01-01"}, {"from"}),
        ({"from": "20270101", "to": "2027-W01-1"}, {"from", "to"}),
        # Days whose week or month would fall off the calendar.
        ({"from": "9999-12-01"}, {"from"}),
        ({"from": "0001-01-01", "to": "9999-12-31", "interval": "week"}, {"from", "to"}),
        # Every problem at once: the range, and the interval.
        ({"from": "2027-05-01", "to": "2027-01-01", "interval": "day"}, {"to", "interval"}),
    ],
)
def test_malformed_input_names_every_field(world, data, fields):
    with pytest.raises(InvalidInput) as refused:
        cash_flow_query(world.organisation, data)
    assert set(refused.value.details) == fields
    assert refused.value.status == 400


@pytest.mark.parametrize(
    ("from_", "to", "interval", "field", "says"),
    [
        (D(2027, 3, 1), D(2027, 2, 1), "month", "to", "before the start"),
        (D(2027, 1, 1), D(2030, 1, 2), "week", "to", "at most 3 years"),
        (D(2027, 1, 1), D(2027, 2, 1), "year", "interval", "week or month"),
    ],
)
def test_a_range_backwards_too_long_or_by_an_unknown_interval_is_refused(
    world, from_, to, interval, field, says
):
    with pytest.raises(InvalidInput) as refused:
        cash_flow(world.organisation, from_, to, interval)
    assert says in refused.value.details[field][0]


def test_three_years_exactly_is_allowed(world):
    flow = cash_flow(world.organisation, D(2027, 1, 1), D(2030, 1, 1), "month")
    assert flow.to == D(2030, 1, 31)


def test_a_client_or_project_of_another_organisation_is_not_found(world):
    theirs = ClientFactory(organisation=world.other_organisation)
    with pytest.raises(NotFound):
        cash_flow_query(world.organisation, {"client": str(theirs.pk)})
    with pytest.raises(NotFound):
        cash_flow_query(world.organisation, {"project": "999999"})


def test_only_agency_members_see_a_cash_flow(world):
    assert cash_flow_organisation(fresh(world.member)) == world.organisation
    with pytest.raises(NotAllowed):
        cash_flow_organisation(fresh(world.contact))
    with pytest.raises(NotFound):
        cash_flow_organisation(fresh(world.owner), world.other_organisation.pk)


def test_a_project_of_another_client_than_the_chosen_one_is_refused(books):
    """Client Acme with Bolt's project answered an empty cash flow, as if nothing were
    expected, and said nothing of the mismatch."""
    with pytest.raises(InvalidInput) as refused:
        cash_flow_query(
            books.organisation, {"client": str(books.client.pk), "project": str(books.app.pk)}
        )
    assert list(refused.value.details) == ["project"]
    assert books.client.name in refused.value.details["project"][0]
    # The project of the chosen client is taken.
    query = cash_flow_query(
        books.organisation, {"client": str(books.client.pk), "project": str(books.audit.pk)}
    )
    assert (query["client"].pk, query["project"].pk) == (books.client.pk, books.audit.pk)
