"""After approval: support requests during the window, and closing the window."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.core import clock, events
from milepost.core.errors import RuleViolation
from milepost.core.events import EventType
from milepost.plans.lifecycle import Refusal
from milepost.plans.lifecycle import milestone as lifecycle
from milepost.plans.lifecycle.milestone import MilestoneAction as Action
from milepost.plans.models import Milestone
from milepost.plans.permissions import require

from ..models import Entry, SupportRequest
from .common import (
    add_entry,
    audit_milestone,
    check_files,
    move,
    quota_exhausted,
    required_text,
    target_state,
    use_revision,
)


def support_window_refusal(milestone: Milestone) -> RuleViolation | None:
    refusal = lifecycle.support_window_refusal(
        milestone.status, milestone.support_ends_at, clock.now()
    )
    return refusal.error() if refusal else None


def _support_refusal(milestone: Milestone) -> Refusal | None:
    """The window, then a revision left (the lifecycle's rule over the milestone's values)."""
    return lifecycle.support_refusal(
        status=milestone.status,
        support_ends_at=milestone.support_ends_at,
        now=clock.now(),
        revisions_left=milestone.revisions_left,
    )


@transaction.atomic
def support_request_file(
    *, milestone: Milestone, actor: User, description: str, files: list | None = None
) -> SupportRequest:
    """The approver asks for a small fix during the support window; uses one revision."""
    require(actor, Action.SUPPORT_REQUEST, milestone)
    text = required_text(description, "description", _("Describe the fix you need."))
    checked = check_files(files, milestone=milestone)
    fresh = Milestone.objects.get(pk=milestone.pk)
    refusal = _support_refusal(fresh)
    if refusal is not None:
        raise refusal.error()
    if not use_revision(fresh, fresh.status):
        fresh.refresh_from_db()  # someone else closed it, or took the last revision
        refused = _support_refusal(fresh)
        raise refused.error() if refused is not None else quota_exhausted(milestone)
    fresh.refresh_from_db()
    request = SupportRequest.objects.create(milestone=fresh, description=text, filed_by=actor)
    add_entry(fresh, Entry.Kind.SUPPORT, author=actor, body=text, files=checked)
    audit_milestone(
        fresh,
        actor,
        AuditAction.SUPPORT_REQUEST_FILED,
        target=request,
        revisions_used=fresh.revisions_used,
        revision_quota=fresh.revision_quota,
    )
    events.emit(
        EventType.SUPPORT_REQUEST_FILED,
        organisation_id=fresh.project.organisation_id,
        milestone=fresh.pk,
        support_request=request.pk,
    )
    return request


@transaction.atomic
def support_request_resolve(
    *, request: SupportRequest, actor: User, resolution: str = ""
) -> SupportRequest:
    """The agency marks a support request done."""
    milestone = request.milestone
    require(actor, Action.RESOLVE, milestone)
    target_state(milestone, Action.RESOLVE)
    now = clock.now()
    text = (resolution or "").strip()
    updated = SupportRequest.objects.filter(
        pk=request.pk, status=SupportRequest.Status.OPEN
    ).update(
        status=SupportRequest.Status.RESOLVED, resolved_by=actor, resolved_at=now, resolution=text
    )
    if updated != 1:
        raise RuleViolation(_("This support request is already resolved."), code="state_conflict")
    request.refresh_from_db()
    add_entry(
        milestone,
        Entry.Kind.RESOLVED,
        author=actor,
        body=_("Resolved: %(what)s") % {"what": request.description[:200]}
        + (f"\n\n{text}" if text else ""),
    )
    audit_milestone(
        milestone,
        actor,
        AuditAction.SUPPORT_REQUEST_RESOLVED,
        target=request,
        before={"status": "open"},
        after={"status": "resolved"},
    )
    return request


@transaction.atomic
def milestone_close(*, milestone: Milestone) -> Milestone:
    """End the support window ("system"): the milestone is closed."""
    refusal = lifecycle.close_refusal(milestone.support_ends_at, clock.now())
    if refusal is not None:
        raise refusal.error()
    move(milestone, Action.CLOSE, closed_at=clock.now())
    add_entry(milestone, Entry.Kind.CLOSED, author=None)
    audit_milestone(
        milestone,
        None,
        AuditAction.MILESTONE_CLOSED,
        before={"status": "approved"},
        after={"status": "closed"},
    )
    events.emit(
        EventType.MILESTONE_CLOSED,
        organisation_id=milestone.project.organisation_id,
        milestone=milestone.pk,
        project=milestone.project_id,
    )
    return milestone
