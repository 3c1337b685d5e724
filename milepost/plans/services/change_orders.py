"""Change orders: drafted, edited, proposed and withdrawn by the agency's owners and managers,
declined by the client's approver. Accepting one (``reviews.services.change_orders``, which also
settles the money) calls :func:`change_order_apply` here to write the plan and its next version.

The rules of the changes themselves are ``plans.changes`` (pure); the states are
``plans.lifecycle.change_order``. Nothing typed is lost: a draft keeps its changes even when they
have problems; the problems are shown (``change_order_outcome``) and only block proposing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch
from django.utils.translation import gettext as _

from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.core import clock, events
from milepost.core.errors import FIELDS_INVALID, InvalidInput, RuleViolation
from milepost.core.events import EventType
from milepost.core.money import normalise

from .. import changes
from ..lifecycle import change_order as lifecycle
from ..lifecycle.change_order import ChangeOrderAction, ChangeOrderStatus
from ..lifecycle.milestone import DONE, MilestoneAction, MilestoneStatus
from ..lifecycle.milestone import refusal as milestone_refusal
from ..lifecycle.project import ProjectAction
from ..lifecycle.project import refusal as project_refusal
from ..models import (
    BillingTrigger,
    ChangeOrder,
    ChangeOrderProposal,
    ChangeOrderRequest,
    Deliverable,
    Milestone,
    PlanVersion,
    Project,
)
from ..permissions import require
from .common import holidays_for, lock_project, snapshot

#: How long a change order's title and reason may be.
TITLE_MAX = 200
REASON_MAX = 5000


# --- Reading the plan as the rules see it ---------------------------------------------------------


def is_invoiced(status: str, billing_trigger: str) -> bool:
    """Whether a milestone's invoice was issued: approved (or closed), or started when billed on
    start (the prepayment invoice comes with the start)."""
    if status in DONE:
        return True
    return billing_trigger == BillingTrigger.ON_START and status != MilestoneStatus.PLANNED


def was_delivered(status: str, revisions_used: int) -> bool:
    """Whether a milestone was delivered at least once (its deliverables carry verdicts): in
    review or after it, or sent back for changes at least once."""
    return status in REVIEWED or revisions_used > 0


#: The states a milestone reaches only by being delivered.
REVIEWED = frozenset({MilestoneStatus.IN_REVIEW, MilestoneStatus.CHANGES_REQUESTED, *DONE})


def current_plan(project: Project) -> changes.Plan:
    """The project's plan now, as ``plans.changes`` reads it (two queries)."""
    milestones = (
        Milestone.objects.filter(project=project)
        .prefetch_related(
            Prefetch("deliverables", queryset=Deliverable.objects.order_by("position", "id"))
        )
        .order_by("position")
    )
    return changes.Plan(
        currency=project.currency,
        sequential_gating=project.sequential_gating,
        project_start=project.start_date,
        extra_revision_price=project.extra_revision_price,
        stages=tuple(_stage(m) for m in milestones),
    )


def _stage(m: Milestone) -> changes.Stage:
    return changes.Stage(
        id=m.pk,
        title=m.title,
        scope=m.scope,
        budget=m.budget,
        planned_start=m.planned_start,
        planned_due=m.planned_due,
        revision_quota=m.revision_quota,
        support_window_days=m.support_window_days,
        billing_trigger=m.billing_trigger,
        deliverables=tuple(
            changes.Item(d.pk, d.title, d.acceptance_criteria) for d in m.deliverables.all()
        ),
        status=m.status,
        invoiced=is_invoiced(m.status, m.billing_trigger),
        delivered=was_delivered(m.status, m.revisions_used),
        revisions_used=m.revisions_used,
    )


def _holidays(project: Project, plan: changes.Plan):
    days = [d for s in plan.stages for d in (s.planned_start, s.planned_due) if d]
    if not days:
        return frozenset()
    return holidays_for(project.organisation.country, range(min(days).year, max(days).year + 3))


