"""What a user can do on a milestone right now, and why not: for pages to show or disable.

Derived, never decided here: an action is shown when the lifecycle allows it in the milestone's
state and the user's role may take it (``plans.permissions.ACTIONS``); it is disabled with the
reason its gate gives (the project on hold or cancelled, start, revisions left, support
window).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from milepost.core import clock
from milepost.plans.lifecycle import Refusal
from milepost.plans.lifecycle.milestone import (
    DONE,
    REVIEWING,
    WORKING,
    MilestoneAction,
    MilestoneStatus,
    allowed_actions,
    buy_refusal,
    project_refusal,
    quota_refusal,
    support_refusal,
)
from milepost.plans.lifecycle.project import ProjectAction
from milepost.plans.lifecycle.project import refusal as project_change_refusal
from milepost.plans.models import Milestone
from milepost.plans.permissions import allowed

from .services.start import start_refusal


@dataclass(frozen=True)
class Availability:
    """``shown``: the user's role has this action at all; ``reason``: why it is refused now."""

    shown: bool
    reason: str = ""

    @property
    def enabled(self) -> bool:
        return self.shown and not self.reason


HIDDEN = Availability(False)

#: The actions the milestone page offers.
PAGE_ACTIONS = (
    MilestoneAction.START,
    MilestoneAction.DELIVER,
    MilestoneAction.GRANT_REVISION,
    MilestoneAction.VERDICT,
    MilestoneAction.REQUEST_CHANGES,
    MilestoneAction.APPROVE,
    MilestoneAction.SUPPORT_REQUEST,
    MilestoneAction.RESOLVE,
    MilestoneAction.BUY_REVISION,
    MilestoneAction.ASK_CHANGE_ORDER,
)


def _buy_refusal(m: Milestone) -> Refusal | None:
    """One more revision is offered when the project sells them and none is left."""
    project = m.project
    if project_change_refusal(project.status, ProjectAction.CHANGE_PLAN) is not None:
        return project_change_refusal(project.status, ProjectAction.CHANGE_PLAN)
    if project.extra_revision_price is None:
        return Refusal("extra_revisions_off", str(_("The agency does not sell extra revisions.")))
    return buy_refusal(m.revisions_left)


#: Why an action the state allows is refused now (None: it is not).
GATES: dict[MilestoneAction, Callable[[Milestone], Any]] = {
    MilestoneAction.START: start_refusal,
    MilestoneAction.REQUEST_CHANGES: lambda m: quota_refusal(m.revisions_left),
    MilestoneAction.SUPPORT_REQUEST: lambda m: support_refusal(
        status=m.status,
        support_ends_at=m.support_ends_at,
        now=clock.now(),
        revisions_left=m.revisions_left,
    ),
    MilestoneAction.BUY_REVISION: _buy_refusal,
    MilestoneAction.ASK_CHANGE_ORDER: lambda m: project_change_refusal(
        m.project.status, ProjectAction.CHANGE_PLAN
    ),
}

#: What the page says for a refusal, where it says more than the service's message.
PAGE_REASONS = {
    (MilestoneAction.REQUEST_CHANGES, "revision_quota_exhausted"): _(
        "No revision is left. Buy one more or ask for a change order (below), ask the agency "
        "for an extra revision, or approve with open items and file support requests."
    ),
    (MilestoneAction.SUPPORT_REQUEST, "support_window_closed"): _("The support window has ended."),
    (MilestoneAction.SUPPORT_REQUEST, "revision_quota_exhausted"): _(
        "No revision is left for support requests."
    ),
}


def _availability(
    user: Any, milestone: Milestone, action: MilestoneAction, possible: frozenset
) -> Availability:
    if action not in possible:
        return HIDDEN
    if not allowed(user, action, milestone.project):
        return HIDDEN
    refusal = project_refusal(milestone.project.status, action)  # on hold, cancelled
    if refusal is None and action in GATES:
        refusal = GATES[action](milestone)
    if refusal is None:
        return Availability(True)
    return Availability(True, str(PAGE_REASONS.get((action, refusal.code), refusal.message)))


def milestone_actions(user: Any, milestone: Milestone) -> dict[str, Availability]:
    """Each action of the milestone page for ``user``: hidden, disabled with a reason, or open."""
    possible = allowed_actions(milestone.status)
    return {
        str(action): _availability(user, milestone, action, possible) for action in PAGE_ACTIONS
    }


def waiting_for(milestone: Milestone) -> tuple[str, Any] | None:
    """Who the milestone waits for, and since when: ("client", dt) or ("agency", dt)."""
    status = milestone.status
    if status in REVIEWING:
        return ("client", milestone.review_started_at)
    if status in WORKING:
        return (
            "agency",
            milestone.started_at
            if status == MilestoneStatus.IN_PROGRESS
            else milestone.review_started_at,
        )
    return None


def is_overdue(milestone: Milestone) -> bool:
    """Not yet approved after its planned due date."""
    return milestone.status not in DONE and milestone.planned_due < clock.today()
