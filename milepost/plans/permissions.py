"""Who may see a project, and who may do what on it, its milestones and its invoices.

``ACTIONS`` is the one table of every action a person may take: what it is taken on (which
decides the 404) and the message when their role may not (the 403). The side that may take a
lifecycle action is the lifecycle's (``plans.lifecycle``); ``SIDES`` tells the sides apart.
Services call ``require``; pages and the API ask ``allowed``; the permission matrix test reads the
table. Organisation-level checks (settings, members, clients) are ``accounts.permissions``.

Client contacts' project roles are loaded once per user object and cached on it, like the
agency roles, so a page asks the database once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from operator import attrgetter
from typing import Any

from django.utils.translation import gettext_lazy as _

from milepost.accounts.permissions import MANAGING_ROLES, role_in
from milepost.core.errors import NotAllowed, NotFound

from .lifecycle import Side
from .lifecycle import change_order as change_order_lifecycle
from .lifecycle import milestone as milestone_lifecycle
from .lifecycle import project as project_lifecycle
from .lifecycle.project import ProjectAction
from .models import AccessRole, ProjectAccess

# --- Client contacts' access ---------------------------------------------------------------------


def project_roles_of(user: Any) -> dict[int, str]:
    """Map project id → access role (``AccessRole``) for a client contact (cached).

    Only projects proposed at least once: until its first proposal a project is the agency's
    alone, so its contacts do not see it anywhere (404), whatever access they were given.
    """
    if not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, "_milepost_project_roles", None)
    if cached is None:
        cached = dict(
            ProjectAccess.objects.filter(
                user=user, project__first_proposed_at__isnull=False
            ).values_list("project_id", "role")
        )
        user._milepost_project_roles = cached
    return cached


def forget_project_roles(user: Any) -> None:
    if hasattr(user, "_milepost_project_roles"):
        del user._milepost_project_roles


# --- Who sees what -------------------------------------------------------------------------------


def is_agency_side(user: Any, project: Any) -> bool:
    """Any member of the project's agency."""
    return role_in(user, project.organisation_id) is not None


def can_view_project(user: Any, project: Any) -> bool:
    """Agency members of the project's organisation, and contacts given access to it."""
    return is_agency_side(user, project) or project.pk in project_roles_of(user)


def sees_last_proposal(user: Any, project: Any) -> bool:
    """A client contact looking at a plan back in draft (declined or withdrawn), or cancelled
    while so: they see the version last proposed to them, not the edits in progress, nor the
    agency's edit history."""
    revised = project.being_revised or getattr(project, "cancelled_in_revision", False)
    return revised and not is_agency_side(user, project)


def can_view_milestones(user: Any, project: Any) -> bool:
    """Single milestones (their pages, deliverables, threads and files) of a visible project;
    not while a contact sees only the last proposal (the plan as a whole, on the project)."""
    return can_view_project(user, project) and not sees_last_proposal(user, project)


# --- The sides -----------------------------------------------------------------------------------


def is_manager(user: Any, project: Any) -> bool:
    """The owners and managers of the project's agency."""
    return role_in(user, project.organisation_id) in MANAGING_ROLES


def is_approver(user: Any, project: Any) -> bool:
    """The client's approvers on this project."""
    return project_roles_of(user).get(project.pk) == AccessRole.APPROVER


def _anyone(user: Any, project: Any) -> bool:
    return True  # whoever sees the object: ``require`` checked that first


#: How each side is told apart, and what it hears when it is not the one.
SIDES: dict[Side, Callable[[Any, Any], bool]] = {
    Side.AGENCY: is_agency_side,
    Side.MANAGER: is_manager,
    Side.APPROVER: is_approver,
    Side.ANYONE: _anyone,
}
SIDE_REFUSALS: dict[Side, str] = {
    Side.AGENCY: _("Only the agency's team can do this."),
    Side.MANAGER: _("Only owners and managers can do this."),
    Side.APPROVER: _("Only the client's approvers can do this."),
    Side.ANYONE: "",
}


# --- What an action is taken on ------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A kind of object: how to reach its project, who sees it, what an invisible one says."""

    name: str
    project_of: Callable[[Any], Any]
    visible: Callable[[Any, Any], bool]
    not_found: str


PROJECT = Target("project", lambda project: project, can_view_project, _("Project not found."))
MILESTONE = Target(
    "milestone", attrgetter("project"), can_view_milestones, _("Milestone not found.")
)
INVOICE = Target("invoice", attrgetter("project"), can_view_project, _("Invoice not found."))
CHANGE_ORDER = Target(
    "change_order", attrgetter("project"), can_view_project, _("Change order not found.")
)


class InvoiceAction(StrEnum):
    """Billing's actions on a project's invoices (billing sits above plans, so they are here)."""

    MANAGE = "manage_billing"  # record payments, void
    REVERSE_PAYMENT = "reverse_payment"  # take back a payment recorded by mistake
    PAY = "pay"  # by card