def change_order_outcome(
    change_order: ChangeOrder, before: changes.Plan | None = None
) -> tuple[changes.Plan, changes.Outcome]:
    """The current plan (``before``, when the caller read it already: a list reads it once),
    and the plan after the change order with every problem (its own, and ``plan_changed`` when
    the plan moved on since it was drafted)."""
    project = change_order.project
    before = before if before is not None else current_plan(project)
    outcome = changes.apply(before, change_order.changes, holidays=_holidays(project, before))
    if change_order.status == ChangeOrderStatus.DRAFT and (
        change_order.base_version != project.plan_version
    ):
        stale = lifecycle.plan_changed_refusal(change_order.base_version, project.plan_version)
        outcome = changes.Outcome(
            outcome.plan, (changes.Problem(stale.code, stale.message), *outcome.problems)
        )
    return before, outcome


# --- Writes ---------------------------------------------------------------------------------------


def _lock(change_order: ChangeOrder) -> tuple[ChangeOrder, Project]:
    """The project row first (every plan change queues on it), then the change order."""
    project = lock_project(change_order.project)
    fresh = ChangeOrder.objects.select_for_update().get(pk=change_order.pk)
    fresh.project = project
    return fresh, project


def _refuse(refused) -> None:
    if refused is not None:
        raise refused.error()


def change_order_input_errors(
    *, title: Any = None, reason: Any = None, changes_: Any = None, partial: bool = False
) -> dict[str, list[str]]:
    """What is wrong with a draft's title, reason and changes as typed, every field at once
    (``partial``: only those given are checked; a missing ``changes_`` is not checked). The
    changes' own problems (bad budgets, unknown milestones) are not among them: a draft keeps
    them, and they are listed as its ``problems``."""
    errors: dict[str, list[str]] = {}
    if title is not None or not partial:
        text = str(title or "").strip()
        if not text:
            errors["title"] = [_("This field is required.")]
        elif len(text) > TITLE_MAX:
            errors["title"] = [_("At most %(n)s characters.") % {"n": TITLE_MAX}]
    if reason is not None and len(str(reason).strip()) > REASON_MAX:
        errors["reason"] = [_("At most %(n)s characters.") % {"n": REASON_MAX}]
    if changes_ is not None and not (
        isinstance(changes_, list) and all(isinstance(c, dict) for c in changes_)
    ):
        errors["changes"] = [_("A list of changes, each an object with an “op”.")]
    return errors


def _refuse_input(errors: dict[str, list[str]]) -> None:
    if errors:
        raise InvalidInput(str(FIELDS_INVALID), details=errors)


def _texts(title: Any, reason: Any, *, partial: bool) -> dict[str, str]:
    """The title and reason as stored (checked by ``change_order_input_errors``)."""
    cleaned: dict[str, str] = {}
    if title is not None or not partial:
        cleaned["title"] = str(title or "").strip()
    if reason is not None:
        cleaned["reason"] = str(reason or "").strip()
    return cleaned


def _audit(change_order: ChangeOrder, actor: User | None, action: AuditAction, **data) -> None:
    project = change_order.project
    audit_record(
        organisation=project.organisation,
        actor=actor,
        action=action,
        target=change_order,
        project=project,
        data={"number": change_order.number, "title": change_order.title, **data},
    )


