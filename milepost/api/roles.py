"""Who may call an action, checked before its body is read.

An approver who sends anything to an agency action hears 403, never which fields were wrong;
an agency member sending to a client's action likewise. Who may take a project's, a milestone's
or an invoice's action is the one table ``plans.permissions.ACTIONS``; refused here, the caller
hears its side's message ("Only owners and managers can do this."). The services check again
(they are the authority for every caller, with the action's own message): checking here first
only decides which refusal comes first. The object itself was already looked up, so what you
cannot see is still 404.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from milepost.accounts import permissions
from milepost.accounts.permissions import MANAGING_ROLES, roles_of
from milepost.core.errors import NotAllowed
from milepost.plans.permissions import ACTIONS, SIDE_REFUSALS, allowed


def _refuse_unless(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotAllowed(message)


def require(user: Any, action: str, obj: Any) -> None:
    """The role part of ``plans.permissions.require`` for ``action`` on ``obj`` (already found)."""
    rule = ACTIONS[action]
    _refuse_unless(allowed(user, action, rule.on.project_of(obj)), SIDE_REFUSALS[rule.side])


# --- Organisation-level (accounts.permissions) ---------------------------------------------------


def organisation_owners(user: Any, organisation: Any) -> None:
    """Owners of the organisation (its details, defaults and bank details)."""
    _refuse_unless(
        permissions.can_manage_organisation(user, organisation),
        _("Only an owner can change the organisation's settings."),
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


def invitation_managers(user: Any, invitation: Any) -> None:
    """A contact's invitation: the client's managers; a member's: the owners."""
    _refuse_unless(
        permissions.can_manage_invitation(user, invitation),
        _("Only owners and managers can manage client contacts' invitations.")
        if invitation.client_id is not None
        else _("Only an owner can manage members' invitations."),
    )
