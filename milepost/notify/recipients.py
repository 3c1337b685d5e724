"""Who hears of what: the people of the agency and the client on a project."""

from __future__ import annotations

from django.db.models import QuerySet

from milepost.accounts.models import Membership, Role, User
from milepost.plans.models import AccessRole, ProjectAccess


def _client_access(project) -> QuerySet[ProjectAccess]:
    """Access rows that let a contact see ``project``: none while it was never proposed (the same
    rule as ``plans.selectors.project_roles_of``), so nothing tells them of a draft."""
    return ProjectAccess.objects.filter(project=project, project__first_proposed_at__isnull=False)


def client_approvers(project) -> QuerySet[User]:
    return User.objects.filter(
        pk__in=_client_access(project).filter(role=AccessRole.APPROVER).values("user_id")
    )


def client_viewers(project) -> QuerySet[User]:
    return User.objects.filter(
        pk__in=_client_access(project).filter(role=AccessRole.VIEWER).values("user_id")
    )


def client_people(project) -> QuerySet[User]:
    return User.objects.filter(pk__in=_client_access(project).values("user_id"))


def agency_managers(organisation_id: int) -> QuerySet[User]:
    return User.objects.filter(
        pk__in=Membership.objects.filter(
            organisation_id=organisation_id, role__in=[Role.OWNER, Role.MANAGER]
        ).values("user_id")
    )


def agency_team(organisation_id: int) -> QuerySet[User]:
    """Everyone of the agency (projects have no separate team yet)."""
    return User.objects.filter(
        pk__in=Membership.objects.filter(organisation_id=organisation_id).values("user_id")
    )
