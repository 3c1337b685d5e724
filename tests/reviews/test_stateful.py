"""Random sequences of review actions by random people: the rules hold after every step.

A Hypothesis state machine drives the services (start, deliver, verdicts, change requests, extra
revisions, approvals with and without open items, support requests, resolutions, decisions taken
on an outdated page, and the scheduler after moving a fake clock). After each step it checks:

- revisions used never exceed the quota;
- with sequential gating, at most one milestone is being worked on or reviewed at a time;
- approved and closed milestones never go back;
- only the roles the product allows ever succeed, and outsiders always get "not found";
- every successful change wrote exactly one audit event of the review cycle (plus one when the
  project completes; billing's own "invoice.issued" is counted apart: one per approval), every
  refusal wrote none and changed nothing, and the organisation's chain verifies;
- each approval, by a person or by the scheduler, is announced once (DomainEvent).

Up to 40 steps per walk (not 20): with five milestones, shorter walks rarely get past the first
approval. Each example builds its own organisation and project; rows from earlier examples stay
in the database (transaction=True), so every check is scoped to the example's own organisation
and project.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from milepost.accounts.models import Role, User
from milepost.audit.models import AuditEvent
from milepost.audit.verify import verify_chains
from milepost.core import clock
from milepost.core.errors import ApplicationError, NotFound
from milepost.core.models import DomainEvent
from milepost.plans import services as plans
from milepost.plans.models import Deliverable, Milestone, Project
from milepost.reviews import services as reviews
from milepost.reviews.models import SupportRequest

from ..factories import ClientFactory, ContactFactory, MembershipFactory, OrganisationFactory
from .conftest import BILLING_ACTIONS, START

BASE = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)
WHO = ("owner", "member", "approver", "viewer", "outsider")
#: Offsets from the first milestone that is not done: mostly the one being worked on.
NEAR = st.sampled_from([0] * 8 + [1, 2, -1, 4])
#: Mostly the milestone approved last (its support window).
BEHIND = st.sampled_from([-1] * 6 + [-2, 0])


def anyone_but_mostly(*likely: str):
    """Any of the five people, the ones who may act much more likely."""
    return st.sampled_from(WHO + likely * (8 // len(likely)))


AGENCY = anyone_but_mostly("owner", "member")
APPROVER = anyone_but_mostly("approver")
ACTIVE = {"in_progress", "in_review", "changes_requested"}
DONE = {"approved", "closed"}
RANK = {
    "planned": 0,
    "in_progress": 1,
    "in_review": 2,
    "changes_requested": 2,
    "approved": 3,
    "closed": 4,
}
#: Who may succeed at each action (the product's roles).
MAY = {
    "start": {"owner", "member"},
    "deliver": {"owner", "member"},
    "resolve": {"owner", "member"},
    "grant": {"owner"},
    "verdict": {"approver"},
    "request_changes": {"approver"},
    "approve": {"approver"},
    "support": {"approver"},
}
#: Successful steps of the last run, by action (to see how deep the walks went).
REACHED: Counter[str] = Counter()
#: Actions that write an audit event without changing a milestone's state.
NO_STATE_CHANGE = {"verdict", "grant", "support", "resolve"}


class ReviewCycle(RuleBasedStateMachine):
    @initialize()
    def build(self):
        self.now = BASE
        with clock.frozen(self.now):
            self.organisation = OrganisationFactory()
            other = OrganisationFactory()
            client = ClientFactory(organisation=self.organisation)
            users = {
                "owner": MembershipFactory(organisation=self.organisation, role=Role.OWNER).user,
                "member": MembershipFactory(organisation=self.organisation, role=Role.MEMBER).user,
                "approver": ContactFactory(client=client).user,
                "viewer": ContactFactory(client=client).user,
                "outsider": MembershipFactory(organisation=other, role=Role.OWNER).user,
            }
            owner = users["owner"]
            project = plans.project_create(
                organisation=self.organisation,
                client=client,
                actor=owner,
                template="website-cms",
                name="Random walk",
                currency="EUR",
                total_budget="10000.00",
                start_date=START,
            )
            for role in ("approver", "viewer"):
                plans.project_access_grant(
                    project=project, email=users[role].email, role=role, actor=owner
                )
            plans.plan_propose(project=project, actor=owner)
            plans.plan_accept(project=project, actor=User.objects.get(pk=users["approver"].pk))
        self.project_pk = project.pk
        self.user_pks = {role: user.pk for role, user in users.items()}
        self.chain = f"org:{self.organisation.pk}"
        self.highest = {pk: 0 for pk in self.milestone_pks()}
        self.seen: dict[int, Milestone] = {}  # pages loaded at an earlier step
        self.verified = -1  # the chain's length when it was last verified
        assert Project.objects.get(pk=self.project_pk).status == "active"

    # --- helpers ---------------------------------------------------------------------------------

    def milestone_pks(self) -> list[int]:
        return list(
            Milestone.objects.filter(project_id=self.project_pk)
            .order_by("position")
            .values_list("pk", flat=True)
        )

    def near(self, offset: int) -> int:
        """The position ``offset`` away from the first milestone that is not done (1..5)."""
        statuses = list(
            Milestone.objects.filter(project_id=self.project_pk)
            .order_by("position")
            .values_list("status", flat=True)
        )
        first_open = next((i for i, s in enumerate(statuses) if s not in DONE), len(statuses))
        return min(max(first_open + 1 + offset, 1), len(statuses))

    def user(self, who: str) -> User:
        return User.objects.get(pk=self.user_pks[who])  # fresh roles, as each request

    def milestone(self, position: int) -> Milestone:
        """The milestone as a request would load it; a second copy is kept as an old page."""
        rows = Milestone.objects.select_related("project", "project__organisation")
        if position not in self.seen:
            self.seen[position] = rows.get(project_id=self.project_pk, position=position)
        return rows.get(project_id=self.project_pk, position=position)

    def state(self) -> tuple[dict[int, str], str, int, dict[int, tuple[int, int]]]:
        rows = Milestone.objects.filter(project_id=self.project_pk)
        statuses = dict(rows.values_list("pk", "status"))
        revisions = {
            pk: (used, quota)
            for pk, used, quota in rows.values_list("pk", "revisions_used", "revision_quota")
        }
        project = Project.objects.get(pk=self.project_pk).status
        return statuses, project, self.review_events(), revisions

    def review_events(self) -> int:
        """Audit events of this organisation, without billing's (an approval issues an invoice)."""
        events = AuditEvent.objects.filter(chain=self.chain)
        for prefix in BILLING_ACTIONS:
            events = events.exclude(action__startswith=prefix)
        return events.count()

    def sequence(self) -> int:
        last = AuditEvent.objects.filter(chain=self.chain).order_by("-sequence").first()
        return last.sequence if last else 0

    def attempt(self, action: str, who: str, call) -> bool:
        """Run ``call`` at the fake time; check what a success or a refusal may change."""
        before = self.state()
        REACHED["steps"] += 1
        with clock.frozen(self.now):
            try:
                call()
            except ApplicationError as exc:
                assert self.state() == before, f"refused {action} changed something ({exc.code})"
                if who == "outsider":
                    assert isinstance(exc, NotFound), (action, exc.code)
                return False
        after = self.state()
        REACHED[action] += 1
        assert who in MAY[action], f"{who} succeeded at {action}"
        self.expect_events(before, after, extra=1 if action in NO_STATE_CHANGE else 0)
        return True

    def expect_events(self, before, after, extra: int = 0) -> None:
        moved = sum(1 for pk, status in after[0].items() if before[0][pk] != status)
        completed = int(before[1] != after[1])
        assert after[2] - before[2] == moved + completed + extra, (before, after)

    # --- rules -----------------------------------------------------------------------------------

    @rule(offset=NEAR, who=AGENCY)
    def start(self, offset, who):
        position = self.near(offset)
        m, actor = self.milestone(position), self.user(who)
        earlier_done = all(
            s in DONE
            for s in Milestone.objects.filter(
                project_id=self.project_pk, position__lt=position
            ).values_list("status", flat=True)
        )
        ok = self.attempt("start", who, lambda: reviews.milestone_start(milestone=m, actor=actor))
        if ok:
            assert m.status == "in_progress"
            assert earlier_done, "gating let a milestone start before the earlier ones"

    @rule(offset=NEAR, who=AGENCY, with_file=st.booleans())
    def deliver(self, offset, who, with_file):
        position = self.near(offset)
        m, actor = self.milestone(position), self.user(who)
        files = [SimpleUploadedFile("notes.txt", b"How to test.")] if with_file else None
        before = m.deliveries.count()
        ok = self.attempt(
            "deliver",
            who,
            lambda: reviews.milestone_deliver(milestone=m, actor=actor, notes="v", files=files),
        )
        if ok:
            assert m.deliveries.count() == before + 1
            assert list(m.deliveries.values_list("number", flat=True)) == list(range(1, before + 2))

    @rule(
        offset=NEAR,
        index=st.integers(min_value=0, max_value=4),
        who=APPROVER,
        status=st.sampled_from(["passed", "passed", "passed", "failed"]),
    )
    def verdict(self, offset, index, who, status):
        position = self.near(offset)
        items = list(
            Deliverable.objects.filter(
                milestone__project_id=self.project_pk, milestone__position=position
            )
            .select_related("milestone__project__organisation")
            .order_by("position")
        )
        deliverable, actor = items[index % len(items)], self.user(who)
        self.attempt(
            "verdict",
            who,
            lambda: reviews.deliverable_verdict(
                deliverable=deliverable, actor=actor, status=status
            ),
        )

    @rule(offset=NEAR, who=APPROVER)
    def request_changes(self, offset, who):
        position = self.near(offset)
        m, actor = self.milestone(position), self.user(who)
        used = m.revisions_used
        ok = self.attempt(
            "request_changes",
            who,
            lambda: reviews.milestone_request_changes(milestone=m, actor=actor, feedback="Fix"),
        )
        if ok:
            assert (m.status, m.revisions_used) == ("changes_requested", used + 1)

    @rule(offset=st.one_of(NEAR, BEHIND), who=anyone_but_mostly("owner"))
    def grant_revision(self, offset, who):
        position = self.near(offset)
        m, actor = self.milestone(position), self.user(who)
        quota = m.revision_quota
        ok = self.attempt(
            "grant",
            who,
            lambda: reviews.milestone_grant_revision(milestone=m, actor=actor, reason="Fair"),
        )
        if ok:
            assert m.revision_quota == quota + 1

    @rule(offset=NEAR, who=APPROVER, accept=st.booleans())
    def approve(self, offset, who, accept):
        position = self.near(offset)
        m, actor = self.milestone(position), self.user(who)
        requests = SupportRequest.objects.filter(milestone=m).count()
        used = m.revisions_used
        ok = self.attempt(
            "approve",
            who,
            lambda: reviews.milestone_approve(milestone=m, actor=actor, accept_open_items=accept),
        )
        if ok:
            approval = m.approval
            assert accept or approval.open_items == 0
            assert SupportRequest.objects.filter(milestone=m).count() == (
                requests + approval.open_items
            )
            assert m.revisions_used == used  # open items use no revision
            assert m.support_ends_at == self.now + dt.timedelta(days=m.support_window_days)

    @rule(offset=BEHIND, who=APPROVER)
    def support_request(self, offset, who):
        position = self.near(offset)
        m, actor = self.milestone(position), self.user(who)
        used = m.revisions_used
        ok = self.attempt(
            "support",
            who,
            lambda: reviews.support_request_file(milestone=m, actor=actor, description="Fix"),
        )
        if ok:
            m.refresh_from_db()
            assert m.status == "approved"
            assert self.now < m.support_ends_at
            assert m.revisions_used == used + 1

    @rule(index=st.integers(min_value=0, max_value=20), who=AGENCY)
    def resolve(self, index, who):
        requests = list(
            SupportRequest.objects.filter(milestone__project_id=self.project_pk)
            .select_related("milestone__project__organisation")
            .order_by("id")
        )
        if not requests:
            return
        request, actor = requests[index % len(requests)], self.user(who)
        was_open = request.status == "open"
        ok = self.attempt(
            "resolve", who, lambda: reviews.support_request_resolve(request=request, actor=actor)
        )
        assert not ok or was_open, "a resolved request was resolved again"

    @rule(
        who=st.sampled_from(("right",) * 6 + WHO),
        how=st.sampled_from(["approve", "pass_then_approve", "request_changes"]),
    )
    def advance(self, who, how):
        """The step the first unfinished milestone waits for, mostly by the right person (so the
        walks get deep: approvals, support windows, later milestones)."""
        position = self.near(0)
        status = Milestone.objects.get(project_id=self.project_pk, position=position).status
        if status == "planned":
            self.start(0, "member" if who == "right" else who)
        elif status in {"in_progress", "changes_requested"}:
            self.deliver(0, "owner" if who == "right" else who, with_file=False)
        elif status == "in_review":
            actor = "approver" if who == "right" else who
            if how == "request_changes":
                self.request_changes(0, actor)
            elif how == "approve":
                self.approve(0, actor, accept=True)
            else:
                for index in range(4):
                    self.verdict(0, index, actor, "passed")
                self.approve(0, actor, accept=False)
        else:  # every milestone is done: the last support window runs
            self.support_request(-1, "approver" if who == "right" else who)

    @rule(position=st.integers(min_value=1, max_value=5))
    def approve_from_an_old_page(self, position):
        """The approver approves from a page loaded earlier: refused if the state moved since."""
        if position not in self.seen:
            return
        old = self.seen.pop(position)
        seen, current = old.status, Milestone.objects.get(pk=old.pk).status
        ok = self.attempt(
            "approve",
            "approver",
            lambda: reviews.milestone_approve(
                milestone=old, actor=self.user("approver"), accept_open_items=True
            ),
        )
        if seen != current:
            assert not ok, "a decision on an outdated page went through"

    @rule(
        days=st.integers(min_value=0, max_value=20),
        minutes=st.integers(min_value=0, max_value=60 * 24),
    )
    def time_passes(self, days, minutes):
        self.now += dt.timedelta(days=days, minutes=minutes)
        before = self.state()
        due = {
            m.pk
            for m in Milestone.objects.filter(
                project_id=self.project_pk, status="in_review"
            ).select_related("project")
            if m.auto_approve_at is not None and m.auto_approve_at <= self.now
        }
        ending = set(
            Milestone.objects.filter(
                project_id=self.project_pk, status="approved", support_ends_at__lte=self.now
            ).values_list("pk", flat=True)
        )
        with clock.frozen(self.now):
            report = reviews.run_due_work()
        after = self.state()
        REACHED["auto_approve"] += len(due)
        REACHED["close"] += len(ending)
        assert report.auto_approved >= len(due) and report.closed >= len(ending)
        for pk in due:
            assert after[0][pk] in DONE, "a review past its period was not auto-approved"
        for pk in ending:
            assert after[0][pk] == "closed", "an ended support window was not closed"
        self.expect_events(before, after)
        with clock.frozen(self.now):
            reviews.run_due_work()  # again: nothing more to do
        assert self.state() == after

    # --- invariants ------------------------------------------------------------------------------

    @invariant()
    def rules_hold(self):
        """Checked after every step (one pass, few queries: the walk stays fast)."""
        rows = list(
            Milestone.objects.filter(project_id=self.project_pk)
            .order_by("position")
            .values_list("pk", "status", "revisions_used", "revision_quota")
        )
        statuses = [status for _, status, _, _ in rows]
        # Revisions used never exceed the quota.
        for _, _, used, quota in rows:
            assert used <= quota
        # Sequential gating: one milestone at a time, nothing after an unfinished one started.
        assert sum(s in ACTIVE for s in statuses) <= 1, statuses
        first_open = next((i for i, s in enumerate(statuses) if s not in DONE), len(statuses))
        assert all(s == "planned" for s in statuses[first_open + 1 :]), statuses
        # Approved and closed milestones never go back.
        for pk, status, _, _ in rows:
            if self.highest[pk] >= RANK["approved"]:
                assert RANK[status] >= self.highest[pk], f"milestone {pk} went back to {status}"
            self.highest[pk] = max(self.highest[pk], RANK[status])
        # The project is completed exactly when every milestone is done.
        project = Project.objects.get(pk=self.project_pk).status
        assert (project == "completed") == (first_open == len(statuses)), (project, statuses)
        # Each approval is announced once and billed once (all billed on approval here).
        done = len(statuses) - sum(s not in DONE for s in statuses)
        announced = DomainEvent.objects.filter(
            organisation_id=self.organisation.pk, name="milestone.approved"
        ).count()
        assert announced == done
        # The organisation's audit chain verifies (walked again whenever it grew).
        sequence = self.sequence()
        if sequence != self.verified:
            report = verify_chains(organisation_id=self.organisation.pk)
            assert report.ok, report.reason
            assert report.checked == sequence
            invoices = AuditEvent.objects.filter(chain=self.chain, action="invoice.issued")
            assert invoices.count() == done
            self.verified = sequence


@pytest.mark.django_db(transaction=True)
def test_random_review_cycles_keep_the_rules():
    REACHED.clear()
    run_state_machine_as_test(
        ReviewCycle,
        settings=settings(max_examples=25, stateful_step_count=40, deadline=None),
    )
    print("successful steps:", dict(REACHED))  # shown with -s
    # The walks went past the first refusals (not a vacuous run).
    assert REACHED["start"] > 0 and REACHED["deliver"] > 0, dict(REACHED)
