"""The change-order lifecycle: its states, every action, who takes it, and the rules that refuse.

A change order (``plans.models.ChangeOrder``) is how an accepted plan changes. The agency drafts
it (owners and managers), proposes it, and may withdraw it while it waits; the client's approver
accepts or declines it. A declined or withdrawn one is revised back into a draft and proposed
again; every proposal is kept (``ChangeOrderProposal``). An accepted one is final: it made a plan
version. At most one change order of a project is proposed at a time (``change_order_pending``),
and one is accepted only while the plan is still the version it was drafted on
(``plan_changed``; the agency then rebases the draft). The project must be active or on hold
(``plans.lifecycle.project``: ``change_plan``).
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import Refusal, Side, sources, transitions


class ChangeOrderStatus(TextChoices):
    DRAFT = "draft", gettext_lazy("Draft")
    PROPOSED = "proposed", gettext_lazy("Proposed")
    ACCEPTED = "accepted", gettext_lazy("Accepted")
    DECLINED = "declined", gettext_lazy("Declined")
    WITHDRAWN = "withdrawn", gettext_lazy("Withdrawn")


class ChangeOrderAction(StrEnum):
    EDIT = "edit_change_order"
    DELETE = "delete_change_order"
    REBASE = "rebase_change_order"
    PROPOSE = "propose_change_order"
    WITHDRAW = "withdraw_change_order"
    ACCEPT = "accept_change_order"
    DECLINE = "decline_change_order"
    REVISE = "revise_change_order"


S, A = ChangeOrderStatus, ChangeOrderAction

MOVES: dict[ChangeOrderStatus, dict[ChangeOrderAction, ChangeOrderStatus]] = {
    S.DRAFT: {A.PROPOSE: S.PROPOSED},
    S.PROPOSED: {A.WITHDRAW: S.WITHDRAWN, A.ACCEPT: S.ACCEPTED, A.DECLINE: S.DECLINED},
    S.ACCEPTED: {},
    S.DECLINED: {A.REVISE: S.DRAFT},
    S.WITHDRAWN: {A.REVISE: S.DRAFT},
}

STAYS: dict[ChangeOrderAction, frozenset[ChangeOrderStatus]] = {
    A.EDIT: frozenset({S.DRAFT}),
    A.REBASE: frozenset({S.DRAFT}),
    # Only a draft never proposed: once the client saw it, it stays on record.
    A.DELETE: frozenset({S.DRAFT}),
}

TRANSITIONS = transitions(MOVES, STAYS)
SOURCES: dict[ChangeOrderAction, frozenset[ChangeOrderStatus]] = sources(TRANSITIONS, A)

ACTORS: dict[ChangeOrderAction, Side] = {
    A.EDIT: Side.MANAGER,
    A.DELETE: Side.MANAGER,
    A.REBASE: Side.MANAGER,
    A.PROPOSE: Side.MANAGER,
    A.WITHDRAW: Side.MANAGER,
    A.ACCEPT: Side.APPROVER,
    A.DECLINE: Side.APPROVER,
    A.REVISE: Side.MANAGER,
}

#: What the client has answered (or the agency took back): the states a proposal ends in.
ANSWERED: frozenset[ChangeOrderStatus] = frozenset({S.ACCEPTED, S.DECLINED, S.WITHDRAWN})

del S, A

#: The refusal of an action outside its states.
_OUTSIDE: dict[ChangeOrderAction, str] = {
    ChangeOrderAction.EDIT: gettext_lazy(
        "Only a draft change order can be edited. Revise it to change it."
    ),
    ChangeOrderAction.DELETE: gettext_lazy("Only a draft change order can be deleted."),
    ChangeOrderAction.REBASE: gettext_lazy("Only a draft change order can be rebased."),
    ChangeOrderAction.PROPOSE: gettext_lazy("Only a draft change order can be proposed."),
    ChangeOrderAction.WITHDRAW: gettext_lazy("Only a proposed change order can be withdrawn."),
    ChangeOrderAction.ACCEPT: gettext_lazy(
        "This change order is not waiting for an answer: it is %(status)s."
    ),
    ChangeOrderAction.DECLINE: gettext_lazy(
        "This change order is not waiting for an answer: it is %(status)s."
    ),
    ChangeOrderAction.REVISE: gettext_lazy(
        "Only a declined or withdrawn change order can be revised."
    ),
}


def refusal(state: str, action: str) -> Refusal | None:
    """Why ``action`` cannot be taken on a change order in ``state`` (None when it can)."""
    current, act = ChangeOrderStatus(state), ChangeOrderAction(action)
    if act in TRANSITIONS[current]:
        return None
    return Refusal("state_conflict", str(_OUTSIDE[act]) % {"status": current.label.lower()})


def delete_refusal(state: str, ever_proposed: bool) -> Refusal | None:
    refused = refusal(state, ChangeOrderAction.DELETE)
    if refused is not None:
        return refused
    if ever_proposed:
        return Refusal(
            "change_order_was_proposed",
            _(
                "This change order was proposed to the client, so it stays on record. Leave it "
                "as a draft, or revise and propose it again."
            ),
        )
    return None


def pending_refusal(
    other_number: int, other_id: int | None = None, *, buying: bool = False
) -> Refusal:
    """Another change order (CO-``other_number``, id ``other_id``) waits for the client's answer:
    none is proposed, and no revision bought (``buying``), until it is answered; buying would
    move the plan it was drafted on and leave it unacceptable (``plan_changed``)."""
    label = f"CO-{other_number}"
    if buying:
        message = _(
            "Change order %(label)s is waiting for your answer. Answer %(label)s first (accept "
            "or decline it), then buy the revision."
        ) % {"label": label}
    else:
        message = _(
            "Change order %(label)s is waiting for the client's answer. Withdraw it, or wait "
            "for the answer, before proposing another."
        ) % {"label": label}
    return Refusal(
        "change_order_pending",
        message,
        {"pending": other_id, "pending_number": other_number, "pending_label": label},
    )


def plan_changed_refusal(base: int, current: int) -> Refusal:
    return Refusal(
        "plan_changed",
        _(
            "This change order was drafted on plan v%(base)s, but the plan is now v%(current)s. "
            "The agency has to rebase it on the current plan first."
        )
        % {"base": base, "current": current},
        {"base_version": base, "plan_version": current},
    )
