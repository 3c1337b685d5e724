"""The organisation's cash flow: per currency (never mixed) and per week or month, the invoices
and payments it expects (from the stored forecasts, ``forecast.services``, and the invoices
still open), what it actually invoiced and was paid, and what is overdue now.

Every figure is a SQL sum (``cashflow_sums``): the same six queries for ten projects or two
thousand, each a row per currency and day at most.

- **Expected invoices**: each milestone not invoiced yet, for the gross its invoice would have,
  on the day its billing trigger is expected to fire (``MilestoneForecast.invoice_date``).
- **Expected payments**: those invoices after the payment terms and the client's average
  delay (``MilestoneForecast.payment_date``), and what is outstanding on invoices not yet due,
  on their due date plus the client's average delay.
- **Invoiced**: invoices issued in the bucket, credit notes negative (a voided invoice stays
  where it was issued; its credit note takes it back where that was issued).
- **Paid**: payments received in the bucket (a reversed payment never was).
- **Overdue**: what is outstanding now on invoices past due, in the bucket of their due date;
  ``Series.overdue`` is all of it, whenever it fell due.
"""

from __future__ import annotations

import datetime as dt
import re
from calendar import monthrange
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain
from typing import Any

from django.utils.translation import gettext as _

from milepost.accounts.models import Client, Organisation
from milepost.accounts.permissions import organisations_of
from milepost.core import clock
from milepost.core.errors import FIELDS_INVALID, InvalidInput, NotAllowed, NotFound
from milepost.core.money import normalise
from milepost.plans.models import Project

from . import cashflow_sums as sums

INTERVALS = ("week", "month")
#: The longest range one cash flow covers.
MAX_YEARS = 3
#: The range shown when none is asked for: from the start of this week or month, six months.
DEFAULT_MONTHS = 6
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: The days a range may start and end on (a week or month past them would not be a date).
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
#: In the order the page's table and the CSV show them: each expectation beside what happened.
FIGURES = ("expected_invoices", "invoiced", "expected_payments", "paid", "overdue")
ZEROS = dict.fromkeys(FIGURES, Decimal(0))


@dataclass(frozen=True)
class Bucket:
    """One week (from Monday) or month, ``start`` to ``end`` (both included)."""

    start: dt.date
    end: dt.date
    expected_invoices: Decimal
    expected_payments: Decimal
    invoiced: Decimal
    paid: Decimal
    overdue: Decimal

    def figures(self) -> dict[str, Decimal]:
        return {name: getattr(self, name) for name in FIGURES}


@dataclass(frozen=True)
class Series:
    """One currency's buckets, and everything overdue now (whenever it fell due)."""

    currency: str
    buckets: list[Bucket]
    overdue: Decimal

    @property
    def totals(self) -> Bucket:
        """The buckets added up, over the whole range."""
        sums = {name: sum((getattr(b, name) for b in self.buckets), Decimal(0)) for name in FIGURES}
        return Bucket(
            start=self.buckets[0].start,
            end=self.buckets[-1].end,
            **{name: normalise(value, self.currency) for name, value in sums.items()},
        )


@dataclass(frozen=True)
class CashFlow:
    """The cash flow of ``organisation`` from ``from_`` to ``to`` (the first and last day of the
    buckets), filtered by ``client`` and ``project`` when given, as of ``today``."""

    organisation: Organisation
    from_: dt.date
    to: dt.date
    interval: str
    today: dt.date
    client: Client | None = None
    project: Project | None = None
    series: list[Series] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.series


# --- Who sees it, and what they asked for ---------------------------------------------------------


def cash_flow_organisation(user: Any, organisation_id: int | None = None) -> Organisation:
    """The organisation whose cash flow ``user`` asks for: one they belong to (any role sees
    the invoices). A client contact never sees an organisation's cash flow (403); an
    organisation not theirs is 404; with several, they say which (400)."""
    organisations = organisations_of(user)
    if organisation_id is not None:
        if organisation_id not in organisations:
            raise NotFound(_("Organisation not found."))
        return organisations[organisation_id]
    if not organisations:
        raise NotAllowed(_("Only an agency's members see its cash flow."))
    if len(organisations) > 1:
        message = _("You belong to several organisations: say which one.")
        raise InvalidInput(message, details={"organisation": [message]})
    return next(iter(organisations.values()))


def cash_flow_query(
    organisation: Organisation, data: Mapping[str, Any], *, today: dt.date | None = None
) -> dict[str, Any]:
    """The arguments of :func:`cash_flow` from what was typed or sent (``from``, ``to``,
    ``interval``, ``client``, ``project``; every one may be left out): every malformed value
    at once as a 400 naming the fields; a client or project of another organisation is 404,
    and a project of another client than the chosen one a 400 naming ``project``."""
    today = today or clock.today()
    errors: dict[str, list[str]] = {}
    interval = str(data.get("interval") or "month").strip()
    if interval not in INTERVALS:
        errors["interval"] = [_("Choose week or month.")]
        interval = "month"
    dates = {}
    for name in ("from", "to"):
        raw = str(data.get(name) or "").strip()
        try:
            if raw and not ISO_DATE.fullmatch(raw):
                raise ValueError(raw)
            dates[name] = dt.date.fromisoformat(raw) if raw else None
        except ValueError:
            errors[name] = [_("Enter a date as YYYY-MM-DD.")]
    ids = {}
    for name in ("client", "project"):
        raw = str(data.get(name) or "").strip()
        if raw and not (raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**63):
            errors[name] = [_("Give an id: a whole number.")]
        ids[name] = int(raw) if raw and name not in errors else None
    from_ = dates.get("from") or bucket_start(today, interval)
    to = dates.get("to")
    if to is None and from_ > LATEST:
        to = LATEST  # "from" is refused below; nothing is added to it
    elif to is None:
        to = _add_months(from_, DEFAULT_MONTHS) - dt.timedelta(days=1)
    if "from" not in errors and "to" not in errors:
        errors.update(range_errors(from_, to, interval))
    if errors:
        raise InvalidInput(str(FIELDS_INVALID), details=errors)
    client = _client(organisation, ids["client"])
    project = _project(organisation, ids["project"])
    if client is not None and project is not None and project.client_id != client.pk:
        message = _("This project is not %(client)s's: choose one of theirs, or all.") % {
            "client": client.name
        }
        raise InvalidInput(str(FIELDS_INVALID), details={"project": [message]})
    return {"from_": from_, "to": to, "interval": interval, "client": client, "project": project}


