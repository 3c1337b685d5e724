"""Giving a client's contacts access to a project, as approver or viewer."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from milepost.accounts.models import Contact, User
from milepost.accounts.services import contact_invite
from milepost.accounts.services.common import clean_email
from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.core.errors import InvalidInput

from ..lifecycle.project import ProjectAction
from ..models import AccessRole, Project, ProjectAccess
from ..permissions import forget_project_roles, require


@transaction.atomic
def project_access_grant(*, project: Project, email: str, role: str, actor: User) -> ProjectAccess:
    """Give a client contact access to the project (inviting them to the client if new)."""
    require(actor, ProjectAction.GRANT_ACCESS, project)
    address = clean_email(email)
    if role not in AccessRole.values:
        raise InvalidInput(
            _("Choose approver or viewer."), details={"role": [_("Choose approver or viewer.")]}
        )
    user = User.objects.filter(email=address).first()
    if user is None or not Contact.objects.filter(client=project.client, user=user).exists():
        user = contact_invite(client=project.client, email=address, actor=actor).user
    access, created = ProjectAccess.objects.get_or_create(
        project=project, user=user, defaults={"role": role}
    )
    before = None if created else access.role
    if not created and access.role != role:
        ProjectAccess.objects.filter(pk=access.pk).update(role=role)
        access.role = role
    forget_project_roles(user)
    if created or before != role:
        audit_record(
            organisation=project.organisation,
            actor=actor,
            action=AuditAction.PROJECT_ACCESS_GRANTED,
            target=access,
            project=project,
            data={"email": address, "before": {"role": before}, "after": {"role": role}},
        )
    return access
