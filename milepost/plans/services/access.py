"""A client's contacts on a project: giving access as approver or viewer, changing the role,
removing it, and removing a contact from the client with their access to its projects."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from milepost.accounts import permissions as account_permissions
from milepost.accounts.models import Contact, User
from milepost.accounts.services import contact_invite
from milepost.accounts.services.common import clean_email
from milepost.accounts.services.common import require as require_in_organisation
from milepost.accounts.services.invitations import invitations_retire_for_contact
from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.core.errors import InvalidInput, NotFound, RuleViolation

from ..lifecycle.project import ProjectAction, approver_refusal
from ..models import AccessRole, Project, ProjectAccess
from ..permissions import forget_project_roles, require
from .common import lock_project


def _clean_role(role: str) -> str:
    if role not in AccessRole.values:
        raise InvalidInput(
            _("Choose approver or viewer."), details={"role": [_("Choose approver or viewer.")]}
        )
    return role


def _approvers_left(project: Project, *, without: int) -> int:
    """The project's approvers other than the user ``without``."""
    return (
        ProjectAccess.objects.filter(project=project, role=AccessRole.APPROVER)
        .exclude(user_id=without)
        .count()
    )


def _require_an_approver_left(project: Project, *, without: int) -> None:
    """Refuse (``last_approver``) when the project needs an approver and ``without`` (a user id)
    is the last one. The caller holds the project row's lock, so two changes cannot cross."""
    refused = approver_refusal(project.status, _approvers_left(project, without=without))
    if refused is not None:
        raise refused.error()


def _access_of(project: Project, access: ProjectAccess) -> ProjectAccess:
    """Re-read the access row under the project's lock; gone (or another project's) → 404."""
    found = (
        ProjectAccess.objects.select_related("user")
        .filter(pk=access.pk, project_id=project.pk)
        .first()
    )
    if found is None:
        raise NotFound(_("This person has no access to the project."))
    return found


def _audit_role(project: Project, access: ProjectAccess, actor: User, action, before, after):
    audit_record(
        organisation=project.organisation,
        actor=actor,
        action=action,
        target=access,
        project=project,
        data={"email": access.user.email, "before": {"role": before}, "after": {"role": after}},
    )


@transaction.atomic
def project_access_grant(*, project: Project, email: str, role: str, actor: User) -> ProjectAccess:
    """Give a client contact access to the project (inviting them to the client if new)."""
    require(actor, ProjectAction.GRANT_ACCESS, project)
    address = clean_email(email)
    _clean_role(role)
    user = User.objects.filter(email=address).first()
    # The contact row first, then the project (the order ``contact_remove`` locks them in): a
    # removal running at the same time either sees this access or is seen by it.
    contact = (
        Contact.objects.select_for_update().filter(client_id=project.client_id, user=user).first()
        if user is not None
        else None
    )
    project = lock_project(project)
    if contact is None:
        user = contact_invite(client=project.client, email=address, actor=actor).user
    access, created = ProjectAccess.objects.get_or_create(
        project=project, user=user, defaults={"role": role}
    )
    before = None if created else access.role
    if not created and access.role != role:
        if before == AccessRole.APPROVER:
            _require_an_approver_left(project, without=user.pk)
        ProjectAccess.objects.filter(pk=access.pk).update(role=role)
        access.role = role
    forget_project_roles(user)
    if created or before != role:
        _audit_role(project, access, actor, AuditAction.PROJECT_ACCESS_GRANTED, before, role)
    return access


@transaction.atomic
def project_access_change(*, access: ProjectAccess, role: str, actor: User) -> ProjectAccess:
    """Make a person approver or viewer on the project; the last approver stays one while the
    project is proposed, active or on hold (``last_approver``)."""
    project = access.project
    require(actor, ProjectAction.CHANGE_ACCESS, project)
    _clean_role(role)
    project = lock_project(project)
    access = _access_of(project, access)
    before = access.role
    if before == role:
        return access
    if before == AccessRole.APPROVER:
        _require_an_approver_left(project, without=access.user_id)
    ProjectAccess.objects.filter(pk=access.pk).update(role=role)
    access.role = role
    forget_project_roles(access.user)
    _audit_role(project, access, actor, AuditAction.PROJECT_ACCESS_CHANGED, before, role)
    return access


