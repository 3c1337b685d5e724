"""Projects on hold, resumed, cancelled and deleted: what each holds back, the clocks that pause
and move on resume, who is told, what is audited, and what is refused (with nothing changed)."""

from __future__ import annotations

import datetime as dt

import pytest

from milepost.audit.models import AuditEvent
from milepost.audit.verify import verify_chains
from milepost.billing.models import Invoice
from milepost.core import clock
from milepost.core.errors import InvalidInput, NotAllowed, NotFound, RuleViolation
from milepost.core.models import DomainEvent
from milepost.notify.models import Notification
from milepost.notify.scheduler import tick
from milepost.plans import services as plans
from milepost.plans.models import Milestone, Project
from milepost.plans.permissions import sees_last_proposal
from milepost.reviews import policy
from milepost.reviews import services as reviews

from .conftest import actions_since, activate, counts, cycle_for, fresh, last_sequence

T0 = dt.datetime(2027, 1, 11, 9, 0, tzinfo=dt.UTC)


def project(c) -> Project:
    return Project.objects.select_related("organisation", "client").get(pk=c.project.pk)


def hold(c, at=T0, actor=None, reason: str = ""):
    with clock.frozen(at):
        return plans.project_hold(project=project(c), actor=actor or c.owner, reason=reason)


def resume(c, at, actor=None):
    with clock.frozen(at):
        return reviews.project_resume_and_shift_clocks(project=project(c), actor=actor or c.owner)


def refused(error, code, call, *args, **kwargs):
    with pytest.raises(error) as caught:
        call(*args, **kwargs)
    if code:
        assert caught.value.code == code
    return caught.value


@pytest.fixture
def reviewing(cycle):
    """Milestone 1 delivered at T0 - 2 days; auto-approval 14 days later."""
    with clock.frozen(T0 - dt.timedelta(days=2)):
        cycle.to_review(1)
    return cycle


# --- On hold ------------------------------------------------------------------------------------


def test_hold_pauses_an_active_project_audited_announced_and_both_sides_told(cycle):
    seq = last_sequence(cycle.organisation)
    held = hold(cycle, reason="Budget freeze until March.")
    assert (held.status, held.on_hold_since, held.hold_reason) == (
        "on_hold",
        T0,
        "Budget freeze until March.",
    )
    assert actions_since(seq, cycle.organisation) == ["project.put_on_hold"]
    event = AuditEvent.objects.get(action="project.put_on_hold")
    assert event.data["before"] == {"status": "active"}
    assert event.data["after"] == {"status": "on_hold"}
    assert event.data["reason"] == "Budget freeze until March."
    assert DomainEvent.objects.filter(name="project.put_on_hold").count() == 1
    told = set(
        Notification.objects.filter(category="project").values_list("user__email", flat=True)
    )
    assert told == {
        cycle.approver.email,
        cycle.viewer.email,
        cycle.manager.email,
        cycle.member.email,
    }  # not the owner, who did it
    title = Notification.objects.filter(user=cycle.approver).latest("id").title
    assert title == f"{cycle.organisation.name} put Acme webshop on hold"
    assert verify_chains().ok


def test_hold_is_refused_outside_an_active_project_and_to_roles_other_than_managers(cycle, draft):
    before = counts()
    refused(RuleViolation, "invalid_transition", hold, draft)
    refused(NotAllowed, None, hold, cycle, actor=cycle.member)
    refused(NotAllowed, None, hold, cycle, actor=cycle.approver)
    refused(NotFound, None, hold, cycle, actor=cycle.outsider)
    assert counts() == before
    assert project(cycle).status == "active"
    hold(cycle)
    refused(RuleViolation, "invalid_transition", hold, cycle)


