"""After approval: support requests during the window, and closing the window."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.core import clock, events
from milepost.core.errors import RuleViolation
from milepost.core.events import EventType
from milepost.plans.models import Milestone, MilestoneStatus

from ..lifecycle import Action
from ..models import Entry, SupportRequest
from .common import (
    add_entry,
    check_files,
    move,
    quota_exhausted,
    require_agency,
    require_approver,
    use_revision,
)
from .cycle import _audit, _required_text


def support_window_refusal(milestone: Milestone) -> RuleViolation | None:
    if (
        milestone.status != MilestoneStatus.APPROVED
        or milestone.support_ends_at is None
        or clock.now() >= milestone.support_ends_at
    ):
        return RuleViolation(
            _("The support window of this milestone is closed."), code="support_window_closed"
        )
    return None


@transaction.atomic
def support_request_file(
    *, milestone: Milestone, actor: User, description: str, files: list | None = None
) -> SupportRequest:
    """The approver asks for a small fix during the support window; uses one revision."""
    require_approver(actor, milestone)
    text = _required_text(description, "description", _("Describe the fix you need."))
    checked = check_files(files, milestone=milestone)
    fresh = Milestone.objects.get(pk=milestone.pk)
    refusal = support_window_refusal(fresh)
    if refusal is not None:
        raise refusal
    if not use_revision(fresh, MilestoneStatus.APPROVED):
        fresh.refresh_from_db()
        if fresh.status != MilestoneStatus.APPROVED:
            raise support_window_refusal(fresh)
        raise quota_exhausted()
    fresh.refresh_from_db()
    request = SupportRequest.objects.create(milestone=fresh, description=text, filed_by=actor)
    add_entry(fresh, Entry.Kind.SUPPORT, author=actor, body=text, files=checked)
    _audit(
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
    require_agency(actor, milestone)
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
    _audit(
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
    if milestone.support_ends_at is None or clock.now() < milestone.support_ends_at:
        raise RuleViolation(_("The support window is still open."), code="support_window_open")
    move(milestone, Action.CLOSE, closed_at=clock.now())
    add_entry(milestone, Entry.Kind.CLOSED, author=None)
    _audit(
        milestone,
        None,
        AuditAction.MILESTONE_CLOSED,
        before={"status": "approved"},
        after={"status": "closed"},
    )
    return milestone