@transaction.atomic
def change_order_create(
    *,
    project: Project,
    actor: User,
    title: str,
    reason: str = "",
    changes_: list | None = None,
    request: ChangeOrderRequest | None = None,
) -> ChangeOrder:
    """Draft a change order on the project's current plan version (``changes_`` may be empty or
    have problems: a draft keeps what was typed)."""
    require(actor, ProjectAction.CHANGE_PLAN, project)
    listed = changes_ if changes_ is not None else []
    errors = change_order_input_errors(title=title, reason=reason, changes_=listed)
    if request is not None and request.milestone.project_id != project.pk:
        errors["change_request"] = [_("Not a request of this project.")]
    _refuse_input(errors)
    texts = _texts(title, reason, partial=False)
    listed = changes.normalised(listed)
    project = lock_project(project)
    _refuse(project_refusal(project.status, ProjectAction.CHANGE_PLAN))
    if request is not None:
        request = ChangeOrderRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != ChangeOrderRequest.Status.OPEN:
            raise RuleViolation(
                _("That change request was already answered."), code="state_conflict"
            )
    if request is not None and not listed:
        listed = request_changes(request)
    change_order = ChangeOrder.objects.create(
        project=project,
        number=next_number(project),
        title=texts["title"],
        reason=texts.get("reason", ""),
        base_version=project.plan_version,
        changes=listed,
        request=request,
        created_by=actor,
    )
    if request is not None:
        request.status = ChangeOrderRequest.Status.DRAFTED
        request.decided_by = actor
        request.decided_at = clock.now()
        request.save(update_fields=["status", "decided_by", "decided_at"])
    _audit(change_order, actor, AuditAction.CHANGE_ORDER_DRAFTED, base_version=project.plan_version)
    return change_order


@transaction.atomic
def change_order_update(
    *,
    change_order: ChangeOrder,
    actor: User,
    title: str | None = None,
    reason: str | None = None,
    changes_: list | None = None,
) -> ChangeOrder:
    """Edit a draft: its title, reason or changes (given ones replace the old)."""
    require(actor, ChangeOrderAction.EDIT, change_order)
    _refuse_input(
        change_order_input_errors(title=title, reason=reason, changes_=changes_, partial=True)
    )
    texts = _texts(title, reason, partial=True)
    listed = changes.normalised(changes_)
    change_order, _project = _lock(change_order)
    _refuse(lifecycle.refusal(change_order.status, ChangeOrderAction.EDIT))
    for key, value in texts.items():
        setattr(change_order, key, value)
    if listed is not None:
        change_order.changes = listed
    change_order.save(update_fields=["title", "reason", "changes"])
    _audit(change_order, actor, AuditAction.CHANGE_ORDER_UPDATED, changes=len(change_order.changes))
    return change_order


@transaction.atomic
def change_order_delete(*, change_order: ChangeOrder, actor: User) -> None:
    """Delete a draft never proposed (once proposed, it stays on record)."""
    require(actor, ChangeOrderAction.DELETE, change_order)
    change_order, _project = _lock(change_order)
    _refuse(lifecycle.delete_refusal(change_order.status, change_order.proposals.exists()))
    _audit(change_order, actor, AuditAction.CHANGE_ORDER_DELETED)
    if change_order.request_id:
        ChangeOrderRequest.objects.filter(pk=change_order.request_id).update(
            status=ChangeOrderRequest.Status.OPEN, decided_by=None, decided_at=None
        )
    change_order.delete()


@transaction.atomic
def change_order_rebase(*, change_order: ChangeOrder, actor: User) -> ChangeOrder:
    """Move a draft onto the project's current plan version; its changes stay (the problems they
    now have are shown)."""
    require(actor, ChangeOrderAction.REBASE, change_order)
    change_order, project = _lock(change_order)
    _refuse(lifecycle.refusal(change_order.status, ChangeOrderAction.REBASE))
    before = change_order.base_version
    change_order.base_version = project.plan_version
    change_order.save(update_fields=["base_version"])
    _audit(
        change_order,
        actor,
        AuditAction.CHANGE_ORDER_REBASED,
        before={"base_version": before},
        after={"base_version": project.plan_version},
    )
    return change_order


def pending_refusal(project: Project, *, exclude: int | None = None, buying: bool = False):
    """Why nothing more can change the plan while a change order waits for the client's answer
    (None: none waits); ``exclude``, the change order being proposed."""
    pending = (
        project.change_orders.filter(status=ChangeOrderStatus.PROPOSED)
        .exclude(pk=exclude)
        .values_list("pk", "number")
        .first()
    )
    if pending is None:
        return None
    return lifecycle.pending_refusal(pending[1], pending[0], buying=buying)


