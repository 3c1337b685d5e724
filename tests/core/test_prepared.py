"""Prepared queries: compiled once, they answer exactly what the queryset would, for any values."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db.models import Count
from django.db.models.functions import TruncDate

from milepost.accounts.models import User
from milepost.core.prepared import Prepared

from ..factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

DAY = dt.datetime(2027, 3, 10, 9, 30, tzinfo=dt.UTC)


def _joined(since: dt.datetime, after_pk: int, on_or_after: dt.date):
    return (
        User.objects.filter(date_joined__gte=since, pk__gt=after_pk)
        .annotate(day=TruncDate("date_joined"))
        .filter(day__gte=on_or_after)
        .values("pk", "email", "date_joined", "day")
        .order_by("pk")
    )


JOINED = Prepared(_joined, since=dt.datetime, after_pk=int, on_or_after=dt.date)


@pytest.fixture
def people():
    return [
        UserFactory(email=f"p{i}@example.com", date_joined=DAY + dt.timedelta(days=i))
        for i in range(4)
    ]


@pytest.mark.parametrize(
    "since, after, on_or_after",
    [
        (DAY, 0, dt.date(2027, 3, 1)),
        (DAY + dt.timedelta(days=1, hours=1), 0, dt.date(2027, 3, 1)),
        (DAY, 0, dt.date(2027, 3, 12)),
        (DAY - dt.timedelta(days=30), 10**9, dt.date(2027, 1, 1)),
    ],
)
def test_the_rows_are_the_querysets_for_every_value(people, since, after, on_or_after):
    values = {"since": since, "after_pk": after, "on_or_after": on_or_after}
    expected = list(_joined(**values))
    assert JOINED(**values) == expected
    # Dates and times come back as Python values (the database's converters ran).
    if expected:
        assert isinstance(expected[0]["date_joined"], dt.datetime)
        assert isinstance(expected[0]["day"], dt.date)


def test_one_compilation_serves_every_value_and_a_shape_gets_its_own(people):
    top = Prepared(
        lambda after_pk, limit: (
            User.objects.filter(pk__gt=after_pk).values("email").order_by("pk")[:limit]
        ),
        after_pk=int,
    )
    first = people[0].pk
    assert [r["email"] for r in top(after_pk=first, limit=2)] == [
        "p1@example.com",
        "p2@example.com",
    ]
    assert [r["email"] for r in top(after_pk=first + 2, limit=2)] == ["p3@example.com"]
    assert len(top._local.__dict__) == 1
    assert len(top(after_pk=0, limit=3)) == 3
    assert len(top._local.__dict__) == 2


def test_each_thread_compiles_for_its_own_connection(people):
    answers = []

    def run():
        answers.append(JOINED(since=DAY, after_pk=0, on_or_after=dt.date(2027, 3, 11)))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert [r["email"] for r in answers[0]] == [
        "p1@example.com",
        "p2@example.com",
        "p3@example.com",
    ]


def test_a_value_derived_from_a_parameter_is_refused():
    month = Prepared(
        lambda today: User.objects.filter(date_joined__date__gte=today.replace(day=1)).values("pk"),
        today=dt.date,
    )
    with pytest.raises(ValueError, match="derived from a stand-in"):
        month(today=dt.date(2027, 3, 10))


def test_a_parameter_the_sql_does_not_use_is_refused():
    unused = Prepared(lambda after_pk: User.objects.values("pk"), after_pk=int)
    with pytest.raises(ValueError, match="do not reach the SQL"):
        unused(after_pk=1)


def test_only_values_querysets_and_known_types():
    with pytest.raises(TypeError, match="values"):
        Prepared(lambda after_pk: User.objects.filter(pk__gt=after_pk), after_pk=int)(after_pk=1)
    with pytest.raises(TypeError, match="int, date or datetime"):
        Prepared(lambda name: User.objects.values("pk"), name=str)
    with pytest.raises(TypeError, match="missing"):
        JOINED(since=DAY, after_pk=0)


def test_aggregates_over_groups(people):
    by_day = Prepared(
        lambda since: (
            User.objects.filter(date_joined__gte=since)
            .annotate(day=TruncDate("date_joined"))
            .order_by()
            .values("day")
            .annotate(n=Count("pk"))
            .order_by("day")
        ),
        since=dt.datetime,
    )
    rows = by_day(since=DAY + dt.timedelta(days=2))
    assert rows == [{"day": dt.date(2027, 3, 12), "n": 1}, {"day": dt.date(2027, 3, 13), "n": 1}]
