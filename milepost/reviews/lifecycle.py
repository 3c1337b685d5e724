"""The milestone state machine as data. No ORM: tested exhaustively, drawn in the docs.

``TRANSITIONS[state][action]`` is the next state. ``ACTORS[action]`` says which side may take the
action. Every other (state, action) pair is refused with the stable code ``invalid_transition``.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    PLANNED = "planned"
    AWAITING_PREPAYMENT = "awaiting_prepayment"
    IN_PROGRESS = "in_progress"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    CLOSED = "closed"


class Action(StrEnum):
    START = "start"
    START_WITH_PREPAYMENT = "start_with_prepayment"
    PREPAYMENT_RECEIVED = "prepayment_received"
    DELIVER = "deliver"
    REQUEST_CHANGES = "request_changes"
    APPROVE = "approve"
    AUTO_APPROVE = "auto_approve"
    CLOSE = "close"


class Side(StrEnum):
    AGENCY = "agency"
    APPROVER = "approver"
    SYSTEM = "system"


TRANSITIONS: dict[State, dict[Action, State]] = {
    State.PLANNED: {
        Action.START: State.IN_PROGRESS,
        Action.START_WITH_PREPAYMENT: State.AWAITING_PREPAYMENT,
    },
    State.AWAITING_PREPAYMENT: {Action.PREPAYMENT_RECEIVED: State.IN_PROGRESS},
    State.IN_PROGRESS: {Action.DELIVER: State.IN_REVIEW},
    State.CHANGES_REQUESTED: {Action.DELIVER: State.IN_REVIEW},
    State.IN_REVIEW: {
        Action.REQUEST_CHANGES: State.CHANGES_REQUESTED,
        Action.APPROVE: State.APPROVED,
        Action.AUTO_APPROVE: State.APPROVED,
    },
    State.APPROVED: {Action.CLOSE: State.CLOSED},
    State.CLOSED: {},
}

ACTORS: dict[Action, Side] = {
    Action.START: Side.AGENCY,
    Action.START_WITH_PREPAYMENT: Side.AGENCY,
    Action.PREPAYMENT_RECEIVED: Side.SYSTEM,
    Action.DELIVER: Side.AGENCY,
    Action.REQUEST_CHANGES: Side.APPROVER,
    Action.APPROVE: Side.APPROVER,
    Action.AUTO_APPROVE: Side.SYSTEM,
    Action.CLOSE: Side.SYSTEM,
}

#: States in which the milestone counts as done (its budget is "approved").
DONE = frozenset({State.APPROVED, State.CLOSED})
#: States in which the client is looking at a delivery.
REVIEWING = frozenset({State.IN_REVIEW})


class TransitionRefused(Exception):
    """The action is not possible from this state; ``code`` is stable."""

    def __init__(self, state: State, action: Action) -> None:
        super().__init__(
            f"Cannot {action.value.replace('_', ' ')} a milestone that is "
            f"{state.value.replace('_', ' ')}."
        )
        self.code = "invalid_transition"
        self.state = state
        self.action = action


def next_state(state: str, action: str) -> State:
    """The state after ``action``, or TransitionRefused."""
    current, act = State(state), Action(action)
    try:
        return TRANSITIONS[current][act]
    except KeyError:
        raise TransitionRefused(current, act) from None


def allowed_actions(state: str) -> frozenset[Action]:
    return frozenset(TRANSITIONS[State(state)])