def _problems_error(problems) -> RuleViolation:
    return RuleViolation(
        _("The change order cannot be proposed: %(n)s problem(s) to fix.") % {"n": len(problems)},
        code="plan_invalid",
        details={"problems": [p.as_dict() for p in problems]},
    )


@transaction.atomic
def change_order_propose(*, change_order: ChangeOrder, actor: User) -> ChangeOrder:
    """Send a valid draft to the client: at most one waits at a time, and only one drafted on
    the current plan version. What the client is shown is kept (``ChangeOrderProposal``)."""
    require(actor, ChangeOrderAction.PROPOSE, change_order)
    change_order, project = _lock(change_order)
    _refuse(lifecycle.refusal(change_order.status, ChangeOrderAction.PROPOSE))
    _refuse(project_refusal(project.status, ProjectAction.CHANGE_PLAN))
    _refuse(pending_refusal(project, exclude=change_order.pk))
    if change_order.base_version != project.plan_version:
        raise lifecycle.plan_changed_refusal(
            change_order.base_version, project.plan_version
        ).error()
    before, outcome = change_order_outcome(change_order)
    if not outcome.ok:
        raise _problems_error(outcome.problems)
    difference = changes.diff(before, outcome.plan)
    if difference.empty:
        raise RuleViolation(
            _("This change order changes nothing yet. Add a change to propose it."),
            code="change_order_empty",
        )
    now = clock.now()
    currency = project.currency
    change_order.status = ChangeOrderStatus.PROPOSED
    change_order.proposed_at = now
    change_order.proposed_by = actor
    change_order.price = normalise(difference.price, currency)
    change_order.total_before = before.total
    change_order.total_after = outcome.plan.total
    change_order.decided_at = None
    change_order.decided_by = None
    change_order.decline_reason = ""
    try:
        with transaction.atomic():
            change_order.save()
    except IntegrityError:  # another one was proposed at the same moment
        refused = pending_refusal(project, exclude=change_order.pk)
        raise (refused or lifecycle.pending_refusal(0)).error() from None
    last = change_order.proposals.order_by("-number").values_list("number", flat=True).first()
    ChangeOrderProposal.objects.create(
        change_order=change_order,
        number=(last or 0) + 1,
        snapshot=proposal_snapshot(change_order, before, outcome.plan, difference),
        proposed_by=actor,
        proposed_at=now,
    )
    _audit(
        change_order,
        actor,
        AuditAction.CHANGE_ORDER_PROPOSED,
        price=str(change_order.price),
        total_before=str(change_order.total_before),
        total_after=str(change_order.total_after),
        currency=currency,
    )
    events.emit(
        EventType.CHANGE_ORDER_PROPOSED,
        organisation_id=project.organisation_id,
        project=project.pk,
        change_order=change_order.pk,
    )
    return change_order


def proposal_snapshot(change_order, before, after, difference) -> dict[str, Any]:
    """What the client is shown: the changes, the difference line by line, and the money."""
    currency = change_order.project.currency
    return {
        "title": change_order.title,
        "reason": change_order.reason,
        "base_version": change_order.base_version,
        "changes": change_order.changes,
        "total_before": str(before.total),
        "total_after": str(after.total),
        "price": str(normalise(difference.price, currency)),
        "invoiced_at_once": [
            {"milestone": stage.id, "amount": str(normalise(amount, currency))}
            for stage, amount in changes.invoiced_at_once(before, after)
        ],
        "lines": changes.lines(difference),
    }


def _answer(change_order: ChangeOrder, answer: str, actor: User, reason: str = "") -> None:
    proposal = change_order.proposals.order_by("-number").first()
    if proposal is not None and not proposal.answer:
        proposal.answer = answer
        proposal.answered_by = actor
        proposal.answered_at = clock.now()
        proposal.answer_reason = reason
        proposal.save(update_fields=["answer", "answered_by", "answered_at", "answer_reason"])


