"""The milestone lifecycle: its states, every action, who takes it, and the rules that refuse.

``MOVES[state][action]`` is the state an action leads to; ``STAYS[action]`` lists the states in
which an action that leaves the state as it is (a verdict, a comment, …) may be taken. Together
they are ``TRANSITIONS[state][action]`` (the state itself for those that stay). ``ACTORS[action]``
is the side that may take it. Every other (state, action) pair is refused: ``invalid_transition``,
or the action's own refusal in ``REFUSED_OUTSIDE``. A project on hold or cancelled holds some
actions back whatever the milestone's state (``PROJECT_HOLDS``, ``project_refusal``: the
project lifecycle's docstring says why). No ORM.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import Refusal, Side, sources, transitions
from .project import ProjectStatus


class MilestoneStatus(TextChoices):
    """The milestone's state: the choices of ``Milestone.status``."""

    PLANNED = "planned", gettext_lazy("Planned")
    AWAITING_PREPAYMENT = "awaiting_prepayment", gettext_lazy("Awaiting prepayment")
    IN_PROGRESS = "in_progress", gettext_lazy("In progress")
    IN_REVIEW = "in_review", gettext_lazy("In review")
    CHANGES_REQUESTED = "changes_requested", gettext_lazy("Changes requested")
    APPROVED = "approved", gettext_lazy("Approved")
    CLOSED = "closed", gettext_lazy("Closed")


class MilestoneAction(StrEnum):
    START = "start"
    START_WITH_PREPAYMENT = "start_with_prepayment"
    PREPAYMENT_RECEIVED = "prepayment_received"
    PREPAYMENT_REVERSED = "prepayment_reversed"
    DELIVER = "deliver"
    REQUEST_CHANGES = "request_changes"
    APPROVE = "approve"
    AUTO_APPROVE = "auto_approve"
    CLOSE = "close"
    VERDICT = "verdict"
    GRANT_REVISION = "grant_revision"
    SUPPORT_REQUEST = "support_request"
    RESOLVE = "resolve"
    COMMENT = "comment"
    # The client's ways on when the revisions run out (plans.lifecycle.change_order).
    BUY_REVISION = "buy_revision"
    ASK_CHANGE_ORDER = "ask_change_order"


S, A = MilestoneStatus, MilestoneAction  # short names for the tables below (deleted after them)

#: The actions that move the milestone, from each state.
MOVES: dict[MilestoneStatus, dict[MilestoneAction, MilestoneStatus]] = {
    S.PLANNED: {A.START: S.IN_PROGRESS, A.START_WITH_PREPAYMENT: S.AWAITING_PREPAYMENT},
    S.AWAITING_PREPAYMENT: {A.PREPAYMENT_RECEIVED: S.IN_PROGRESS},
    # A prepayment reversed before anything was delivered: the milestone waits for it again.
    S.IN_PROGRESS: {A.DELIVER: S.IN_REVIEW, A.PREPAYMENT_REVERSED: S.AWAITING_PREPAYMENT},
    S.CHANGES_REQUESTED: {A.DELIVER: S.IN_REVIEW},
    S.IN_REVIEW: {
        A.REQUEST_CHANGES: S.CHANGES_REQUESTED,
        A.APPROVE: S.APPROVED,
        A.AUTO_APPROVE: S.APPROVED,
    },
    S.APPROVED: {A.CLOSE: S.CLOSED},
    S.CLOSED: {},
}

#: The actions that leave the state as it is, and the states in which they may be taken.
STAYS: dict[MilestoneAction, frozenset[MilestoneStatus]] = {
    A.VERDICT: frozenset({S.IN_REVIEW}),
    A.GRANT_REVISION: frozenset(S) - {S.CLOSED},
    A.SUPPORT_REQUEST: frozenset({S.APPROVED}),  # the support window (its end: support_refusal)
    A.RESOLVE: frozenset(S),
    A.COMMENT: frozenset(S),
    # While there is a delivery to change or a support window to use.
    A.BUY_REVISION: frozenset({S.IN_PROGRESS, S.IN_REVIEW, S.CHANGES_REQUESTED, S.APPROVED}),
    A.ASK_CHANGE_ORDER: frozenset(S) - {S.CLOSED},
}

