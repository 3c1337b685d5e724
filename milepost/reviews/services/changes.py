"""Asking for changes, which uses one revision, and granting an extra revision."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.core import events
from milepost.core.errors import RuleViolation
from milepost.core.events import EventType
from milepost.plans.lifecycle import milestone as lifecycle
from milepost.plans.lifecycle.milestone import MilestoneAction as Action
from milepost.plans.models import Milestone
from milepost.plans.permissions import require

from ..models import ChangeRequest, Entry, RevisionGrant
from .common import (
    add_entry,
    audit_milestone,
    check_files,
    quota_exhausted,
    required_text,
    target_state,
    use_revision,
)
from .delivery import current_delivery


@transaction.atomic
def milestone_request_changes(
    *, milestone: Milestone, actor: User, feedback: str, files: list | None = None
) -> ChangeRequest:
    """The approver asks for changes, in writing; this uses one revision."""
    require(actor, Action.REQUEST_CHANGES, milestone)
    target = target_state(milestone, Action.REQUEST_CHANGES)
    text = required_text(feedback, "feedback", _("Write what should change."))
    checked = check_files(files, milestone=milestone)
    fresh = Milestone.objects.get(pk=milestone.pk)
    if fresh.status == milestone.status and lifecycle.quota_refusal(fresh.revisions_left):
        raise quota_exhausted(milestone)
    if not use_revision(milestone, milestone.status, status=target):
        fresh.refresh_from_db()
        if fresh.status != milestone.status:
            raise RuleViolation(
                _("Someone else changed this milestone at the same time."), code="state_conflict"
            )
        raise quota_exhausted(milestone)
    milestone.refresh_from_db()
    delivery = current_delivery(milestone)
    request = ChangeRequest.objects.create(
        milestone=milestone, delivery=delivery, feedback=text, requested_by=actor
    )
    add_entry(
        milestone, Entry.Kind.CHANGES, author=actor, body=text, files=checked, delivery=delivery
    )
    audit_milestone(
        milestone,
        actor,
        AuditAction.MILESTONE_CHANGES_REQUESTED,
        target=request,
        before={"status": "in_review"},
        after={"status": milestone.status},
        revisions_used=milestone.revisions_used,
        revision_quota=milestone.revision_quota,
    )
    events.emit(
        EventType.MILESTONE_CHANGES_REQUESTED,
        organisation_id=milestone.project.organisation_id,
        milestone=milestone.pk,
        change_request=request.pk,
    )
    return request


@transaction.atomic
def milestone_grant_revision(*, milestone: Milestone, actor: User, reason: str) -> RevisionGrant:
    """Give one extra revision, saying why (owners and managers)."""
    require(actor, Action.GRANT_REVISION, milestone)
    text = required_text(reason, "reason", _("Say why the extra revision is granted."))
    updated = Milestone.objects.filter(
        pk=milestone.pk, status__in=lifecycle.SOURCES[Action.GRANT_REVISION]
    ).update(revision_quota=F("revision_quota") + 1)
    if updated != 1:
        raise lifecycle.REFUSED_OUTSIDE[Action.GRANT_REVISION].error()
    milestone.refresh_from_db()
    grant = RevisionGrant.objects.create(milestone=milestone, reason=text, granted_by=actor)
    add_entry(milestone, Entry.Kind.GRANT, author=actor, body=text)
    audit_milestone(
        milestone,
        actor,
        AuditAction.MILESTONE_REVISION_GRANTED,
        target=grant,
        reason=text,
        after={"revision_quota": milestone.revision_quota},
    )
    return grant
