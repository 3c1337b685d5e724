"""Change orders through the services: drafted, proposed, answered, and applied as a new plan
version; every refusal changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from milepost.audit.actions import AuditAction
from milepost.audit.models import AuditEvent
from milepost.core import clock
from milepost.core.errors import InvalidInput, NotAllowed, NotFound, RuleViolation
from milepost.plans import services as plans
from milepost.plans.models import ChangeOrder, Milestone, PlanVersion, Project
from milepost.reviews import services as reviews
from milepost.reviews.services.change_orders import change_order_accept

from ..factories import accepted_project

pytestmark = pytest.mark.django_db

START = dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


def _milestones(project):
    return list(Milestone.objects.filter(project=project).order_by("position"))


def _more_for_the_last(project, extra="600.00"):
    last = _milestones(project)[-1]
    return [
        {
            "op": "update",
            "milestone": last.pk,
            "fields": {"budget": str(last.budget + Decimal(extra))},
        }
    ]


def _co(world, project, changes=None, title="More pages"):
    return plans.change_order_create(
        project=project,
        actor=world.manager,
        title=title,
        reason="The client wants a blog",
        changes_=changes if changes is not None else _more_for_the_last(project),
    )


def _proposed(world, project, **kwargs):
    co = _co(world, project, **kwargs)
    return plans.change_order_propose(change_order=co, actor=world.manager)


def test_change_orders_are_numbered_per_project_and_start_from_the_current_version(world):
    shop = accepted_project(world, "Shop", at=START)
    blog = accepted_project(world, "Blog", at=START)
    first, second = _co(world, shop), _co(world, shop)
    other = _co(world, blog)
    assert [first.label, second.label, other.label] == ["CO-1", "CO-2", "CO-1"]
    assert first.base_version == 1 and first.status == "draft"
    assert AuditEvent.objects.filter(action=AuditAction.CHANGE_ORDER_DRAFTED).count() == 3


@pytest.mark.parametrize("who", ["member", "contact", "outsider"])
def test_only_owners_and_managers_draft_them(world, who):
    project = accepted_project(world, at=START)
    expected = NotFound if who == "outsider" else NotAllowed  # another agency sees nothing
    with pytest.raises(expected):
        plans.change_order_create(
            project=project, actor=_fresh(getattr(world, who)), title="x", changes_=[]
        )
    assert not ChangeOrder.objects.exists()


def test_a_draft_plan_has_no_change_orders(world):
    project = plans.project_create(
        organisation=world.organisation,
        client=world.client,
        actor=world.owner,
        name="Draft",
        currency="EUR",
        total_budget="1000.00",
        start_date="2027-01-04",
        template="website-cms",
    )
    with pytest.raises(RuleViolation) as caught:
        plans.change_order_create(project=project, actor=world.owner, title="x")
    assert caught.value.code == "invalid_transition"


def test_a_draft_keeps_changes_with_problems_and_proposing_lists_them_all(world):
    project = accepted_project(world, at=START)
    first = _milestones(project)[0]
    co = _co(
        world,
        project,
        changes=[
            {"op": "update", "milestone": first.pk, "fields": {"budget": "abc"}},
            {"op": "remove", "milestone": 999_999},
        ],
    )
    assert len(ChangeOrder.objects.get(pk=co.pk).changes) == 2  # nothing typed is lost
    with pytest.raises(RuleViolation) as caught:
        plans.change_order_propose(change_order=co, actor=world.manager)
    assert caught.value.code == "plan_invalid"
    codes = [p["code"] for p in caught.value.details["problems"]]
    assert "value_invalid" in codes and "milestone_unknown" in codes
    assert ChangeOrder.objects.get(pk=co.pk).status == "draft"
    assert not co.proposals.exists()


def test_a_refused_draft_names_every_field_at_once_and_writes_nothing(world):
    project = accepted_project(world, at=START)
    with pytest.raises(InvalidInput) as refused:
        plans.change_order_create(
            project=project, actor=world.manager, title=" ", reason="x" * 5001, changes_="all"
        )
    assert set(refused.value.details) == {"title", "reason", "changes"}
    co = _co(world, project)
    with pytest.raises(InvalidInput) as refused:
        plans.change_order_update(change_order=co, actor=world.manager, title="", changes_=[7])
    assert set(refused.value.details) == {"title", "changes"}
    co = ChangeOrder.objects.get(pk=co.pk)
    assert co.title == "More pages" and co.changes == _more_for_the_last(project)


def test_proposing_fixes_the_price_and_keeps_what_the_client_saw(world):
    project = accepted_project(world, at=START)
    co = _proposed(world, project)
    assert co.status == "proposed"
    assert (co.price, co.total_before, co.total_after) == (
        Decimal("600.00"),
        Decimal("10000.00"),
        Decimal("10600.00"),
    )
    [proposal] = co.proposals.all()
    assert proposal.snapshot["price"] == "600.00"
    assert any("budget" in line for line in proposal.snapshot["lines"])


def test_one_change_order_waits_at_a_time_and_an_empty_one_is_not_proposed(world):
    project = accepted_project(world, at=START)
    pending = _proposed(world, project)
    with pytest.raises(RuleViolation) as caught:
        _proposed(world, project)
    assert caught.value.code == "change_order_pending"
    assert caught.value.details["pending"] == pending.pk
    assert caught.value.details["pending_number"] == pending.number
    plans.change_order_withdraw(change_order=pending, actor=world.manager)
    with pytest.raises(RuleViolation) as empty:
        _proposed(world, project, changes=[])
    assert empty.value.code == "change_order_empty"


def test_declined_then_revised_and_proposed_again_keeps_every_proposal(world):
    project = accepted_project(world, at=START)
    co = _proposed(world, project)
    with pytest.raises(InvalidInput):
        plans.change_order_decline(change_order=co, actor=_fresh(world.contact), reason=" ")
    with pytest.raises(NotAllowed):
        plans.change_order_decline(change_order=co, actor=world.manager, reason="No")
    plans.change_order_decline(change_order=co, actor=_fresh(world.contact), reason="Too dear")
    co.refresh_from_db()
    assert (co.status, co.decline_reason) == ("declined", "Too dear")
    plans.change_order_revise(change_order=co, actor=world.manager)
    plans.change_order_update(
        change_order=co, actor=world.manager, changes_=_more_for_the_last(project, "300.00")
    )
    plans.change_order_propose(change_order=co, actor=world.manager)
    answers = [(p.number, p.answer, p.snapshot["price"]) for p in co.proposals.order_by("number")]
    assert answers == [(1, "declined", "600.00"), (2, "", "300.00")]
    with pytest.raises(RuleViolation) as caught:
        plans.change_order_delete(change_order=co, actor=world.manager)
    assert caught.value.code == "state_conflict"


def test_only_a_draft_never_proposed_is_deleted(world):
    project = accepted_project(world, at=START)
    co = _co(world, project)
    plans.change_order_delete(change_order=co, actor=world.manager)
    assert not ChangeOrder.objects.exists()
    again = _proposed(world, project)
    plans.change_order_withdraw(change_order=again, actor=world.manager)
    plans.change_order_revise(change_order=again, actor=world.manager)
    with pytest.raises(RuleViolation) as caught:
        plans.change_order_delete(change_order=again, actor=world.manager)
    assert caught.value.code == "change_order_was_proposed"


def test_accepting_writes_the_plan_the_total_and_the_next_version(world):
    project = accepted_project(world, at=START)
    before = _milestones(project)
    first = before[0]
    co = _proposed(
        world,
        project,
        changes=[
            {"op": "update", "milestone": before[-1].pk, "fields": {"budget": "2600.00"}},
            {"op": "remove", "milestone": before[-2].pk},
            {
                "op": "update",
                "milestone": first.pk,
                "deliverables": [
                    *[
                        {"id": d.pk, "title": d.title, "acceptance_criteria": d.acceptance_criteria}
                        for d in first.deliverables.order_by("position")
                    ],
                    {"title": "Mood board", "acceptance_criteria": "Three directions"},
                ],
            },
        ],
    )
    accepted = change_order_accept(change_order=co, actor=_fresh(world.contact))
    project.refresh_from_db()
    after = _milestones(project)
    assert project.plan_version == 2 and accepted.version.version == 2
    assert accepted.version.change_order_id == co.pk
    assert len(after) == len(before) - 1
    assert [m.position for m in after] == list(range(1, len(after) + 1))
    assert project.total_budget == sum(m.budget for m in after) == co.total_after
    assert "Mood board" in [d.title for d in after[0].deliverables.all()]
    assert accepted.invoices == ()  # nothing it changed was invoiced yet
    co.refresh_from_db()
    assert co.status == "accepted" and co.decided_by_id == world.contact.pk
    # Version 1 stays as it was.
    v1 = PlanVersion.objects.get(project=project, version=1)
    assert len(v1.snapshot["milestones"]) == len(before)


def test_accepting_is_refused_when_the_plan_moved_on(world):
    project = accepted_project(world, at=START)
    stale = _co(world, project)
    newer = _proposed(world, project, title="First")
    change_order_accept(change_order=newer, actor=_fresh(world.contact))
    with pytest.raises(RuleViolation) as caught:
        plans.change_order_propose(change_order=stale, actor=world.manager)
    assert caught.value.code == "plan_changed"
    plans.change_order_rebase(change_order=stale, actor=world.manager)
    stale.refresh_from_db()
    assert stale.base_version == 2


def test_an_approved_milestone_is_frozen_and_a_viewer_cannot_accept(world):
    project = accepted_project(world, at=START)
    first = _milestones(project)[0]
    Milestone.objects.filter(pk=first.pk).update(status="approved")
    with pytest.raises(RuleViolation) as caught:
        _proposed(
            world,
            project,
            changes=[{"op": "update", "milestone": first.pk, "fields": {"budget": "1.00"}}],
        )
    assert "milestone_frozen" in [p["code"] for p in caught.value.details["problems"]]
    co = _proposed(world, project)
    with pytest.raises(NotAllowed):
        change_order_accept(change_order=co, actor=world.manager)
    with pytest.raises(RuleViolation) as twice:
        change_order_accept(change_order=co, actor=_fresh(world.contact))
        change_order_accept(change_order=co, actor=_fresh(world.contact))
    assert twice.value.code == "state_conflict"


def test_a_cancelled_project_takes_no_change_order(world):
    project = accepted_project(world, at=START)
    co = _proposed(world, project)
    plans.project_cancel(project=project, actor=world.owner, reason="Budget cut")
    with pytest.raises(RuleViolation) as caught:
        change_order_accept(change_order=co, actor=_fresh(world.contact))
    assert caught.value.code == "invalid_transition"
    assert Project.objects.get(pk=project.pk).plan_version == 1


def test_the_review_cycle_still_runs_on_the_changed_plan(world):
    project = accepted_project(world, at=START)
    co = _proposed(world, project)
    change_order_accept(change_order=co, actor=_fresh(world.contact))
    first = Milestone.objects.select_related("project__organisation").get(
        project=project, position=1
    )
    with clock.frozen(START):
        reviews.milestone_start(milestone=first, actor=world.owner)
    assert Milestone.objects.get(pk=first.pk).status == "in_progress"
