"""Worked examples of a project's timeline from a fixed clock: read from what the services
recorded, as the pages and the API will show it."""

from __future__ import annotations

import datetime as dt

import pytest

from milepost.core import clock
from milepost.forecast.rules import Hands
from milepost.forecast.timeline import project_timeline
from milepost.plans import services as plans
from milepost.plans.models import Milestone
from milepost.reviews.services.change_orders import change_order_accept

from ..reviews.conftest import START, fresh
from .helpers import approve_review, at, deliver, m, reload, start


@pytest.fixture
def accepted(world, make_project):
    """The website-cms plan (five milestones from Mon 4 Jan 2027), proposed on Mon 28 Dec 2026
    and accepted on Wed 30 Dec (two working days in the client's hands)."""
    project = make_project()
    with clock.frozen(at(dt.date(2026, 12, 28))):
        plans.plan_propose(project=reload(project), actor=world.owner)
    with clock.frozen(at(dt.date(2026, 12, 30))):
        plans.plan_accept(project=reload(project), actor=fresh(world.contact))
    return reload(project)


def test_an_untouched_plan_is_on_time(accepted):
    first = m(accepted, 1)
    line = project_timeline(accepted, today=dt.date(2026, 12, 31))
    assert line.slip_baseline == 0 and line.slip_plan == 0
    assert line.rows[0].forecast.start == first.planned_start
    assert line.rows[0].forecast.end == first.planned_due
    assert line.plan_wait == 2 and line.hands == Hands(agency=0, client=2)


def test_a_project_that_slipped_because_the_client_reviewed_late(world, accepted):
    first = m(accepted, 1)
    start(world, accepted, 1, START)
    deliver(world, accepted, 1, first.planned_due)
    late = first.planned_due + dt.timedelta(days=14)  # two weeks: ten working days
    approve_review(world, accepted, 1, late)
    line = project_timeline(reload(accepted), today=late)
    row = line.rows[0]
    assert row.approved == late and row.forecast.done
    assert row.forecast.slip_baseline == 10
    assert row.hands.client == 10
    assert row.hands.agency == row.hands.total - 10
    assert [mark.kind for mark in row.marks] == ["delivered"]
    # The milestones after it move with it, each keeping its length.
    assert line.slip_baseline == 10 and line.slip_plan == 10
    assert line.hands.client == 12  # with the plan's two days


def test_a_project_that_slipped_because_the_agency_delivered_late(world, accepted):
    first = m(accepted, 1)
    start(world, accepted, 1, START)
    late = first.planned_due + dt.timedelta(days=7)  # a week late: five working days
    deliver(world, accepted, 1, late)
    approve_review(world, accepted, 1, late)
    line = project_timeline(reload(accepted), today=late)
    row = line.rows[0]
    assert row.forecast.slip_baseline == 5
    assert row.hands.client == 0 and row.hands.agency == row.hands.total
    assert line.slip_baseline == 5


def test_a_change_order_moves_the_plan_and_the_slippage_against_the_baseline(world, accepted):
    start(world, accepted, 1, START)
    last = m(accepted, 5)
    moved = last.planned_due + dt.timedelta(days=7)
    with clock.frozen(at(dt.date(2027, 1, 5))):
        co = plans.change_order_create(
            project=reload(accepted),
            actor=world.owner,
            title="A week more for launch",
            changes_=[
                {"op": "update", "milestone": last.pk, "fields": {"planned_due": moved.isoformat()}}
            ],
        )
        plans.change_order_propose(change_order=co, actor=world.owner)
    with clock.frozen(at(dt.date(2027, 1, 7))):
        change_order_accept(change_order=co, actor=fresh(world.contact))
    line = project_timeline(reload(accepted), today=dt.date(2027, 1, 7))
    assert line.slip_plan == 0  # on time against the plan now
    assert line.slip_baseline == 5  # five working days later than v1
    assert line.rows[-1].baseline_due == last.planned_due
    # The change order touched the last milestone only, which had not started: no one's days.
    assert line.rows[-1].hands == Hands() and line.rows[0].hands == Hands(agency=3, client=0)


def test_a_change_order_waiting_on_the_client_is_the_clients_days(world, accepted):
    start(world, accepted, 1, START)  # Mon 4 Jan
    first = m(accepted, 1)
    with clock.frozen(at(dt.date(2027, 1, 5))):
        co = plans.change_order_create(
            project=reload(accepted),
            actor=world.owner,
            title="More setup",
            changes_=[
                {
                    "op": "update",
                    "milestone": first.pk,
                    "fields": {"budget": str(first.budget + 100)},
                }
            ],
        )
        plans.change_order_propose(change_order=co, actor=world.owner)
    line = project_timeline(reload(accepted), today=dt.date(2027, 1, 8))
    # Mon → Tue the agency's, Tue → Fri (still waiting) the client's.
    assert line.rows[0].hands == Hands(agency=1, client=3)


def test_a_milestone_waiting_for_its_prepayment_has_not_started(world, accepted):
    """Start pressed on a milestone billed on start only asks for the prepayment: the timeline
    said it started that day and drew it as done work. It starts when the invoice is paid."""
    from milepost.billing.models import Invoice
    from milepost.reviews import services as reviews

    Milestone.objects.filter(pk=m(accepted, 1).pk).update(billing_trigger="on_start")
    start(world, accepted, 1, dt.date(2027, 1, 4))
    line = project_timeline(reload(accepted), today=dt.date(2027, 1, 6))
    row = line.rows[0]
    assert row.milestone.status == "awaiting_prepayment"
    assert row.started is None and not row.forecast.done
    assert row.forecast.start == dt.date(2027, 1, 6)  # not before it is paid: today at the soonest
    assert row.hands == Hands(agency=0, client=2)  # the client's, while the money is awaited
    invoice = Invoice.objects.get(milestone=m(accepted, 1))
    with clock.frozen(at(dt.date(2027, 1, 7))):
        reviews.payment_record_and_release(
            invoice=invoice,
            amount=str(invoice.gross),
            date="2027-01-07",
            method="bank_transfer",
            actor=fresh(world.owner),
        )
    row = project_timeline(reload(accepted), today=dt.date(2027, 1, 8)).rows[0]
    assert row.milestone.status == "in_progress"
    assert row.started == dt.date(2027, 1, 7)  # the day the work could begin
