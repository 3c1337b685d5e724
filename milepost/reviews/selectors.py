"""Reads of the review cycle, through the eyes of a user."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from milepost.billing.models import Invoice, InvoiceKind
from milepost.billing.selectors import UNPAID
from milepost.core import clock
from milepost.core.errors import NotFound
from milepost.core.lookup import pk_of
from milepost.core.prepared import Prepared
from milepost.plans.lifecycle.milestone import (
    DONE,
    REVIEWING,
    SOURCES,
    WORKING,
    MilestoneAction,
    MilestoneStatus,
    auto_approve_deadline,
)
from milepost.plans.lifecycle.project import ProjectStatus
from milepost.plans.models import Deliverable, Milestone, Project
from milepost.plans.permissions import can_view_milestones

from . import rules
from .models import Attachment, Delivery, Entry, SupportRequest, Verdict


def deliveries_of(milestone) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(milestone=milestone)
        .select_related("delivered_by")
        .prefetch_related(
            Prefetch("entries__attachments", queryset=Attachment.objects.order_by("id")),
            Prefetch(
                "verdicts",
                queryset=Verdict.objects.select_related("decided_by", "carried_from__delivery"),
            ),
        )
        .order_by("-number")
    )


def decided_in(verdict: Verdict) -> int:
    """The number of the delivery on which the client gave ``verdict`` (before any carry-over)."""
    origin = verdict.carried_from if verdict.carried_from_id else None
    return (origin or verdict).delivery.number


@dataclass(frozen=True)
class ChecklistRow:
    """One deliverable on the delivery under review: its verdict there (set by the client, or
    carried over), and the latest verdict it had on an earlier delivery."""

    deliverable: Deliverable
    verdict: Verdict | None
    earlier: Verdict | None

    @property
    def status(self) -> str:
        return self.verdict.status if self.verdict else rules.UNTESTED

    @property
    def carried_from(self) -> int | None:
        """The delivery the passed verdict was carried over from (None: set on this one)."""
        return decided_in(self.verdict) if self.verdict and self.verdict.carried_from_id else None

    @property
    def earlier_in(self) -> int | None:
        return decided_in(self.earlier) if self.earlier else None

    def as_json(self) -> dict[str, Any]:
        verdict, earlier = self.verdict, self.earlier
        return {
            "deliverable": self.deliverable.pk,
            "title": self.deliverable.title,
            "status": self.status,
            "note": verdict.note if verdict else "",
            "carried_from": self.carried_from,
            "earlier": {"delivery": self.earlier_in, "status": earlier.status, "note": earlier.note}
            if earlier
            else None,
        }


def earlier_verdicts(milestone: Any, before: int) -> dict[int, Verdict]:
    """Each deliverable's latest verdict on a delivery numbered below ``before``."""
    latest: dict[int, Verdict] = {}
    verdicts = (
        Verdict.objects.filter(delivery__milestone=milestone, delivery__number__lt=before)
        .select_related("delivery", "carried_from__delivery")
        .order_by("-delivery__number")
    )
    for verdict in verdicts if before > 1 else ():
        latest.setdefault(verdict.deliverable_id, verdict)
    return latest


def _verdicts_on(delivery: Delivery) -> Any:
    prefetched = getattr(delivery, "_prefetched_objects_cache", {}).get("verdicts")
    if prefetched is not None:
        return prefetched
    return delivery.verdicts.select_related("decided_by", "carried_from__delivery")


def checklist_of(milestone: Any, delivery: Delivery | None) -> list[ChecklistRow]:
    """The checklist of ``delivery`` (the one under review), each deliverable in plan order.

    Reads the milestone's deliverables and the delivery's verdicts as prefetched when they are
    (``plans.selectors.milestone_get``, ``deliveries_of``): one more query, for the earlier
    verdicts, from v2 on.
    """
    deliverables = sorted(milestone.deliverables.all(), key=lambda d: (d.position, d.pk))
    if delivery is None:
        return [ChecklistRow(d, None, None) for d in deliverables]
    current = {v.deliverable_id: v for v in _verdicts_on(delivery)}
    earlier = earlier_verdicts(milestone, delivery.number)
    return [ChecklistRow(d, current.get(d.pk), earlier.get(d.pk)) for d in deliverables]


