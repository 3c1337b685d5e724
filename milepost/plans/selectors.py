"""Reads about plans, always through the eyes of a user: visibility is decided here."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce

from milepost.accounts.permissions import organisations_of, roles_of
from milepost.audit.actions import AuditAction
from milepost.audit.models import AuditEvent
from milepost.core.errors import NotFound

from .builtin_templates import BUILTIN_TEMPLATES
from .lifecycle.milestone import DONE, auto_approve_deadline
from .models import (
    MILESTONE_FIELDS,
    MONEY,
    Deliverable,
    Milestone,
    PlanTemplate,
    PlanVersion,
    Project,
    ProjectAccess,
)
from .permissions import (
    can_view_milestones,
    can_view_project,
    is_agency_side,
    project_roles_of,
    sees_last_proposal,
)
from .proposals import latest_proposals, show_proposal


def visible_to(user: Any, *, organisation: str = "organisation_id", project: str = "pk") -> Q:
    """The rows whose project ``user`` may see: their agency's, or shared with them as a client
    contact (``project_roles_of``). The one visibility filter: ``organisation`` and ``project``
    name the fields of another model's rows (an invoice's ``project_id``, a milestone's
    ``project__organisation_id``)."""
    return Q(**{f"{organisation}__in": list(roles_of(user))}) | Q(
        **{f"{project}__in": list(project_roles_of(user))}
    )


def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound("Not found.") from None


def projects_visible_to(
    user: Any,
    *,
    status: str | None = None,
    client_id: Any = None,
    organisation_id: int | None = None,
) -> QuerySet[Project]:
    """Projects the user may see, with their client, newest first.

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
        projects = projects.filter(client_id=_pk(client_id))
    return projects.select_related("client").order_by("-created_at", "-id")


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
    """Annotate ``next_title`` and ``next_due`` (and ``next_budget``): the first open milestone."""
    upcoming = (
        Milestone.objects.filter(project=OuterRef("pk"))
        .exclude(status__in=list(DONE))
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


def project_counts_by_status(organisation_id: int) -> dict[str, int]:
    """How many projects the organisation has in each status (one grouped query)."""
    rows = (
        Project.objects.filter(organisation_id=organisation_id)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    return dict(rows)


#: Milestones read for the API carry who approved them without loading the user.
APPROVER_EMAIL = {"approved_by_email": F("approved_by__email")}


def _plan_prefetch() -> Prefetch:
    return Prefetch(
        "milestones",
        queryset=Milestone.objects.order_by("position")
        .annotate(**APPROVER_EMAIL)
        .prefetch_related(_deliverables_prefetch()),
    )


def _deliverables_prefetch() -> Prefetch:
    return Prefetch("deliverables", queryset=Deliverable.objects.order_by("position", "id"))


#: What a plan row carries: every field the plan's JSON and tables show.
PLAN_FIELDS = ("id", "project_id", "position", "revisions_used", "status", *MILESTONE_FIELDS)
#: ... and the review cycle's state, as the API's milestone JSON shows it.
CYCLE_FIELDS = ("review_started_at", "approved_at", "approved_by_id", "support_ends_at")
CYCLE_JOINS = {**APPROVER_EMAIL, "auto_approve_days": F("project__auto_approve_days")}


def _plan_row(row: dict[str, Any]) -> SimpleNamespace:
    """A light milestone row with the properties the model has (``revisions_left``,
    ``auto_approve_at``)."""
    days = row.pop("auto_approve_days")
    return SimpleNamespace(
        **row,
        deliverables=[],
        revisions_left=max(row["revision_quota"] - row["revisions_used"], 0),
        auto_approve_at=auto_approve_deadline(row["status"], row["review_started_at"], days),
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


def project_get(user: Any, project_id: Any) -> Project:
    """One visible project with its milestones and deliverables, or NotFound.

    The row is read first and checked with ``can_view_project`` (roles are cached on the user),
    so the plan is only loaded for people who may see it. A client contact looking at a plan
    back in draft gets the project as last proposed (``proposals.show_proposal``).
    """
    projects = Project.objects.filter(pk=_pk(project_id)).select_related("client", "accepted_by")
    if not roles_of(user):
        projects = projects.select_related("organisation")
    project = projects.first()
    if project is None or not can_view_project(user, project):
        raise NotFound("Project not found.")
    _reuse_organisation(user, project)
    if sees_last_proposal(user, project):
        # Fails closed: with no proposal kept, no plan at all (``show_proposal``).
        return show_proposal(project, latest_proposals([project.pk]).get(project.pk))
    prefetch_related_objects([project], _plan_prefetch())
    return project


def _reuse_organisation(user: Any, project: Project) -> None:
    """Members' organisations were loaded with their roles: hand the project the same object."""
    organisation = organisations_of(user).get(project.organisation_id)
    if organisation is not None:
        project.organisation = organisation


def milestone_get(user: Any, milestone_id: Any) -> Milestone:
    """One milestone of a visible project, with its project and deliverables, or NotFound."""
    milestones = (
        Milestone.objects.filter(pk=_pk(milestone_id))
        .select_related("project__client")
        .annotate(**APPROVER_EMAIL)
    )
    if not roles_of(user):
        milestones = milestones.select_related("project__organisation")
    milestone = milestones.first()
    if milestone is None or not can_view_milestones(user, milestone.project):
        raise NotFound("Milestone not found.")
    _reuse_organisation(user, milestone.project)
    prefetch_related_objects([milestone], _deliverables_prefetch())
    return milestone


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
    how the agency drafted the plan before it was accepted (they see proposals and answers)."""
    events = AuditEvent.objects.filter(project_id=project.pk)
    if not is_agency_side(user, project):
        drafting = Q(action__in=DRAFTING)
        if project.accepted_at is not None:
            drafting &= Q(created_at__lte=project.accepted_at)
        events = events.exclude(drafting)
    return events.select_related("actor").order_by("-sequence")


def plan_versions(project: Project) -> QuerySet[PlanVersion]:
    return PlanVersion.objects.filter(project=project).select_related("accepted_by")


def project_access_list(project: Project) -> QuerySet[ProjectAccess]:
    return (
        ProjectAccess.objects.filter(project=project)
        .select_related("user")
        .only("role", "user__email", "user__name")
        .order_by("role", "user__email")
    )


def templates_for(user: Any, organisation_id: int | None = None) -> list[dict[str, Any]]:
    """Built-in templates, then the organisation's own ones."""
    org_ids = list(roles_of(user))
    if organisation_id is not None:
        org_ids = [organisation_id] if organisation_id in org_ids else []
    own = PlanTemplate.objects.filter(organisation_id__in=org_ids).order_by("name", "id")
    result = [
        {
            "slug": t["slug"],
            "name": t["name"],
            "description": t["description"],
            "builtin": True,
            "id": None,
            "organisation": None,
            "milestones": t["milestones"],
        }
        for t in BUILTIN_TEMPLATES.values()
    ]
    result += [
        {
            "slug": t.slug,
            "name": t.name,
            "description": t.description,
            "builtin": False,
            "id": t.pk,
            "organisation": t.organisation_id,
            "milestones": t.milestones,
        }
        for t in own
    ]
    return result


def template_get(user: Any, template_id: Any) -> PlanTemplate:
    template = PlanTemplate.objects.filter(
        pk=_pk(template_id), organisation_id__in=list(roles_of(user))
    ).first()
    if template is None:
        raise NotFound("Template not found.")
    return template
