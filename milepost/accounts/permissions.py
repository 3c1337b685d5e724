"""Who may do what. Every view, API endpoint and service asks here, and nowhere else.

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


# --- Projects ------------------------------------------------------------------------------------


def project_roles_of(user: Any) -> dict[int, str]:
    """Map project id → access role ("approver"/"viewer") for a client contact (cached).

    Only projects proposed at least once: until its first proposal a project is the agency's
    alone, so its contacts do not see it anywhere (404), whatever access they were given.
    """
    if not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, "_milepost_project_roles", None)
    if cached is None:
        from milepost.plans.models import ProjectAccess

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


def can_view_project(user: Any, project: Any) -> bool:
    """Agency members of the project's organisation, and contacts given access to it."""
    return role_in(user, project.organisation_id) is not None or project.pk in project_roles_of(
        user
    )


def is_agency_side(user: Any, project: Any) -> bool:
    return role_in(user, project.organisation_id) is not None


def sees_last_proposal(user: Any, project: Any) -> bool:
    """A client contact looking at a plan back in draft (declined or withdrawn): they see the
    version last proposed to them, not the edits in progress, nor the agency's edit history."""
    return project.being_revised and not is_agency_side(user, project)


def can_view_milestones(user: Any, project: Any) -> bool:
    """Single milestones (their pages, deliverables, threads and files) of a visible project;
    not while a contact sees only the last proposal (the plan as a whole, on the project)."""
    return can_view_project(user, project) and not sees_last_proposal(user, project)


def can_edit_plan(user: Any, project: Any) -> bool:
    """Plans and budgets: owners and managers."""
    return role_in(user, project.organisation_id) in MANAGING_ROLES


def can_create_project(user: Any, organisation: Organisation | int) -> bool:
    return role_in(user, organisation) in MANAGING_ROLES


def can_manage_project_access(user: Any, project: Any) -> bool:
    return role_in(user, project.organisation_id) in MANAGING_ROLES


def can_answer_plan(user: Any, project: Any) -> bool:
    """Accept or decline a proposed plan: the client's approvers on this project."""
    return project_roles_of(user).get(project.pk) == "approver"


def can_manage_templates(user: Any, organisation: Organisation | int) -> bool:
    return role_in(user, organisation) in MANAGING_ROLES


# --- Billing -------------------------------------------------------------------------------------


def can_view_invoices_of(user: Any, organisation: Organisation | int) -> bool:
    """The agency's team sees its invoices; contacts see their projects' (via selectors)."""
    return role_in(user, organisation) is not None


def can_manage_billing(user: Any, project: Any) -> bool:
    """Record payments, void invoices: owners and managers."""
    return role_in(user, project.organisation_id) in MANAGING_ROLES


def can_manage_invoicing(user: Any, organisation: Organisation | int) -> bool:
    """Be told what the organisation's or a client's invoices lack: owners and managers."""
    return role_in(user, organisation) in MANAGING_ROLES


def can_pay(user: Any, project: Any) -> bool:
    """Pay by card: the client's approvers."""
    return project_roles_of(user).get(project.pk) == "approver"