def _client(organisation: Organisation, pk: int | None) -> Client | None:
    if pk is None:
        return None
    client = Client.objects.filter(pk=pk, organisation=organisation).only("pk", "name").first()
    if client is None:
        raise NotFound(_("Client not found."))
    return client


def _project(organisation: Organisation, pk: int | None) -> Project | None:
    if pk is None:
        return None
    project = (
        Project.objects.filter(pk=pk, organisation=organisation)
        .only("pk", "name", "client_id", "currency")
        .first()
    )
    if project is None:
        raise NotFound(_("Project not found."))
    return project


def range_errors(from_: dt.date, to: dt.date, interval: str) -> dict[str, list[str]]:
    """What is wrong with the range: a day before 1900 or after 2999, ``from_`` after ``to``,
    more than ``MAX_YEARS`` apart, an interval other than week or month."""
    errors = {}
    if interval not in INTERVALS:
        errors["interval"] = [_("Choose week or month.")]
    for name, day in (("from", from_), ("to", to)):
        if not EARLIEST <= day <= LATEST:
            errors[name] = [_("Choose a day from 1900 to 2999.")]
    if errors.keys() & {"from", "to"}:
        return errors
    if from_ > to:
        errors["to"] = [_("The end comes before the start: choose a later date.")]
    elif to > _add_months(from_, 12 * MAX_YEARS):
        errors["to"] = [_("Ask for at most %(n)s years at a time.") % {"n": MAX_YEARS}]
    return errors


def check_range(from_: dt.date, to: dt.date, interval: str) -> None:
    """400 unless ``from_`` ≤ ``to``, at most ``MAX_YEARS`` apart, by week or month."""
    errors = range_errors(from_, to, interval)
    if errors:
        raise InvalidInput(str(FIELDS_INVALID), details=errors)


# --- The cash flow ------------------------------------------------------------------------------


def cash_flow(
    organisation: Organisation,
    from_: dt.date,
    to: dt.date,
    interval: str,
    client: Client | None = None,
    project: Project | None = None,
    *,
    today: dt.date | None = None,
) -> CashFlow:
    """The cash flow of ``organisation`` per currency, in buckets of ``interval`` (``week``,
    from Monday, or ``month``) from the one ``from_`` falls in to the one ``to`` falls in."""
    check_range(from_, to, interval)
    today = today or clock.today()
    first, last = bucket_start(from_, interval), bucket_end(to, interval)
    scope = sums.Scope(organisation.pk, first, last, client, project)
    totals: dict[str, dict[dt.date, dict[str, Decimal]]] = defaultdict(
        lambda: defaultdict(lambda: dict.fromkeys(FIGURES, Decimal(0)))
    )
    overdue_now: dict[str, Decimal] = defaultdict(Decimal)
    rows = chain(
        sums.expected(scope),
        sums.not_yet_due(scope, today),
        sums.invoiced(scope),
        sums.paid(scope),
        sums.overdue(scope, today),
    )
    for currency, day, figure, amount in rows:
        if figure == "overdue":
            overdue_now[currency] += amount
            if not first <= day <= last:
                continue
        totals[currency][bucket_start(day, interval)][figure] += amount
    starts = list(_bucket_starts(first, last, interval))
    series = []
    for currency in sorted(set(totals) | set(overdue_now)):
        buckets = [
            Bucket(
                start=start,
                end=bucket_end(start, interval),
                **{
                    name: normalise(value, currency)
                    for name, value in totals[currency]
                    .get(start, dict.fromkeys(FIGURES, 0))
                    .items()
                },
            )
            for start in starts
        ]
        overdue = normalise(overdue_now.get(currency, Decimal(0)), currency)
        if overdue or any(any(b.figures().values()) for b in buckets):
            series.append(Series(currency, buckets, overdue))
    return CashFlow(
        organisation=organisation,
        from_=first,
        to=last,
        interval=interval,
        today=today,
        client=client,
        project=project,
        series=series,
    )


# --- Buckets ------------------------------------------------------------------------------------


def bucket_start(day: dt.date, interval: str) -> dt.date:
    """The Monday of ``day``'s week, or the first of its month."""
    if interval == "week":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def bucket_end(day: dt.date, interval: str) -> dt.date:
    """The Sunday of ``day``'s week, or the last day of its month."""
    if interval == "week":
        return bucket_start(day, interval) + dt.timedelta(days=6)
    return _add_months(day.replace(day=1), 1) - dt.timedelta(days=1)


def _bucket_starts(first: dt.date, last: dt.date, interval: str):
    start = first
    while start <= last:
        yield start
        start = start + dt.timedelta(days=7) if interval == "week" else _add_months(start, 1)


def _add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, monthrange(year, month)[1]))
