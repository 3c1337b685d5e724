"""Putting a project on hold, resuming it, cancelling it, deleting a draft never proposed.

What each state holds back is the lifecycle's (``plans.lifecycle.project``'s docstring). Moving
the review clocks on resume belongs to the review cycle: the web and the API call
``reviews.services.project_resume_and_shift_clocks``, which wraps ``project_resume``.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.core import clock, events
from milepost.core.errors import InvalidInput
from milepost.core.events import EventType

from ..lifecycle.project import ProjectAction, ProjectStatus, cancel_refusal, delete_refusal
from ..models import Project
from ..permissions import require
from .common import lock_project
from .proposal import move_project

REASON_MAX = 2000


def _reason(text: str | None, *, required: bool, message: str = "") -> str:
    value = (text or "").strip()
    if required and not value:
        raise InvalidInput(message, details={"reason": [_("This field is required.")]})
    if len(value) > REASON_MAX:
        limit = _("At most %(n)s characters.") % {"n": REASON_MAX}
        raise InvalidInput(limit, details={"reason": [limit]})
    return value


def _audit(project: Project, actor: User, action: AuditAction, before: str, **data) -> None:
    audit_record(
        organisation=project.organisation,
        actor=actor,
        action=action,
        target=project,
        project=project,
        data={"before": {"status": before}, "after": {"status": project.status}, **data},
    )


@transaction.atomic
def project_hold(*, project: Project, actor: User, reason: str = "") -> Project:
    """Pause an active project: nothing moves in it until it is resumed."""
    require(actor, ProjectAction.HOLD, project)
    text = _reason(reason, required=False)
    project = lock_project(project)
    before = project.status
    move_project(project, ProjectAction.HOLD, on_hold_since=clock.now(), hold_reason=text)
    _audit(project, actor, AuditAction.PROJECT_PUT_ON_HOLD, before, reason=text)
    events.emit(
        EventType.PROJECT_PUT_ON_HOLD,
        organisation_id=project.organisation_id,
        project=project.pk,
        actor=actor.pk,
        reason=text,
    )
    return project


@transaction.atomic
def project_resume(*, project: Project, actor: User) -> tuple[dt.datetime | None, dt.timedelta]:
    """Take a project off hold; returns since when and how long it was on hold (the review
    clocks move by it: ``reviews.services.project_resume_and_shift_clocks``)."""
    require(actor, ProjectAction.RESUME, project)
    project = lock_project(project)
    before, since = project.status, project.on_hold_since
    move_project(project, ProjectAction.RESUME, on_hold_since=None, hold_reason="")
    held = max(clock.now() - since, dt.timedelta(0)) if since else dt.timedelta(0)
    _audit(
        project,
        actor,
        AuditAction.PROJECT_RESUMED,
        before,
        on_hold_since=since,
        held_seconds=int(held.total_seconds()),
    )
    events.emit(
        EventType.PROJECT_RESUMED,
        organisation_id=project.organisation_id,
        project=project.pk,
        actor=actor.pk,
        held_seconds=int(held.total_seconds()),
    )
    return since, held


@transaction.atomic
def project_cancel(*, project: Project, actor: User, reason: str) -> Project:
    """End a project for good, saying why. Issued invoices stay; nothing more is started,
    delivered, approved or invoiced."""
    require(actor, ProjectAction.CANCEL, project)
    text = _reason(
        reason,
        required=True,
        message=_("Say why the project is cancelled: both sides will read it."),
    )
    project = lock_project(project)
    refused = cancel_refusal(project.status, project.first_proposed_at is not None)
    if refused is not None:
        raise refused.error()
    before = project.status
    fields = {"cancelled_at": clock.now(), "cancel_reason": text}
    if before == ProjectStatus.ON_HOLD:
        fields.update(on_hold_since=None, hold_reason="")
    move_project(project, ProjectAction.CANCEL, **fields)
    _audit(project, actor, AuditAction.PROJECT_CANCELLED, before, reason=text)
    events.emit(
        EventType.PROJECT_CANCELLED,
        organisation_id=project.organisation_id,
        project=project.pk,
        actor=actor.pk,
        reason=text,
    )
    return project


@transaction.atomic
def project_delete(*, project: Project, actor: User) -> None:
    """Delete a draft never proposed, with its milestones (the audit trail keeps its story)."""
    require(actor, ProjectAction.DELETE, project)
    project = lock_project(project)
    refused = delete_refusal(project.status, project.first_proposed_at is not None)
    if refused is not None:
        raise refused.error()
    _audit_delete(project, actor)
    Project.objects.filter(pk=project.pk).delete()  # the row is locked: nothing slipped in


def _audit_delete(project: Project, actor: User) -> None:
    audit_record(
        organisation=project.organisation,
        actor=actor,
        action=AuditAction.PROJECT_DELETED,
        target=project,
        project=project,
        data={
            "before": {
                "status": project.status,
                "name": project.name,
                "client": project.client.name,
                "total_budget": str(project.total),
                "milestones": project.milestones.count(),
            },
            "after": None,
        },
    )
