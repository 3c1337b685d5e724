"""The project lifecycle: its states, every action, who takes it, and the rules that refuse.

``MOVES[state][action]`` is the state an action leads to; ``STAYS[action]`` lists the states in
which an action that leaves the state as it is may be taken. Together they are
``TRANSITIONS[state][action]``. ``ACTORS[action]`` is the side that may take it. No ORM.

On hold, resumed, cancelled, deleted (owners and managers):

- **hold** (active → on_hold) pauses the project: no milestone starts, nothing is delivered,
  approved (by the client or automatically) or sent back for changes, no support request is filed
  and no support window closes; the reminders about work (reviews waiting, due dates, support
  windows ending) are not sent. What stays open: the client may still test deliverables (their
  verdicts) and comment, the agency may comment, resolve support requests and grant revisions,
  and a prepayment paid meanwhile still releases its milestone (it waits in progress). Invoices
  already issued stay due, and their overdue reminders go on: the work behind them is done.
  Which milestone action each project state holds back is ``milestone.PROJECT_HOLDS``.
- **resume** (on_hold → active) moves the clocks by the time spent on hold: a review's
  auto-approval date (``Milestone.review_paused``) and the end of an open support window
  (``Milestone.support_ends_at``). Planned dates do not move: they change through change orders.
- **cancel** (draft, proposed, active, on_hold → cancelled; a reason is required) ends the
  project for good: nothing more starts, is delivered, approved, invoiced or released by a
  prepayment, and the scheduler leaves it alone. Issued invoices stay (void them apart), and
  payments can still be recorded against them. Comments stay open, for the record.
- **delete** only a draft never proposed (``first_proposed_at`` empty: the agency's alone). Once
  proposed, the client has seen the plan, so it is kept: ``delete_refusal`` says to cancel it.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import Refusal, Side, sources, transitions


class ProjectStatus(TextChoices):
    """The project's state: the choices of ``Project.status``."""

    DRAFT = "draft", gettext_lazy("Draft")
    PROPOSED = "proposed", gettext_lazy("Proposed")
    ACTIVE = "active", gettext_lazy("Active")
    COMPLETED = "completed", gettext_lazy("Completed")
    ON_HOLD = "on_hold", gettext_lazy("On hold")
    CANCELLED = "cancelled", gettext_lazy("Cancelled")


class ProjectAction(StrEnum):
    PROPOSE = "propose"
    WITHDRAW = "withdraw"
    DECLINE = "decline"
    ACCEPT = "accept"
    COMPLETE = "complete"
    EDIT_PLAN = "edit_plan"
    UPDATE = "update"
    GRANT_ACCESS = "grant_access"
    CHANGE_ACCESS = "change_access"
    REMOVE_ACCESS = "remove_access"
    SAVE_TEMPLATE = "save_template"
    HOLD = "hold"
    RESUME = "resume"
    CANCEL = "cancel"
    DELETE = "delete"
    CHANGE_PLAN = "change_plan"  # draft a change order (plans.lifecycle.change_order)


S, A = ProjectStatus, ProjectAction  # short names for the tables below (deleted after them)

#: The actions that move the project, from each state.
MOVES: dict[ProjectStatus, dict[ProjectAction, ProjectStatus]] = {
    S.DRAFT: {A.PROPOSE: S.PROPOSED, A.CANCEL: S.CANCELLED},
    S.PROPOSED: {
        A.WITHDRAW: S.DRAFT,
        A.DECLINE: S.DRAFT,
        A.ACCEPT: S.ACTIVE,
        A.CANCEL: S.CANCELLED,
    },
    S.ACTIVE: {
        A.COMPLETE: S.COMPLETED,  # when every milestone is done
        A.HOLD: S.ON_HOLD,
        A.CANCEL: S.CANCELLED,
    },
    S.COMPLETED: {},
    S.ON_HOLD: {A.RESUME: S.ACTIVE, A.CANCEL: S.CANCELLED},
    S.CANCELLED: {},
}

#: The actions that leave the state as it is, and the states in which they may be taken.
STAYS: dict[ProjectAction, frozenset[ProjectStatus]] = {
    A.EDIT_PLAN: frozenset({S.DRAFT}),  # milestones, deliverables and plan-shaping settings
    A.UPDATE: frozenset(S),  # name, summary, auto-approval, payment terms …
    A.GRANT_ACCESS: frozenset(S),
    A.CHANGE_ACCESS: frozenset(S),
    A.REMOVE_ACCESS: frozenset(S),
    A.SAVE_TEMPLATE: frozenset(S),
    # The row is gone after it, so there is no state to move to; only one never proposed
    # (``delete_refusal``).
    A.DELETE: frozenset({S.DRAFT}),
    # An accepted plan changes only through change orders, while the project goes on.
    A.CHANGE_PLAN: frozenset({S.ACTIVE, S.ON_HOLD}),
}

TRANSITIONS: dict[ProjectStatus, dict[ProjectAction, ProjectStatus]] = transitions(MOVES, STAYS)

#: The states from which each action may be taken.
SOURCES: dict[ProjectAction, frozenset[ProjectStatus]] = sources(TRANSITIONS, A)

