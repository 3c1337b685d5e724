"""Creating an organisation and changing its details and defaults."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record

from .. import permissions
from ..inputs import ORGANISATION, stored_identifiers
from ..models import Membership, Organisation, Role, User
from .common import require, save_changes

ORGANISATION_FIELDS = tuple(ORGANISATION.fields)


@transaction.atomic
def organisation_create(
    *, name: str, owner: User, actor: User | None = None, **fields: Any
) -> Organisation:
    """Create an organisation with ``owner`` as its first owner."""
    cleaned = ORGANISATION.clean({"name": name, **fields}, partial=True)
    organisation = Organisation.objects.create(**cleaned)
    Membership.objects.create(organisation=organisation, user=owner, role=Role.OWNER)
    permissions.forget_roles(owner)
    audit_record(
        organisation=organisation,
        actor=actor or owner,
        action=AuditAction.ORGANISATION_CREATED,
        target=organisation,
        data={"after": {"name": organisation.name, "owner": owner.email}},
    )
    return organisation


@transaction.atomic
def organisation_update(*, organisation: Organisation, actor: User, **fields: Any) -> Organisation:
    """Change the organisation's details and defaults (owners only)."""
    require(
        actor,
        organisation,
        permissions.can_manage_organisation(actor, organisation),
        _("Only an owner can change the organisation's settings."),
    )
    cleaned = ORGANISATION.clean(fields, partial=True, stored=stored_identifiers(organisation))
    save_changes(
        organisation,
        cleaned,
        fields=ORGANISATION_FIELDS,
        organisation=organisation,
        actor=actor,
        action=AuditAction.ORGANISATION_UPDATED,
    )
    return organisation
