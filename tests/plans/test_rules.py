"""Plan rules without a database: validation of a whole plan, and working-day scheduling."""

import datetime as dt
import itertools
from decimal import Decimal

import holidays as holidays_lib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from milepost.plans.rules import (
    MilestoneSpec,
    Problem,
    add_working_days,
    allocation_message,
    is_working_day,
    next_working_day,
    schedule,
    validate_plan,
)

D = dt.date
START = D(2026, 3, 2)  # a Monday


def ms(position, title="Design", budget="5000.00", start=None, due=None):
    start = start or START + dt.timedelta(days=14 * (position - 1))
    due = due or start + dt.timedelta(days=9)
    return MilestoneSpec(position, title, None if budget is None else Decimal(budget), start, due)


def validate(milestones, total="10000.00", currency="EUR", gating=True, project_start=START):
    return validate_plan(
        currency=currency,
        total=None if total is None else Decimal(total),
        milestones=milestones,
        sequential_gating=gating,
        project_start=project_start,
    )


def codes(problems):
    return {p.code for p in problems}


# --- validate_plan --------------------------------------------------------------------------------


def test_a_valid_plan_has_no_problems():
    assert validate([ms(1), ms(2)]) == []


def test_a_milestone_may_start_on_the_day_the_previous_one_is_due():
    first = ms(1, start=D(2026, 3, 2), due=D(2026, 3, 6))
    second = ms(2, start=D(2026, 3, 6), due=D(2026, 3, 13))
    assert validate([first, second]) == []


def test_every_problem_is_reported_at_once():
    plan = [
        ms(1, title="", budget="6000.00"),
        ms(2, budget="0", start=D(2026, 3, 20), due=D(2026, 3, 10)),
        ms(3, budget="4000.00", start=D(2026, 3, 5), due=D(2026, 3, 31)),  # before 2 is due
    ]
    problems = validate(plan)
    assert {"title_required", "budget_not_positive", "dates_inverted", "dates_overlap"} <= codes(
        problems
    )
    by_code = {p.code: p for p in problems}
    assert by_code["title_required"].position == 1
    assert by_code["title_required"].field == "title"
    assert by_code["budget_not_positive"].position == 2
    assert by_code["dates_inverted"].position == 2
    assert by_code["dates_overlap"].position == 3
    assert "milestone 2" in by_code["dates_overlap"].message


def test_a_zero_total_and_milestone_problems_are_reported_together():
    problems = validate([ms(1, title="  "), ms(2, start=D(2026, 3, 1))], total="0")
    assert codes(problems) == {
        "total_not_positive",
        "title_required",
        "starts_before_project",
        "dates_overlap",
    }


def test_problems_are_plain_data():
    [problem] = validate([ms(1, title="")], total="5000.00")
    assert isinstance(problem, Problem)
    assert problem.as_dict() == {
        "code": "title_required",
        "message": "Milestone 1 needs a title.",
        "position": 1,
        "field": "title",
    }


def test_unallocated_budget_says_how_much_is_missing():
    [problem] = validate([ms(1, budget="4500.00"), ms(2, budget="5000.00")])
    assert problem.code == "budget_unallocated"
    assert "€500.00 not yet allocated" in problem.message
    assert problem.field == "budget"


def test_over_allocated_budget_says_by_how_much():
    [problem] = validate([ms(1, budget="6000.00"), ms(2, budget="4200.00")])
    assert problem.code == "budget_over"
    assert "over by €200.00" in problem.message


def test_allocation_message():
    assert (
        allocation_message(Decimal("10000"), Decimal("9500"), "EUR") == "€500.00 not yet allocated"
    )
    assert allocation_message(Decimal("100"), Decimal("150"), "EUR") == "over by €50.00"
    assert allocation_message(Decimal("100"), Decimal("100"), "EUR") == "fully allocated"