def feedback_draft(rows: list[ChecklistRow]) -> str:
    """ "What should change?" pre-filled from the failed items' notes on the delivery."""
    return rules.feedback_draft(
        (row.deliverable.title, row.verdict.note) for row in rows if row.status == rules.FAILED
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
        Deliverable.objects.filter(pk=pk_of(deliverable_id))
        .select_related("milestone", "milestone__project", "milestone__project__organisation")
        .first()
    )
    if deliverable is None or not can_view_milestones(user, deliverable.milestone.project):
        raise NotFound("Deliverable not found.")
    return deliverable


def support_request_get(user: Any, request_id: Any) -> SupportRequest:
    request = (
        SupportRequest.objects.filter(pk=pk_of(request_id))
        .select_related("milestone", "milestone__project", "milestone__project__organisation")
        .first()
    )
    if request is None or not can_view_milestones(user, request.milestone.project):
        raise NotFound("Support request not found.")
    return request


def attachment_get(user: Any, attachment_id: Any) -> Attachment:
    attachment = (
        Attachment.objects.filter(pk=pk_of(attachment_id))
        .select_related("milestone__project")
        .first()
    )
    if attachment is None or not can_view_milestones(user, attachment.milestone.project):
        raise NotFound("File not found.")
    return attachment


def _of_active_projects(organisation_id: int) -> QuerySet[Milestone]:
    return Milestone.objects.filter(
        project__organisation_id=organisation_id, project__status=ProjectStatus.ACTIVE
    )


#: The dashboard's queues, compiled once (``core.prepared``): they run on every visit.
_ON_CLIENT = Prepared(
    lambda organisation_id, limit: (
        _of_active_projects(organisation_id)
        .filter(status__in=sorted(REVIEWING))
        .values("pk", "title", "review_started_at", "project__client__name")
        .order_by("review_started_at")[:limit]
    ),
    organisation_id=int,
)
_ON_US = Prepared(
    lambda organisation_id, limit: (
        _of_active_projects(organisation_id)
        .filter(status__in=sorted(WORKING))
        .values("pk", "title", "status", "planned_due", "project__name")
        .order_by("planned_due")[:limit]
    ),
    organisation_id=int,
)
_LATE = Prepared(
    lambda organisation_id, today, limit: (
        _of_active_projects(organisation_id)
        .exclude(status__in=sorted(DONE))
        .filter(planned_due__lt=today)
        .values("pk", "title", "planned_due", "project__name")
        .order_by("planned_due")[:limit]
    ),
    organisation_id=int,
    today=dt.date,
)
_SUPPORT = Prepared(
    lambda organisation_id, limit: (
        SupportRequest.objects.filter(
            milestone__project__organisation_id=organisation_id,
            status=SupportRequest.Status.OPEN,
        )
        .values("pk", "description", "milestone_id", "milestone__project__name")
        .order_by("created_at")[:limit]
    ),
    organisation_id=int,
)


