"""Who may call an action, checked before its body is read.

An approver who sends anything to an agency action hears 403, never which fields were wrong;
an agency member sending to a client's action likewise. The services check again (they are
the authority for every caller): checking here first only decides which refusal comes first.
The object itself was already looked up, so what you cannot see is still 404.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from milepost.accounts import permissions
from milepost.accounts.permissions import MANAGING_ROLES, roles_of
from milepost.core.errors import NotAllowed


def _refuse_unless(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotAllowed(message)


def agency(user: Any, project: Any) -> None:
    """Any member of the project's agency."""
    _refuse_unless(
        permissions.is_agency_side(user, project), _("Only the agency's team can do this.")
    )


def managers(user: Any, project: Any) -> None:
    """Owners and managers of the project's agency (plans, access, revisions, billing)."""
    _refuse_unless(
        permissions.can_edit_plan(user, project), _("Only owners and managers can do this.")
    )


def approvers(user: Any, project: Any) -> None:
    """The client's approvers on this project."""
    _refuse_unless(
        permissions.can_answer_plan(user, project), _("Only the client's approvers can do this.")
    )


def client_managers(user: Any, organisation_id: int) -> None:
    """Owners and managers of the client's agency."""
    _refuse_unless(
        permissions.can_manage_clients(user, organisation_id),
        _("Only owners and managers can manage clients."),
    )


def managers_anywhere(user: Any) -> None:
    """An owner or manager of at least one agency (to create its clients and projects)."""
    _refuse_unless(
        any(role in MANAGING_ROLES for role in roles_of(user).values()),
        _("Only owners and managers of an agency can do this."),
    )


def billing_managers(user: Any, project: Any) -> None:
    """Owners and managers of the project's agency record payments and void invoices."""
    _refuse_unless(
        permissions.can_manage_billing(user, project),
        _("Only owners and managers can do this."),
    )
