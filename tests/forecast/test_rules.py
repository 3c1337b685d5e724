"""The forecast and the split of days between the sides are pure: their properties, checked
with Hypothesis, and a few worked examples."""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from milepost.forecast.rules import (
    Change,
    Hands,
    Stage,
    Wait,
    forecast,
    hands,
    project_slip,
    working_days_in,
)
from milepost.plans.changes import working_days_between
from milepost.plans.rules import is_working_day, schedule

HOLIDAYS = frozenset({dt.date(2027, 1, 1), dt.date(2027, 4, 2), dt.date(2027, 4, 5)})
MONDAY = dt.date(2027, 3, 1)
STATUSES = ["planned", "awaiting_prepayment", "in_progress", "in_review", "changes_requested"]

days = st.integers(min_value=0, max_value=120).map(lambda n: MONDAY + dt.timedelta(days=n))


@st.composite
def stages(draw):
    n = draw(st.integers(min_value=1, max_value=6))
    result, day = [], draw(days)
    approved_so_far = True
    for i in range(n):
        length = draw(st.integers(min_value=0, max_value=20))
        start = day + dt.timedelta(days=draw(st.integers(min_value=0, max_value=5)))
        due = start + dt.timedelta(days=length)
        status = draw(st.sampled_from(STATUSES + (["approved"] if approved_so_far else [])))
        approved_so_far = status == "approved"
        started = approved = auto = None
        if status not in ("planned", "awaiting_prepayment"):
            started = start + dt.timedelta(days=draw(st.integers(min_value=0, max_value=10)))
        if status == "approved":
            approved = started + dt.timedelta(days=draw(st.integers(min_value=0, max_value=30)))
        if status == "in_review" and draw(st.booleans()):
            auto = started + dt.timedelta(days=draw(st.integers(min_value=0, max_value=30)))
        baseline = draw(st.one_of(st.none(), st.just(due)))
        result.append(Stage(i + 1, status, start, due, None, baseline, started, approved, auto))
        day = due + dt.timedelta(days=1)
    return result


@settings(max_examples=300, deadline=None)
@given(stages(), days, st.booleans())
def test_forecast_dates_are_working_days_and_never_end_before_they_start(plan, today, gating):
    for stage, f in zip(
        plan, forecast(plan, today=today, gating=gating, holidays=HOLIDAYS), strict=True
    ):
        assert f.end >= f.start
        if not f.done:
            assert is_working_day(f.end, HOLIDAYS)
            if stage.started is None:
                assert is_working_day(f.start, HOLIDAYS)
                assert f.start >= today and f.start >= stage.planned_start


@settings(max_examples=300, deadline=None)
@given(stages(), days)
def test_with_gating_the_forecast_keeps_the_plan_order(plan, today):
    found = forecast(plan, today=today, gating=True, holidays=HOLIDAYS)
    for before, (stage, after) in zip(found, zip(plan[1:], found[1:], strict=True), strict=False):
        if stage.started is None:
            assert after.start > before.end


@settings(max_examples=300, deadline=None)
@given(stages(), days, st.booleans())
def test_a_milestone_not_started_keeps_its_planned_length(plan, today, gating):
    for stage, f in zip(
        plan, forecast(plan, today=today, gating=gating, holidays=HOLIDAYS), strict=True
    ):
        if stage.started is None:
            planned = working_days_in(stage.planned_start, stage.planned_due, HOLIDAYS)
            assert working_days_in(f.start, f.end, HOLIDAYS) == planned


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=6), st.lists(st.integers(1, 15), min_size=1, max_size=6))
def test_an_on_time_project_has_no_slippage(lead, lengths):
    """Planned back to back on working days, nothing started, today before the start."""
    start = MONDAY + dt.timedelta(days=7 * lead)
    spans = schedule(start, lengths, HOLIDAYS)
    plan = [
        Stage(i + 1, "planned", first, last, first, last) for i, (first, last) in enumerate(spans)
    ]
    found = forecast(plan, today=MONDAY, gating=True, holidays=HOLIDAYS)
    assert [(f.start, f.end) for f in found] == spans
    assert {f.slip_plan for f in found} == {0} and {f.slip_baseline for f in found} == {0}
    assert project_slip(found) == (0, 0)


changes_ = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=60),
        st.sampled_from(["in_progress", "in_review", "changes_requested", "awaiting_prepayment"]),
    ),
    min_size=1,
    max_size=8,
)
waits_ = st.lists(
    st.tuples(st.integers(0, 60), st.one_of(st.none(), st.integers(0, 30))), max_size=3
)


