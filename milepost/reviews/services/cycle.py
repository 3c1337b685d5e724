"""The review cycle: start, deliver, test, request changes, grant a revision, approve."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.billing.selectors import unpaid_invoices_before
from milepost.billing.services import invoice_issue
from milepost.core import clock, events
from milepost.core.errors import InvalidInput, RuleViolation
from milepost.core.events import EventType
from milepost.plans.lifecycle import milestone as lifecycle
from milepost.plans.lifecycle.milestone import MilestoneAction as Action
from milepost.plans.models import BillingTrigger, Deliverable, Milestone, ProjectStatus
from milepost.plans.permissions import require
from milepost.plans.services import project_complete

from ..models import (
    Approval,
    ChangeRequest,
    Delivery,
    Entry,
    RevisionGrant,
    SupportRequest,
    Verdict,
)
from .common import (
    add_entry,
    check_files,
    move,
    quota_exhausted,
    target_state,
    use_revision,
)

_url = URLValidator(schemes=["http", "https"])


def _audit(
    milestone: Milestone, actor: User | None, action: AuditAction, target=None, **data: Any
) -> None:
    audit_record(
        organisation=milestone.project.organisation,
        actor=actor,
        action=action,
        target=target or milestone,
        project=milestone.project,
        data={"milestone": milestone.pk, "position": milestone.position, **data},
    )


def _required_text(value: str, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(message, details={field: [_("This field is required.")]})
    return text


def start_refusal(milestone: Milestone) -> RuleViolation | None:
    """Why the milestone cannot start now (None when it can). Used by services and pages.

    The gates are the lifecycle's (``lifecycle.start_refusal``); what they need from the database
    is looked up only when it can decide: the project active, the setting on, no refusal yet.
    """
    project = milestone.project
    if milestone.status not in lifecycle.SOURCES[Action.START]:
        return None  # the transition check explains it
    deciding = project.status == ProjectStatus.ACTIVE
    waiting = None
    if deciding and project.sequential_gating:
        first = (
            Milestone.objects.filter(project=project, position__lt=milestone.position)
            .exclude(status__in=list(lifecycle.DONE))
            .order_by("position")
            .values("pk", "position", "title")
            .first()
        )
        waiting = lifecycle.Waiting(**first) if first else None
    unpaid = []
    if deciding and waiting is None and project.pay_before_next:
        unpaid = unpaid_invoices_before(milestone)
    refusal = lifecycle.start_refusal(
        project_status=project.status,
        sequential_gating=project.sequential_gating,
        waiting=waiting,
        pay_before_next=project.pay_before_next,
        unpaid=[invoice.number for invoice in unpaid],
    )
    return refusal.error() if refusal else None


@transaction.atomic
def milestone_start(*, milestone: Milestone, actor: User) -> Milestone:
    """Begin work on a planned milestone of an active project.

    A milestone billed on start is invoiced now and waits in ``awaiting_prepayment`` until that
    invoice is paid (``milestone_release_prepaid``).
    """
    require(actor, Action.START, milestone)
    prepaid = milestone.billing_trigger == BillingTrigger.ON_START
    action = Action.START_WITH_PREPAYMENT if prepaid else Action.START
    target_state(milestone, action)
    refusal = start_refusal(milestone)
    if refusal is not None:
        raise refusal
    move(milestone, action, started_at=clock.now())
    _audit(
        milestone,
        actor,
        AuditAction.MILESTONE_STARTED,
        before={"status": "planned"},
        after={"status": milestone.status},
    )
    add_entry(milestone, Entry.Kind.STARTED, author=actor)
    events.emit(
        EventType.MILESTONE_STARTED,
        organisation_id=milestone.project.organisation_id,
        milestone=milestone.pk,
        project=milestone.project_id,
        awaiting_prepayment=prepaid,
    )
    if prepaid:
        invoice_issue(milestone=milestone, trigger=BillingTrigger.ON_START)
    return milestone


@transaction.atomic
def milestone_prepayment_received(*, milestone: Milestone) -> Milestone:
    """The prepayment invoice is paid ("system"): work can begin."""
    target_state(milestone, Action.PREPAYMENT_RECEIVED)
    move(milestone, Action.PREPAYMENT_RECEIVED)
    _audit(
        milestone,
        None,
        AuditAction.MILESTONE_PREPAID,
        before={"status": "awaiting_prepayment"},
        after={"status": milestone.status},
    )
    add_entry(
        milestone, Entry.Kind.STARTED, author=None, body=_("Prepayment received: work begins.")
    )
    return milestone


@transaction.atomic
def milestone_deliver(
    *,
    milestone: Milestone,
    actor: User,
    notes: str,
    preview_url: str = "",
    files: list | None = None,
) -> Delivery:
    """Hand a new version (v1, v2, …) to the client for review."""
    require(actor, Action.DELIVER, milestone)
    target_state(milestone, Action.DELIVER)
    errors: dict[str, list[str]] = {}
    if not (notes or "").strip():
        errors["notes"] = [_("Say what is delivered and how to test it.")]
    url = (preview_url or "").strip()
    if url:
        limit = Delivery._meta.get_field("preview_url").max_length
        try:
            _url(url)
        except ValidationError:
            errors["preview_url"] = [_("Enter an http:// or https:// address.")]
        else:
            if len(url) > limit:
                errors["preview_url"] = [_("At most %(n)s characters.") % {"n": limit}]
    if errors:
        raise InvalidInput(_("Please correct the highlighted fields."), details=errors)
    checked = check_files(files, milestone=milestone)
    before = milestone.status
    now = clock.now()
    move(milestone, Action.DELIVER, review_started_at=now)
    number = (milestone.deliveries.aggregate(n=Max("number"))["n"] or 0) + 1
    delivery = Delivery.objects.create(
        milestone=milestone,
        number=number,
        notes=notes.strip(),
        preview_url=url,
        delivered_by=actor,
        created_at=now,
    )
    add_entry(
        milestone,
        Entry.Kind.DELIVERY,
        author=actor,
        body=delivery.notes,
        files=checked,
        delivery=delivery,
    )
    _audit(
        milestone,
        actor,
        AuditAction.MILESTONE_DELIVERED,
        target=delivery,
        before={"status": before},
        after={"status": milestone.status},
        delivery=number,
        files=[c.name for c in checked],
    )
    events.emit(
        EventType.MILESTONE_DELIVERED,
        organisation_id=milestone.project.organisation_id,
        milestone=milestone.pk,
        delivery=delivery.pk,
    )
    return delivery


def current_delivery(milestone: Milestone) -> Delivery | None:
    return milestone.deliveries.order_by("-number").first()


@transaction.atomic
def deliverable_verdict(
    *, deliverable: Deliverable, actor: User, status: str, note: str = ""
) -> Verdict:
    """The approver marks one deliverable of the delivery under review passed or failed."""
    milestone = deliverable.milestone
    require(actor, Action.VERDICT, milestone)
    if status not in Verdict.Status.values:
        raise InvalidInput(
            _("Choose passed or failed."), details={"status": [_("Choose passed or failed.")]}
        )
    fresh = Milestone.objects.select_for_update().get(pk=milestone.pk)
    target_state(fresh, Action.VERDICT)
    delivery = current_delivery(fresh)
    verdict, _created = Verdict.objects.update_or_create(
        deliverable=deliverable,
        delivery=delivery,
        defaults={
            "status": status,
            "note": (note or "").strip(),
            "decided_by": actor,
            "decided_at": clock.now(),
        },
    )
    label = Verdict.Status(status).label
    add_entry(
        fresh,
        Entry.Kind.VERDICT,
        author=actor,
        body=f"**{deliverable.title}**: {label}" + (f" — {verdict.note}" if verdict.note else ""),
    )
    _audit(
        fresh,
        actor,
        AuditAction.DELIVERABLE_VERDICT,
        target=verdict,
        deliverable=deliverable.pk,
        delivery=delivery.number,
        after={"status": status, "note": verdict.note},
    )
    return verdict


@transaction.atomic
def milestone_request_changes(
    *, milestone: Milestone, actor: User, feedback: str, files: list | None = None
) -> ChangeRequest:
    """The approver asks for changes, in writing; this uses one revision."""
    require(actor, Action.REQUEST_CHANGES, milestone)
    target = target_state(milestone, Action.REQUEST_CHANGES)
    text = _required_text(feedback, "feedback", _("Write what should change."))
    checked = check_files(files, milestone=milestone)
    fresh = Milestone.objects.get(pk=milestone.pk)
    if fresh.status == milestone.status and lifecycle.quota_refusal(fresh.revisions_left):
        raise quota_exhausted()
    if not use_revision(milestone, milestone.status, status=target):
        fresh.refresh_from_db()
        if fresh.status != milestone.status:
            raise RuleViolation(
                _("Someone else changed this milestone at the same time."), code="state_conflict"
            )
        raise quota_exhausted()
    milestone.refresh_from_db()
    delivery = current_delivery(milestone)
    request = ChangeRequest.objects.create(
        milestone=milestone, delivery=delivery, feedback=text, requested_by=actor
    )
    add_entry(
        milestone, Entry.Kind.CHANGES, author=actor, body=text, files=checked, delivery=delivery
    )
    _audit(
        milestone,
        actor,
        AuditAction.MILESTONE_CHANGES_REQUESTED,
        target=request,
        before={"status": "in_review"},
        after={"status": milestone.status},
        revisions_used=milestone.revisions_used,
        revision_quota=milestone.revision_quota,
    )
    events.emit(
        EventType.MILESTONE_CHANGES_REQUESTED,
        organisation_id=milestone.project.organisation_id,
        milestone=milestone.pk,
        change_request=request.pk,
    )
    return request


@transaction.atomic
def milestone_grant_revision(*, milestone: Milestone, actor: User, reason: str) -> RevisionGrant:
    """Give one extra revision, saying why (owners and managers)."""
    require(actor, Action.GRANT_REVISION, milestone)
    text = _required_text(reason, "reason", _("Say why the extra revision is granted."))
    updated = Milestone.objects.filter(
        pk=milestone.pk, status__in=lifecycle.SOURCES[Action.GRANT_REVISION]
    ).update(revision_quota=F("revision_quota") + 1)
    if updated != 1:
        raise lifecycle.REFUSED_OUTSIDE[Action.GRANT_REVISION].error()
    milestone.refresh_from_db()
    grant = RevisionGrant.objects.create(milestone=milestone, reason=text, granted_by=actor)
    add_entry(milestone, Entry.Kind.GRANT, author=actor, body=text)
    _audit(
        milestone,
        actor,
        AuditAction.MILESTONE_REVISION_GRANTED,
        target=grant,
        reason=text,
        after={"revision_quota": milestone.revision_quota},
    )
    return grant


def checklist(milestone: Milestone, delivery: Delivery | None) -> list[dict[str, Any]]:
    """Each deliverable with its verdict on ``delivery`` (``untested`` when none)."""
    verdicts = (
        {v.deliverable_id: v for v in Verdict.objects.filter(delivery=delivery)} if delivery else {}
    )
    rows = []
    for d in Deliverable.objects.filter(milestone=milestone).order_by("position"):
        v = verdicts.get(d.pk)
        rows.append(
            {
                "deliverable": d.pk,
                "title": d.title,
                "status": v.status if v else "untested",
                "note": v.note if v else "",
            }
        )
    return rows


def _approve(
    milestone: Milestone, actor: User | None, *, note: str, accept_open_items: bool
) -> Approval:
    delivery = current_delivery(milestone)
    items = checklist(milestone, delivery)
    open_items = [row for row in items if row["status"] != "passed"]
    if open_items and not accept_open_items:
        raise RuleViolation(
            ngettext(
                "%(n)s deliverable has not passed. Confirm that you approve with an open item: "
                "it becomes a support request.",
                "%(n)s deliverables have not passed. Confirm that you approve with open items: "
                "they become support requests.",
                len(open_items),
            )
            % {"n": len(open_items)},
            code="open_items_not_confirmed",
            details={"open_items": open_items},
        )
    now = clock.now()
    window = dt.timedelta(days=milestone.support_window_days)
    move(
        milestone,
        Action.AUTO_APPROVE if actor is None else Action.APPROVE,
        approved_at=now,
        approved_by=actor,
        support_ends_at=now + window,
    )
    try:
        with transaction.atomic():
            approval = Approval.objects.create(
                milestone=milestone,
                delivery=delivery,
                approved_by=actor,
                automatic=actor is None,
                note=(note or "").strip(),
                checklist=items,
                open_items=len(open_items),
                created_at=now,
            )
    except IntegrityError:
        raise RuleViolation(
            _("This milestone was already approved."), code="state_conflict"
        ) from None
    for row in open_items:
        SupportRequest.objects.create(
            milestone=milestone,
            deliverable_id=row["deliverable"],
            uses_revision=False,
            description=_("Open at approval: %(title)s") % {"title": row["title"]}
            + (f" — {row['note']}" if row["note"] else ""),
            filed_by=actor,
        )
    body = approval.note or ""
    add_entry(milestone, Entry.Kind.APPROVAL, author=actor, body=body, delivery=delivery)
    _audit(
        milestone,
        actor,
        AuditAction.MILESTONE_APPROVED,
        target=approval,
        before={"status": "in_review"},
        after={"status": "approved"},
        delivery=delivery.number if delivery else None,
        automatic=actor is None,
        open_items=len(open_items),
        checklist=items,
    )
    events.emit(
        EventType.MILESTONE_APPROVED,
        organisation_id=milestone.project.organisation_id,
        milestone=milestone.pk,
        project=milestone.project_id,
        approval=approval.pk,
        automatic=actor is None,
    )
    if milestone.billing_trigger == BillingTrigger.ON_APPROVAL:
        invoice_issue(milestone=milestone, trigger=BillingTrigger.ON_APPROVAL)
    project_complete(project=milestone.project, actor=actor)
    return approval


@transaction.atomic
def milestone_approve(
    *, milestone: Milestone, actor: User, note: str = "", accept_open_items: bool = False
) -> Approval:
    """The approver accepts the delivery under review; the support window opens.

    A milestone billed on approval is invoiced in the same transaction.
    """
    require(actor, Action.APPROVE, milestone)
    target_state(milestone, Action.APPROVE)
    return _approve(milestone, actor, note=note, accept_open_items=accept_open_items)


@transaction.atomic
def milestone_auto_approve(*, milestone: Milestone) -> Approval:
    """Approve for the client who did not answer within the project's period ("system")."""
    target_state(milestone, Action.AUTO_APPROVE)
    return _approve(
        milestone,
        None,
        note=_("Approved automatically: no answer within %(n)s days.")
        % {"n": milestone.project.auto_approve_days},
        accept_open_items=True,
    )