def test_on_hold_nothing_moves_but_tests_comments_and_grants_go_on(reviewing):
    c = reviewing
    hold(c)
    before = counts()
    for call, kwargs in (
        (reviews.milestone_approve, {"milestone": c.m(1), "actor": c.approver}),
        (
            reviews.milestone_request_changes,
            {"milestone": c.m(1), "actor": c.approver, "feedback": "Later."},
        ),
        (reviews.milestone_start, {"milestone": c.m(2), "actor": c.member}),
    ):
        error = refused(RuleViolation, "project_on_hold", call, **kwargs)
        assert error.message == "The project is on hold: this waits until the agency resumes it."
    assert counts() == before
    verdict = reviews.deliverable_verdict(
        deliverable=c.deliverables(1)[0], actor=c.approver, status="passed"
    )
    assert verdict.status == "passed"
    reviews.comment_add(milestone=c.m(1), actor=c.approver, body="We test at our pace.")
    reviews.milestone_grant_revision(milestone=c.m(1), actor=c.manager, reason="Kind.")
    actions = policy.milestone_actions(c.approver, c.m(1))
    assert actions["approve"].shown and not actions["approve"].enabled
    assert "on hold" in actions["approve"].reason
    assert actions["verdict"].enabled


def test_on_hold_nothing_is_delivered(cycle):
    cycle.start(1)
    hold(cycle)
    refused(
        RuleViolation,
        "project_on_hold",
        reviews.milestone_deliver,
        milestone=cycle.m(1),
        actor=cycle.member,
        notes="Done anyway",
    )
    assert cycle.m(1).status == "in_progress"


def test_a_stale_milestone_cannot_slip_past_a_hold(reviewing):
    """The page loaded the milestone while the project was active; the hold came first."""
    c = reviewing
    stale = c.m(1)
    hold(c)
    assert stale.project.status == "active"
    refused(
        RuleViolation,
        "state_conflict",
        reviews.milestone_approve,
        milestone=stale,
        actor=c.approver,
        accept_open_items=True,
    )
    assert c.m(1).status == "in_review"


def test_on_hold_the_auto_approval_waits_and_no_work_reminder_is_sent(reviewing):
    c = reviewing
    due = c.m(1).auto_approve_at
    assert due == T0 - dt.timedelta(days=2) + dt.timedelta(days=14)
    hold(c)
    assert c.m(1).auto_approve_at is None  # paused: no date while on hold
    with clock.frozen(due + dt.timedelta(days=30)):
        report = tick(due + dt.timedelta(days=30))
    assert report["auto_approved"] == 0
    assert report["review_reminders"] == 0
    assert report["due_reminders"] == 0
    assert c.m(1).status == "in_review"


# --- Resume -------------------------------------------------------------------------------------


def test_resume_moves_the_auto_approval_by_the_time_on_hold(reviewing):
    c = reviewing
    due = c.m(1).auto_approve_at
    hold(c)
    seq = last_sequence(c.organisation)
    back = T0 + dt.timedelta(days=5, hours=3)
    resumed = resume(c, back)
    assert (resumed.status, resumed.on_hold_since) == ("active", None)
    moved = due + dt.timedelta(days=5, hours=3)
    assert c.m(1).auto_approve_at == moved
    assert actions_since(seq, c.organisation) == ["project.resumed"]
    event = AuditEvent.objects.get(action="project.resumed")
    assert event.data["held_seconds"] == 5 * 86400 + 3 * 3600
    assert Notification.objects.filter(category="project", user=c.approver).count() == 2
    with clock.frozen(moved - dt.timedelta(minutes=1)):
        assert reviews.run_due_work().auto_approved == 0
    with clock.frozen(moved):
        assert reviews.run_due_work().auto_approved == 1
    assert c.m(1).status == "approved"


def test_two_holds_add_up_and_a_new_delivery_starts_a_fresh_clock(reviewing):
    c = reviewing
    due = c.m(1).auto_approve_at
    hold(c, at=T0)
    resume(c, T0 + dt.timedelta(days=1))
    hold(c, at=T0 + dt.timedelta(days=2))
    resume(c, T0 + dt.timedelta(days=4))
    assert c.m(1).review_paused == dt.timedelta(days=3)
    assert c.m(1).auto_approve_at == due + dt.timedelta(days=3)
    with clock.frozen(T0 + dt.timedelta(days=5)):
        c.request_changes(1)
        c.deliver(1)
    m = c.m(1)
    assert m.review_paused == dt.timedelta(0)
    assert m.auto_approve_at == T0 + dt.timedelta(days=5 + 14)