TRANSITIONS: dict[MilestoneStatus, dict[MilestoneAction, MilestoneStatus]] = transitions(
    MOVES, STAYS
)

#: The states from which each action may be taken (for queries: ``status__in=SOURCES[action]``).
SOURCES: dict[MilestoneAction, frozenset[MilestoneStatus]] = sources(TRANSITIONS, A)

ACTORS: dict[MilestoneAction, Side] = {
    A.START: Side.AGENCY,
    A.START_WITH_PREPAYMENT: Side.AGENCY,
    A.PREPAYMENT_RECEIVED: Side.SYSTEM,
    A.PREPAYMENT_REVERSED: Side.SYSTEM,
    A.DELIVER: Side.AGENCY,
    A.REQUEST_CHANGES: Side.APPROVER,
    A.APPROVE: Side.APPROVER,
    A.AUTO_APPROVE: Side.SYSTEM,
    A.CLOSE: Side.SYSTEM,
    A.VERDICT: Side.APPROVER,
    A.GRANT_REVISION: Side.MANAGER,
    A.SUPPORT_REQUEST: Side.APPROVER,
    A.RESOLVE: Side.AGENCY,
    A.COMMENT: Side.ANYONE,
    A.BUY_REVISION: Side.APPROVER,
    A.ASK_CHANGE_ORDER: Side.APPROVER,
}

#: States in which the milestone counts as done (its budget is "approved").
DONE = frozenset({S.APPROVED, S.CLOSED})
#: States in which it is not done yet.
OPEN = frozenset(S) - DONE
#: States in which the client is looking at a delivery.
REVIEWING = frozenset({S.IN_REVIEW})
#: States in which the agency is working on it (the next delivery is theirs).
WORKING = frozenset({S.IN_PROGRESS, S.CHANGES_REQUESTED})

#: The milestone actions a project in each state holds back (every other is the table's).
#: On hold: nothing moves but a prepayment; tests, comments, grants and fixes go on. Cancelled:
#: only comments. (Draft and proposed projects: ``start_refusal`` says the plan comes first.)
PROJECT_HOLDS: dict[ProjectStatus, frozenset[MilestoneAction]] = {
    ProjectStatus.ON_HOLD: frozenset(
        {
            A.START,
            A.START_WITH_PREPAYMENT,
            A.DELIVER,
            A.REQUEST_CHANGES,
            A.APPROVE,
            A.AUTO_APPROVE,
            A.CLOSE,
            A.SUPPORT_REQUEST,
        }
    ),
    ProjectStatus.CANCELLED: frozenset(A) - {A.COMMENT},
}

del S, A

#: The refusal of an action outside its states, when it is not the generic one (``refusal``).
REFUSED_OUTSIDE: dict[MilestoneAction, Refusal] = {
    MilestoneAction.VERDICT: Refusal(
        "invalid_transition",
        gettext_lazy("Deliverables are tested while the milestone is in review."),
    ),
    MilestoneAction.GRANT_REVISION: Refusal(
        "invalid_transition", gettext_lazy("This milestone is closed.")
    ),
    MilestoneAction.SUPPORT_REQUEST: Refusal(
        "support_window_closed", gettext_lazy("The support window of this milestone is closed.")
    ),
    MilestoneAction.BUY_REVISION: Refusal(
        "invalid_transition",
        gettext_lazy(
            "An extra revision is for a milestone in progress, in review or in its support window."
        ),
    ),
    MilestoneAction.ASK_CHANGE_ORDER: Refusal(
        "invalid_transition", gettext_lazy("This milestone is closed: ask about the next one.")
    ),
}


