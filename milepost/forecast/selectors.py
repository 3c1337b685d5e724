"""Reads of where a project stands, through the eyes of a user: its timeline (both sides of a
project see it), and the slippage line of the project page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from milepost.core.errors import NotFound
from milepost.core.lookup import pk_of
from milepost.plans.lifecycle.project import ProjectStatus
from milepost.plans.models import Milestone, Project
from milepost.plans.permissions import can_view_project
from milepost.plans.selectors.common import reuse_organisation

from .timeline import Timeline, project_timeline

#: A timeline needs a baseline: the plan the client accepted (plan v1).
#: A cancelled project keeps its timeline (what happened), but no slippage line.
WITH_SLIPPAGE = (ProjectStatus.ACTIVE, ProjectStatus.ON_HOLD, ProjectStatus.COMPLETED)


def project_for_forecast(user: Any, project_id: Any) -> Project:
    """The project (with its organisation and client) if ``user`` sees it, or NotFound."""
    project = (
        Project.objects.filter(pk=pk_of(project_id, "Project not found."))
        .select_related("client", "organisation")
        .first()
    )
    if project is None or not can_view_project(user, project):
        raise NotFound("Project not found.")
    reuse_organisation(user, project)
    return project


def has_baseline(project: Project) -> bool:
    """Whether the client accepted a plan: before that, there is nothing to measure against
    (and a plan back in draft is the agency's to edit)."""
    return project.accepted_at is not None and project.plan_version >= 1


def timeline_get(
    user: Any, project_id: Any, *, today: dt.date | None = None
) -> tuple[Project, Timeline | None]:
    """The visible project and its timeline (None until the client accepts the plan)."""
    project = project_for_forecast(user, project_id)
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
