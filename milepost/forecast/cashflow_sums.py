"""The six grouped sums behind the cash flow (``forecast.cashflow``): each one query however
many projects there are, each row a day, a currency and an amount.

They group by day, not by week or month: the indexes hand the rows over in date order, so the
database sums without sorting and calls no date function per row; ``cashflow`` places each day
in its bucket (a row per currency and day at most). Amounts are summed as whole thousandths
(the finest minor unit, as ``MONEY`` stores them): exact on SQLite, where decimals are binary
floats, and cheap to read back. The organisation's whole cash flow (no client or project
filter), which the agency reads most, runs SQL compiled once (``core.prepared``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import BigIntegerField, Case, F, QuerySet, Sum, When
from django.db.models.functions import Cast, Coalesce, Round

from milepost.accounts.models import Client
from milepost.billing.models import Invoice, InvoiceKind, InvoiceStatus, Payment
from milepost.core.prepared import Prepared
from milepost.plans.models import Project

from .models import MilestoneForecast

UNPAID = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)
#: (currency, day, figure, amount)
Row = tuple[str, dt.date, str, Decimal]


def thousandths(amount) -> Sum:
    """The sum of ``amount`` in whole thousandths."""
    return Sum(Cast(Round(amount * 1000), BigIntegerField()))


def amount_of(total: int | None) -> Decimal:
    return Decimal(total or 0).scaleb(-3)


@dataclass(frozen=True)
class Scope:
    """Whose money, over which days (the first of the first bucket to the last of the last)."""

    organisation_id: int
    first: dt.date
    last: dt.date
    client: Client | None = None
    project: Project | None = None

    @property
    def whole(self) -> bool:
        return self.client is None and self.project is None

    def of(self, queryset: QuerySet, project: str) -> QuerySet:
        """Only the client's or the project's rows, when asked."""
        if self.client is not None:
            queryset = queryset.filter(**{f"{project}__client_id": self.client.pk})
        if self.project is not None:
            queryset = queryset.filter(**{f"{project}_id": self.project.pk})
        return queryset


class _Sum:
    """One grouped sum: ``build(rows, **values)`` over all of ``model``'s rows (compiled once,
    for the whole organisation) or over a client's or project's (``project`` is the path to
    the project)."""

    def __init__(self, model, build: Callable[..., QuerySet], project: str, **kinds: type):
        self.model, self.build, self.project = model, build, project
        self.prepared = Prepared(lambda **values: build(model.objects.all(), **values), **kinds)

    def __call__(self, scope: Scope, **values: Any) -> list[dict[str, Any]]:
        values["organisation_id"] = scope.organisation_id
        if scope.whole:
            return self.prepared(**values)
        return list(self.build(scope.of(self.model.objects.all(), self.project), **values))


def _expected_on(column: str) -> _Sum:
    def build(rows: QuerySet, organisation_id: int, first: dt.date, last: dt.date) -> QuerySet:
        return (
            rows.filter(organisation_id=organisation_id, **{f"{column}__range": (first, last)})
            .order_by()
            .values(column, "currency")
            .annotate(total=thousandths(F("amount")))
        )

    return _Sum(
        MilestoneForecast, build, "project", organisation_id=int, first=dt.date, last=dt.date
    )


_EXPECTED = {
    "expected_invoices": ("invoice_date", _expected_on("invoice_date")),
    "expected_payments": ("payment_date", _expected_on("payment_date")),
}


def expected(scope: Scope) -> Iterator[Row]:
    """The stored forecasts' expected invoices and payments, by the day they are expected.

    Only active and on-hold projects have stored forecasts (``services.refresh`` removes the
    others' at once, the scheduler any left behind): the projects need no join."""
    for figure, (column, query) in _EXPECTED.items():
        for row in query(scope, first=scope.first, last=scope.last):
            yield row["currency"], row[column], figure, amount_of(row["total"])


_NOT_YET_DUE = _Sum(
    Invoice,
    lambda rows, organisation_id, today, last: (
        rows.filter(
            organisation_id=organisation_id,
            kind=InvoiceKind.INVOICE,
            status__in=UNPAID,
            due_date__gte=today,
            due_date__lte=last,
        )
        .order_by()
        .values("due_date", "currency")
        .annotate(
            delay=Coalesce(F("project__client__forecast__payment_delay"), 0),
            total=thousandths(F("gross") - F("paid") - F("credited")),
        )
    ),
    "project",
    organisation_id=int,
    today=dt.date,
    last=dt.date,
)


def not_yet_due(scope: Scope, today: dt.date) -> Iterator[Row]:
    """What is outstanding on invoices not yet due, expected on their due date plus the
    client's average payment delay."""
    for row in _NOT_YET_DUE(scope, today=today, last=scope.last):
        day = row["due_date"] + dt.timedelta(days=row["delay"])
        if scope.first <= day <= scope.last and row["total"] and row["total"] > 0:
            yield row["currency"], day, "expected_payments", amount_of(row["total"])


_INVOICED = _Sum(
    Invoice,
    lambda rows, organisation_id, first, last: (
        rows.filter(organisation_id=organisation_id, issue_date__range=(first, last))
        .order_by()
        .values("issue_date", "currency")
        .annotate(
            total=thousandths(
                Case(When(kind=InvoiceKind.CREDIT_NOTE, then=-F("gross")), default=F("gross"))
            )
        )
    ),
    "project",
    organisation_id=int,
    first=dt.date,
    last=dt.date,
)


def invoiced(scope: Scope) -> Iterator[Row]:
    """Invoices issued, by their issue date; credit notes negative."""
    for row in _INVOICED(scope, first=scope.first, last=scope.last):
        yield row["currency"], row["issue_date"], "invoiced", amount_of(row["total"])


_PAID = _Sum(
    Payment,
    lambda rows, organisation_id, first, last: (
        rows.filter(
            invoice__organisation_id=organisation_id,
            date__range=(first, last),
            reversal__isnull=True,
        )
        .order_by()
        .values("date", "invoice__currency")
        .annotate(total=thousandths(F("amount")))
    ),
    "invoice__project",
    organisation_id=int,
    first=dt.date,
    last=dt.date,
)


def paid(scope: Scope) -> Iterator[Row]:
    """Payments received, by their date (a reversed payment never was)."""
    for row in _PAID(scope, first=scope.first, last=scope.last):
        yield row["invoice__currency"], row["date"], "paid", amount_of(row["total"])


_OVERDUE = _Sum(
    Invoice,
    lambda rows, organisation_id, today: (
        rows.filter(
            organisation_id=organisation_id,
            kind=InvoiceKind.INVOICE,
            status__in=UNPAID,
            due_date__lt=today,
        )
        .order_by()
        .values("due_date", "currency")
        .annotate(total=thousandths(F("gross") - F("paid") - F("credited")))
    ),
    "project",
    organisation_id=int,
    today=dt.date,
)


def overdue(scope: Scope, today: dt.date) -> Iterator[Row]:
    """What is outstanding on invoices past due, by due date, whenever it fell due (before the
    range too: the series' overdue total counts it)."""
    for row in _OVERDUE(scope, today=today):
        if row["total"] and row["total"] > 0:
            yield row["currency"], row["due_date"], "overdue", amount_of(row["total"])