def test_allocation_is_not_judged_while_a_budget_is_missing_or_invalid():
    problems = validate([ms(1, budget=None), ms(2, budget="0.005")])
    assert codes(problems) == {"budget_not_positive", "budget_precision"}


def test_budget_precision_follows_the_currency():
    assert codes(validate([ms(1, budget="10000.5")], total="10000.5", currency="JPY")) == {
        "budget_precision"
    }
    assert validate([ms(1, budget="10000.005")], total="10000.005", currency="BHD") == []


def test_without_sequential_gating_overlapping_milestones_are_fine():
    plan = [
        ms(1, start=D(2026, 3, 2), due=D(2026, 3, 31)),
        ms(2, start=D(2026, 3, 2), due=D(2026, 3, 20)),
    ]
    assert codes(validate(plan, gating=True)) == {"dates_overlap"}
    assert validate(plan, gating=False) == []


def test_milestones_are_judged_in_position_order():
    late = ms(2, start=D(2026, 3, 16), due=D(2026, 3, 20))
    early = ms(1, start=D(2026, 3, 2), due=D(2026, 3, 13))
    assert validate([late, early]) == []


def test_no_milestones_and_unknown_currency():
    assert codes(validate([])) == {"no_milestones"}
    assert codes(validate([], total=None)) == {"total_not_positive", "no_milestones"}
    assert codes(validate([ms(1)], currency="XYZ")) == {"currency_invalid"}


def test_missing_dates_are_reported():
    spec = MilestoneSpec(1, "Build", Decimal("10000.00"), None, D(2026, 3, 6))
    assert codes(validate([spec])) == {"dates_missing"}


# --- validate_plan: property ----------------------------------------------------------------------

titles = st.one_of(st.just(""), st.just("   "), st.text(max_size=12))
budgets = st.one_of(
    st.none(),
    st.decimals(
        min_value=-(10**6), max_value=10**8, places=3, allow_nan=False, allow_infinity=False
    ),
    st.decimals(min_value=-100, max_value=10**6, places=0),
    st.decimals(
        min_value=Decimal("-1"), max_value=Decimal("1"), places=6, allow_nan=False
    ),  # too many decimals
)
dates = st.one_of(st.none(), st.dates(min_value=D(2025, 1, 1), max_value=D(2027, 12, 31)))


@st.composite
def plans(draw):
    n = draw(st.integers(min_value=0, max_value=8))
    milestones = [
        MilestoneSpec(i, draw(titles), draw(budgets), draw(dates), draw(dates))
        for i in range(1, n + 1)
    ]
    milestones = draw(st.permutations(milestones))
    return {
        "currency": draw(st.sampled_from(["EUR", "JPY", "BHD"])),
        "total": draw(budgets),
        "milestones": milestones,
        "sequential_gating": draw(st.booleans()),
        "project_start": draw(dates),
    }


def expected_valid(plan) -> bool:
    """An independent statement of 'the plan is valid' (PRODUCT.md)."""
    digits = {"EUR": 2, "JPY": 0, "BHD": 3}[plan["currency"]]
    total = plan["total"]
    milestones = sorted(plan["milestones"], key=lambda m: m.position)
    if total is None or total <= 0 or not milestones:
        return False
    for m in milestones:
        if not m.title.strip():
            return False
        if m.budget is None or m.budget <= 0 or m.budget != round(m.budget, digits):
            return False
        if m.planned_start is None or m.planned_due is None or m.planned_start > m.planned_due:
            return False
        if plan["project_start"] and m.planned_start < plan["project_start"]:
            return False
    if plan["sequential_gating"]:
        for prev, m in itertools.pairwise(milestones):
            if m.planned_start < prev.planned_due:
                return False
    return sum(m.budget for m in milestones) == total


@settings(max_examples=300, deadline=None)
@given(plan=plans())
def test_validate_plan_never_raises_and_names_every_untitled_milestone(plan):
    problems = validate_plan(**plan)

    assert isinstance(problems, list)
    assert all(isinstance(p, Problem) and p.message for p in problems)
    untitled = {m.position for m in plan["milestones"] if not m.title.strip()}
    titled_problems = {p.position for p in problems if p.code == "title_required"}
    assert titled_problems == untitled
    assert (problems == []) == expected_valid(plan)


