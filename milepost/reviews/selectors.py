"""Reads of the review cycle, through the eyes of a user."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from milepost.billing.models import Invoice, InvoiceKind
from milepost.billing.selectors import UNPAID
from milepost.core import clock
from milepost.core.errors import NotFound
from milepost.plans.lifecycle.milestone import (
    DONE,
    REVIEWING,
    SOURCES,
    MilestoneAction,
    MilestoneStatus,
    auto_approve_deadline,
)
from milepost.plans.lifecycle.project import ProjectStatus
from milepost.plans.models import Deliverable, Milestone, Project
from milepost.plans.permissions import can_view_milestones

from .models import Attachment, Delivery, Entry, SupportRequest, Verdict


def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound("Not found.") from None


def deliveries_of(milestone) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(milestone=milestone)
        .select_related("delivered_by")
        .prefetch_related(
            Prefetch("entries__attachments", queryset=Attachment.objects.order_by("id")),
            Prefetch("verdicts", queryset=Verdict.objects.select_related("decided_by")),
        )
        .order_by("-number")
    )


def thread_of(milestone) -> QuerySet[Entry]:
    """The milestone's timeline, newest first (paginate it)."""
    return (
        Entry.objects.filter(milestone=milestone)
        .select_related("author", "delivery")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("-created_at", "-id")
    )


def support_requests_of(milestone) -> QuerySet[SupportRequest]:
    return (
        SupportRequest.objects.filter(milestone=milestone)
        .select_related("filed_by", "resolved_by", "deliverable")
        .order_by("-created_at", "-id")
    )


def deliverable_get(user: Any, deliverable_id: Any) -> Deliverable:
    deliverable = (
        Deliverable.objects.filter(pk=_pk(deliverable_id))
        .select_related("milestone", "milestone__project", "milestone__project__organisation")
        .first()
    )
    if deliverable is None or not can_view_milestones(user, deliverable.milestone.project):
        raise NotFound("Deliverable not found.")
    return deliverable


def support_request_get(user: Any, request_id: Any) -> SupportRequest:
    request = (
        SupportRequest.objects.filter(pk=_pk(request_id))
        .select_related("milestone", "milestone__project", "milestone__project__organisation")
        .first()
    )
    if request is None or not can_view_milestones(user, request.milestone.project):
        raise NotFound("Support request not found.")
    return request


def attachment_get(user: Any, attachment_id: Any) -> Attachment:
    attachment = (
        Attachment.objects.filter(pk=_pk(attachment_id))
        .select_related("milestone__project")
        .first()
    )
    if attachment is None or not can_view_milestones(user, attachment.milestone.project):
        raise NotFound("File not found.")
    return attachment


def agency_queues(organisation_id: int, *, limit: int = 10) -> dict[str, list]:
    """The agency dashboard: what waits on the client, what waits on us, what is late."""
    from milepost.core import clock
    from milepost.plans.lifecycle.milestone import DONE, REVIEWING, WORKING
    from milepost.plans.models import Milestone, ProjectStatus

    base = (
        Milestone.objects.filter(
            project__organisation_id=organisation_id, project__status=ProjectStatus.ACTIVE
        )
        .select_related("project")
        .only("title", "status", "planned_due", "review_started_at", "project__name")
    )
    return {
        # Only this list names the client.
        "on_client": list(
            base.select_related("project__client")
            .only("title", "review_started_at", "project__client__name")
            .filter(status__in=REVIEWING)
            .order_by("review_started_at")[:limit]
        ),
        "on_us": list(base.filter(status__in=WORKING).order_by("planned_due")[:limit]),
        "overdue": list(
            base.exclude(status__in=DONE)
            .filter(planned_due__lt=clock.today())
            .order_by("planned_due")[:limit]
        ),
        "support": list(
            SupportRequest.objects.filter(
                milestone__project__organisation_id=organisation_id,
                status=SupportRequest.Status.OPEN,
            )
            .select_related("milestone__project")
            .only("description", "milestone_id", "milestone__project__name")
            .order_by("created_at")[:limit]
        ),
    }


def client_queue(user: Any, *, limit: int = 20) -> list:
    """Milestones waiting for this approver's review or approval, oldest first."""
    from milepost.plans.lifecycle.milestone import REVIEWING
    from milepost.plans.models import AccessRole, Milestone
    from milepost.plans.permissions import project_roles_of

    approver_of = [pk for pk, role in project_roles_of(user).items() if role == AccessRole.APPROVER]
    return list(
        Milestone.objects.filter(project_id__in=approver_of, status__in=REVIEWING)
        .select_related("project", "project__organisation", "project__client")
        .order_by("review_started_at")[:limit]
    )