def test_resume_moves_an_open_support_window_and_the_page_says_so_first(reviewing):
    c = reviewing
    with clock.frozen(T0 - dt.timedelta(days=1)):
        c.pass_all(1)
        c.approve(1)
    ends = c.m(1).support_ends_at
    with clock.frozen(T0 - dt.timedelta(hours=1)):
        c.to_review(2)
    hold(c)
    with clock.frozen(ends + dt.timedelta(days=2)):
        assert reviews.run_due_work().closed == 0  # the window waits
        shown = reviews.deadlines_moved_by_resume(project(c))
    back = ends + dt.timedelta(days=2)
    held = back - T0
    assert [(d.milestone.position, d.kind, d.until) for d in shown] == [
        (2, "auto_approval", c.m(2).review_started_at + dt.timedelta(days=14) + held),
        (1, "support", ends + held),
    ]
    resume(c, back)
    assert c.m(1).support_ends_at == ends + held
    assert c.m(2).auto_approve_at == shown[0].until


def test_resume_is_refused_unless_on_hold(cycle):
    refused(RuleViolation, "invalid_transition", resume, cycle, T0)
    hold(cycle)
    refused(NotAllowed, None, resume, cycle, T0, actor=cycle.member)
    assert project(cycle).status == "on_hold"


# --- Cancel -------------------------------------------------------------------------------------


def cancel(c, reason="The client chose another agency.", actor=None, at=T0):
    with clock.frozen(at):
        return plans.project_cancel(project=project(c), actor=actor or c.owner, reason=reason)


def test_cancel_needs_a_reason_and_changes_nothing_without_one(cycle):
    before = counts()
    error = refused(InvalidInput, "invalid", cancel, cycle, reason="   ")
    assert error.details == {"reason": ["This field is required."]}
    refused(InvalidInput, "invalid", cancel, cycle, reason="x" * 2001)
    refused(NotAllowed, None, cancel, cycle, actor=cycle.approver)
    assert counts() == before
    assert project(cycle).status == "active"


@pytest.mark.parametrize("state", ["draft", "proposed", "active", "on_hold"])
def test_cancel_from_each_state_it_may_be_taken_in(world, make_project, state):
    p = make_project()
    plans.plan_propose(project=Project.objects.get(pk=p.pk), actor=world.owner)
    if state == "draft":  # back in draft: the client saw it once
        plans.plan_withdraw(project=Project.objects.get(pk=p.pk), actor=world.owner)
    if state in ("active", "on_hold"):
        plans.plan_accept(project=Project.objects.get(pk=p.pk), actor=fresh(world.contact))
    c = cycle_for(world, Project.objects.get(pk=p.pk))
    if state == "on_hold":
        hold(c)
    cancelled = cancel(c)
    assert (cancelled.status, cancelled.cancelled_at, cancelled.cancel_reason) == (
        "cancelled",
        T0,
        "The client chose another agency.",
    )
    assert cancelled.on_hold_since is None
    event = AuditEvent.objects.get(action="project.cancelled")
    assert event.data["before"] == {"status": state}
    assert event.data["reason"] == "The client chose another agency."
    refused(RuleViolation, "invalid_transition", cancel, c)  # terminal


def test_a_draft_never_proposed_is_deleted_not_cancelled_and_its_contacts_hear_nothing(
    world, make_project
):
    """Cancelling it told its contacts (by email) of a plan they were never shown."""
    p = make_project()
    plans.project_access_grant(
        project=Project.objects.get(pk=p.pk),
        email=world.contact.email,
        role="approver",
        actor=world.owner,
    )
    before = Notification.objects.filter(user=world.contact).count()
    c = cycle_for(world, Project.objects.get(pk=p.pk))
    error = refused(RuleViolation, "project_never_proposed", cancel, c)
    assert "delete it instead" in error.message
    assert project(c).status == "draft"
    assert Notification.objects.filter(user=world.contact).count() == before


