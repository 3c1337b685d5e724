"""The lifecycles of a project and of its milestones, as data: ``project.py``, ``milestone.py``.

Each module is its model's status choices (the ``TextChoices`` of the model field is the
lifecycle's state), every action with the side that may take it, the table of what each action
does in each state, and the rules that refuse an action as pure functions over plain values. No
ORM (``TextChoices`` is only an enum): they are tested exhaustively without a database, and drawn
in docs/architecture.md. Who may take an action on which object is ``plans.permissions.ACTIONS``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from milepost.core.errors import RuleViolation


class Side(StrEnum):
    """Who may take an action (``plans.permissions.SIDES`` says how a user is told apart)."""

    AGENCY = "agency"  # any member of the project's agency
    MANAGER = "manager"  # the agency's owners and managers
    APPROVER = "approver"  # the client's approvers on the project
    ANYONE = "anyone"  # anyone who sees it, viewers too
    SYSTEM = "system"  # no person: the scheduler, or a payment


@dataclass(frozen=True)
class Refusal:
    """Why an action is refused: a stable ``code``, a message a person can read, details."""

    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def error(self) -> RuleViolation:
        """The refusal as the 409 a service raises."""
        return RuleViolation(self.message, code=self.code, details=self.details)


def transitions(moves: Mapping, stays: Mapping) -> dict:
    """``{state: {action: next state}}``: the moves, and each staying action as a loop."""
    return {
        state: {
            **by_action,
            **{action: state for action, states in stays.items() if state in states},
        }
        for state, by_action in moves.items()
    }


def sources(table: Mapping, actions: Iterable) -> dict:
    """``{action: the states it may be taken from}`` (for queries: ``status__in=…``)."""
    return {
        action: frozenset(state for state, by_action in table.items() if action in by_action)
        for action in actions
    }
