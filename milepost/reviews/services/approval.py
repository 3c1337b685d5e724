"""Approval, by the approver or automatically: the support window opens, open items become
support requests, a milestone billed on approval is invoiced (``billing.invoice_issue``) and the
project completes with its last milestone, all in the approval's transaction."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.billing.services import invoice_issue
from milepost.core import clock, events
from milepost.core.errors import RuleViolation
from milepost.core.events import EventType
from milepost.plans.lifecycle.milestone import MilestoneAction as Action
from milepost.plans.models import BillingTrigger, Milestone
from milepost.plans.permissions import require
from milepost.plans.services import project_complete

from ..models import Approval, Entry, SupportRequest
from .common import add_entry, audit_milestone, move, target_state
from .delivery import current_delivery
from .verdicts import checklist


def _approve(
    milestone: Milestone, actor: User | None, *, note: str, accept_open_items: bool
) -> Approval:
    delivery = current_delivery(milestone)
    items = checklist(milestone, delivery)
    open_items = [row for row in items if row["status"] != "passed"]
    if open_items and not accept_open_items:
        raise RuleViolation(
            ngettext(
                "%(n)s deliverable has not passed. Confirm that you approve with an open item: "
                "it becomes a support request.",
                "%(n)s deliverables have not passed. Confirm that you approve with open items: "
                "they become support requests.",
                len(open_items),
            )
            % {"n": len(open_items)},
            code="open_items_not_confirmed",
            details={"open_items": open_items},
        )
    now = clock.now()
    window = dt.timedelta(days=milestone.support_window_days)
    move(
        milestone,
        Action.AUTO_APPROVE if actor is None else Action.APPROVE,
        approved_at=now,
        approved_by=actor,
        support_ends_at=now + window,
    )
    try:
        with transaction.atomic():
            approval = Approval.objects.create(
                milestone=milestone,
                delivery=delivery,
                approved_by=actor,
                automatic=actor is None,
                note=(note or "").strip(),
                checklist=items,
                open_items=len(open_items),
                created_at=now,
            )
    except IntegrityError:
        raise RuleViolation(
            _("This milestone was already approved."), code="state_conflict"
        ) from None
    for row in open_items:
        SupportRequest.objects.create(
            milestone=milestone,
            deliverable_id=row["deliverable"],
            uses_revision=False,
            description=_("Open at approval: %(title)s") % {"title": row["title"]}
            + (f" — {row['note']}" if row["note"] else ""),
            filed_by=actor,
        )
    body = approval.note or ""
    add_entry(milestone, Entry.Kind.APPROVAL, author=actor, body=body, delivery=delivery)
    audit_milestone(
        milestone,
        actor,
        AuditAction.MILESTONE_APPROVED,
        target=approval,
        before={"status": "in_review"},
        after={"status": "approved"},
        delivery=delivery.number if delivery else None,
        automatic=actor is None,
        open_items=len(open_items),
        checklist=items,
    )
    events.emit(
        EventType.MILESTONE_APPROVED,
        organisation_id=milestone.project.organisation_id,
        milestone=milestone.pk,
        project=milestone.project_id,
        approval=approval.pk,
        automatic=actor is None,
    )
    if milestone.billing_trigger == BillingTrigger.ON_APPROVAL:
        invoice_issue(milestone=milestone, trigger=BillingTrigger.ON_APPROVAL)
    project_complete(project=milestone.project, actor=actor)
    return approval


@transaction.atomic
def milestone_approve(
    *, milestone: Milestone, actor: User, note: str = "", accept_open_items: bool = False
) -> Approval:
    """The approver accepts the delivery under review; the support window opens.

    A milestone billed on approval is invoiced in the same transaction.
    """
    require(actor, Action.APPROVE, milestone)
    target_state(milestone, Action.APPROVE)
    return _approve(milestone, actor, note=note, accept_open_items=accept_open_items)


@transaction.atomic
def milestone_auto_approve(*, milestone: Milestone) -> Approval:
    """Approve for the client who did not answer within the project's period ("system")."""
    target_state(milestone, Action.AUTO_APPROVE)
    return _approve(
        milestone,
        None,
        note=_("Approved automatically: no answer within %(n)s days.")
        % {"n": milestone.project.auto_approve_days},
        accept_open_items=True,
    )
