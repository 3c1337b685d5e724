"""Reads of where projects stand, through the eyes of a user: a project's timeline (both sides
of a project see it) and the project page's slippage line, and the stored forecasts the
organisation's pages read (one query each)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Case, Value, When

from milepost.core.prepared import Prepared
from milepost.plans.lifecycle.project import ProjectStatus
from milepost.plans.models import Milestone, Project
from milepost.plans.selectors import project_row

from .models import ProjectForecast
from .timeline import Timeline, project_timeline

#: A timeline needs a baseline: the plan the client accepted (plan v1).
#: A cancelled project keeps its timeline (what happened), but no slippage line.
WITH_SLIPPAGE = (ProjectStatus.ACTIVE, ProjectStatus.ON_HOLD, ProjectStatus.COMPLETED)


def has_baseline(project: Project) -> bool:
    """Whether the client accepted a plan: before that, there is nothing to measure against
    (and a plan back in draft is the agency's to edit)."""
    return project.accepted_at is not None and project.plan_version >= 1


def timeline_get(
    user: Any, project_id: Any, *, today: dt.date | None = None
) -> tuple[Project, Timeline | None]:
    """The visible project and its timeline (None until the client accepts the plan)."""
    project = project_row(user, project_id)
    if not has_baseline(project):
        return project, None
    return project, project_timeline(project, today=today)


def slippage_line(project: Project, milestones: Iterable[Milestone]) -> Timeline | None:
    """The timeline behind the project page's slippage line, from the milestones the page
    loaded (three queries), or None: not accepted yet, or cancelled. The caller checked that
    the user sees the project."""
    if not has_baseline(project) or project.status not in WITH_SLIPPAGE:
        return None
    return project_timeline(project, milestones=milestones)


#: The dashboard's slipping projects, compiled once (``core.prepared``): it runs on every visit.
_SLIPPED = Prepared(
    lambda organisation_id, limit: (
        ProjectForecast.objects.filter(
            organisation_id=organisation_id,
            project__status=ProjectStatus.ACTIVE,
            slip_baseline__gt=0,
        )
        .values(
            "project_id",
            "project__name",
            "project__client__name",
            "forecast_end",
            "slip_baseline",
            "slip_plan",
            "agency_days",
            "client_days",
        )
        .order_by("-slip_baseline", "forecast_end", "project_id")[:limit]
    ),
    organisation_id=int,
)


def most_slipped(organisation_id: int, *, limit: int = 8) -> list[dict[str, Any]]:
    """The active projects furthest behind their baseline (plan v1), the most slipped first,
    as rows: ``project_id``, ``project__name``, ``project__client__name``, ``forecast_end``,
    ``slip_baseline`` and ``slip_plan`` (working days) and the days in each side's hands."""
    return _SLIPPED(organisation_id=organisation_id, limit=limit)


#: A filter lists the organisation's projects when it has at most this many (else the
#: chosen client's): a choice of two thousand is no choice.
PROJECT_CHOICES = 100


def project_choices(
    organisation_id: int, *, client_id: int | None = None, chosen: int | None = None
) -> tuple[list[tuple[int, str]], bool]:
    """(id, name) of the projects a cash-flow filter offers, and whether it offers them all:
    the client's projects (every one since its first proposal), or the organisation's when
    there are at most ``PROJECT_CHOICES``; the ``chosen`` one is always among them. One query."""
    projects = Project.objects.filter(organisation_id=organisation_id).exclude(
        first_proposed_at__isnull=True
    )
    if client_id is not None:
        projects = projects.filter(client_id=client_id)
    # The chosen project first, so that it is read even when the others are too many.
    first = Case(When(pk=chosen or 0, then=Value(0)), default=Value(1))
    rows = list(
        projects.order_by(first, "name", "pk").values_list("pk", "name")[: PROJECT_CHOICES + 1]
    )
    if len(rows) <= PROJECT_CHOICES:
        return sorted(rows, key=lambda row: (row[1], row[0])), True
    return [row for row in rows[:1] if row[0] == chosen], False
