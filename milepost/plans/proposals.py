"""What was proposed to the client: the snapshot taken at propose time, and the project as it
stood in it (what a client contact sees while the plan is back in draft, being revised)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.db.models import Model, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from milepost.core.money import normalise

from .models import (
    Deliverable,
    Milestone,
    MilestoneStatus,
    PlanProposal,
    Project,
)

#: The project's fields a proposal keeps (what the client was shown), with how to read them back.
PROJECT_FIELDS = {
    "name": str,
    "summary": str,
    "currency": str,
    "total_budget": Decimal,
    "start_date": dt.date.fromisoformat,
    "sequential_gating": bool,
    "pay_before_next": bool,
    "auto_approve_days": int,
    "default_revision_quota": int,
    "default_support_window_days": int,
    "payment_terms_days": int,
    "tax_rate": Decimal,
    "extra_revision_price": Decimal,
}
MILESTONE_FIELDS = {
    "title": str,
    "scope": str,
    "budget": Decimal,
    "planned_start": dt.date.fromisoformat,
    "planned_due": dt.date.fromisoformat,
    "revision_quota": int,
    "support_window_days": int,
    "billing_trigger": str,
}


def _json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def proposal_snapshot(project: Project) -> dict[str, Any]:
    """The plan as proposed: the project's fields, its milestones and deliverables, with ids."""
    currency = project.currency
    data = {key: _json(getattr(project, key)) for key in PROJECT_FIELDS}
    data["total_budget"] = str(normalise(project.total_budget, currency))
    milestones = project.milestones.order_by("position").prefetch_related("deliverables")
    return {
        "project": data,
        "milestones": [
            {
                "id": m.pk,
                "position": m.position,
                **{key: _json(getattr(m, key)) for key in MILESTONE_FIELDS},
                "budget": str(normalise(m.budget, currency)),
                "deliverables": [
                    {
                        "id": d.pk,
                        "position": d.position,
                        "title": d.title,
                        "acceptance_criteria": d.acceptance_criteria,
                    }
                    for d in sorted(m.deliverables.all(), key=lambda d: (d.position, d.pk))
                ],
            }
            for m in milestones
        ],
    }


def latest_proposals(project_ids: list[int]) -> dict[int, PlanProposal]:
    """The last proposal of each project, in one query."""
    if not project_ids:
        return {}
    last = (
        PlanProposal.objects.filter(project=OuterRef("project"))
        .order_by("-number")
        .values("number")[:1]
    )
    rows = PlanProposal.objects.filter(project_id__in=project_ids, number=Subquery(last))
    return {proposal.project_id: proposal for proposal in rows}


def _cached(model: type[Model], rows: list) -> QuerySet:
    """An evaluated queryset of ``rows`` for a related manager's prefetch cache. Built on
    ``none()``: anything that asks the database again gets nothing, never the current rows."""
    queryset = model.objects.none()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    return queryset


def _rows(project: Project, data: dict[str, Any], stamp: Any = None) -> list[SimpleNamespace]:
    """The proposed milestones as light rows (the attributes of ``selectors.plans_of``), last
    updated ``stamp`` (when they were proposed)."""
    return [
        SimpleNamespace(
            id=item["id"],
            project_id=project.pk,
            position=item["position"],
            status=MilestoneStatus.PLANNED,
            revisions_used=0,
            revisions_left=item["revision_quota"],
            # A proposed plan has no review cycle yet (the milestone JSON shows these).
            review_started_at=None,
            auto_approve_at=None,
            approved_at=None,
            approved_by_id=None,
            support_ends_at=None,
            updated_at=stamp,
            **{key: parse(item[key]) for key, parse in MILESTONE_FIELDS.items()},
            deliverables=[
                SimpleNamespace(
                    id=d["id"],
                    position=d["position"],
                    title=d["title"],
                    acceptance_criteria=d["acceptance_criteria"],
                )
                for d in item["deliverables"]
            ],
        )
        for item in data["milestones"]
    ]


def _instances(project: Project, rows: list[SimpleNamespace]) -> list[Milestone]:
    """The same milestones as unsaved model instances, their deliverables prefetched."""
    milestones = []
    for row in rows:
        fields = {key: getattr(row, key) for key in ("id", "position", *MILESTONE_FIELDS)}
        milestone = Milestone(
            project=project,
            status=row.status,
            revisions_used=0,
            updated_at=row.updated_at,
            **fields,
        )
        deliverables = [Deliverable(milestone=milestone, **vars(d)) for d in row.deliverables]
        milestone._prefetched_objects_cache = {"deliverables": _cached(Deliverable, deliverables)}
        milestones.append(milestone)
    return milestones


def show_proposal(
    project: Project, proposal: PlanProposal | None, *, instances: bool = True
) -> Project:
    """Make ``project`` (in memory, never saved) look as it was proposed: its fields, what list
    pages annotate, ``proposed_plan`` (light rows, enough for lists and the API) and, with
    ``instances``, its milestones and deliverables as unsaved rows in the prefetch cache, for
    pages that read ``project.milestones.all()``. ``project.shown_proposal`` says which one.

    Fails closed: a field the proposal did not record (a backfilled one keeps only what the
    audit trail proves), or every field when no proposal is kept, is ``None`` (the name reads
    "Project 12"), never the edits in progress; ``project.plan_withheld`` is then true when no
    milestone is known.
    """
    data = proposal.snapshot if proposal is not None else {"project": {}, "milestones": []}
    recorded = data["project"]
    for key, parse in PROJECT_FIELDS.items():
        value = recorded.get(key)
        setattr(project, key, None if value is None else parse(value))
    if not project.name:
        project.name = _("Project %(number)s") % {"number": project.pk}
    project.summary = project.summary or ""
    rows = _rows(project, data, proposal.proposed_at if proposal is not None else None)
    project.proposed_plan = rows
    project.plan_withheld = not rows
    if instances:
        milestones = _instances(project, rows)
        project._prefetched_objects_cache = {"milestones": _cached(Milestone, milestones)}
    # Nothing is approved in a draft; what comes next is the first milestone.
    first = rows[0] if rows else None
    project.next_title = first.title if first else None
    project.next_due = first.planned_due if first else None
    project.next_budget = first.budget if first else None
    project.approved_budget = Decimal(0)
    project.shown_proposal = proposal
    return project