def agency_queues(organisation_id: int, *, limit: int = 10) -> dict[str, list[dict[str, Any]]]:
    """The agency dashboard: what waits on the client, what waits on us, what is late, as rows
    (``pk``, ``title``, the project's name; only ``on_client`` names the client)."""
    on_us = _ON_US(organisation_id=organisation_id, limit=limit)
    for row in on_us:
        row["status_label"] = MilestoneStatus(row["status"]).label
    return {
        "on_client": _ON_CLIENT(organisation_id=organisation_id, limit=limit),
        "on_us": on_us,
        "overdue": _LATE(organisation_id=organisation_id, today=clock.today(), limit=limit),
        "support": _SUPPORT(organisation_id=organisation_id, limit=limit),
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


#: How close an automatic approval must be for the dashboard to warn about it.
AUTO_APPROVAL_SOON = dt.timedelta(days=3)
#: In-review milestones read to find the approvals that come soon (the oldest reviews first).
_REVIEWS_READ = 50


def _startable(organisation_id: int, limit: int) -> QuerySet:
    earlier_open = Milestone.objects.filter(
        project_id=OuterRef("project_id"), position__lt=OuterRef("position")
    ).exclude(status__in=sorted(DONE))
    earlier_unpaid = Invoice.objects.filter(
        project_id=OuterRef("project_id"),
        kind=InvoiceKind.INVOICE,
        status__in=sorted(UNPAID),
        milestone__position__lt=OuterRef("position"),
    )
    return (
        _of_active_projects(organisation_id)
        .filter(status__in=sorted(SOURCES[MilestoneAction.START]))
        .filter(Q(project__sequential_gating=False) | ~Exists(earlier_open))
        .filter(Q(project__pay_before_next=False) | ~Exists(earlier_unpaid))
        .values("pk", "title", "planned_start", "project__name")
        .order_by("planned_start", "project_id", "position")[:limit]
    )


_STARTABLE = Prepared(_startable, organisation_id=int)


def startable_milestones(organisation_id: int, *, limit: int = 10) -> list[dict[str, Any]]:
    """Planned milestones of active projects that the team may start now, as rows (``pk``,
    ``title``, ``planned_start``, ``project__name``): the start gates of
    ``plans.lifecycle.milestone.start_refusal`` (sequential gating, pay before next) as one
    query, the earliest planned first."""
    return _STARTABLE(organisation_id=organisation_id, limit=limit)


def _flagged(organisation_id: int, today: dt.date, limit: int) -> QuerySet:
    overdue = Invoice.objects.filter(
        project_id=OuterRef("pk"),
        kind=InvoiceKind.INVOICE,
        status__in=sorted(UNPAID),
        due_date__lt=today,
    ).order_by()
    changes = Milestone.objects.filter(
        project_id=OuterRef("pk"), status=MilestoneStatus.CHANGES_REQUESTED
    ).order_by()
    return (
        Project.objects.filter(organisation_id=organisation_id, status=ProjectStatus.ACTIVE)
        .annotate(
            overdue_invoices=_count(overdue, "project_id"),
            oldest_due=Subquery(overdue.order_by("due_date").values("due_date")[:1]),
            changes_requested=_count(changes, "project_id"),
        )
        .filter(Q(overdue_invoices__gt=0) | Q(changes_requested__gt=0))
        .values("pk", "name", "client__name", "overdue_invoices", "oldest_due", "changes_requested")
        .order_by("oldest_due", "name")[:limit]
    )


_FLAGGED = Prepared(_flagged, organisation_id=int, today=dt.date)
_REVIEWS = Prepared(
    lambda organisation_id, limit: (
        _of_active_projects(organisation_id)
        .filter(status__in=sorted(REVIEWING), project__auto_approve_days__gt=0)
        .values(
            "title",
            "status",
            "review_started_at",
            "project_id",
            "project__name",
            "project__client__name",
            "project__auto_approve_days",
            "review_paused",
        )
        .order_by("review_started_at")[:limit]
    ),
    organisation_id=int,
)


def projects_needing_attention(organisation_id: int, *, limit: int = 10) -> list[dict[str, Any]]:
    """Active projects to look at first, with why: overdue invoices (oldest due first), then
    automatic approvals within ``AUTO_APPROVAL_SOON`` (soonest first), then changes requested.
    Two queries, whatever the number of projects."""
    flagged = _FLAGGED(organisation_id=organisation_id, today=clock.today(), limit=limit * 2)
    entries: dict[int, dict[str, Any]] = {}
    for row in flagged:
        entries[row["pk"]] = {**row, "auto_approve_at": None, "auto_approve_title": None}
    horizon = clock.now() + AUTO_APPROVAL_SOON
    for row in _REVIEWS(organisation_id=organisation_id, limit=_REVIEWS_READ):
        deadline = auto_approve_deadline(
            row["status"],
            row["review_started_at"],
            row["project__auto_approve_days"],
            row["review_paused"],
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
