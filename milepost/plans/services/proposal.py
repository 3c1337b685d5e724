"""From draft to accepted baseline: propose, withdraw, accept, decline."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from milepost.accounts import permissions
from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.core import clock, events
from milepost.core.errors import InvalidInput, RuleViolation
from milepost.core.events import EventType

from ..models import PlanProposal, PlanVersion, Project, ProjectStatus
from ..proposals import proposal_snapshot
from ..rules import Problem, validate_plan
from .common import lock_project, require, snapshot, specs


def plan_problems(project: Project) -> list[Problem]:
    """Every reason the project's plan cannot be proposed now."""
    return validate_plan(
        currency=project.currency,
        total=project.total_budget,
        milestones=specs(list(project.milestones.order_by("position"))),
        sequential_gating=project.sequential_gating,
        project_start=project.start_date,
    )


def _transition(project: Project, expected: ProjectStatus, target: ProjectStatus, **fields) -> None:
    """Move the project's status with a conditional update; 409 if someone moved it first."""
    moved = Project.objects.filter(pk=project.pk, status=expected).update(status=target, **fields)
    if moved != 1:
        raise RuleViolation(
            _(
                "The project is no longer %(expected)s: someone else changed it. Reload to see its "
                "current state."
            )
            % {"expected": expected.label.lower()},
            code="state_conflict",
        )
    project.status = target
    for key, value in fields.items():
        setattr(project, key, value)


@transaction.atomic
def plan_propose(*, project: Project, actor: User) -> Project:
    """Send a valid draft plan to the client for acceptance."""
    require(
        actor, project, permissions.can_edit_plan, _("Only owners and managers can propose a plan.")
    )
    project = lock_project(project)
    if project.status != ProjectStatus.DRAFT:
        raise RuleViolation(_("Only a draft plan can be proposed."), code="state_conflict")
    problems = plan_problems(project)
    if problems:
        raise RuleViolation(
            _("The plan is not ready to propose: %(n)s problem(s) to fix.") % {"n": len(problems)},
            code="plan_invalid",
            details={"problems": [p.as_dict() for p in problems]},
        )
    now = clock.now()
    first = {} if project.first_proposed_at else {"first_proposed_at": now}
    _transition(project, ProjectStatus.DRAFT, ProjectStatus.PROPOSED, proposed_at=now, **first)
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
    require(
        actor,
        project,
        permissions.can_edit_plan,
        _("Only owners and managers can withdraw a proposal."),
    )
    project = lock_project(project)
    _transition(project, ProjectStatus.PROPOSED, ProjectStatus.DRAFT, proposed_at=None)
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
    require(
        actor,
        project,
        permissions.can_answer_plan,
        _("Only the client's approvers can accept the plan."),
    )
    project = lock_project(project)
    now = clock.now()
    _transition(
        project,
        ProjectStatus.PROPOSED,
        ProjectStatus.ACTIVE,
        accepted_at=now,
        accepted_by=actor,
        plan_version=1,
    )
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
    require(
        actor,
        project,
        permissions.can_answer_plan,
        _("Only the client's approvers can decline the plan."),
    )
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(
            _("Say why you decline, so the agency can change the plan."),
            details={"reason": [_("This field is required.")]},
        )
    project = lock_project(project)
    _transition(project, ProjectStatus.PROPOSED, ProjectStatus.DRAFT, proposed_at=None)
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
