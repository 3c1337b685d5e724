"""Reads of the review cycle, through the eyes of a user."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from milepost.core.errors import NotFound
from milepost.plans.models import Deliverable
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
    """Milestones waiting for this approver's review or approval, oldest first (not in a
    project on hold or cancelled: nothing can be approved there)."""
    from milepost.plans.lifecycle.milestone import (
        REVIEWING,
        MilestoneAction,
        project_states_allowing,
    )
    from milepost.plans.models import AccessRole, Milestone
    from milepost.plans.permissions import project_roles_of

    approver_of = [pk for pk, role in project_roles_of(user).items() if role == AccessRole.APPROVER]
    return list(
        Milestone.objects.filter(
            project_id__in=approver_of,
            status__in=REVIEWING,
            project__status__in=project_states_allowing(MilestoneAction.APPROVE),
        )
        .select_related("project", "project__organisation", "project__client")
        .order_by("review_started_at")[:limit]
    )