@st.composite
def valid_plans(draw):
    """A valid plan: budgets split the total, milestones scheduled back to back."""
    currency = draw(st.sampled_from(["EUR", "JPY", "BHD"]))
    digits = {"EUR": 2, "JPY": 0, "BHD": 3}[currency]
    units = draw(st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=8))
    durations = draw(st.lists(st.integers(1, 20), min_size=len(units), max_size=len(units)))
    start = draw(st.dates(min_value=D(2026, 1, 1), max_value=D(2026, 12, 31)))
    spans = schedule(start, durations, set())
    milestones = [
        MilestoneSpec(i, f"Stage {i}", Decimal(u).scaleb(-digits), first, last)
        for i, (u, (first, last)) in enumerate(zip(units, spans, strict=True), start=1)
    ]
    return {
        "currency": currency,
        "total": Decimal(sum(units)).scaleb(-digits),
        "milestones": milestones,
        "sequential_gating": True,
        "project_start": start,
    }


@settings(max_examples=200, deadline=None)
@given(plan=valid_plans(), data=st.data())
def test_a_valid_plan_passes_and_one_broken_rule_is_named(plan, data):
    assert validate_plan(**plan) == []

    milestones = list(plan["milestones"])
    i = data.draw(st.integers(0, len(milestones) - 1))
    m = milestones[i]
    breakage = data.draw(st.sampled_from(["title", "budget", "dates", "total"]))
    if breakage == "title":
        milestones[i] = MilestoneSpec(m.position, " ", m.budget, m.planned_start, m.planned_due)
        expected = {"title_required"}
    elif breakage == "budget":
        milestones[i] = MilestoneSpec(
            m.position, m.title, Decimal(0), m.planned_start, m.planned_due
        )
        expected = {"budget_not_positive"}
    elif breakage == "dates":
        milestones[i] = MilestoneSpec(
            m.position, m.title, m.budget, m.planned_due + dt.timedelta(days=1), m.planned_due
        )
        expected = {"dates_inverted"}  # a later start never overlaps the previous due
    else:
        plan["total"] += 1
        expected = {"budget_unallocated"}
    plan["milestones"] = milestones
    assert codes(validate_plan(**plan)) == expected


# --- working days and scheduling ------------------------------------------------------------------


def test_is_working_day_and_next_working_day():
    assert is_working_day(D(2026, 3, 6), set())  # Friday
    assert not is_working_day(D(2026, 3, 7), set())  # Saturday
    assert not is_working_day(D(2026, 3, 9), {D(2026, 3, 9)})
    assert next_working_day(D(2026, 3, 7), set()) == D(2026, 3, 9)
    assert next_working_day(D(2026, 3, 7), {D(2026, 3, 9)}) == D(2026, 3, 10)
    assert next_working_day(D(2026, 3, 4), set()) == D(2026, 3, 4)


def test_add_working_days_counts_the_first_day():
    assert add_working_days(D(2026, 3, 2), 1, set()) == D(2026, 3, 2)
    assert add_working_days(D(2026, 3, 2), 5, set()) == D(2026, 3, 6)
    assert add_working_days(D(2026, 3, 2), 6, set()) == D(2026, 3, 9)  # over the weekend
    assert add_working_days(D(2026, 3, 2), 0, set()) == D(2026, 3, 2)  # never less than a day


def test_schedule_skips_weekends():
    assert schedule(D(2026, 3, 4), [5, 3], set()) == [
        (D(2026, 3, 4), D(2026, 3, 10)),  # Wed..Tue, skipping Sat/Sun
        (D(2026, 3, 11), D(2026, 3, 13)),
    ]


