"""The milestone state machine, exhaustively: every state and every action."""

import itertools

import pytest

from milepost.plans.models import MilestoneStatus
from milepost.reviews.lifecycle import (
    ACTORS,
    DONE,
    TRANSITIONS,
    Action,
    Side,
    State,
    TransitionRefused,
    allowed_actions,
    next_state,
)

PAIRS = list(itertools.product(State, Action))
ALLOWED = [(s, a) for s, a in PAIRS if a in TRANSITIONS.get(s, {})]


@pytest.mark.parametrize(("state", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_every_pair_moves_as_the_table_says_or_is_refused(state, action):
    expected = TRANSITIONS[state].get(action)
    if expected is not None:
        assert next_state(state, action) is expected
        assert next_state(str(state), str(action)) is expected  # plain strings, as stored
    else:
        with pytest.raises(TransitionRefused) as refused:
            next_state(state, action)
        assert refused.value.code == "invalid_transition"
        assert refused.value.state is state
        assert refused.value.action is action
        assert state.value.replace("_", " ") in str(refused.value)


def test_the_table_is_the_product_lifecycle():
    """Written out from PRODUCT.md ("Lifecycle"), independently of the code's table."""
    expected = {
        ("planned", "start"): "in_progress",
        ("planned", "start_with_prepayment"): "awaiting_prepayment",
        ("awaiting_prepayment", "prepayment_received"): "in_progress",
        ("in_progress", "deliver"): "in_review",
        ("changes_requested", "deliver"): "in_review",
        ("in_review", "request_changes"): "changes_requested",
        ("in_review", "approve"): "approved",
        ("in_review", "auto_approve"): "approved",
        ("approved", "close"): "closed",
    }
    table = {
        (str(state), str(action)): str(target)
        for state, actions in TRANSITIONS.items()
        for action, target in actions.items()
    }
    assert table == expected


def test_the_allowed_pairs_are_exactly_the_tables():
    assert set(TRANSITIONS) == set(State)
    table_pairs = sum(len(actions) for actions in TRANSITIONS.values())
    assert len(PAIRS) == len(State) * len(Action)
    assert len(ALLOWED) == table_pairs == 9
    assert len(PAIRS) - len(ALLOWED) == len(State) * len(Action) - 9  # all the rest refused
    for state in State:
        assert allowed_actions(state) == frozenset(TRANSITIONS[state])


def test_every_action_has_a_side_and_is_reachable():
    assert set(ACTORS) == set(Action)
    assert all(isinstance(side, Side) for side in ACTORS.values())
    used = {action for actions in TRANSITIONS.values() for action in actions}
    assert used == set(Action)


def test_sides_follow_the_product_table():
    assert ACTORS[Action.START] is Side.AGENCY
    assert ACTORS[Action.START_WITH_PREPAYMENT] is Side.AGENCY
    assert ACTORS[Action.DELIVER] is Side.AGENCY
    assert ACTORS[Action.REQUEST_CHANGES] is Side.APPROVER
    assert ACTORS[Action.APPROVE] is Side.APPROVER
    assert ACTORS[Action.AUTO_APPROVE] is Side.SYSTEM
    assert ACTORS[Action.PREPAYMENT_RECEIVED] is Side.SYSTEM
    assert ACTORS[Action.CLOSE] is Side.SYSTEM


def test_states_match_the_stored_statuses():
    assert {s.value for s in State} == set(MilestoneStatus.values)


def test_done_states_never_go_back_and_closed_is_final():
    assert frozenset({State.APPROVED, State.CLOSED}) == DONE
    assert TRANSITIONS[State.CLOSED] == {}
    for state in DONE:
        for target in TRANSITIONS[state].values():
            assert target in DONE


def test_unknown_names_are_not_silently_accepted():
    with pytest.raises(ValueError):
        next_state("archived", "start")
    with pytest.raises(ValueError):
        next_state("planned", "teleport")