def test_a_cancelled_project_starts_approves_and_invoices_nothing_more(reviewing):
    c = reviewing
    invoices = Invoice.objects.count()
    cancel(c)
    before = counts()
    for call, kwargs in (
        (reviews.milestone_start, {"milestone": c.m(2), "actor": c.member}),
        (
            reviews.milestone_approve,
            {"milestone": c.m(1), "actor": c.approver, "accept_open_items": True},
        ),
        (
            reviews.deliverable_verdict,
            {"deliverable": c.deliverables(1)[0], "actor": c.approver, "status": "passed"},
        ),
    ):
        refused(RuleViolation, "project_cancelled", call, **kwargs)
    assert counts() == before
    with clock.frozen(T0 + dt.timedelta(days=60)):
        assert reviews.run_due_work().auto_approved == 0
    assert (c.m(1).status, Invoice.objects.count()) == ("in_review", invoices)
    reviews.comment_add(milestone=c.m(1), actor=c.approver, body="Sorry to see it end.")
    told = Notification.objects.filter(category="project", user=c.approver).latest("id")
    assert told.title == f"{c.organisation.name} cancelled Acme webshop"
    assert "The client chose another agency." in told.body


def test_a_prepayment_paid_after_cancelling_is_recorded_and_starts_nothing(world, make_project):
    p = make_project()
    first = p.milestones.get(position=1)
    plans.milestone_update(milestone=first, actor=fresh(world.owner), billing_trigger="on_start")
    c = cycle_for(world, activate(p, world.owner, world.contact))
    c.start(1)
    invoice = Invoice.objects.get(milestone=first)
    cancel(c)
    payment = reviews.payment_record_and_release(
        invoice=invoice,
        amount=invoice.gross,
        date=clock.today(),
        method="bank_transfer",
        actor=c.owner,
    )
    assert payment.invoice.status == "paid"
    assert c.m(1).status == "awaiting_prepayment"
    assert reviews.run_due_work().released == 0


def test_a_plan_cancelled_while_back_in_draft_keeps_showing_the_client_the_last_proposal(draft):
    plans.plan_propose(project=project(draft), actor=draft.owner)
    plans.plan_withdraw(project=project(draft), actor=draft.owner)
    cancel(draft)
    p = project(draft)
    assert sees_last_proposal(fresh(draft.approver), p)
    assert not sees_last_proposal(draft.owner, p)


# --- Delete a draft -----------------------------------------------------------------------------


def test_a_draft_never_proposed_is_deleted_and_its_story_kept(draft):
    pk = draft.project.pk
    refused(NotAllowed, None, plans.project_delete, project=project(draft), actor=draft.member)
    seq = last_sequence(draft.organisation)
    plans.project_delete(project=project(draft), actor=draft.owner)
    assert not Project.objects.filter(pk=pk).exists()
    assert not Milestone.objects.filter(project_id=pk).exists()
    assert actions_since(seq, draft.organisation) == ["project.deleted"]
    event = AuditEvent.objects.get(action="project.deleted")
    assert event.project_id == pk
    assert event.data["before"]["name"] == "Acme webshop"
    assert event.data["before"]["milestones"] == 5
    assert verify_chains().ok


def test_a_draft_once_proposed_or_a_live_project_is_not_deleted(draft, cycle):
    plans.plan_propose(project=project(draft), actor=draft.owner)
    plans.plan_withdraw(project=project(draft), actor=draft.owner)
    error = refused(
        RuleViolation,
        "project_was_proposed",
        plans.project_delete,
        project=project(draft),
        actor=draft.owner,
    )
    assert "Cancel the project instead" in error.message
    refused(
        RuleViolation,
        "invalid_transition",
        plans.project_delete,
        project=project(cycle),
        actor=cycle.owner,
    )
    assert Project.objects.filter(pk__in=[draft.project.pk, cycle.project.pk]).count() == 2
