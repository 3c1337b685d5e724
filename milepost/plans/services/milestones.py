"""Editing a draft plan: add, change, remove and reorder milestones and their deliverables."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record, diff
from milepost.core.errors import InvalidInput

from ..lifecycle.project import ProjectAction
from ..models import Deliverable, Milestone, Project
from ..permissions import require
from .common import (
    check_dates,
    clean_milestone,
    lock_project,
    milestone_audit_data,
    milestone_data,
    require_draft,
)

#: Positions are shifted past this while renumbering, so UNIQUE(project, position) holds.
_SHIFT = 1_000_000


def _editable(project: Project, actor: User) -> Project:
    require(actor, ProjectAction.EDIT_PLAN, project)
    project = lock_project(project)
    require_draft(project)
    return project


def _renumber(project: Project, ordered_ids: list[int]) -> None:
    Milestone.objects.filter(project=project).update(position=F("position") + _SHIFT)
    for position, pk in enumerate(ordered_ids, start=1):
        Milestone.objects.filter(pk=pk).update(position=position)


def _sync_deliverables(milestone: Milestone, items: list[dict[str, Any]]) -> None:
    """Make the milestone's deliverables match ``items``: keep ids given, create, delete."""
    existing = {d.pk: d for d in milestone.deliverables.all()}
    keep: set[int] = set()
    for position, item in enumerate(items, start=1):
        pk = item.get("id")
        if pk is not None:
            try:
                deliverable = existing[int(pk)]
            except (KeyError, TypeError, ValueError):
                raise InvalidInput(
                    _("Unknown deliverable."),
                    details={f"deliverables[{position - 1}].id": [_("Unknown deliverable.")]},
                ) from None
            deliverable.title = item["title"]
            deliverable.acceptance_criteria = item["acceptance_criteria"]
            deliverable.position = position
            deliverable.save(update_fields=["title", "acceptance_criteria", "position"])
            keep.add(deliverable.pk)
        else:
            Deliverable.objects.create(
                milestone=milestone,
                position=position,
                title=item["title"],
                acceptance_criteria=item["acceptance_criteria"],
            )
    milestone.deliverables.exclude(pk__in=keep).filter(pk__in=list(existing)).delete()


@transaction.atomic
def milestone_add(*, project: Project, actor: User, **fields: Any) -> Milestone:
    """Append a milestone to a draft plan (or insert it at ``position``)."""
    project = _editable(project, actor)
    position = fields.pop("position", None)
    item = clean_milestone(fields, currency=project.currency, partial=False)
    check_dates(item["planned_start"], item["planned_due"])
    item.setdefault("revision_quota", project.default_revision_quota)
    item.setdefault("support_window_days", project.default_support_window_days)
    deliverables = item.pop("deliverables", [])
    last = project.milestones.aggregate(last=Max("position"))["last"] or 0
    milestone = Milestone.objects.create(project=project, position=last + 1, **item)
    _sync_deliverables(milestone, deliverables)
    if position is not None:
        _move(project, milestone, position)
    audit_record(
        organisation=project.organisation,
        actor=actor,
        action=AuditAction.MILESTONE_ADDED,
        target=milestone,
        project=project,
        data={
            "currency": project.currency,
            "after": {
                "position": milestone.position,
                **milestone_data(milestone, project.currency),
            },
        },
    )
    return milestone


@transaction.atomic
def milestone_update(*, milestone: Milestone, actor: User, **fields: Any) -> Milestone:
    """Change a milestone of a draft plan; ``deliverables`` (a list) replaces the list."""
    project = _editable(milestone.project, actor)
    milestone = Milestone.objects.get(pk=milestone.pk)
    position = fields.pop("position", None)
    item = clean_milestone(fields, currency=project.currency, partial=True)
    deliverables = item.pop("deliverables", None)
    check_dates(
        item.get("planned_start", milestone.planned_start),
        item.get("planned_due", milestone.planned_due),
    )
    before = {"position": milestone.position, **milestone_audit_data(milestone, project.currency)}
    for key, value in item.items():
        setattr(milestone, key, value)
    if item:
        milestone.save(update_fields=list(item))
    if deliverables is not None:
        _sync_deliverables(milestone, deliverables)
    if position is not None:
        _move(project, milestone, position)
    after = {"position": milestone.position, **milestone_audit_data(milestone, project.currency)}
    changes = diff(before, after)
    if changes["after"]:
        audit_record(
            organisation=project.organisation,
            actor=actor,
            action=AuditAction.MILESTONE_UPDATED,
            target=milestone,
            project=project,
            data={
                "position": milestone.position,
                "title": milestone.title,
                "currency": project.currency,
                **changes,
            },
        )
    return milestone


@transaction.atomic
def milestone_remove(*, milestone: Milestone, actor: User) -> None:
    """Remove a milestone from a draft plan; later ones move up."""
    project = _editable(milestone.project, actor)
    data = {"position": milestone.position, **milestone_data(milestone, project.currency)}
    audit_record(
        organisation=project.organisation,
        actor=actor,
        action=AuditAction.MILESTONE_REMOVED,
        target=milestone,
        project=project,
        data={"currency": project.currency, "before": data},
    )
    milestone.delete()
    _renumber(project, list(project.milestones.order_by("position").values_list("pk", flat=True)))


def _move(project: Project, milestone: Milestone, position: Any) -> None:
    ids = list(project.milestones.order_by("position").values_list("pk", flat=True))
    try:
        target = int(position)
    except (TypeError, ValueError):
        target = 0
    if not 1 <= target <= len(ids):
        raise InvalidInput(
            _("Position must be between 1 and %(n)s.") % {"n": len(ids)},
            details={"position": [_("Position must be between 1 and %(n)s.") % {"n": len(ids)}]},
        )
    ids.remove(milestone.pk)
    ids.insert(target - 1, milestone.pk)
    _renumber(project, ids)
    milestone.position = target


@transaction.atomic
def milestone_move(*, milestone: Milestone, position: int, actor: User) -> Milestone:
    """Move a milestone to ``position`` (1-based); the others shift to keep 1..n."""
    project = _editable(milestone.project, actor)
    before = milestone.position
    _move(project, milestone, position)
    if before != milestone.position:
        audit_record(
            organisation=project.organisation,
            actor=actor,
            action=AuditAction.MILESTONE_MOVED,
            target=milestone,
            project=project,
            data={
                "title": milestone.title,
                "before": {"position": before},
                "after": {"position": milestone.position},
            },
        )
    return milestone