@transaction.atomic
def change_order_withdraw(*, change_order: ChangeOrder, actor: User) -> ChangeOrder:
    """Take a proposed change order back (the client's answer is no longer asked)."""
    require(actor, ChangeOrderAction.WITHDRAW, change_order)
    change_order, _project = _lock(change_order)
    _refuse(lifecycle.refusal(change_order.status, ChangeOrderAction.WITHDRAW))
    change_order.status = ChangeOrderStatus.WITHDRAWN
    change_order.decided_at = clock.now()
    change_order.decided_by = actor
    change_order.save(update_fields=["status", "decided_at", "decided_by"])
    _answer(change_order, ChangeOrderStatus.WITHDRAWN, actor)
    _audit(change_order, actor, AuditAction.CHANGE_ORDER_WITHDRAWN)
    return change_order


@transaction.atomic
def change_order_decline(*, change_order: ChangeOrder, actor: User, reason: str) -> ChangeOrder:
    """The client's approver declines, saying why; the agency may revise and propose again."""
    require(actor, ChangeOrderAction.DECLINE, change_order)
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(
            _("Say why you decline, so the agency can change it."),
            details={"reason": [_("This field is required.")]},
        )
    change_order, project = _lock(change_order)
    _refuse(lifecycle.refusal(change_order.status, ChangeOrderAction.DECLINE))
    change_order.status = ChangeOrderStatus.DECLINED
    change_order.decided_at = clock.now()
    change_order.decided_by = actor
    change_order.decline_reason = text[:REASON_MAX]
    change_order.save(update_fields=["status", "decided_at", "decided_by", "decline_reason"])
    _answer(change_order, ChangeOrderStatus.DECLINED, actor, text[:REASON_MAX])
    _audit(change_order, actor, AuditAction.CHANGE_ORDER_DECLINED, reason=text[:2000])
    events.emit(
        EventType.CHANGE_ORDER_DECLINED,
        organisation_id=project.organisation_id,
        project=project.pk,
        change_order=change_order.pk,
        reason=text[:2000],
    )
    return change_order


@transaction.atomic
def change_order_revise(*, change_order: ChangeOrder, actor: User) -> ChangeOrder:
    """A declined or withdrawn change order back to draft, on the current plan version; its
    earlier proposals and answers stay."""
    require(actor, ChangeOrderAction.REVISE, change_order)
    change_order, project = _lock(change_order)
    _refuse(lifecycle.refusal(change_order.status, ChangeOrderAction.REVISE))
    _refuse(project_refusal(project.status, ProjectAction.CHANGE_PLAN))
    change_order.status = ChangeOrderStatus.DRAFT
    change_order.base_version = project.plan_version
    change_order.save(update_fields=["status", "base_version"])
    _audit(change_order, actor, AuditAction.CHANGE_ORDER_REVISED)
    return change_order


