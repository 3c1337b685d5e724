"""A milestone a change order added: on the timeline without a baseline, and the timeline of
its project still reads (an ``add`` names the new milestone's fields, not an id)."""

from __future__ import annotations

import datetime as dt

from milepost.forecast.timeline import project_timeline

from .helpers import add_a_milestone, reload


def test_an_added_milestone_has_no_baseline_and_the_project_no_slippage_against_it(
    world, progressed
):
    add_a_milestone(world, progressed)
    line = project_timeline(reload(progressed), today=dt.date(2027, 1, 25))
    shop = line.rows[-1]
    assert shop.milestone.title == "Shop" and shop.baseline_due is None
    # Against the plan it is as late as the milestones before it: milestone 2 started three
    # working days late (Thu 21 Jan, planned Mon 18 Jan) and keeps its length.
    assert shop.forecast.slip_baseline is None and shop.forecast.slip_plan == 3
    assert (line.slip_baseline, line.slip_plan) == (None, 3)


def test_a_change_order_adding_a_milestone_waits_on_no_one(world, progressed):
    """Proposed and not answered: the milestones in progress keep their own days."""
    before = project_timeline(reload(progressed), today=dt.date(2027, 1, 25))
    add_a_milestone(world, progressed, accept=False)
    after = project_timeline(reload(progressed), today=dt.date(2027, 1, 25))
    assert [row.hands for row in after.rows] == [row.hands for row in before.rows]