@dataclass(frozen=True)
class Rule:
    on: Target
    side: Side
    refusal: str


#: The message when a role may not take a project action (milestones say the side's message).
PROJECT_REFUSALS: dict[ProjectAction, str] = {
    ProjectAction.PROPOSE: _("Only owners and managers can propose a plan."),
    ProjectAction.WITHDRAW: _("Only owners and managers can withdraw a proposal."),
    ProjectAction.DECLINE: _("Only the client's approvers can decline the plan."),
    ProjectAction.ACCEPT: _("Only the client's approvers can accept the plan."),
    ProjectAction.EDIT_PLAN: _("Only owners and managers can edit the plan."),
    ProjectAction.UPDATE: _("Only owners and managers can change projects."),
    ProjectAction.GRANT_ACCESS: _("Only owners and managers can give access to a project."),
    ProjectAction.CHANGE_ACCESS: _("Only owners and managers can change a person's access."),
    ProjectAction.REMOVE_ACCESS: _("Only owners and managers can remove a person's access."),
    ProjectAction.SAVE_TEMPLATE: _("Only owners and managers can save templates."),
    ProjectAction.HOLD: _("Only owners and managers can put a project on hold."),
    ProjectAction.RESUME: _("Only owners and managers can resume a project."),
    ProjectAction.CANCEL: _("Only owners and managers can cancel a project."),
    ProjectAction.DELETE: _("Only owners and managers can delete a draft."),
    ProjectAction.CHANGE_PLAN: _("Only owners and managers can draft change orders."),
}

#: The message when a role may not take a change-order action.
CHANGE_ORDER_REFUSALS: dict[str, str] = {
    action: _("Only the client's approvers can answer a change order.")
    if side is Side.APPROVER
    else _("Only owners and managers can prepare change orders.")
    for action, side in change_order_lifecycle.ACTORS.items()
}

#: Every action a person may take (the system's are not here: no person takes them).
ACTIONS: dict[str, Rule] = {
    **{
        action: Rule(MILESTONE, side, SIDE_REFUSALS[side])
        for action, side in milestone_lifecycle.ACTORS.items()
        if side is not Side.SYSTEM
    },
    **{
        action: Rule(PROJECT, side, PROJECT_REFUSALS[action])
        for action, side in project_lifecycle.ACTORS.items()
        if side is not Side.SYSTEM
    },
    **{
        action: Rule(CHANGE_ORDER, side, CHANGE_ORDER_REFUSALS[action])
        for action, side in change_order_lifecycle.ACTORS.items()
    },
    InvoiceAction.MANAGE: Rule(INVOICE, Side.MANAGER, SIDE_REFUSALS[Side.MANAGER]),
    InvoiceAction.REVERSE_PAYMENT: Rule(
        INVOICE, Side.MANAGER, _("Only owners and managers can reverse payments.")
    ),
    InvoiceAction.PAY: Rule(
        INVOICE, Side.APPROVER, _("Only the client's approvers can pay invoices.")
    ),
}


def allowed(user: Any, action: str, project: Any) -> bool:
    """Whether the user's role on ``project`` may take ``action`` (what they see is apart)."""
    return SIDES[ACTIONS[action].side](user, project)


def require(user: Any, action: str, obj: Any) -> None:
    """404 when ``obj`` is not visible to the user, 403 with the action's message when their
    role may not take ``action``. ``obj`` is what the action is taken on (``ACTIONS``)."""
    rule = ACTIONS[action]
    project = rule.on.project_of(obj)
    if not rule.on.visible(user, project):
        raise NotFound(rule.on.not_found)
    if not SIDES[rule.side](user, project):
        raise NotAllowed(rule.refusal)


# --- Named for pages -----------------------------------------------------------------------------


def can_edit_plan(user: Any, project: Any) -> bool:
    """Plans and budgets: owners and managers."""
    return allowed(user, ProjectAction.EDIT_PLAN, project)


def can_answer_plan(user: Any, project: Any) -> bool:
    """Accept or decline a proposed plan: the client's approvers on this project."""
    return allowed(user, ProjectAction.ACCEPT, project)


def can_manage_project(user: Any, project: Any) -> bool:
    """Put on hold, resume, cancel, delete a draft: owners and managers."""
    return allowed(user, ProjectAction.CANCEL, project)


def can_manage_project_access(user: Any, project: Any) -> bool:
    return allowed(user, ProjectAction.GRANT_ACCESS, project)


def can_manage_billing(user: Any, project: Any) -> bool:
    """Record payments, void invoices: owners and managers."""
    return allowed(user, InvoiceAction.MANAGE, project)


def can_reverse_payments(user: Any, project: Any) -> bool:
    """Take back a payment recorded by mistake: owners and managers."""
    return allowed(user, InvoiceAction.REVERSE_PAYMENT, project)


def can_pay(user: Any, project: Any) -> bool:
    """Pay by card: the client's approvers."""
    return allowed(user, InvoiceAction.PAY, project)