def _remove(project: Project, access: ProjectAccess, actor: User) -> None:
    _audit_role(project, access, actor, AuditAction.PROJECT_ACCESS_REMOVED, access.role, None)
    ProjectAccess.objects.filter(pk=access.pk).delete()
    forget_project_roles(access.user)


@transaction.atomic
def project_access_remove(*, access: ProjectAccess, actor: User) -> None:
    """Take a person's access to the project away at once (its pages, API, calendar, invoices
    answer 404 for them from the next request on); not the last approver it needs."""
    project = access.project
    require(actor, ProjectAction.REMOVE_ACCESS, project)
    project = lock_project(project)
    access = _access_of(project, access)
    if access.role == AccessRole.APPROVER:
        _require_an_approver_left(project, without=access.user_id)
    _remove(project, access, actor)


def _left_without_approver(project: Project, user_id: int) -> bool:
    return approver_refusal(project.status, _approvers_left(project, without=user_id)) is not None


def sole_approver_projects(contact: Contact) -> list[Project]:
    """The client's projects that would be left without an approver if ``contact`` went."""
    accesses = ProjectAccess.objects.filter(
        user_id=contact.user_id, project__client_id=contact.client_id, role=AccessRole.APPROVER
    ).select_related("project")
    return sorted(
        (a.project for a in accesses if _left_without_approver(a.project, contact.user_id)),
        key=lambda p: (p.name, p.pk),
    )


@transaction.atomic
def contact_remove(*, contact: Contact, actor: User) -> None:
    """Remove a person from the client's contacts, with their access to the client's projects
    and their unused invitations; refused (``last_approver``, naming the projects) while they
    are the only approver of a project that needs one."""
    client = contact.client
    organisation = client.organisation
    require_in_organisation(
        actor,
        organisation,
        account_permissions.can_manage_clients(actor, organisation),
        _("Only owners and managers can remove client contacts."),
    )
    # Locked first: an access given at the same time waits, then finds no contact.
    locked = Contact.objects.select_for_update().filter(pk=contact.pk, client=client)
    if locked.values_list("pk", flat=True).first() is None:
        raise NotFound(_("This person is not a contact of this client."))
    accesses = list(
        ProjectAccess.objects.filter(user_id=contact.user_id, project__client=client)
        .select_related("user")
        .order_by("project_id")
    )
    projects = {a.project_id: lock_project(a.project) for a in accesses}  # in id order
    stuck = sorted(
        (
            projects[a.project_id]
            for a in accesses
            if a.role == AccessRole.APPROVER
            and _left_without_approver(projects[a.project_id], contact.user_id)
        ),
        key=lambda p: (p.name, p.pk),
    )
    if stuck:
        names = ", ".join(p.name for p in stuck)
        raise RuleViolation(
            _(
                "%(email)s is the only approver of %(projects)s. Make someone else approver "
                "there first."
            )
            % {"email": contact.user.email, "projects": names},
            code="last_approver",
            details={"projects": [{"id": p.pk, "name": p.name} for p in stuck]},
        )
    for access in accesses:
        _remove(projects[access.project_id], access, actor)
    revoked = invitations_retire_for_contact(client=client, user=contact.user)
    audit_record(
        organisation=organisation,
        actor=actor,
        action=AuditAction.CONTACT_REMOVED,
        target=contact,
        data={
            "before": {"client": client.name, "email": contact.user.email},
            "projects": [projects[a.project_id].name for a in accesses],
            "invitations_revoked": revoked,
        },
    )
    Contact.objects.filter(pk=contact.pk).delete()
    forget_project_roles(contact.user)