class TransitionRefused(Exception):
    """The action is not possible from this state; ``code`` is stable."""

    def __init__(self, state: MilestoneStatus, action: MilestoneAction) -> None:
        super().__init__(
            f"Cannot {action.value.replace('_', ' ')} a milestone that is "
            f"{state.value.replace('_', ' ')}."
        )
        self.code = "invalid_transition"
        self.state = state
        self.action = action


def next_state(state: str, action: str) -> MilestoneStatus:
    """The state after ``action``, or TransitionRefused."""
    current, act = MilestoneStatus(state), MilestoneAction(action)
    try:
        return TRANSITIONS[current][act]
    except KeyError:
        raise TransitionRefused(current, act) from None


def allowed_actions(state: str) -> frozenset[MilestoneAction]:
    return frozenset(TRANSITIONS[MilestoneStatus(state)])


#: What each action that moves the milestone does to it, said in a refusal ("you cannot …").
DOING: dict[MilestoneAction, str] = {
    MilestoneAction.START: gettext_lazy("start it"),
    MilestoneAction.START_WITH_PREPAYMENT: gettext_lazy("start it"),
    MilestoneAction.PREPAYMENT_RECEIVED: gettext_lazy("release it with its prepayment"),
    MilestoneAction.PREPAYMENT_REVERSED: gettext_lazy("put it back to wait for its prepayment"),
    MilestoneAction.DELIVER: gettext_lazy("deliver it"),
    MilestoneAction.REQUEST_CHANGES: gettext_lazy("request changes to it"),
    MilestoneAction.APPROVE: gettext_lazy("approve it"),
    MilestoneAction.AUTO_APPROVE: gettext_lazy("approve it automatically"),
    MilestoneAction.CLOSE: gettext_lazy("close its support window"),
}


def refusal(state: str, action: str) -> Refusal | None:
    """Why ``action`` cannot be taken in ``state`` (None when it can)."""
    current, act = MilestoneStatus(state), MilestoneAction(action)
    if act in TRANSITIONS[current]:
        return None
    if act in REFUSED_OUTSIDE:
        return REFUSED_OUTSIDE[act]
    return Refusal(
        "invalid_transition",
        _("This milestone is %(state)s: you cannot %(doing)s now.")
        % {"state": current.label.lower(), "doing": DOING[act]},
        {"status": str(current), "action": str(act)},
    )


def project_refusal(project_status: str, action: str) -> Refusal | None:
    """Why the project's state holds ``action`` back (None when it does not)."""
    status, act = ProjectStatus(project_status), MilestoneAction(action)
    if act not in PROJECT_HOLDS.get(status, ()):
        return None
    if status == ProjectStatus.ON_HOLD:
        return Refusal(
            "project_on_hold",
            _("The project is on hold: this waits until the agency resumes it."),
        )
    return Refusal("project_cancelled", _("The project is cancelled: nothing more happens in it."))


def project_states_allowing(action: str) -> frozenset[ProjectStatus]:
    """The project states in which ``action`` is not held back (for conditional updates)."""
    act = MilestoneAction(action)
    return frozenset(s for s in ProjectStatus if act not in PROJECT_HOLDS.get(s, ()))


# --- Starting: the gates, in this order ----------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    """The first earlier milestone that is not done yet (sequential gating)."""

    pk: int
    position: int
    title: str


