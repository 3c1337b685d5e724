"""Who hears of what: the people of the agency and the client on a project."""

from __future__ import annotations

from django.db.models import QuerySet

from milepost.accounts.models import Membership, Role, User
from milepost.plans.models import AccessRole, ProjectAccess


def client_approvers(project) -> QuerySet[User]:
    return User.objects.filter(
        project_access__project=project, project_access__role=AccessRole.APPROVER
    )


def client_people(project) -> QuerySet[User]:
    return User.objects.filter(
        pk__in=ProjectAccess.objects.filter(project=project).values("user_id")
    )


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