def change_order_apply(
    *, change_order: ChangeOrder, project: Project, actor: User, bought: bool = False
) -> tuple[PlanVersion, changes.Plan, changes.Plan]:
    """Accept a proposed change order: write the plan after it, the project's total and the next
    plan version. Runs in the acceptance's transaction, with the project and the change order
    locked (``reviews.services.change_orders.change_order_accept``), after ``require``.

    Returns the new version, and the plan before and after (the caller settles the money).
    ``bought``: an extra revision the approver bought in one click (``revision_buy``), accepted
    as it is made, without a proposal waiting.
    """
    if not bought:
        _refuse(lifecycle.refusal(change_order.status, ChangeOrderAction.ACCEPT))
    _refuse(project_refusal(project.status, ProjectAction.CHANGE_PLAN))
    if change_order.base_version != project.plan_version:
        raise lifecycle.plan_changed_refusal(
            change_order.base_version, project.plan_version
        ).error()
    before, outcome = change_order_outcome(change_order)
    if not outcome.ok:
        raise RuleViolation(
            _("The plan changed so that this change order no longer applies."),
            code="plan_changed",
            details={"problems": [p.as_dict() for p in outcome.problems]},
        )
    after = outcome.plan
    _write_plan(project, before, after)
    now = clock.now()
    number = project.plan_version + 1
    Project.objects.filter(pk=project.pk).update(
        total_budget=after.total,
        plan_version=number,
        extra_revision_price=after.extra_revision_price,
    )
    project.total_budget = after.total
    project.plan_version = number
    project.extra_revision_price = after.extra_revision_price
    change_order.status = ChangeOrderStatus.ACCEPTED
    change_order.decided_at = now
    change_order.decided_by = actor
    change_order.price = normalise(after.total - before.total, project.currency)
    change_order.total_before = before.total
    change_order.total_after = after.total
    change_order.save(
        update_fields=["status", "decided_at", "decided_by", "price", "total_before", "total_after"]
    )
    _answer(change_order, ChangeOrderStatus.ACCEPTED, actor)
    version = PlanVersion.objects.create(
        project=project,
        version=number,
        snapshot=snapshot(project),
        reason=f"{change_order.label}: {change_order.title}"[:200],
        change_order=change_order,
        accepted_by=actor,
        accepted_at=now,
    )
    _audit(
        change_order,
        actor,
        AuditAction.CHANGE_ORDER_ACCEPTED,
        plan_version=number,
        total_before=str(before.total),
        total_after=str(after.total),
        currency=project.currency,
    )
    events.emit(
        EventType.CHANGE_ORDER_ACCEPTED,
        organisation_id=project.organisation_id,
        project=project.pk,
        change_order=change_order.pk,
        plan_version=number,
    )
    return version, before, after


def _write_plan(project: Project, before: changes.Plan, after: changes.Plan) -> None:
    """Make the milestones and deliverables what ``after`` says."""
    kept = {s.id for s in after.stages if s.id is not None}
    removed = [s.id for s in before.stages if s.id not in kept]
    if removed:
        Milestone.objects.filter(project=project, pk__in=removed).delete()
    # Positions are unique per project: move every kept one past them all first.
    offset = len(before.stages) + len(after.stages) + 1
    Milestone.objects.filter(project=project).update(position=F("position") + offset)
    rows = {m.pk: m for m in Milestone.objects.filter(project=project)}
    for position, stage in enumerate(after.stages, start=1):
        fields = {
            "position": position,
            "title": stage.title,
            "scope": stage.scope,
            "budget": stage.budget,
            "planned_start": stage.planned_start,
            "planned_due": stage.planned_due,
            "revision_quota": stage.revision_quota,
            "support_window_days": stage.support_window_days,
            "billing_trigger": stage.billing_trigger,
        }
        if stage.id is None:
            milestone = Milestone.objects.create(project=project, **fields)
        else:
            milestone = rows[stage.id]
            moved = _support_end_moved(milestone, stage.support_window_days)
            for key, value in fields.items():
                setattr(milestone, key, value)
            if moved is not None:
                milestone.support_ends_at = moved
                fields["support_ends_at"] = moved
            milestone.save(update_fields=list(fields))
        _write_items(milestone, stage.deliverables)


def _support_end_moved(milestone: Milestone, window_days: int) -> dt.datetime | None:
    """When an approved milestone's support window now ends (None: it does not move): by as
    many days as the window grew, so a hold that moved the end (``reviews.services.hold``)
    still counts."""
    if milestone.status != MilestoneStatus.APPROVED or milestone.support_ends_at is None:
        return None
    grown = window_days - milestone.support_window_days
    if not grown:
        return None
    return milestone.support_ends_at + dt.timedelta(days=grown)