@settings(max_examples=400, deadline=None)
@given(changes_, waits_, st.one_of(st.none(), st.integers(0, 40)), st.integers(0, 90))
def test_the_days_in_each_sides_hands_add_up_to_the_elapsed_working_days(
    steps, waits, approved_after, today_after
):
    events = [Change(MONDAY + dt.timedelta(days=d), status) for d, status in steps]
    first = min(e.day for e in events)
    if approved_after is not None:
        events.append(
            Change(max(e.day for e in events) + dt.timedelta(days=approved_after), "approved")
        )
    today = MONDAY + dt.timedelta(days=today_after)
    held = hands(
        events,
        [
            Wait(
                MONDAY + dt.timedelta(days=s),
                None if e is None else MONDAY + dt.timedelta(days=s + e),
            )
            for s, e in waits
        ],
        today=today,
        holidays=HOLIDAYS,
    )
    end = next(
        (e.day for e in sorted(events, key=lambda e: e.day) if e.status == "approved"),
        max(today, max(e.day for e in events)),
    )
    assert held.agency >= 0 and held.client >= 0
    assert held.total == working_days_between(first, end, HOLIDAYS)


# --- Worked examples ---------------------------------------------------------------------------


def test_a_review_the_client_sat_on_is_the_clients_days():
    # Started Mon 1 Mar, delivered Fri 5 Mar, approved Fri 19 Mar: 4 days agency, 10 client.
    held = hands(
        [
            Change(dt.date(2027, 3, 1), "in_progress"),
            Change(dt.date(2027, 3, 5), "in_review"),
            Change(dt.date(2027, 3, 19), "approved"),
        ],
        [],
        today=dt.date(2027, 4, 30),
        holidays=HOLIDAYS,
    )
    assert held == Hands(agency=4, client=10)


def test_a_change_order_waiting_for_the_client_is_the_clients_days_even_while_in_progress():
    held = hands(
        [Change(dt.date(2027, 3, 1), "in_progress")],
        [Wait(dt.date(2027, 3, 3), dt.date(2027, 3, 10))],
        today=dt.date(2027, 3, 15),
        holidays=HOLIDAYS,
    )
    # 1 Mar → 3 Mar: 2 agency; 3 → 10 Mar: 5 client; 10 → 15 Mar: 3 agency.
    assert held == Hands(agency=5, client=5)


def test_an_agency_late_delivery_slips_the_milestones_after_it():
    plan = [
        Stage(
            1,
            "in_progress",
            dt.date(2027, 3, 1),
            dt.date(2027, 3, 12),
            dt.date(2027, 3, 1),
            dt.date(2027, 3, 12),
            started=dt.date(2027, 3, 1),
        ),
        Stage(
            2,
            "planned",
            dt.date(2027, 3, 15),
            dt.date(2027, 3, 19),
            dt.date(2027, 3, 15),
            dt.date(2027, 3, 19),
        ),
    ]
    # Today is Wed 17 Mar: the first is still in progress, three working days late.
    first, second = forecast(plan, today=dt.date(2027, 3, 17), gating=True, holidays=HOLIDAYS)
    assert (first.end, first.slip_plan) == (dt.date(2027, 3, 17), 3)
    # The second keeps its five working days, from Thu 18 Mar: ends Wed 24 Mar.
    assert (second.start, second.end, second.slip_baseline) == (
        dt.date(2027, 3, 18),
        dt.date(2027, 3, 24),
        3,
    )


def test_a_review_ends_no_later_than_its_automatic_approval():
    stage = Stage(
        1,
        "in_review",
        dt.date(2027, 3, 1),
        dt.date(2027, 3, 31),
        None,
        dt.date(2027, 3, 31),
        started=dt.date(2027, 3, 1),
        auto_approves=dt.date(2027, 3, 20),
    )
    (found,) = forecast([stage], today=dt.date(2027, 3, 10), gating=True, holidays=HOLIDAYS)
    # Sat 20 Mar → Mon 22 Mar: seven working days before the plan (and the baseline).
    assert (found.end, found.slip_plan, found.slip_baseline) == (dt.date(2027, 3, 22), -7, -7)


def test_a_milestone_started_late_keeps_its_planned_length():
    """Planned Mon 1 to Fri 12 Mar (ten working days) and started on Fri 5 Mar, five working
    days late: starting it must not make the project look on time (it did: the forecast was the
    planned due date as soon as work began)."""
    stage = Stage(
        1,
        "in_progress",
        dt.date(2027, 3, 1),
        dt.date(2027, 3, 12),
        dt.date(2027, 3, 1),
        dt.date(2027, 3, 12),
        started=dt.date(2027, 3, 5),
    )
    (found,) = forecast([stage], today=dt.date(2027, 3, 5), gating=True, holidays=HOLIDAYS)
    # Ten working days from Fri 5 Mar: Thu 18 Mar, four working days late.
    assert (found.start, found.end, found.slip_plan) == (
        dt.date(2027, 3, 5),
        dt.date(2027, 3, 18),
        4,
    )
    # Started on time, it ends on plan; later than its length, it ends no earlier than today.
    on_time = dataclasses.replace(stage, started=dt.date(2027, 3, 1))
    (found,) = forecast([on_time], today=dt.date(2027, 3, 5), gating=True, holidays=HOLIDAYS)
    assert found.end == dt.date(2027, 3, 12)
    (found,) = forecast([stage], today=dt.date(2027, 3, 24), gating=True, holidays=HOLIDAYS)
    assert found.end == dt.date(2027, 3, 24)
