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
    refusal,
)
from milepost.plans.models import Project

PAIRS = list(itertools.product(ProjectStatus, ProjectAction))


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
    }


def test_on_hold_and_cancelled_have_no_transitions_yet():
    for state in (ProjectStatus.ON_HOLD, ProjectStatus.CANCELLED, ProjectStatus.COMPLETED):
        assert MOVES[state] == {}
        assert set(TRANSITIONS[state].values()) == {state}
    assert ProjectStatus.ON_HOLD not in {t for a in MOVES.values() for t in a.values()}
    assert ProjectStatus.CANCELLED not in {t for a in MOVES.values() for t in a.values()}


def test_the_actions_that_stay():
    every = {str(s) for s in ProjectStatus}
    assert {str(a): {str(s) for s in states} for a, states in STAYS.items()} == {
        "edit_plan": {"draft"},  # the plan is locked once proposed
        "update": every,
        "grant_access": every,
        "change_access": every,
        "remove_access": every,
        "save_template": every,
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
        assert refused.message == (
            "The plan is waiting for the client's answer. Withdraw the proposal to edit it."
            if state == ProjectStatus.PROPOSED
            else "The plan was accepted and is locked. Scope, budget and dates change only "
            "through change orders."
        )
    elif action is ProjectAction.PROPOSE:
        assert (refused.code, refused.message) == (
            "state_conflict",
            "Only a draft plan can be proposed.",
        )
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
