"""Reads of change orders: a project's, and one by id. The client's contacts see a change order
once it has been proposed to them; drafts never proposed are the agency's alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from milepost.core.errors import NotFound
from milepost.core.lookup import pk_of
from milepost.core.prepared import Prepared

from ..lifecycle.change_order import ChangeOrderStatus
from ..lifecycle.project import SOURCES, ProjectAction
from ..models import (
    AccessRole,
    ChangeOrder,
    ChangeOrderProposal,
    ChangeOrderRequest,
    Milestone,
    PlanVersion,
    Project,
)
from ..permissions import can_view_milestones, can_view_project, is_agency_side, project_roles_of
from .common import visible_to


def _ever_proposed() -> Exists:
    return Exists(ChangeOrderProposal.objects.filter(change_order=OuterRef("pk")))


def _shown(user: Any, rows: QuerySet[ChangeOrder], project: Project | None = None):
    if project is not None and is_agency_side(user, project):
        return rows
    return rows.annotate(ever_proposed=_ever_proposed()).filter(
        ~Q(status=ChangeOrderStatus.DRAFT) | Q(ever_proposed=True)
    )


def change_orders_of(user: Any, project: Project) -> QuerySet[ChangeOrder]:
    """The project's change orders the user may see, the newest first."""
    if not can_view_project(user, project):
        raise NotFound("Project not found.")
    rows = ChangeOrder.objects.filter(project=project).select_related(
        "proposed_by", "decided_by", "result_version"
    )
    return _shown(user, rows, project).order_by("-number")


#: The states a change order is still open in: the agency's drafts and the proposal waiting.
OPEN = (ChangeOrderStatus.DRAFT, ChangeOrderStatus.PROPOSED)