def start_refusal(
    *,
    project_status: str,
    sequential_gating: bool,
    waiting: Waiting | None,
    pay_before_next: bool,
    unpaid: Sequence[str],
) -> Refusal | None:
    """Why a planned milestone cannot start (None when it can): the project is not active, an
    earlier milestone is not approved (with sequential gating), an earlier invoice is unpaid
    (with pay before next; ``unpaid`` are their numbers, in plan order)."""
    if project_status != ProjectStatus.ACTIVE:
        return Refusal(
            "project_not_active", _("The project is not active: its plan must be accepted first.")
        )
    if sequential_gating and waiting is not None:
        return Refusal(
            "previous_milestone_not_approved",
            _("Milestone %(n)s (“%(title)s”) must be approved first.")
            % {"n": waiting.position, "title": waiting.title},
            {"waiting_for": waiting.pk},
        )
    if pay_before_next and unpaid:
        return Refusal(
            "payment_required",
            _("Invoice %(number)s must be paid before this milestone can start.")
            % {"number": unpaid[0]},
            {"unpaid_invoices": list(unpaid)},
        )
    return None


# --- Revisions, review and support windows -------------------------------------------------------


def quota_refusal(
    revisions_left: int, extra_revision_price: str | None = None, details: dict | None = None
) -> Refusal | None:
    """Request changes and support requests each use one revision. When none is left, the
    client has two ways on: buy one more at ``extra_revision_price`` (already written as money;
    None when the project does not offer it), or ask for a change order; ``details`` say where."""
    if revisions_left > 0:
        return None
    if extra_revision_price is None:
        message = _(
            "No revision is left on this milestone. The agency can grant an extra revision, or "
            "you can ask for a change order."
        )
    else:
        message = _(
            "No revision is left on this milestone. You can buy one more for %(price)s, or ask "
            "for a change order."
        ) % {"price": extra_revision_price}
    return Refusal("revision_quota_exhausted", message, details or {})


def buy_refusal(revisions_left: int) -> Refusal | None:
    """One more revision is bought when the milestone's have run out, not before."""
    if revisions_left <= 0:
        return None
    return Refusal(
        "revisions_left",
        ngettext(
            "This milestone still has %(n)s revision left: use it first. One more can be "
            "bought when it has been used.",
            "This milestone still has %(n)s revisions left: use them first. One more can be "
            "bought when they have run out.",
            revisions_left,
        )
        % {"n": revisions_left},
        {"revisions_left": revisions_left},
    )


def support_window_open(status: str, support_ends_at: dt.datetime | None, now: dt.datetime) -> bool:
    """From approval until approval + the support window's days."""
    return (
        status == MilestoneStatus.APPROVED and support_ends_at is not None and now < support_ends_at
    )


def support_refusal(
    *, status: str, support_ends_at: dt.datetime | None, now: dt.datetime, revisions_left: int
) -> Refusal | None:
    """A support request needs the window open, then a revision left."""
    return support_window_refusal(status, support_ends_at, now) or quota_refusal(revisions_left)


def support_window_refusal(
    status: str, support_ends_at: dt.datetime | None, now: dt.datetime
) -> Refusal | None:
    if support_window_open(status, support_ends_at, now):
        return None
    return REFUSED_OUTSIDE[MilestoneAction.SUPPORT_REQUEST]


def close_refusal(support_ends_at: dt.datetime | None, now: dt.datetime) -> Refusal | None:
    """The system closes a milestone once its support window has ended."""
    if support_ends_at is not None and now >= support_ends_at:
        return None
    return Refusal("support_window_open", _("The support window is still open."))


def auto_approve_deadline(
    status: str,
    review_started_at: dt.datetime | None,
    days: int,
    paused: dt.timedelta | None = None,
    project_status: str = ProjectStatus.ACTIVE,
):
    """When a review started at ``review_started_at`` approves itself: ``days`` later, plus the
    time the project spent on hold during it (``paused``). None: not in review, auto-approval
    off, or the project holds it back (on hold: the clock is paused; cancelled)."""
    if status not in SOURCES[MilestoneAction.AUTO_APPROVE] or not review_started_at or not days:
        return None
    if project_refusal(project_status, MilestoneAction.AUTO_APPROVE) is not None:
        return None
    return review_started_at + dt.timedelta(days=days) + (paused or dt.timedelta(0))
