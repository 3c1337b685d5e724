"""The calendar feed gains a milestone's forecast due date where it differs from the plan,
named so nobody takes it for the plan's (issue 14)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from milepost.core import clock

from .conftest import START, at, make_flow
from .test_calendar_unsubscribe import events_of, feed_path


def test_a_late_milestone_and_those_after_it_get_their_forecast(world, client):
    flow = make_flow(world)
    with clock.frozen(at(START, 9)):
        flow.activate()
        flow.start(1)
    m1, m2 = flow.m(1), flow.m(2)
    late = dt.date(2027, 1, 20)  # Wed: milestone 1 was due Fri 15 Jan, still in progress
    with clock.frozen(at(late, 9)):
        events = events_of(client, feed_path(flow.approver))
    assert events[f"milestone-{m1.pk}-forecast@milepost"] == (
        late,
        f"Forecast: {m1.title} due (plan: 15 Jan)",
    )
    assert events[f"milestone-{m1.pk}-due@milepost"][0] == m1.planned_due  # the plan stays
    # Milestone 2 keeps its 15 working days from Thu 21 Jan: due Wed 10 Feb, not Fri 5 Feb.
    assert events[f"milestone-{m2.pk}-forecast@milepost"] == (
        dt.date(2027, 2, 10),
        f"Forecast: {m2.title} due (plan: 5 Feb)",
    )


def test_an_on_time_plan_has_no_forecast_events(world, client):
    flow = make_flow(world)
    with clock.frozen(at(START, 9)):
        flow.activate()
        flow.start(1)
        events = events_of(client, feed_path(flow.owner))
    assert not [uid for uid in events if "-forecast@" in uid]


def test_a_proposed_plan_has_no_forecast(world, client):
    flow = make_flow(world)
    flow.propose()
    with clock.frozen(at(dt.date(2027, 3, 1), 9)):  # every planned date is past
        events = events_of(client, feed_path(flow.owner))
    assert events and not [uid for uid in events if "-forecast@" in uid]


def test_the_feed_reads_the_same_queries_for_more_projects(world):
    def count(flows: int) -> int:
        for _ in range(flows):
            flow = make_flow(world)
            with clock.frozen(at(START, 9)):
                flow.activate()
                flow.start(1)
        http = Client()
        path = feed_path(world.owner)
        http.get(path)
        with clock.frozen(at(dt.date(2027, 1, 20), 9)), CaptureQueriesContext(connection) as q:
            assert http.get(path).status_code == 200
        return len(q)

    assert count(1) == count(3)