#: How close an automatic approval must be for the dashboard to warn about it.
AUTO_APPROVAL_SOON = dt.timedelta(days=3)
#: In-review milestones read to find the approvals that come soon (the oldest reviews first).
_REVIEWS_READ = 50


def startable_milestones(organisation_id: int, *, limit: int = 10) -> list[Milestone]:
    """Planned milestones of active projects that the team may start now: the start gates of
    ``plans.lifecycle.milestone.start_refusal`` (sequential gating, pay before next) as one
    query, the earliest planned first."""
    earlier_open = Milestone.objects.filter(
        project_id=OuterRef("project_id"), position__lt=OuterRef("position")
    ).exclude(status__in=list(DONE))
    earlier_unpaid = Invoice.objects.filter(
        project_id=OuterRef("project_id"),
        kind=InvoiceKind.INVOICE,
        status__in=UNPAID,
        milestone__position__lt=OuterRef("position"),
    )
    return list(
        Milestone.objects.filter(
            project__organisation_id=organisation_id,
            project__status=ProjectStatus.ACTIVE,
            status__in=list(SOURCES[MilestoneAction.START]),
        )
        .filter(Q(project__sequential_gating=False) | ~Exists(earlier_open))
        .filter(Q(project__pay_before_next=False) | ~Exists(earlier_unpaid))
        .select_related("project")
        .only("title", "planned_start", "project__name")
        .order_by("planned_start", "project_id", "position")[:limit]
    )


def projects_needing_attention(organisation_id: int, *, limit: int = 10) -> list[dict[str, Any]]:
    """Active projects to look at first, with why: overdue invoices (oldest due first), then
    automatic approvals within ``AUTO_APPROVAL_SOON`` (soonest first), then changes requested.
    Two queries, whatever the number of projects."""
    today = clock.today()
    overdue = Invoice.objects.filter(
        project_id=OuterRef("pk"),
        kind=InvoiceKind.INVOICE,
        status__in=UNPAID,
        due_date__lt=today,
    ).order_by()
    changes = Milestone.objects.filter(
        project_id=OuterRef("pk"), status=MilestoneStatus.CHANGES_REQUESTED
    ).order_by()
    flagged = (
        Project.objects.filter(organisation_id=organisation_id, status=ProjectStatus.ACTIVE)
        .annotate(
            overdue_invoices=_count(overdue, "project_id"),
            oldest_due=Subquery(overdue.order_by("due_date").values("due_date")[:1]),
            changes_requested=_count(changes, "project_id"),
        )
        .filter(Q(overdue_invoices__gt=0) | Q(changes_requested__gt=0))
        .values("pk", "name", "client__name", "overdue_invoices", "oldest_due", "changes_requested")
        .order_by("oldest_due", "name")[: limit * 2]
    )
    entries: dict[int, dict[str, Any]] = {}
    for row in flagged:
        entries[row["pk"]] = {**row, "auto_approve_at": None, "auto_approve_title": None}
    horizon = clock.now() + AUTO_APPROVAL_SOON
    reviews = (
        Milestone.objects.filter(
            project__organisation_id=organisation_id,
            project__status=ProjectStatus.ACTIVE,
            status__in=list(REVIEWING),
            project__auto_approve_days__gt=0,
        )
        .values(
            "title",
            "status",
            "review_started_at",
            "project_id",
            "project__name",
            "project__client__name",
            "project__auto_approve_days",
        )
        .order_by("review_started_at")[:_REVIEWS_READ]
    )
    for row in reviews:
        deadline = auto_approve_deadline(
            row["status"], row["review_started_at"], row["project__auto_approve_days"]
        )
        if deadline is None or deadline > horizon:
            continue
        entry = entries.setdefault(
            row["project_id"],
            {
                "pk": row["project_id"],
                "name": row["project__name"],
                "client__name": row["project__client__name"],
                "overdue_invoices": 0,
                "oldest_due": None,
                "changes_requested": 0,
                "auto_approve_at": None,
                "auto_approve_title": None,
            },
        )
        if entry["auto_approve_at"] is None or deadline < entry["auto_approve_at"]:
            entry["auto_approve_at"] = deadline
            entry["auto_approve_title"] = row["title"]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    ranked = sorted(
        entries.values(),
        key=lambda e: (
            e["oldest_due"] is None,
            e["oldest_due"] or dt.date.max,
            e["auto_approve_at"] is None,
            e["auto_approve_at"] or far,
            e["name"],
        ),
    )
    return ranked[:limit]


def _count(rows: QuerySet, by: str) -> Coalesce:
    """A correlated count of ``rows`` (filtered on an OuterRef), 0 when there are none."""
    return Coalesce(Subquery(rows.values(by).annotate(n=Count("pk")).values("n")[:1]), 0)