def _write_items(milestone: Milestone, items: tuple[changes.Item, ...]) -> None:
    existing = {d.pk: d for d in milestone.deliverables.all()}
    keep = {item.id for item in items if item.id is not None}
    gone = [pk for pk in existing if pk not in keep]
    if gone:
        Deliverable.objects.filter(pk__in=gone).delete()
    for position, item in enumerate(items, start=1):
        if item.id is None:
            Deliverable.objects.create(
                milestone=milestone,
                position=position,
                title=item.title,
                acceptance_criteria=item.acceptance_criteria,
            )
            continue
        row = existing[item.id]
        if (row.position, row.title, row.acceptance_criteria) != (
            position,
            item.title,
            item.acceptance_criteria,
        ):
            row.position, row.title = position, item.title
            row.acceptance_criteria = item.acceptance_criteria
            row.save(update_fields=["position", "title", "acceptance_criteria"])


# --- Asking for a change order ----------------------------------------------------------------


def next_number(project: Project) -> int:
    last = project.change_orders.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


@transaction.atomic
def change_order_request_file(
    *, milestone: Milestone, actor: User, text: str
) -> ChangeOrderRequest:
    """The client's approver asks for a change order about a milestone (more than the plan
    holds, or when the revisions ran out); it waits on the agency."""
    require(actor, MilestoneAction.ASK_CHANGE_ORDER, milestone)
    cleaned = (text or "").strip()
    if not cleaned or len(cleaned) > REASON_MAX:
        message = (
            _("Say what should change.")
            if not cleaned
            else _("At most %(n)s characters.") % {"n": REASON_MAX}
        )
        raise InvalidInput(message, details={"text": [message]})
    project = lock_project(milestone.project)
    _refuse(project_refusal(project.status, ProjectAction.CHANGE_PLAN))
    fresh = Milestone.objects.get(pk=milestone.pk)
    _refuse(milestone_refusal(fresh.status, MilestoneAction.ASK_CHANGE_ORDER))
    request = ChangeOrderRequest.objects.create(milestone=fresh, text=cleaned, created_by=actor)
    audit_record(
        organisation=project.organisation,
        actor=actor,
        action=AuditAction.CHANGE_ORDER_REQUESTED,
        target=request,
        project=project,
        data={"milestone": fresh.pk, "title": fresh.title, "text": cleaned[:2000]},
    )
    events.emit(
        EventType.CHANGE_ORDER_REQUESTED,
        organisation_id=project.organisation_id,
        project=project.pk,
        milestone=fresh.pk,
        request=request.pk,
    )
    return request


@transaction.atomic
def change_order_request_decline(
    *, request: ChangeOrderRequest, actor: User, reason: str
) -> ChangeOrderRequest:
    """The agency declines a request for a change order, saying why (owners and managers)."""
    project = request.milestone.project
    require(actor, ProjectAction.CHANGE_PLAN, project)
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(
            _("Say why, so the client knows what to expect."),
            details={"reason": [_("This field is required.")]},
        )
    lock_project(project)
    fresh = ChangeOrderRequest.objects.select_for_update().get(pk=request.pk)
    if fresh.status != ChangeOrderRequest.Status.OPEN:
        raise RuleViolation(_("This request was already answered."), code="state_conflict")
    fresh.status = ChangeOrderRequest.Status.DECLINED
    fresh.decided_by = actor
    fresh.decided_at = clock.now()
    fresh.decline_reason = text[:REASON_MAX]
    fresh.save(update_fields=["status", "decided_by", "decided_at", "decline_reason"])
    audit_record(
        organisation=project.organisation,
        actor=actor,
        action=AuditAction.CHANGE_ORDER_REQUEST_DECLINED,
        target=fresh,
        project=project,
        data={"milestone": fresh.milestone_id, "reason": text[:2000]},
    )
    return fresh


def request_changes(request: ChangeOrderRequest) -> list[dict[str, Any]]:
    """A draft change order's first change for a request: the milestone, nothing set yet."""
    return [{"op": "update", "milestone": request.milestone_id, "fields": {}}]
