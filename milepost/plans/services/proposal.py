"""The project's lifecycle: propose, withdraw, accept, decline; completed when every milestone is
done. The moves and their refusals are ``plans.lifecycle.project``'s."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.core import clock, events
from milepost.core.errors import InvalidInput, RuleViolation
from milepost.core.events import EventType

from ..lifecycle.milestone import DONE
from ..lifecycle.project import SOURCES, TRANSITIONS, ProjectAction, conflict, refusal
from ..models import Milestone, PlanProposal, PlanVersion, Project
from ..permissions import require
from ..proposals import proposal_snapshot
from ..rules import Problem, validate_plan
from .common import lock_project, snapshot, specs


def plan_problems(project: Project) -> list[Problem]:
    """Every reason the project's plan cannot be proposed now."""
    return validate_plan(
        currency=project.currency,
        total=project.total_budget,
        milestones=specs(list(project.milestones.order_by("position"))),
        sequential_gating=project.sequential_gating,
        project_start=project.start_date,
    )


def move_project(project: Project, action: ProjectAction, **fields) -> None:
    """Move the project's status by ``action`` with a conditional update on the state it is in;
    409 when the lifecycle refuses, or someone moved it first."""
    expected = project.status
    refused = refusal(expected, action)
    if refused is not None:
        raise refused.error()
    target = TRANSITIONS[expected][action]
    moved = Project.objects.filter(pk=project.pk, status=expected).update(status=target, **fields)
    if moved != 1:
        raise conflict(expected).error()
    project.status = target
    for key, value in fields.items():
        setattr(project, key, value)


@transaction.atomic
def plan_propose(*, project: Project, actor: User) -> Project:
    """Send a valid draft plan to the client for acceptance."""
    require(actor, ProjectAction.PROPOSE, project)
    project = lock_project(project)
    refused = refusal(project.status, ProjectAction.PROPOSE)
    if refused is not None:
        raise refused.error()
    problems = plan_problems(project)
    if problems:
        raise RuleViolation(
            _("The plan is not ready to propose: %(n)s problem(s) to fix.") % {"n": len(problems)},
            code="plan_invalid",
            details={"problems": [p.as_dict() for p in problems]},
        )
    now = clock.now()
    first = {} if project.first_proposed_at else {"first_proposed_at": now}
    move_project(project, ProjectAction.PROPOSE, proposed_at=now, **first)
    # What the client is shown, kept as it stands: they see it again while it is revised.
    last = project.proposals.order_by("-number").values_list("number", flat=True).first()
    proposal = PlanProposal.objects.create(
        project=project,
        number=(last or 0) + 1,
        snapshot=proposal_snapshot(project),
        proposed_by=actor,
        proposed_at=now,
    )
    audit_record(
        organisation=project.organisation,
        actor=actor,
        action=AuditAction.PLAN_PROPOSED,
        target=project,
        project=project,
        data={
            "before": {"status": "draft"},
            "after": {"status": "proposed"},
            "total_budget": str(project.total),
            "currency": project.currency,
            "proposal": proposal.number,
        },
    )
    events.emit(
        EventType.PLAN_PROPOSED, organisation_id=project.organisation_id, project=project.pk
    )
    return project


@transaction.atomic
def plan_withdraw(*, project: Project, actor: User) -> Project:
    """Take a proposed plan back into draft to change it."""
    require(actor, ProjectAction.WITHDRAW, project)
    project = lock_project(project)
    move_project(project, ProjectAction.WITHDRAW, proposed_at=None)
    audit_record(
        organisation=project.organisation,
        actor=actor,
        action=AuditAction.PLAN_WITHDRAWN,
        target=project,
        project=project,
        data={"before": {"status": "proposed"}, "after": {"status": "draft"}},
    )
    return project


@transaction.atomic
def plan_accept(*, project: Project, actor: User) -> PlanVersion:
    """The client's approver accepts the plan: it becomes baseline v1 and the project starts."""
    require(actor, ProjectAction.ACCEPT, project)
    project = lock_project(project)
    now = clock.now()
    move_project(project, ProjectAction.ACCEPT, accepted_at=now, accepted_by=actor, plan_version=1)
    version = PlanVersion.objects.create(
        project=project,
        version=1,
        snapshot=snapshot(project),
        reason="baseline",
        accepted_by=actor,
        accepted_at=now,
    )
    audit_record(
        organisation=project.organisation,
        actor=actor,
        action=AuditAction.PLAN_ACCEPTED,
        target=project,
        project=project,
        data={
            "before": {"status": "proposed"},
            "after": {"status": "active"},
            "plan_version": 1,
            "snapshot": version.snapshot,
        },
    )
    events.emit(
        EventType.PLAN_ACCEPTED, organisation_id=project.organisation_id, project=project.pk
    )
    return version


@transaction.atomic
def plan_decline(*, project: Project, reason: str, actor: User) -> Project:
    """The client's approver declines, saying why; the plan goes back to draft."""
    require(actor, ProjectAction.DECLINE, project)
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(
            _("Say why you decline, so the agency can change the plan."),
            details={"reason": [_("This field is required.")]},
        )
    project = lock_project(project)
    move_project(project, ProjectAction.DECLINE, proposed_at=None)
    audit_record(
        organisation=project.organisation,
        actor=actor,
        action=AuditAction.PLAN_DECLINED,
        target=project,
        project=project,
        data={
            "before": {"status": "proposed"},
            "after": {"status": "draft"},
            "reason": text[:2000],
        },
    )
    events.emit(
        EventType.PLAN_DECLINED,
        organisation_id=project.organisation_id,
        project=project.pk,
        reason=text[:2000],
    )
    return project


def project_complete(*, project: Project, actor: User | None) -> None:
    """Complete an active project once every milestone is done (the system's ``complete``).

    Called by the approval of a milestone, in its transaction; ``actor`` is the approver (None
    for an automatic approval)."""
    if Milestone.objects.filter(project=project).exclude(status__in=list(DONE)).exists():
        return
    (active,) = SOURCES[ProjectAction.COMPLETE]
    completed = TRANSITIONS[active][ProjectAction.COMPLETE]
    if Project.objects.filter(pk=project.pk, status=active).update(status=completed) == 1:
        audit_record(
            organisation=project.organisation,
            actor=actor,
            action=AuditAction.PROJECT_COMPLETED,
            target=project,
            project=project,
            data={"before": {"status": "active"}, "after": {"status": "completed"}},
        )
