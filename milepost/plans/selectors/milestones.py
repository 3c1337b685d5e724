"""Reads about milestones: plans as light rows for lists, and one milestone."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.db.models import F, Prefetch, prefetch_related_objects

from milepost.accounts.permissions import roles_of
from milepost.core.errors import NotFound
from milepost.core.lookup import pk_of

from ..lifecycle.milestone import auto_approve_deadline
from ..models import MILESTONE_FIELDS, Deliverable, Milestone, Project
from ..permissions import can_view_milestones
from .common import reuse_organisation

#: Milestones read for the API carry who approved them without loading the user.
APPROVER_EMAIL = {"approved_by_email": F("approved_by__email")}


def plan_prefetch() -> Prefetch:
    """A project's milestones in plan order, with their deliverables and who approved them."""
    return Prefetch(
        "milestones",
        queryset=Milestone.objects.order_by("position")
        .annotate(**APPROVER_EMAIL)
        .prefetch_related(_deliverables_prefetch()),
    )


def _deliverables_prefetch() -> Prefetch:
    return Prefetch("deliverables", queryset=Deliverable.objects.order_by("position", "id"))


#: What a plan row carries: every field the plan's JSON and tables show.
PLAN_FIELDS = (
    "id",
    "project_id",
    "position",
    "revisions_used",
    "status",
    "updated_at",
    *MILESTONE_FIELDS,
)
#: ... and the review cycle's state, as the API's milestone JSON shows it.
CYCLE_FIELDS = (
    "review_started_at",
    "review_paused",
    "approved_at",
    "approved_by_id",
    "support_ends_at",
)
CYCLE_JOINS = {
    **APPROVER_EMAIL,
    "auto_approve_days": F("project__auto_approve_days"),
    "project_status": F("project__status"),
}


def _plan_row(row: dict[str, Any]) -> SimpleNamespace:
    """A light milestone row with the properties the model has (``revisions_left``,
    ``auto_approve_at``)."""
    days, project_status = row.pop("auto_approve_days"), row.pop("project_status")
    return SimpleNamespace(
        **row,
        deliverables=[],
        revisions_left=max(row["revision_quota"] - row["revisions_used"], 0),
        auto_approve_at=auto_approve_deadline(
            row["status"], row["review_started_at"], days, row["review_paused"], project_status
        ),
    )


def plans_of(project_ids: list[int]) -> dict[int, list[SimpleNamespace]]:
    """The plans of many projects, for lists that show whole plans: project id → milestones in
    plan order, each a light row with the fields of ``PLAN_FIELDS`` and ``deliverables`` (a list
    of rows with ``id``, ``title``, ``acceptance_criteria``). Two queries, no model instances;
    visibility is the caller's business (pass only ids the user may see)."""
    milestones = {
        row["id"]: _plan_row(row)
        for row in Milestone.objects.filter(project_id__in=project_ids)
        .order_by("project_id", "position")
        .values(*PLAN_FIELDS, *CYCLE_FIELDS, **CYCLE_JOINS)
    }
    deliverables = (
        Deliverable.objects.filter(milestone_id__in=list(milestones))
        .order_by("position", "id")
        .values("id", "milestone_id", "title", "acceptance_criteria")
    )
    for row in deliverables:
        milestones[row["milestone_id"]].deliverables.append(SimpleNamespace(**row))
    plans: dict[int, list[SimpleNamespace]] = {pk: [] for pk in project_ids}
    for milestone in milestones.values():
        plans[milestone.project_id].append(milestone)
    return plans


def plans_as_seen(projects: list[Project]) -> dict[int, list[Any]]:
    """``plans_of`` for rows passed through :func:`as_seen_by`: those showing a proposal keep
    its milestones."""
    shown = {p.pk: p.proposed_plan for p in projects if hasattr(p, "shown_proposal")}
    plans = plans_of([p.pk for p in projects if p.pk not in shown])
    plans.update(shown)
    return plans


def milestone_get(user: Any, milestone_id: Any) -> Milestone:
    """One milestone of a visible project, with its project and deliverables, or NotFound."""
    milestones = (
        Milestone.objects.filter(pk=pk_of(milestone_id))
        .select_related("project__client")
        .annotate(**APPROVER_EMAIL)
    )
    if not roles_of(user):
        milestones = milestones.select_related("project__organisation")
    milestone = milestones.first()
    if milestone is None or not can_view_milestones(user, milestone.project):
        raise NotFound("Milestone not found.")
    reuse_organisation(user, milestone.project)
    prefetch_related_objects([milestone], _deliverables_prefetch())
    return milestone
