"""The milestone state machine, exhaustively: every state and every action, and the rules that
refuse an action (start gates, revisions, support window) over plain values. No database."""

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from milepost.plans.lifecycle import Refusal, Side
from milepost.plans.lifecycle.milestone import (
    ACTORS,
    DOING,
    DONE,
    MOVES,
    OPEN,
    REFUSED_OUTSIDE,
    REVIEWING,
    SOURCES,
    STAYS,
    TRANSITIONS,
    WORKING,
    MilestoneAction,
    TransitionRefused,
    Waiting,
    allowed_actions,
    auto_approve_deadline,
    close_refusal,
    next_state,
    project_refusal,
    project_states_allowing,
    quota_refusal,
    refusal,
    start_refusal,
    support_refusal,
    support_window_open,
)
from milepost.plans.lifecycle.milestone import MilestoneAction as Action
from milepost.plans.lifecycle.milestone import MilestoneStatus as State
from milepost.plans.lifecycle.project import ProjectStatus
from milepost.plans.models import Milestone, MilestoneStatus

PAIRS = list(itertools.product(State, Action))
ALLOWED = [(s, a) for s, a in PAIRS if a in TRANSITIONS.get(s, {})]


@pytest.mark.parametrize(("state", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_every_pair_moves_as_the_table_says_or_is_refused(state, action):
    expected = TRANSITIONS[state].get(action)
    if expected is not None:
        assert next_state(state, action) is expected
        assert next_state(str(state), str(action)) is expected  # plain strings, as stored
        assert refusal(str(state), str(action)) is None
    else:
        with pytest.raises(TransitionRefused) as refused:
            next_state(state, action)
        assert refused.value.code == "invalid_transition"
        assert refused.value.state is state
        assert refused.value.action is action
        assert state.value.replace("_", " ") in str(refused.value)
        assert refusal(str(state), str(action)) is not None


def test_the_table_is_the_product_lifecycle():
    """Written out from PRODUCT.md ("Lifecycle"), independently of the code's table."""
    expected = {
        ("planned", "start"): "in_progress",
        ("planned", "start_with_prepayment"): "awaiting_prepayment",
        ("awaiting_prepayment", "prepayment_received"): "in_progress",
        # Issue 12: a mistaken prepayment reversed before the first delivery.
        ("in_progress", "prepayment_reversed"): "awaiting_prepayment",
        ("in_progress", "deliver"): "in_review",
        ("changes_requested", "deliver"): "in_review",
        ("in_review", "request_changes"): "changes_requested",
        ("in_review", "approve"): "approved",
        ("in_review", "auto_approve"): "approved",
        ("approved", "close"): "closed",
    }
    table = {
        (str(state), str(action)): str(target)
        for state, actions in MOVES.items()
        for action, target in actions.items()
    }
    assert table == expected
    moving = {
        (str(state), str(action)): str(target)
        for state, actions in TRANSITIONS.items()
        for action, target in actions.items()
        if target != state
    }
    assert moving == expected


def test_the_actions_that_stay_are_the_product_rules():
    """Written out from PRODUCT.md and docs/architecture.md ("who", "refused with")."""
    every = {str(s) for s in State}
    assert {str(a): {str(s) for s in states} for a, states in STAYS.items()} == {
        "verdict": {"in_review"},  # the client tests the delivery under review
        "grant_revision": every - {"closed"},
        "support_request": {"approved"},  # during the support window
        "resolve": every,
        "comment": every,
        # The client's ways on when the revisions run out (change orders, issue 13).
        "buy_revision": {"in_progress", "in_review", "changes_requested", "approved"},
        "ask_change_order": every - {"closed"},
    }
    for action, states in STAYS.items():
        for state in State:
            assert (TRANSITIONS[state].get(action) is state) == (state in states)


def test_the_allowed_pairs_are_exactly_the_tables():
    assert set(TRANSITIONS) == set(State) == set(MOVES)
    moves = sum(len(actions) for actions in MOVES.values())
    stays = sum(len(states) for states in STAYS.values())
    table_pairs = sum(len(actions) for actions in TRANSITIONS.values())
    assert len(PAIRS) == len(State) * len(Action)
    assert moves == 10
    assert len(ALLOWED) == table_pairs == moves + stays == 10 + 32
    assert len(PAIRS) - len(ALLOWED) == len(State) * len(Action) - 42  # all the rest refused
    assert not set(STAYS) & {a for actions in MOVES.values() for a in actions}
    for state in State:
        assert allowed_actions(state) == frozenset(TRANSITIONS[state])
    for action in Action:
        assert SOURCES[action] == {s for s in State if action in TRANSITIONS[s]}


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
    assert ACTORS[Action.PREPAYMENT_REVERSED] is Side.SYSTEM
    assert ACTORS[Action.CLOSE] is Side.SYSTEM
    assert ACTORS[Action.VERDICT] is Side.APPROVER
    assert ACTORS[Action.GRANT_REVISION] is Side.MANAGER
    assert ACTORS[Action.SUPPORT_REQUEST] is Side.APPROVER
    assert ACTORS[Action.RESOLVE] is Side.AGENCY
    assert ACTORS[Action.COMMENT] is Side.ANYONE
    assert ACTORS[Action.BUY_REVISION] is Side.APPROVER
    assert ACTORS[Action.ASK_CHANGE_ORDER] is Side.APPROVER


def test_states_match_the_stored_statuses():
    assert {s.value for s in State} == set(MilestoneStatus.values)
    # One enum: the model field's choices are the lifecycle's states.
    assert State is MilestoneStatus
    assert Milestone._meta.get_field("status").choices == State.choices


def test_done_states_never_go_back_and_closed_is_final():
    assert frozenset({State.APPROVED, State.CLOSED}) == DONE
    assert MOVES[State.CLOSED] == {}
    assert set(TRANSITIONS[State.CLOSED].values()) == {State.CLOSED}
    for state in DONE:
        for target in TRANSITIONS[state].values():
            assert target in DONE


def test_open_reviewing_and_working_partition_the_states():
    assert set(State) == OPEN | DONE
    assert not OPEN & DONE
    assert {State.IN_REVIEW} == REVIEWING
    assert {State.IN_PROGRESS, State.CHANGES_REQUESTED} == WORKING
    assert REVIEWING <= OPEN and WORKING <= OPEN and not REVIEWING & WORKING
    # The client reviews where it can approve; the agency works where it can deliver.
    assert SOURCES[Action.APPROVE] == REVIEWING
    assert SOURCES[Action.DELIVER] == WORKING


def test_unknown_names_are_not_silently_accepted():
    with pytest.raises(ValueError):
        next_state("archived", "start")
    with pytest.raises(ValueError):
        next_state("planned", "teleport")
    with pytest.raises(ValueError):
        refusal("planned", "teleport")


# --- Refusals ------------------------------------------------------------------------------------

REFUSED = [(s, a) for s, a in PAIRS if a not in TRANSITIONS[s]]


@pytest.mark.parametrize(("state", "action"), REFUSED, ids=[f"{s}-{a}" for s, a in REFUSED])
def test_every_refused_pair_says_why(state, action):
    refused = refusal(state, action)
    assert isinstance(refused, Refusal)
    if action is Action.VERDICT:
        assert (refused.code, refused.message) == (
            "invalid_transition",
            "Deliverables are tested while the milestone is in review.",
        )
    elif action is Action.GRANT_REVISION:
        assert refused.code == "invalid_transition"
        assert refused.message == "This milestone is closed."
    elif action is Action.SUPPORT_REQUEST:
        assert (refused.code, refused.message) == (
            "support_window_closed",
            "The support window of this milestone is closed.",
        )
    elif action is Action.BUY_REVISION:
        assert (refused.code, refused.message) == (
            "invalid_transition",
            "An extra revision is for a milestone in progress, in review or in its support window.",
        )
    elif action is Action.ASK_CHANGE_ORDER:
        assert (refused.code, refused.message) == (
            "invalid_transition",
            "This milestone is closed: ask about the next one.",
        )
    else:
        assert refused.code == "invalid_transition"
        assert refused.message == (
            f"This milestone is {state.label.lower()}: you cannot {DOING[action]} now."
        )
        assert refused.details == {"status": state.value, "action": action.value}
    assert set(REFUSED_OUTSIDE) == {
        Action.VERDICT,
        Action.GRANT_REVISION,
        Action.SUPPORT_REQUEST,
        Action.BUY_REVISION,
        Action.ASK_CHANGE_ORDER,
    }


@pytest.mark.parametrize(
    ("state", "action", "message"),
    [
        (
            "approved",
            "request_changes",
            "This milestone is approved: you cannot request changes to it now.",
        ),
        ("planned", "approve", "This milestone is planned: you cannot approve it now."),
        ("in_review", "start", "This milestone is in review: you cannot start it now."),
        ("planned", "close", "This milestone is planned: you cannot close its support window now."),
    ],
)
def test_a_refusal_reads_as_a_sentence(state, action, message):
    """Not "you cannot request changes it now": each action says what it does to the milestone."""
    assert refusal(state, action).message == message


def test_refusals_become_the_services_409():
    error = refusal("closed", "deliver").error()
    assert error.status == 409 and error.code == "invalid_transition"
    assert error.details == {"status": "closed", "action": "deliver"}


WAITING = st.none() | st.builds(
    Waiting, pk=st.integers(1, 10**6), position=st.integers(1, 50), title=st.text(max_size=20)
)
NUMBERS = st.lists(st.from_regex(r"INV-2027-\d{4}", fullmatch=True), max_size=3)


@given(
    project_status=st.sampled_from(ProjectStatus),
    sequential_gating=st.booleans(),
    waiting=WAITING,
    pay_before_next=st.booleans(),
    unpaid=NUMBERS,
)
def test_start_gates_in_order(project_status, sequential_gating, waiting, pay_before_next, unpaid):
    refused = start_refusal(
        project_status=project_status,
        sequential_gating=sequential_gating,
        waiting=waiting,
        pay_before_next=pay_before_next,
        unpaid=unpaid,
    )
    if project_status != ProjectStatus.ACTIVE:
        assert refused.code == "project_not_active"
        assert refused.message == "The project is not active: its plan must be accepted first."
    elif sequential_gating and waiting is not None:
        assert refused.code == "previous_milestone_not_approved"
        assert refused.message == (
            f"Milestone {waiting.position} (“{waiting.title}”) must be approved first."
        )
        assert refused.details == {"waiting_for": waiting.pk}
    elif pay_before_next and unpaid:
        assert refused.code == "payment_required"
        assert refused.message == (
            f"Invoice {unpaid[0]} must be paid before this milestone can start."
        )
        assert refused.details == {"unpaid_invoices": unpaid}
    else:
        assert refused is None


QUOTA_MESSAGE = (
    "No revision is left on this milestone. The agency can grant an extra revision, or you can "
    "ask for a change order."
)


@given(st.integers(-2, 100))
def test_a_revision_is_needed_to_request_changes(left):
    refused = quota_refusal(left)
    if left > 0:
        assert refused is None
    else:
        assert (refused.code, refused.message) == ("revision_quota_exhausted", QUOTA_MESSAGE)


NOW = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)
SECONDS = st.integers(-3 * 86400, 3 * 86400)
MOMENTS = st.none() | SECONDS.map(lambda s: NOW + dt.timedelta(seconds=s))


@given(status=st.sampled_from(State), ends=MOMENTS, left=st.integers(0, 3))
def test_support_requests_need_the_window_then_a_revision(status, ends, left):
    is_open = status == State.APPROVED and ends is not None and ends > NOW
    assert support_window_open(status, ends, NOW) is is_open
    assert support_window_open(str(status), ends, NOW) is is_open
    refused = support_refusal(status=status, support_ends_at=ends, now=NOW, revisions_left=left)
    if not is_open:
        assert refused.code == "support_window_closed"
    elif not left:
        assert (refused.code, refused.message) == ("revision_quota_exhausted", QUOTA_MESSAGE)
    else:
        assert refused is None


@given(ends=MOMENTS)
def test_the_system_closes_only_after_the_window(ends):
    refused = close_refusal(ends, NOW)
    if ends is not None and ends <= NOW:
        assert refused is None
    else:
        assert (refused.code, refused.message) == (
            "support_window_open",
            "The support window is still open.",
        )


@given(status=st.sampled_from(State), started=MOMENTS, days=st.integers(0, 30))
def test_a_review_approves_itself_after_the_period(status, started, days):
    deadline = auto_approve_deadline(str(status), started, days)
    if status == State.IN_REVIEW and started is not None and days:
        assert deadline == started + dt.timedelta(days=days)
    else:
        assert deadline is None


# --- What a project's state holds back ---------------------------------------------------------

HOLD_PAIRS = list(itertools.product(ProjectStatus, MilestoneAction))


@pytest.mark.parametrize(("project", "action"), HOLD_PAIRS, ids=[f"{p}-{a}" for p, a in HOLD_PAIRS])
def test_each_project_state_holds_back_exactly_its_actions(project, action):
    """Written out apart from ``PROJECT_HOLDS``: on hold only a prepayment (or its reversal),
    tests, grants, fixes and comments go on; cancelled, only comments."""
    on_hold_goes_on = {
        "prepayment_received",
        "prepayment_reversed",
        "verdict",
        "grant_revision",
        "resolve",
        "comment",
        "buy_revision",  # change orders go on while on hold
        "ask_change_order",
    }
    refused = project_refusal(str(project), str(action))
    if project == ProjectStatus.ON_HOLD and str(action) not in on_hold_goes_on:
        assert (refused.code, refused.message) == (
            "project_on_hold",
            "The project is on hold: this waits until the agency resumes it.",
        )
    elif project == ProjectStatus.CANCELLED and action != MilestoneAction.COMMENT:
        assert (refused.code, refused.message) == (
            "project_cancelled",
            "The project is cancelled: nothing more happens in it.",
        )
    else:
        assert refused is None
    assert (project in project_states_allowing(action)) == (refused is None)


def test_the_auto_approval_date_waits_on_hold_and_adds_the_time_paused():
    started = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)
    deadline = auto_approve_deadline
    assert deadline("in_review", started, 14) == started + dt.timedelta(days=14)
    paused = dt.timedelta(days=3, hours=2)
    assert deadline("in_review", started, 14, paused) == started + dt.timedelta(days=14) + paused
    assert deadline("in_review", started, 14, paused, "on_hold") is None
    assert deadline("in_review", started, 14, paused, "cancelled") is None
    assert deadline("in_review", started, 14, paused, "completed") is not None
    assert deadline("in_review", started, 0, paused) is None
    assert deadline("approved", started, 14, paused) is None
