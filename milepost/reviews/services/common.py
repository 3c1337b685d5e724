"""Helpers shared by the review services: who may act, moving the state, the thread."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils.translation import gettext as _

from milepost.accounts import permissions
from milepost.core.errors import InvalidInput, NotAllowed, NotFound, RuleViolation
from milepost.plans.models import Milestone, MilestoneStatus

from ..files import CheckedFile, check_upload
from ..lifecycle import TransitionRefused, next_state
from ..markdown import render
from ..models import Attachment, Entry


def require_visible(user: Any, milestone: Milestone) -> None:
    if not permissions.can_view_milestones(user, milestone.project):
        raise NotFound(_("Milestone not found."))


def require_agency(user: Any, milestone: Milestone) -> None:
    require_visible(user, milestone)
    if not permissions.is_agency_side(user, milestone.project):
        raise NotAllowed(_("Only the agency's team can do this."))


def require_manager(user: Any, milestone: Milestone) -> None:
    require_visible(user, milestone)
    if not permissions.can_edit_plan(user, milestone.project):
        raise NotAllowed(_("Only owners and managers can do this."))


def require_approver(user: Any, milestone: Milestone) -> None:
    require_visible(user, milestone)
    if not permissions.can_answer_plan(user, milestone.project):
        raise NotAllowed(_("Only the client's approvers can do this."))


def target_state(milestone: Milestone, action: str) -> str:
    """The next state from the state the actor saw, or 409 ``invalid_transition``."""
    try:
        return next_state(milestone.status, action)
    except TransitionRefused as exc:
        label = MilestoneStatus(milestone.status).label.lower()
        raise RuleViolation(
            _("This milestone is %(state)s: you cannot %(action)s it now.")
            % {"state": label, "action": action.replace("_", " ")},
            code=exc.code,
            details={"status": str(milestone.status), "action": str(action)},
        ) from None


def move(
    milestone: Milestone, action: str, *, extra_filter: dict | None = None, **fields: Any
) -> None:
    """Move the state with a conditional update on the state the actor saw.

    One row changes, or someone else moved the milestone first: ``409 state_conflict``.
    """
    target = target_state(milestone, action)
    updated = Milestone.objects.filter(
        pk=milestone.pk, status=milestone.status, **(extra_filter or {})
    ).update(status=target, **fields)
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


def quota_exhausted() -> RuleViolation:
    return RuleViolation(
        _(
            "No revision is left on this milestone. The agency can grant an extra revision, or "
            "you can ask for a change order."
        ),
        code="revision_quota_exhausted",
    )


def check_files(files: Iterable[Any] | None) -> list[CheckedFile]:
    files = list(files or [])
    if len(files) > settings.MAX_FILES_PER_UPLOAD:
        raise InvalidInput(
            _("At most %(n)s files at once.") % {"n": settings.MAX_FILES_PER_UPLOAD},
            details={"files": [_("Too many files.")]},
        )
    return [check_upload(f) for f in files]


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