ACTORS: dict[ProjectAction, Side] = {
    A.PROPOSE: Side.MANAGER,
    A.WITHDRAW: Side.MANAGER,
    A.DECLINE: Side.APPROVER,
    A.ACCEPT: Side.APPROVER,
    A.COMPLETE: Side.SYSTEM,
    A.EDIT_PLAN: Side.MANAGER,
    A.UPDATE: Side.MANAGER,
    A.GRANT_ACCESS: Side.MANAGER,
    A.CHANGE_ACCESS: Side.MANAGER,
    A.REMOVE_ACCESS: Side.MANAGER,
    A.SAVE_TEMPLATE: Side.MANAGER,
    A.HOLD: Side.MANAGER,
    A.RESUME: Side.MANAGER,
    A.CANCEL: Side.MANAGER,
    A.DELETE: Side.MANAGER,
    A.CHANGE_PLAN: Side.MANAGER,
}

#: The states in which nothing comes next: no milestone starts and nothing more is invoiced.
ENDED: frozenset[ProjectStatus] = frozenset({S.COMPLETED, S.CANCELLED})

#: The states in which the client must keep at least one approver: someone has to answer the
#: proposal, review the milestones and pay (an approver is demoted or removed only after another
#: one is named).
NEEDS_APPROVER: frozenset[ProjectStatus] = frozenset({S.PROPOSED, S.ACTIVE, S.ON_HOLD})

del S, A


def approver_refusal(state: str, approvers_left: int) -> Refusal | None:
    """Why a change of access that leaves ``approvers_left`` approvers is refused (or None)."""
    if approvers_left > 0 or ProjectStatus(state) not in NEEDS_APPROVER:
        return None
    return Refusal(
        "last_approver",
        _(
            "The project is %(status)s: it needs at least one approver on the client's side. "
            "Make someone else approver first."
        )
        % {"status": ProjectStatus(state).label.lower()},
    )


def refusal(state: str, action: str) -> Refusal | None:
    """Why ``action`` cannot be taken on a project in ``state`` (None when it can)."""
    current, act = ProjectStatus(state), ProjectAction(action)
    if act in TRANSITIONS[current]:
        return None
    if act is ProjectAction.EDIT_PLAN:
        if current == ProjectStatus.CANCELLED:
            return Refusal("plan_locked", _("The project is cancelled: its plan stays as it was."))
        if current == ProjectStatus.PROPOSED:
            return Refusal(
                "plan_locked",
                _("The plan is waiting for the client's answer. Withdraw the proposal to edit it."),
            )
        return Refusal(
            "plan_locked",
            _(
                "The plan was accepted and is locked. Scope, budget and dates change only through "
                "change orders."
            ),
        )
    if act is ProjectAction.PROPOSE:
        return Refusal("state_conflict", _("Only a draft plan can be proposed."))
    if act in REFUSED_OUTSIDE:
        code, message = REFUSED_OUTSIDE[act]
        return Refusal(code, str(message))
    (source,) = SOURCES[act]
    return conflict(source)


#: The refusal of an action outside its states, when it is not "someone else changed it".
REFUSED_OUTSIDE: dict[ProjectAction, tuple[str, str]] = {
    ProjectAction.HOLD: (
        "invalid_transition",
        gettext_lazy("Only an active project can be put on hold."),
    ),
    ProjectAction.RESUME: ("invalid_transition", gettext_lazy("The project is not on hold.")),
    ProjectAction.CANCEL: (
        "invalid_transition",
        gettext_lazy("A completed or cancelled project cannot be cancelled."),
    ),
    ProjectAction.DELETE: (
        "invalid_transition",
        gettext_lazy("Only a draft can be deleted. Cancel the project instead."),
    ),
    ProjectAction.CHANGE_PLAN: (
        "invalid_transition",
        gettext_lazy(
            "Change orders change an accepted plan while the project goes on: this project is "
            "not active or on hold."
        ),
    ),
}


def delete_refusal(state: str, first_proposed: bool) -> Refusal | None:
    """A draft is deleted only while it is the agency's alone (never proposed)."""
    refused = refusal(state, ProjectAction.DELETE)
    if refused is not None:
        return refused
    if first_proposed:
        return Refusal(
            "project_was_proposed",
            _(
                "This plan was proposed to the client, so it stays on record and cannot be "
                "deleted. Cancel the project instead."
            ),
        )
    return None


def cancel_refusal(state: str, first_proposed: bool) -> Refusal | None:
    """A project is cancelled once the client has seen it; a draft never proposed is deleted
    (``delete_refusal``): cancelling it would tell the client of a plan they were never shown."""
    refused = refusal(state, ProjectAction.CANCEL)
    if refused is not None:
        return refused
    if not first_proposed:
        return Refusal(
            "project_never_proposed",
            _("This draft was never proposed to the client: delete it instead of cancelling it."),
        )
    return None


def conflict(expected: str) -> Refusal:
    """The project is not (or no longer) in the state the action starts from."""
    return Refusal(
        "state_conflict",
        _(
            "The project is no longer %(expected)s: someone else changed it. Reload to see its "
            "current state."
        )
        % {"expected": ProjectStatus(expected).label.lower()},
    )
