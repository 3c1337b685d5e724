"""What a user can do on a milestone right now, and why not: for pages to show or disable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from milepost.accounts import permissions
from milepost.core import clock
from milepost.plans.models import Milestone, MilestoneStatus

from .lifecycle import DONE, State
from .services.cycle import start_refusal


@dataclass(frozen=True)
class Availability:
    """``shown``: the user's role has this action at all; ``reason``: why it is refused now."""

    shown: bool
    reason: str = ""

    @property
    def enabled(self) -> bool:
        return self.shown and not self.reason


HIDDEN = Availability(False)


def milestone_actions(user: Any, milestone: Milestone) -> dict[str, Availability]:
    """Each action of the milestone page for ``user``: hidden, disabled with a reason, or open."""
    project = milestone.project
    agency = permissions.is_agency_side(user, project)
    approver = permissions.can_answer_plan(user, project)
    status = milestone.status
    actions: dict[str, Availability] = dict.fromkeys(
        (
            "start",
            "deliver",
            "grant_revision",
            "verdict",
            "request_changes",
            "approve",
            "support_request",
            "resolve",
        ),
        HIDDEN,
    )
    if agency:
        if status == MilestoneStatus.PLANNED:
            refusal = start_refusal(milestone)
            actions["start"] = Availability(True, refusal.message if refusal else "")
        if status in (MilestoneStatus.IN_PROGRESS, MilestoneStatus.CHANGES_REQUESTED):
            actions["deliver"] = Availability(True)
        actions["resolve"] = Availability(True)
        if permissions.can_edit_plan(user, project) and status != MilestoneStatus.CLOSED:
            actions["grant_revision"] = Availability(True)
    if approver and status == MilestoneStatus.IN_REVIEW:
        actions["verdict"] = Availability(True)
        actions["approve"] = Availability(True)
        actions["request_changes"] = Availability(
            True,
            ""
            if milestone.revisions_left
            else _(
                "No revision is left. Ask the agency for an extra revision, or approve with open "
                "items and file support requests."
            ),
        )
    if approver and status == MilestoneStatus.APPROVED:
        reason = ""
        if not milestone.support_open:
            reason = _("The support window has ended.")
        elif not milestone.revisions_left:
            reason = _("No revision is left for support requests.")
        actions["support_request"] = Availability(True, reason)
    return actions


def waiting_for(milestone: Milestone) -> tuple[str, Any] | None:
    """Who the milestone waits for, and since when: ("client", dt) or ("agency", dt)."""
    status = milestone.status
    if status == MilestoneStatus.IN_REVIEW:
        return ("client", milestone.review_started_at)
    if status in (MilestoneStatus.IN_PROGRESS, MilestoneStatus.CHANGES_REQUESTED):
        return (
            "agency",
            milestone.started_at
            if status == MilestoneStatus.IN_PROGRESS
            else milestone.review_started_at,
        )
    return None


def is_overdue(milestone: Milestone) -> bool:
    """Not yet approved after its planned due date."""
    return State(milestone.status) not in DONE and milestone.planned_due < clock.today()
