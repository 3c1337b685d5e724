"""Reads about projects: the lists a user sees, one project with its plan, and its history."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import (
    CharField,
    Count,
    DecimalField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Cast, Coalesce

from milepost.accounts.permissions import roles_of
from milepost.accounts.selectors import with_invitations
from milepost.audit.actions import AuditAction
from milepost.audit.models import AuditEvent
from milepost.audit.wording import CHANGE_ORDER
from milepost.core.errors import NotFound
from milepost.core.lookup import pk_of
from milepost.core.ordering import order
from milepost.core.prepared import Prepared

from ..lifecycle.milestone import DONE
from ..lifecycle.project import ENDED, ProjectStatus
from ..models import MONEY, Milestone, PlanVersion, Project, ProjectAccess
from ..permissions import can_view_project, is_agency_side, sees_last_proposal
from ..proposals import latest_proposals, show_proposal
from .change_orders import change_orders_of
from .common import reuse_organisation, visible_to
from .milestones import plan_prefetch

#: How a list of projects sorts (``core.ordering``): newest first unless asked.
PROJECT_ORDERINGS = {
    "created": ("created_at", "id"),
    "name": ("name", "id"),
    "client": ("client__name", "name", "id"),
    "status": ("status", "name", "id"),
    "total": ("currency", "total_budget", "id"),
    "start": ("start_date", "id"),
    "updated_at": ("updated_at", "id"),  # a sync reads what changed in order (docs/sync.md)
}


def projects_visible_to(
    user: Any,
    *,
    status: str | None = None,
    client_id: Any = None,
    organisation_id: int | None = None,
    search: str | None = None,
    ordering: str | None = None,
) -> QuerySet[Project]:
    """Projects the user may see, with their client, newest first (or by ``ordering``, a value
    of ``PROJECT_ORDERINGS``); ``search`` finds a piece of the project's or the client's name.

    Add what a page shows with :func:`with_next_milestone` and :func:`with_approved_budget`,
    and pass the rows through :func:`as_seen_by`. Client contacts see a project from its first
    proposal on (``plans.permissions.project_roles_of``).
    """
    if organisation_id is not None and organisation_id in roles_of(user):
        # Members see every project of their organisation: no need for the wider test.
        projects = Project.objects.filter(organisation_id=organisation_id)
    else:
        projects = Project.objects.filter(visible_to(user))
        if organisation_id is not None:
            projects = projects.filter(organisation_id=organisation_id)
    if status:
        projects = projects.filter(status=status)
    if client_id:
        projects = projects.filter(client_id=pk_of(client_id))
    if search:
        projects = projects.filter(Q(name__icontains=search) | Q(client__name__icontains=search))
    projects = projects.select_related("client").order_by("-created_at", "-id")
    return order(projects, ordering, PROJECT_ORDERINGS)


def as_seen_by(user: Any, projects: list[Project]) -> list[Project]:
    """The rows of a list as ``user`` may see them: to a client contact, a project back in draft
    shows the version last proposed, or no plan when none is kept (one query for all such rows,
    none when there are none)."""
    revised = [p for p in projects if sees_last_proposal(user, p)]
    if revised:
        proposals = latest_proposals([p.pk for p in revised])
        for project in revised:
            # No proposal kept: the project shows no plan, never the edits in progress.
            show_proposal(project, proposals.get(project.pk), instances=False)
    return projects


def with_next_milestone(projects: QuerySet[Project], *, budget: bool = False) -> QuerySet[Project]:
    """Annotate ``next_title`` and ``next_due`` (and ``next_budget``): the first open milestone,
    none when the project has ended (a cancelled project's open milestones never come)."""
    upcoming = (
        Milestone.objects.filter(project=OuterRef("pk"))
        .exclude(status__in=list(DONE))
        .exclude(project__status__in=list(ENDED))
        .order_by("position")
    )
    fields = {
        "next_title": Subquery(upcoming.values("title")[:1]),
        "next_due": Subquery(upcoming.values("planned_due")[:1]),
    }
    if budget:
        fields["next_budget"] = Subquery(upcoming.values("budget")[:1])
    return projects.annotate(**fields)


def with_approved_budget(projects: QuerySet[Project]) -> QuerySet[Project]:
    """Annotate ``approved_budget``: the budget of approved and closed milestones."""
    approved = (
        Milestone.objects.filter(project=OuterRef("pk"), status__in=list(DONE))
        .order_by()
        .values("project")
        .annotate(total=Sum("budget"))
        .values("total")
    )
    return projects.annotate(
        approved_budget=Coalesce(
            Subquery(approved, output_field=DecimalField(**MONEY)),
            Value(Decimal(0)),
            output_field=DecimalField(**MONEY),
        )
    )


#: The dashboard's counts and proposed plans, compiled once (``core.prepared``).
_BY_STATUS = Prepared(
    lambda organisation_id: (
        Project.objects.filter(organisation_id=organisation_id)
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
    ),
    organisation_id=int,
)
_PROPOSED = Prepared(
    lambda organisation_id, limit: (
        Project.objects.filter(organisation_id=organisation_id, status=ProjectStatus.PROPOSED)
        .values("pk", "name", "currency", "total_budget", "proposed_at", "client__name")
        .order_by("proposed_at", "id")[:limit]
    ),
    organisation_id=int,
)


def project_counts_by_status(organisation_id: int) -> dict[str, int]:
    """How many projects the organisation has in each status (one grouped query)."""
    return {row["status"]: row["n"] for row in _BY_STATUS(organisation_id=organisation_id)}


def proposed_plans(organisation_id: int, *, limit: int = 10) -> list[dict[str, Any]]:
    """Plans the organisation proposed that wait for the client's answer, the oldest first, as
    rows (``pk``, ``name``, ``currency``, ``total_budget``, ``proposed_at``, ``client__name``)."""
    return _PROPOSED(organisation_id=organisation_id, limit=limit)


def project_row(user: Any, project_id: Any) -> Project:
    """The project row (with its client and organisation) if ``user`` sees it, or NotFound:
    for pages that read something of the project other than its plan (versions, timeline)."""
    project = (
        Project.objects.filter(pk=pk_of(project_id, "Project not found."))
        .select_related("client", "organisation")
        .first()
    )
    if project is None or not can_view_project(user, project):
        raise NotFound("Project not found.")
    reuse_organisation(user, project)
    return project


def project_get(user: Any, project_id: Any) -> Project:
    """One visible project with its milestones and deliverables, or NotFound.

    The row is read first and checked with ``can_view_project`` (roles are cached on the user),
    so the plan is only loaded for people who may see it. A client contact looking at a plan
    back in draft gets the project as last proposed (``proposals.show_proposal``).
    """
    projects = Project.objects.filter(pk=pk_of(project_id)).select_related("client", "accepted_by")
    if not roles_of(user):
        projects = projects.select_related("organisation")
    project = projects.first()
    if project is None or not can_view_project(user, project):
        raise NotFound("Project not found.")
    reuse_organisation(user, project)
    if sees_last_proposal(user, project):
        # Fails closed: with no proposal kept, no plan at all (``show_proposal``).
        return show_proposal(project, latest_proposals([project.pk]).get(project.pk))
    prefetch_related_objects([project], plan_prefetch())
    return project


#: How the agency drafts a plan: its own business, never shown to the client's contacts.
DRAFTING = (
    AuditAction.PROJECT_CREATED,
    AuditAction.PROJECT_UPDATED,
    AuditAction.MILESTONE_ADDED,
    AuditAction.MILESTONE_UPDATED,
    AuditAction.MILESTONE_REMOVED,
    AuditAction.MILESTONE_MOVED,
)


def project_events(project: Project, user: Any) -> QuerySet[AuditEvent]:
    """The project's activity as ``user`` may see it, newest first: client contacts do not see
    how the agency drafted the plan before it was accepted (they see proposals and answers),
    nor a change order's events while they may not see it (a draft never proposed to them).
    Each event says whether it is about a change order the user may open
    (``change_order_shown``), so the feed links to it."""
    shown = (
        change_orders_of(user, project)
        .annotate(key=Cast("pk", output_field=CharField()))
        .filter(key=OuterRef("target_id"))
        .order_by()
    )
    events = AuditEvent.objects.filter(project_id=project.pk).annotate(
        change_order_shown=Exists(shown)
    )
    if not is_agency_side(user, project):
        drafting = Q(action__in=DRAFTING)
        if project.accepted_at is not None:
            drafting &= Q(created_at__lte=project.accepted_at)
        events = events.exclude(drafting).exclude(
            target_type=CHANGE_ORDER, change_order_shown=False
        )
    return events.select_related("actor").order_by("-sequence")


def plan_versions(project: Project) -> QuerySet[PlanVersion]:
    return PlanVersion.objects.filter(project=project).select_related("accepted_by")


def project_access_rows(project: Project) -> QuerySet[ProjectAccess]:
    """Who has access, by role and email (pass a page of them to :func:`access_invited`)."""
    return (
        ProjectAccess.objects.filter(project=project)
        .select_related("user")
        .only("role", "project", "updated_at", "user__email", "user__name")
        .order_by("role", "user__email")
    )


def access_invited(project: Project, rows: Iterable[ProjectAccess]) -> list[ProjectAccess]:
    """``rows`` each with ``invitation`` (their pending, expired or revoked invitation to the
    project's client, or None once accepted): one query however many there are."""
    return with_invitations(list(rows), client_id=project.client_id)


def project_access_list(project: Project) -> list[ProjectAccess]:
    """Who has access, each with ``invitation``: two queries however many there are."""
    return access_invited(project, project_access_rows(project))


def access_get(user: Any, access_id: Any) -> ProjectAccess:
    """One access row of a project the user sees (who may act on it: the services), or
    NotFound: the API's ``project-access/{id}``."""
    access = (
        ProjectAccess.objects.filter(pk=pk_of(access_id))
        .select_related("user", "project", "project__organisation", "project__client")
        .first()
    )
    if access is None or not can_view_project(user, access.project):
        raise NotFound("Access not found.")
    return access


def project_access_get(project: Project, access_id: Any) -> ProjectAccess:
    """One access row of the project (who may act on it: the services), or NotFound."""
    access = (
        ProjectAccess.objects.filter(pk=pk_of(access_id), project=project)
        .select_related("user")
        .first()
    )
    if access is None:
        raise NotFound("Access not found.")
    access.project = project
    return access