def test_schedule_starting_on_a_weekend_begins_on_monday():
    assert schedule(D(2026, 3, 7), [2], set()) == [(D(2026, 3, 9), D(2026, 3, 10))]


def test_schedule_skips_the_given_holidays():
    hols = {D(2026, 3, 3), D(2026, 3, 9)}
    assert schedule(D(2026, 3, 2), [3, 2], hols) == [
        (D(2026, 3, 2), D(2026, 3, 5)),
        (D(2026, 3, 6), D(2026, 3, 10)),
    ]


def test_milestones_are_back_to_back():
    spans = schedule(D(2026, 3, 2), [5, 5, 1], set())
    assert spans == [
        (D(2026, 3, 2), D(2026, 3, 6)),  # Mon..Fri
        (D(2026, 3, 9), D(2026, 3, 13)),  # the next working day is Monday
        (D(2026, 3, 16), D(2026, 3, 16)),
    ]


def test_a_one_day_milestone_starts_and_ends_on_the_same_working_day():
    assert schedule(D(2026, 3, 3), [1], set()) == [(D(2026, 3, 3), D(2026, 3, 3))]
    assert schedule(D(2026, 3, 7), [1], set()) == [(D(2026, 3, 9), D(2026, 3, 9))]
    assert schedule(D(2026, 3, 2), [1, 1, 1], set()) == [
        (D(2026, 3, 2), D(2026, 3, 2)),
        (D(2026, 3, 3), D(2026, 3, 3)),
        (D(2026, 3, 4), D(2026, 3, 4)),
    ]


def test_schedule_around_christmas_with_german_holidays():
    german = holidays_lib.country_holidays("DE", years=[2026, 2027])
    assert {D(2026, 12, 25), D(2026, 12, 26), D(2027, 1, 1)} <= set(german)

    spans = schedule(D(2026, 12, 21), [5, 5, 1], german)

    assert spans == [
        (D(2026, 12, 21), D(2026, 12, 28)),  # Mon 21..Thu 24, Fri 25 holiday, Mon 28
        (D(2026, 12, 29), D(2027, 1, 5)),  # Tue 29, Wed 30, Thu 31, Fri 1 holiday, Mon 4, Tue 5
        (D(2027, 1, 6), D(2027, 1, 6)),
    ]
    for first, last in spans:
        assert first not in german and last not in german


def test_a_milestone_starting_on_christmas_day_begins_after_the_holidays():
    german = holidays_lib.country_holidays("DE", years=[2026, 2027])
    assert schedule(D(2026, 12, 25), [1], german) == [(D(2026, 12, 28), D(2026, 12, 28))]
    assert schedule(D(2027, 1, 1), [1], german) == [(D(2027, 1, 4), D(2027, 1, 4))]


def test_schedule_of_nothing_is_empty():
    assert schedule(D(2026, 3, 2), [], set()) == []


@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(min_value=D(2026, 1, 1), max_value=D(2026, 12, 31)),
    durations=st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=6),
    hols=st.sets(st.dates(min_value=D(2026, 1, 1), max_value=D(2027, 12, 31)), max_size=40),
)
def test_schedule_spans_hold_exactly_their_working_days_back_to_back(start, durations, hols):
    spans = schedule(start, durations, hols)

    assert len(spans) == len(durations)
    previous_due = start - dt.timedelta(days=1)
    for (first, last), days in zip(spans, durations, strict=True):
        assert first == next_working_day(previous_due + dt.timedelta(days=1), hols)
        assert is_working_day(first, hols) and is_working_day(last, hols)
        span = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        assert sum(is_working_day(day, hols) for day in span) == days
        previous_due = last


@pytest.mark.parametrize("country", ["DE", "FR", "GB", "US"])
def test_schedule_never_places_a_start_or_due_on_a_public_holiday(country):
    hols = holidays_lib.country_holidays(country, years=[2026, 2027])
    for first, last in schedule(D(2026, 1, 1), [3] * 40, hols):
        assert is_working_day(first, hols) and is_working_day(last, hols)
