"""Who may do what in an organisation: its settings, members, clients, templates, invoicing.

A project's own checks (who sees it, who may act on it, its milestones and invoices) are
``plans.permissions``, beside project access.

Roles are loaded once per user object, with the organisations, and cached on it, so a page asks
the database once.
"""

from __future__ import annotations

from typing import Any

from .models import Membership, Organisation, Role

MANAGING_ROLES = frozenset({Role.OWNER, Role.MANAGER})


def _load_memberships(user: Any) -> None:
    memberships = Membership.objects.filter(user=user).select_related("organisation")
    user._milepost_roles = {}
    user._milepost_organisations = {}
    for membership in memberships:
        user._milepost_roles[membership.organisation_id] = membership.role
        user._milepost_organisations[membership.organisation_id] = membership.organisation


def roles_of(user: Any) -> dict[int, str]:
    """Map organisation id → role for ``user`` (cached on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    if getattr(user, "_milepost_roles", None) is None:
        _load_memberships(user)
    return user._milepost_roles


def organisations_of(user: Any) -> dict[int, Organisation]:
    """Map organisation id → organisation for ``user``: loaded with the roles, in one query."""
    if not getattr(user, "is_authenticated", False):
        return {}
    if getattr(user, "_milepost_organisations", None) is None:
        _load_memberships(user)
    return user._milepost_organisations


def forget_roles(user: Any) -> None:
    """Drop the cached roles (and organisations) after a membership change."""
    for name in ("_milepost_roles", "_milepost_organisations"):
        if hasattr(user, name):
            delattr(user, name)


def role_in(user: Any, organisation: Organisation | int) -> str | None:
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    return roles_of(user).get(org_id)


def is_agency_user(user: Any) -> bool:
    return bool(roles_of(user))


def can_view_organisation(user: Any, organisation: Organisation | int) -> bool:
    return role_in(user, organisation) is not None


def can_manage_organisation(user: Any, organisation: Organisation | int) -> bool:
    """Settings, members and billing details: owners only."""
    return role_in(user, organisation) == Role.OWNER


def can_manage_members(user: Any, organisation: Organisation | int) -> bool:
    return role_in(user, organisation) == Role.OWNER


def can_view_clients(user: Any, organisation: Organisation | int) -> bool:
    return role_in(user, organisation) is not None


def can_manage_clients(user: Any, organisation: Organisation | int) -> bool:
    """Create and edit clients and invite their contacts: owners and managers."""
    return role_in(user, organisation) in MANAGING_ROLES


def can_manage_invitation(user: Any, invitation: Any) -> bool:
    """Send again or revoke: a contact's invitation is the client managers', a member's the
    owners' (as inviting them is)."""
    if invitation.client_id is not None:
        return can_manage_clients(user, invitation.organisation_id)
    return can_manage_members(user, invitation.organisation_id)


# --- Plans (organisation-wide; a project's own checks are plans.permissions) ----------------------


def can_create_project(user: Any, organisation: Organisation | int) -> bool:
    return role_in(user, organisation) in MANAGING_ROLES


def can_manage_templates(user: Any, organisation: Organisation | int) -> bool:
    return role_in(user, organisation) in MANAGING_ROLES


# --- Billing -------------------------------------------------------------------------------------


def can_view_invoices_of(user: Any, organisation: Organisation | int) -> bool:
    """The agency's team sees its invoices; contacts see their projects' (via selectors)."""
    return role_in(user, organisation) is not None


def can_manage_invoicing(user: Any, organisation: Organisation | int) -> bool:
    """Be told what the organisation's or a client's invoices lack: owners and managers."""
    return role_in(user, organisation) in MANAGING_ROLES
