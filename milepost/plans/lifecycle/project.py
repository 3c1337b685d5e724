"""The project lifecycle: its states, every action, who takes it, and the rules that refuse.

``MOVES[state][action]`` is the state an action leads to; ``STAYS[action]`` lists the states in
which an action that leaves the state as it is may be taken. Together they are
``TRANSITIONS[state][action]``. ``ACTORS[action]`` is the side that may take it. ``on_hold`` and
``cancelled`` are states without transitions yet (putting a project on hold, resuming and
cancelling it come with issue 12). No ORM.
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


S, A = ProjectStatus, ProjectAction  # short names for the tables below (deleted after them)

#: The actions that move the project, from each state.
MOVES: dict[ProjectStatus, dict[ProjectAction, ProjectStatus]] = {
    S.DRAFT: {A.PROPOSE: S.PROPOSED},
    S.PROPOSED: {A.WITHDRAW: S.DRAFT, A.DECLINE: S.DRAFT, A.ACCEPT: S.ACTIVE},
    S.ACTIVE: {A.COMPLETE: S.COMPLETED},  # when every milestone is done
    S.COMPLETED: {},
    S.ON_HOLD: {},
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
}

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
            "A %(status)s project needs at least one approver on the client's side. Make "
            "someone else approver first."
        )
        % {"status": ProjectStatus(state).label.lower()},
    )


def refusal(state: str, action: str) -> Refusal | None:
    """Why ``action`` cannot be taken on a project in ``state`` (None when it can)."""
    current, act = ProjectStatus(state), ProjectAction(action)
    if act in TRANSITIONS[current]:
        return None
    if act is ProjectAction.EDIT_PLAN:
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
    (source,) = SOURCES[act]
    return conflict(source)


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
