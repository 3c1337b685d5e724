"""The rules of a change order, without a database: what may change in which state, the plan after
it, what changed, and the money it moves."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from milepost.plans.changes import (
    Item,
    Plan,
    Stage,
    apply,
    changes_between,
    describe,
    diff,
    invoiced_at_once,
    lines,
    normalised,
    shift_working_days,
    working_days_between,
)
from milepost.plans.lifecycle.milestone import MilestoneStatus as S

MON = dt.date(2027, 1, 4)


def _stage(pk, budget, start, due, status=S.PLANNED, *, invoiced=False, items=()):
    return Stage(
        id=pk,
        title=f"Stage {pk}",
        budget=Decimal(budget),
        planned_start=start,
        planned_due=due,
        status=status,
        invoiced=invoiced,
        deliverables=tuple(Item(pk * 10 + i, title) for i, title in enumerate(items)),
    )


def _plan(*stages):
    return Plan(currency="EUR", stages=tuple(stages), sequential_gating=True, project_start=MON)


def _three(first=S.APPROVED):
    return _plan(
        _stage(1, "1000.00", MON, dt.date(2027, 1, 15), first, invoiced=first != S.PLANNED),
        _stage(2, "2000.00", dt.date(2027, 1, 18), dt.date(2027, 1, 29), items=("Home", "Blog")),
        _stage(3, "3000.00", dt.date(2027, 2, 1), dt.date(2027, 2, 12)),
    )


def _codes(outcome):
    return [p.code for p in outcome.problems]


def test_a_budget_change_moves_the_total_and_is_billed_with_its_milestone():
    before = _three()
    outcome = apply(before, [{"op": "update", "milestone": 3, "fields": {"budget": "3600.00"}}])
    assert outcome.ok
    assert outcome.plan.total == Decimal("6600.00") == before.total + Decimal("600.00")
    assert invoiced_at_once(before, outcome.plan) == []  # milestone 3 is billed on approval


def test_an_approved_milestone_takes_only_more_revisions_or_support_for_a_price():
    before = _three()
    more = apply(
        before,
        [
            {
                "op": "update",
                "milestone": 1,
                "fields": {"revision_quota": 4, "support_window_days": 30},
                "price": "250.00",
            }
        ],
    )
    assert more.ok
    first = more.plan.stages[0]
    assert (first.revision_quota, first.support_window_days, first.budget) == (
        4,
        30,
        Decimal("1250.00"),
    )
    assert [(s.id, d) for s, d in invoiced_at_once(before, more.plan)] == [(1, Decimal("250.00"))]
    for fields in ({"budget": "900.00"}, {"title": "New"}, {"revision_quota": 1}):
        refused = apply(before, [{"op": "update", "milestone": 1, "fields": fields}])
        assert "milestone_frozen" in _codes(refused)
    assert "milestone_frozen" in _codes(
        apply(before, [{"op": "update", "milestone": 1, "deliverables": []}])
    )


def test_only_a_milestone_not_started_and_not_invoiced_can_be_removed():
    before = _plan(
        _stage(1, "1000.00", MON, dt.date(2027, 1, 15), S.IN_PROGRESS),
        _stage(2, "500.00", dt.date(2027, 1, 18), dt.date(2027, 1, 29)),
        _stage(3, "500.00", dt.date(2027, 2, 1), dt.date(2027, 2, 12)),
    )
    assert "milestone_frozen" in _codes(apply(before, [{"op": "remove", "milestone": 1}]))
    removed = apply(before, [{"op": "remove", "milestone": 3}])
    assert removed.ok and [s.id for s in removed.plan.stages] == [1, 2]
    assert removed.plan.total == Decimal("1500.00")


def test_a_new_milestone_goes_after_every_approved_one():
    before = _three()
    new = {"title": "Shop", "budget": "800.00", "planned_start": "2027-02-15"}
    new["planned_due"] = "2027-02-19"
    assert "position_invalid" in _codes(
        apply(before, [{"op": "add", "position": 1, "milestone": new}])
    )
    added = apply(
        before,
        [{"op": "add", "position": 4, "milestone": {**new, "deliverables": [{"title": "Cart"}]}}],
    )
    assert added.ok, added.problems
    shop = added.plan.stages[3]
    assert (shop.id, shop.title, shop.budget) == (None, "Shop", Decimal("800.00"))
    assert [d.title for d in shop.deliverables] == ["Cart"]


def test_every_problem_is_listed_at_once_and_the_result_is_checked_as_a_new_plan():
    outcome = apply(
        _three(),
        [
            {"op": "update", "milestone": 2, "fields": {"budget": "0", "planned_due": "tomorrow"}},
            {"op": "update", "milestone": 3, "fields": {"planned_start": "2027-01-20"}},
            {"op": "remove", "milestone": 99},
            {"op": "rename"},
            {"op": "update", "milestone": 2, "fields": {"title": "Again"}},
        ],
    )
    codes = _codes(outcome)
    assert {
        "value_invalid",
        "milestone_unknown",
        "change_invalid",
        "change_duplicate",
        "budget_not_positive",
        "dates_overlap",
    } <= set(codes)


def test_the_total_cannot_fall_to_zero():
    before = _plan(_stage(1, "1000.00", MON, dt.date(2027, 1, 15)))
    outcome = apply(before, [{"op": "remove", "milestone": 1}])
    assert "no_milestones" in _codes(outcome)


def test_an_invoiced_milestones_billing_cannot_change_and_its_budget_change_is_invoiced_at_once():
    before = _plan(
        _stage(1, "1000.00", MON, dt.date(2027, 1, 15), S.IN_PROGRESS, invoiced=True),
        _stage(2, "1000.00", dt.date(2027, 1, 18), dt.date(2027, 1, 29)),
    )
    assert "milestone_frozen" in _codes(
        apply(before, [{"op": "update", "milestone": 1, "fields": {"billing_trigger": "on_start"}}])
    )
    cheaper = apply(before, [{"op": "update", "milestone": 1, "fields": {"budget": "800.00"}}])
    assert cheaper.ok
    assert [(s.id, d) for s, d in invoiced_at_once(before, cheaper.plan)] == [
        (1, Decimal("-200.00"))
    ]


def test_shifting_the_following_milestones_moves_them_by_the_same_working_days():
    before = _three(first=S.PLANNED)
    outcome = apply(
        before,
        [
            {
                "op": "update",
                "milestone": 2,
                "fields": {"planned_due": "2027-02-03"},  # Fri 29 Jan → Wed 3 Feb: 3 working days
                "shift_following": True,
            }
        ],
    )
    assert outcome.ok, outcome.problems
    third = outcome.plan.stages[2]
    assert (third.planned_start, third.planned_due) == (dt.date(2027, 2, 4), dt.date(2027, 2, 17))
    assert outcome.plan.stages[0] == before.stages[0]


def test_the_diff_names_each_change_field_by_field():
    before = _three()
    after = apply(
        before,
        [
            {
                "op": "update",
                "milestone": 3,
                "fields": {"budget": "3600.00", "planned_due": "2027-02-16"},
                "deliverables": [{"title": "Quote form"}],
            },
            {"op": "remove", "milestone": 2},
        ],
    ).plan
    changed = diff(before, after)
    assert changed.price == Decimal("-1400.00")
    assert [(e.kind, e.position) for e in changed.stages] == [("removed", 2), ("changed", 2)]
    text = describe(changed.stages[1], "EUR")
    assert "budget €3,000.00 → €3,600.00" in text
    assert "due 12 Feb 2027 → 16 Feb 2027" in text
    assert "deliverable “Quote form” added" in text
    assert "moved from position 3" in text


# --- Properties ------------------------------------------------------------------------------

_money = st.integers(min_value=1, max_value=500_000).map(lambda c: Decimal(c) / 100)


@st.composite
def _plans(draw):
    count = draw(st.integers(min_value=1, max_value=5))
    stages = []
    day = MON
    for pk in range(1, count + 1):
        length = draw(st.integers(min_value=0, max_value=9))
        due = shift_working_days(day, length, ())
        items = tuple(Item(pk * 100 + i, f"D{pk}.{i}") for i in range(draw(st.integers(0, 3))))
        stages.append(Stage(pk, f"Stage {pk}", draw(_money), day, due, deliverables=items))
        day = shift_working_days(due, 1, ())
    return _plan(*stages)


@st.composite
def _edits(draw, plan: Plan):
    """Changes valid for ``plan``: budget and quota updates, removals, additions at the end."""
    changes = []
    removed = set()
    for stage in plan.stages:
        action = draw(st.sampled_from(["keep", "budget", "quota", "items", "remove"]))
        if action == "budget":
            changes.append(
                {"op": "update", "milestone": stage.id, "fields": {"budget": str(draw(_money))}}
            )
        elif action == "quota":
            changes.append(
                {
                    "op": "update",
                    "milestone": stage.id,
                    "fields": {"revision_quota": draw(st.integers(0, 9))},
                }
            )
        elif action == "items":
            kept = [{"id": d.id, "title": d.title} for d in stage.deliverables[1:]]
            changes.append(
                {"op": "update", "milestone": stage.id, "deliverables": [*kept, {"title": "New"}]}
            )
        elif action == "remove" and len(removed) < len(plan.stages) - 1:
            changes.append({"op": "remove", "milestone": stage.id})
            removed.add(stage.id)
    if draw(st.booleans()) or not changes:
        last = plan.stages[-1].planned_due
        start = shift_working_days(last, 1, ())
        changes.append(
            {
                "op": "add",
                "position": len(plan.stages) - len(removed) + 1,
                "milestone": {
                    "title": "Extra",
                    "budget": str(draw(_money)),
                    "planned_start": start.isoformat(),
                    "planned_due": shift_working_days(start, 4, ()).isoformat(),
                },
            }
        )
    return changes


def _shape(plan: Plan):
    """A plan without ids: what a reader compares."""
    return [
        (
            s.title,
            s.budget,
            s.planned_start,
            s.planned_due,
            s.revision_quota,
            s.support_window_days,
            s.billing_trigger,
            s.scope,
            tuple((d.title, d.acceptance_criteria) for d in s.deliverables),
        )
        for s in plan.stages
    ]


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_a_change_order_and_its_inverse_give_back_the_plan(data):
    before = data.draw(_plans())
    changes = data.draw(_edits(before))
    after = apply(before, changes)
    assert after.ok, after.problems
    inverse = changes_between(after.plan, before)
    back = apply(after.plan, inverse)
    assert back.ok, back.problems
    assert _shape(back.plan) == _shape(before)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_the_total_is_always_the_sum_of_the_budgets_and_the_diff_prices_it(data):
    before = data.draw(_plans())
    changes = data.draw(_edits(before))
    after = apply(before, changes).plan
    assert after.total == sum(s.budget for s in after.stages)
    assert diff(before, after).price == after.total - before.total
    # Nothing a change does alters the plan it was applied to.
    assert apply(before, changes).plan == after


@given(
    st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2028, 12, 31)),
    st.integers(min_value=-30, max_value=30),
)
def test_shifting_by_working_days_and_counting_them_agree(day, days):
    start = shift_working_days(day, 0, ())
    moved = shift_working_days(start, days, ())
    assert working_days_between(start, moved, ()) == days
    assert moved.weekday() < 5


def test_a_quota_never_falls_below_the_revisions_used_and_tested_deliverables_stay():
    stage = Stage(
        1,
        "Design",
        Decimal("1000.00"),
        MON,
        dt.date(2027, 1, 15),
        status=S.CHANGES_REQUESTED,
        revisions_used=2,
        delivered=True,
        deliverables=(Item(5, "Home"), Item(6, "Blog")),
    )
    before = _plan(stage)
    assert "quota_below_used" in _codes(
        apply(before, [{"op": "update", "milestone": 1, "fields": {"revision_quota": 1}}])
    )
    assert "deliverable_tested" in _codes(
        apply(
            before, [{"op": "update", "milestone": 1, "deliverables": [{"id": 5, "title": "Home"}]}]
        )
    )
    renamed = apply(
        before,
        [
            {
                "op": "update",
                "milestone": 1,
                "deliverables": [
                    {"id": 5, "title": "Home page"},
                    {"id": 6, "title": "Blog"},
                    {"title": "Shop"},
                ],
            }
        ],
    )
    assert renamed.ok and [d.title for d in renamed.plan.stages[0].deliverables] == [
        "Home page",
        "Blog",
        "Shop",
    ]


def test_the_price_of_an_extra_revision_changes_only_by_a_change_order_and_says_so():
    before = replace(_three(), extra_revision_price=None)
    after = apply(before, [{"op": "settings", "extra_revision_price": "150.00"}])
    assert after.ok and after.plan.extra_revision_price == Decimal("150.00")
    difference = diff(before, after.plan)
    assert not difference.empty and difference.price == 0
    assert lines(difference) == ["Price per extra revision: not offered → €150.00"]
    assert apply(after.plan, changes_between(after.plan, before)).plan == before
    refused = apply(before, [{"op": "settings", "extra_revision_price": "-1", "tax": 5}])
    assert _codes(refused) == ["field_unknown"]
    assert _codes(apply(before, [{"op": "settings", "extra_revision_price": "1.001"}])) == [
        "value_invalid"
    ]


def test_a_deliverable_edited_without_its_criteria_keeps_them_and_an_empty_one_clears_them():
    plan = _three()
    second = plan.stages[1]
    plan = replace(
        plan,
        stages=(
            plan.stages[0],
            replace(
                second, deliverables=(Item(20, "Home", "Loads in 2 s"), Item(21, "Blog", "RSS"))
            ),
            plan.stages[2],
        ),
    )
    outcome = apply(
        plan,
        [
            {
                "op": "update",
                "milestone": 2,
                "deliverables": [
                    {"id": 20, "title": "Contact page"},
                    {"id": 21, "title": "Blog", "acceptance_criteria": ""},
                    {"title": "Quote form"},
                ],
            }
        ],
    )
    assert outcome.ok
    assert outcome.plan.stages[1].deliverables == (
        Item(20, "Contact page", "Loads in 2 s"),
        Item(21, "Blog", ""),
        Item(None, "Quote form", ""),
    )


def test_a_milestone_named_by_a_numeric_string_is_that_milestone():
    outcome = apply(
        _three(S.PLANNED), [{"op": "update", "milestone": "2", "fields": {"title": "Shop"}}]
    )
    assert outcome.ok and outcome.plan.stages[1].title == "Shop"
    assert normalised([{"op": "remove", "milestone": "3"}]) == [{"op": "remove", "milestone": 3}]


def test_fields_that_are_not_an_object_are_a_problem_not_no_change():
    outcome = apply(_three(S.PLANNED), [{"op": "update", "milestone": 2, "fields": ["budget"]}])
    assert _codes(outcome) == ["fields_invalid"]
    assert outcome.problems[0].field == "fields"


def test_a_negative_price_on_an_approved_milestone_says_0_or_more():
    outcome = apply(
        _three(),
        [{"op": "update", "milestone": 1, "fields": {"revision_quota": 3}, "price": "-5.00"}],
    )
    [problem] = outcome.problems
    assert problem.code == "value_invalid" and "0 or more" in problem.message