def change_orders_open_first(user: Any, project: Project) -> QuerySet[ChangeOrder]:
    """The project's change orders the user may see, the open ones (drafts, the proposal) first,
    then the newest first: the order the project page shows them in, a few at a time."""
    open_first = Case(
        When(status__in=OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return change_orders_of(user, project).order_by(open_first, "-number")


def change_orders_accepted(user: Any, project: Project) -> QuerySet[ChangeOrder]:
    """The project's accepted change orders, in the order they were drafted: the contract
    value's lines."""
    return (
        change_orders_of(user, project).filter(status=ChangeOrderStatus.ACCEPTED).order_by("number")
    )


def change_order_summary(user: Any, project: Project) -> dict[str, Any]:
    """How many change orders the user sees on the project, how many were accepted and what
    they added up to (one query): ``{"count", "accepted", "accepted_price"}``."""
    accepted = Q(status=ChangeOrderStatus.ACCEPTED)
    summary = (
        change_orders_of(user, project)
        .order_by()
        .aggregate(
            count=Count("pk"),
            accepted=Count("pk", filter=accepted),
            accepted_price=Sum("price", filter=accepted),
        )
    )
    return summary


def change_order_get(user: Any, change_order_id: Any) -> ChangeOrder:
    """One change order the user may see, with its project, or NotFound."""
    message = "Change order not found."
    rows = ChangeOrder.objects.filter(
        visible_to(user, organisation="project__organisation_id", project="project_id"),
        pk=pk_of(change_order_id, message),
    ).select_related(
        "project",
        "project__organisation",
        "project__client",
        "proposed_by",
        "decided_by",
        "result_version",
    )
    change_order = rows.first()
    if change_order is None:
        raise NotFound(message)
    hidden = not is_agency_side(user, change_order.project) and not (
        _shown(user, ChangeOrder.objects.filter(pk=change_order.pk)).exists()
    )
    if hidden:
        raise NotFound(message)
    return change_order


def change_orders_to_answer(user: Any) -> list[ChangeOrder]:
    """Proposed change orders waiting for this approver's answer, the oldest first, with their
    project (one query; none for a user who approves nothing)."""
    projects = [pk for pk, role in project_roles_of(user).items() if role == AccessRole.APPROVER]
    if not projects:
        return []
    return list(
        ChangeOrder.objects.filter(
            project_id__in=projects,
            status=ChangeOrderStatus.PROPOSED,
            project__status__in=SOURCES[ProjectAction.CHANGE_PLAN],
        )
        .select_related("project")
        .order_by("proposed_at", "pk")
    )


def change_order_requests_asked_by(user: Any) -> list[ChangeOrderRequest]:
    """The client's requests for a change order still waiting on the agency, on the projects
    this contact sees, the oldest first, with milestone and project (one query; none for a
    user who is nobody's contact)."""
    projects = list(project_roles_of(user))
    if not projects:
        return []
    return list(
        ChangeOrderRequest.objects.filter(
            milestone__project_id__in=projects, status=ChangeOrderRequest.Status.OPEN
        )
        .select_related("milestone", "milestone__project")
        .order_by("created_at", "pk")
    )


def original_total(project: Project) -> Any:
    """The total of the plan the client first accepted (plan v1), as a string; None before."""
    return (
        PlanVersion.objects.filter(project=project, version=1)
        .values_list("snapshot__project__total_budget", flat=True)
        .first()
    )


def change_order_requests_of(user: Any, milestone: Milestone) -> QuerySet[ChangeOrderRequest]:
    """What the client asked for about a milestone, the newest first (whoever sees it)."""
    if not can_view_milestones(user, milestone.project):
        raise NotFound("Milestone not found.")
    return ChangeOrderRequest.objects.filter(milestone=milestone).select_related(
        "created_by", "decided_by"
    )


def change_order_request_get(user: Any, request_id: Any) -> ChangeOrderRequest:
    message = "Change request not found."
    request = (
        ChangeOrderRequest.objects.filter(pk=pk_of(request_id, message))
        .select_related(
            "milestone", "milestone__project", "milestone__project__organisation", "created_by"
        )
        .first()
    )
    if request is None or not can_view_milestones(user, request.milestone.project):
        raise NotFound(message)
    return request


_OPEN_REQUESTS = Prepared(
    lambda organisation_id, limit: (
        ChangeOrderRequest.objects.filter(
            milestone__project__organisation_id=organisation_id,
            status=ChangeOrderRequest.Status.OPEN,
        )
        .values("pk", "text", "milestone_id", "milestone__title", "milestone__project__name")
        .order_by("created_at")[:limit]
    ),
    organisation_id=int,
)


def open_change_order_requests(organisation_id: int, *, limit: int = 10) -> list[dict[str, Any]]:
    """Requests for a change order waiting on the agency (its dashboard), the oldest first."""
    return _OPEN_REQUESTS(organisation_id=organisation_id, limit=limit)


_ANSWERS = Prepared(
    lambda organisation_id, since, limit: (
        ChangeOrder.objects.filter(
            Q(status=ChangeOrderStatus.PROPOSED)
            | Q(status=ChangeOrderStatus.DECLINED, decided_at__gte=since),
            project__organisation_id=organisation_id,
            project__status__in=SOURCES[ProjectAction.CHANGE_PLAN],
        )
        .values(
            "pk",
            "number",
            "title",
            "status",
            "price",
            "proposed_at",
            "decided_at",
            "project__name",
            "project__currency",
            "project__client__name",
        )
        .order_by("proposed_at", "pk")[:limit]
    ),
    organisation_id=int,
    since=dt.datetime,
)

#: How long a declined change order stays on the agency's dashboard for it to revise or let go.
DECLINED_SHOWN_FOR = dt.timedelta(days=14)


def change_orders_in_question(organisation_id: int, *, limit: int = 20) -> dict[str, list]:
    """The agency dashboard's change orders (one query): ``proposed``, waiting on the client's
    answer, and ``declined`` in the last two weeks, waiting on the agency to revise one or let
    it go; each a dict with its ``label``."""
    rows = _ANSWERS(
        organisation_id=organisation_id, since=timezone.now() - DECLINED_SHOWN_FOR, limit=limit
    )
    found: dict[str, list] = {"proposed": [], "declined": []}
    for row in rows:
        row["label"] = ChangeOrder.label_of(row["number"])
        found[row["status"]].append(row)
    return found
