"""The project state machine, exhaustively: every state and every action. No database."""

import itertools

import pytest

from milepost.plans.lifecycle import Refusal, Side
from milepost.plans.lifecycle.project import (
    ACTORS,
    MOVES,
    SOURCES,
    STAYS,
    TRANSITIONS,
    ProjectAction,
    ProjectStatus,
    conflict,
    delete_refusal,
    refusal,
)
from milepost.plans.models import Project

PAIRS = list(itertools.product(ProjectStatus, ProjectAction))

#: Hold, resume, cancel and delete refused outside their states say what they need.
OWN_REFUSALS = {
    ProjectAction.HOLD: "Only an active project can be put on hold.",
    ProjectAction.RESUME: "The project is not on hold.",
    ProjectAction.CANCEL: "A completed or cancelled project cannot be cancelled.",
    ProjectAction.DELETE: "Only a draft can be deleted. Cancel the project instead.",
    ProjectAction.CHANGE_PLAN: (
        "Change orders change an accepted plan while the project goes on: this project is not "
        "active or on hold."
    ),
}


def test_the_moves_are_the_product_lifecycle():
    """Written out from docs/architecture.md ("Project lifecycle"), apart from the code's table."""
    assert {
        (str(state), str(action)): str(target)
        for state, actions in TRANSITIONS.items()
        for action, target in actions.items()
        if target != state
    } == {
        ("draft", "propose"): "proposed",
        ("proposed", "withdraw"): "draft",
        ("proposed", "decline"): "draft",
        ("proposed", "accept"): "active",
        ("active", "complete"): "completed",
        ("active", "hold"): "on_hold",
        ("on_hold", "resume"): "active",
        ("draft", "cancel"): "cancelled",
        ("proposed", "cancel"): "cancelled",
        ("active", "cancel"): "cancelled",
        ("on_hold", "cancel"): "cancelled",
    }


def test_completed_and_cancelled_are_terminal():
    for state in (ProjectStatus.CANCELLED, ProjectStatus.COMPLETED):
        assert MOVES[state] == {}
        assert set(TRANSITIONS[state].values()) == {state}
    assert ProjectStatus.ON_HOLD in {t for a in MOVES.values() for t in a.values()}


def test_only_a_draft_never_proposed_can_be_deleted():
    assert delete_refusal("draft", False) is None
    once = delete_refusal("draft", True)
    assert once.code == "project_was_proposed"
    assert "Cancel the project instead" in once.message
    for state in set(ProjectStatus) - {ProjectStatus.DRAFT}:
        refused = delete_refusal(str(state), False)
        assert (refused.code, refused.message) == (
            "invalid_transition",
            "Only a draft can be deleted. Cancel the project instead.",
        )


def test_the_actions_that_stay():
    every = {str(s) for s in ProjectStatus}
    assert {str(a): {str(s) for s in states} for a, states in STAYS.items()} == {
        "edit_plan": {"draft"},  # the plan is locked once proposed
        "update": every,
        "grant_access": every,
        "change_access": every,
        "remove_access": every,
        "save_template": every,
        "delete": {"draft"},  # and only never proposed: delete_refusal
        "change_plan": {"active", "on_hold"},  # change orders, once the plan is accepted
    }


def test_every_action_has_a_side_and_a_source():
    assert set(TRANSITIONS) == set(ProjectStatus)
    assert set(ACTORS) == set(ProjectAction)
    assert {str(a): str(s) for a, s in ACTORS.items()} == {
        "propose": "manager",
        "withdraw": "manager",
        "decline": "approver",
        "accept": "approver",
        "complete": "system",
        "edit_plan": "manager",
        "update": "manager",
        "grant_access": "manager",
        "change_access": "manager",
        "remove_access": "manager",
        "save_template": "manager",
        "hold": "manager",
        "resume": "manager",
        "cancel": "manager",
        "delete": "manager",
        "change_plan": "manager",
    }
    assert all(isinstance(side, Side) for side in ACTORS.values())
    for action in ProjectAction:
        assert SOURCES[action] == {s for s in ProjectStatus if action in TRANSITIONS[s]}
        assert SOURCES[action]


@pytest.mark.parametrize(("state", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_every_pair_is_allowed_by_the_table_or_refused_with_its_message(state, action):
    refused = refusal(str(state), str(action))
    if action in TRANSITIONS[state]:
        assert refused is None
        return
    assert isinstance(refused, Refusal)
    if action is ProjectAction.EDIT_PLAN:
        assert refused.code == "plan_locked"
        if state == ProjectStatus.PROPOSED:
            message = (
                "The plan is waiting for the client's answer. Withdraw the proposal to edit it."
            )
        elif state == ProjectStatus.CANCELLED:
            message = "The project is cancelled: its plan stays as it was."
        else:
            message = (
                "The plan was accepted and is locked. Scope, budget and dates change only "
                "through change orders."
            )
        assert refused.message == message
    elif action is ProjectAction.PROPOSE:
        assert (refused.code, refused.message) == (
            "state_conflict",
            "Only a draft plan can be proposed.",
        )
    elif action in OWN_REFUSALS:
        assert (refused.code, refused.message) == ("invalid_transition", OWN_REFUSALS[action])
    else:
        (source,) = SOURCES[action]
        assert refused == conflict(source)
        assert refused.code == "state_conflict"
        assert refused.message == (
            f"The project is no longer {source.label.lower()}: someone else changed it. Reload "
            "to see its current state."
        )


def test_one_enum_for_the_model_and_the_lifecycle():
    assert Project._meta.get_field("status").choices == ProjectStatus.choices
    from milepost.plans import models

    assert models.ProjectStatus is ProjectStatus
