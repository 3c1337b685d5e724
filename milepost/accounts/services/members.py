"""The members of an organisation: inviting them, changing their role, removing them."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.core.errors import InvalidInput, RuleViolation

from .. import permissions
from ..inputs import MEMBER_INVITATION
from ..models import Contact, Membership, Organisation, Role, User
from .common import require
from .invitations import send_invitation, user_for_invitation


@transaction.atomic
def member_invite(*, organisation: Organisation, actor: User, **fields: Any) -> Membership:
    """Add a person (``email``, ``name``) to the organisation with ``role``; email them a link."""
    require(
        actor,
        organisation,
        permissions.can_manage_members(actor, organisation),
        _("Only an owner can invite members."),
    )
    cleaned = MEMBER_INVITATION.clean(fields)
    address, role = cleaned["email"], cleaned["role"]
    if Contact.objects.filter(client__organisation=organisation, user__email=address).exists():
        # A contact who was also in the team could approve the team's own work.
        raise InvalidInput(
            _("%(email)s is a contact of one of your clients and cannot join your team.")
            % {"email": address},
            details={"email": [_("This person speaks for one of your clients.")]},
        )
    user, created = user_for_invitation(address, cleaned.get("name", ""))
    if Membership.objects.filter(organisation=organisation, user=user).exists():
        raise InvalidInput(
            _("%(email)s is already a member.") % {"email": address},
            details={"email": [_("This person is already a member.")]},
        )
    membership = Membership.objects.create(organisation=organisation, user=user, role=role)
    send_invitation(user=user, organisation=organisation, client=None, actor=actor)
    audit_record(
        organisation=organisation,
        actor=actor,
        action=AuditAction.MEMBER_INVITED,
        target=membership,
        data={"after": {"email": address, "role": role, "new_user": created}},
    )
    return membership


def _lock_owners(organisation: Organisation) -> int:
    """Lock the owner rows and count them, so two owners cannot demote each other at once."""
    return len(
        list(
            Membership.objects.select_for_update()
            .filter(organisation=organisation, role=Role.OWNER)
            .values_list("pk", flat=True)
        )
    )


@transaction.atomic
def member_change_role(*, membership: Membership, role: str, actor: User) -> Membership:
    """Change a member's role; the last owner keeps theirs."""
    organisation = membership.organisation
    require(
        actor,
        organisation,
        permissions.can_manage_members(actor, organisation),
        _("Only an owner can change roles."),
    )
    if role not in Role.values:
        raise InvalidInput(_("Choose a valid role."), details={"role": [_("Choose a valid role.")]})
    owners = _lock_owners(organisation)
    membership.refresh_from_db()
    before = membership.role
    if before == role:
        return membership
    if before == Role.OWNER and owners <= 1:
        raise RuleViolation(
            _("An organisation needs at least one owner. Make someone else owner first."),
            code="last_owner",
        )
    Membership.objects.filter(pk=membership.pk).update(role=role)
    membership.role = role
    permissions.forget_roles(membership.user)
    audit_record(
        organisation=organisation,
        actor=actor,
        action=AuditAction.MEMBER_ROLE_CHANGED,
        target=membership,
        data={"email": membership.user.email, "before": {"role": before}, "after": {"role": role}},
    )
    return membership


@transaction.atomic
def member_remove(*, membership: Membership, actor: User) -> None:
    """Remove someone from the organisation; the last owner cannot be removed."""
    organisation = membership.organisation
    require(
        actor,
        organisation,
        permissions.can_manage_members(actor, organisation),
        _("Only an owner can remove members."),
    )
    owners = _lock_owners(organisation)
    membership.refresh_from_db()
    if membership.role == Role.OWNER and owners <= 1:
        raise RuleViolation(
            _("An organisation needs at least one owner. Make someone else owner first."),
            code="last_owner",
        )
    audit_record(
        organisation=organisation,
        actor=actor,
        action=AuditAction.MEMBER_REMOVED,
        target=membership,
        data={"before": {"email": membership.user.email, "role": membership.role}},
    )
    membership.delete()
    permissions.forget_roles(membership.user)
