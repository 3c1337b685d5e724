"""Helpers shared by the review services: moving the state, revisions, files, the thread, the
audit row and required text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.core import display
from milepost.core.errors import InvalidInput, RuleViolation
from milepost.core.money import normalise
from milepost.core.uploads import format_size
from milepost.plans.lifecycle.milestone import (
    TRANSITIONS,
    MilestoneStatus,
    project_refusal,
    project_states_allowing,
    quota_refusal,
    refusal,
)
from milepost.plans.models import Milestone, Project

from ..files import CheckedFile, check_upload
from ..markdown import render
from ..models import Attachment, Entry


def target_state(milestone: Milestone, action: str) -> str:
    """The state after ``action`` from the state the actor saw, or the lifecycle's 409
    (``invalid_transition``, or the action's own refusal; ``project_on_hold`` and
    ``project_cancelled`` when the project's state holds the action back)."""
    refused = refusal(milestone.status, action) or project_refusal(milestone.project.status, action)
    if refused is not None:
        raise refused.error()
    return TRANSITIONS[MilestoneStatus(milestone.status)][action]


def move(milestone: Milestone, action: str, **fields: Any) -> None:
    """Move the state with a conditional update on the state the actor saw.

    One row changes, or someone else moved the milestone (or put its project on hold, or
    cancelled it) first: ``409 state_conflict``. The project row is locked first, so a hold or a
    cancellation waits for the move (or the move sees it). The update filters on the milestone's
    own columns only: PostgreSQL re-checks those against a row another transaction just changed,
    while a filter through the project became a subquery it did not re-check, and two racing
    moves (an approval and a change request) both went through.
    """
    target = target_state(milestone, action)
    project_status = (
        Project.objects.select_for_update()
        .filter(pk=milestone.project_id)
        .values_list("status", flat=True)
        .first()
    )
    updated = 0
    if project_status in project_states_allowing(action):
        updated = Milestone.objects.filter(pk=milestone.pk, status=milestone.status).update(
            status=target, **fields
        )
    if updated != 1:
        raise RuleViolation(
            _(
                "Someone else changed this milestone at the same time. Reload to see where it "
                "stands."
            ),
            code="state_conflict",
        )
    milestone.refresh_from_db()


def use_revision(milestone: Milestone, expected_status: str, **fields: Any) -> bool:
    """Take one revision with a conditional update; False when none is left (or state moved)."""
    return (
        Milestone.objects.filter(
            pk=milestone.pk, status=expected_status, revisions_used__lt=F("revision_quota")
        ).update(revisions_used=F("revisions_used") + 1, **fields)
        == 1
    )


def quota_exhausted(milestone: Milestone) -> RuleViolation:
    """The refusal when no revision is left (someone else may have used the last one), with the
    client's two ways on: buying one more (when the project offers it) and asking for a change
    order (``details.ways_on``: the API paths)."""
    project = milestone.project
    price = project.extra_revision_price
    ways = {
        "buy_revision": None
        if price is None
        else {
            "price": str(normalise(price, project.currency)),
            "currency": project.currency,
            "path": f"/api/v1/milestones/{milestone.pk}/buy-revision/",
        },
        "ask_change_order": f"/api/v1/milestones/{milestone.pk}/change-requests/",
    }
    said = None if price is None else display.money(price, project.currency)
    return quota_refusal(0, said, {"ways_on": ways}).error()


def check_files(files: Iterable[Any] | None, *, milestone: Milestone) -> list[CheckedFile]:
    """Check every file, refusing the whole batch with each refused file named; then the
    project's storage quota."""
    files = list(files or [])
    if len(files) > settings.MAX_FILES_PER_UPLOAD:
        raise InvalidInput(
            _("At most %(n)s files at once.") % {"n": settings.MAX_FILES_PER_UPLOAD},
            details={
                "files": [
                    _("%(sent)s files sent; at most %(n)s at once.")
                    % {"sent": len(files), "n": settings.MAX_FILES_PER_UPLOAD}
                ]
            },
        )
    checked, refusals = [], []
    for upload in files:
        try:
            checked.append(check_upload(upload))
        except InvalidInput as error:
            refusals.append(error.message)
    if len(refusals) == 1:
        raise InvalidInput(refusals[0], details={"files": refusals})
    if refusals:
        message = _("%(n)s files were refused: %(reasons)s") % {
            "n": len(refusals),
            "reasons": " ".join(refusals),
        }
        raise InvalidInput(message, details={"files": refusals})
    if checked:
        require_storage_room(milestone, sum(c.size for c in checked))
    return checked


def require_storage_room(milestone: Milestone, adding: int) -> None:
    """Refuse files that would take the project past ``PROJECT_STORAGE_QUOTA_MB``.

    The project row is locked first, so two uploads at once cannot both take the last room.
    """
    Project.objects.select_for_update().filter(pk=milestone.project_id).values_list("pk").first()
    quota = settings.PROJECT_STORAGE_QUOTA_MB * 1024 * 1024
    used = (
        Attachment.objects.filter(milestone__project_id=milestone.project_id).aggregate(
            used=Sum("size")
        )["used"]
        or 0
    )
    if used + adding <= quota:
        return
    raise RuleViolation(
        _(
            "These files (%(adding)s) would take the project past its storage quota of "
            "%(quota)s: %(used)s is used. Remove files you no longer need, or ask the agency."
        )
        % {
            "adding": format_size(adding),
            "quota": format_size(quota),
            "used": format_size(used),
        },
        code="storage_quota_exceeded",
        details={"quota_bytes": quota, "used_bytes": used, "adding_bytes": adding},
    )


def add_entry(
    milestone: Milestone,
    kind: str,
    *,
    author: Any,
    body: str = "",
    files: list[CheckedFile] = (),
    delivery=None,
) -> Entry:
    """Append a line to the milestone's thread (with its files)."""
    entry = Entry.objects.create(
        milestone=milestone,
        kind=kind,
        author=author,
        body=body,
        body_html=render(body) if body else "",
        delivery=delivery,
    )
    for checked in files:
        attachment = Attachment(
            milestone=milestone,
            entry=entry,
            name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            uploaded_by=author,
        )
        attachment.file.save(checked.name, checked.upload, save=False)
        attachment.save()
    return entry


def audit_milestone(
    milestone: Milestone, actor: User | None, action: AuditAction, target=None, **data: Any
) -> None:
    """Record ``action`` on the milestone (or on ``target``) in its project's audit chain."""
    audit_record(
        organisation=milestone.project.organisation,
        actor=actor,
        action=action,
        target=target or milestone,
        project=milestone.project,
        data={
            "milestone": milestone.pk,
            "position": milestone.position,
            "title": milestone.title,
            **data,
        },
    )


def required_text(value: str, field: str, message: str) -> str:
    """``value`` stripped, or 400 with ``message`` when it is empty."""
    text = (value or "").strip()
    if not text:
        raise InvalidInput(message, details={field: [_("This field is required.")]})
    return text
