"""The clients of an organisation and their contacts."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.core.errors import InvalidInput

from .. import permissions
from ..inputs import CLIENT, INVITATION, stored_identifiers
from ..models import Client, Contact, Membership, Organisation, User
from .common import require, save_changes
from .invitations import send_invitation, user_for_invitation

CLIENT_FIELDS = tuple(CLIENT.fields)


def _name_taken(organisation: Organisation, name: str, exclude: int | None = None) -> None:
    clash = Client.objects.filter(organisation=organisation, name=name)
    if exclude:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise InvalidInput(
            _("A client with this name already exists."),
            details={"name": [_("A client with this name already exists.")]},
        )


@transaction.atomic
def client_create(*, organisation: Organisation, actor: User, **fields: Any) -> Client:
    """Create a client of ``organisation``."""
    require(
        actor,
        organisation,
        permissions.can_manage_clients(actor, organisation),
        _("Only owners and managers can add clients."),
    )
    cleaned = CLIENT.clean(fields)
    _name_taken(organisation, cleaned["name"])
    client = Client.objects.create(organisation=organisation, **cleaned)
    audit_record(
        organisation=organisation,
        actor=actor,
        action=AuditAction.CLIENT_CREATED,
        target=client,
        data={"after": cleaned},
    )
    return client


@transaction.atomic
def client_update(*, client: Client, actor: User, **fields: Any) -> Client:
    """Change a client's details."""
    organisation = client.organisation
    require(
        actor,
        organisation,
        permissions.can_manage_clients(actor, organisation),
        _("Only owners and managers can edit clients."),
    )
    cleaned = CLIENT.clean(fields, partial=True, stored=stored_identifiers(client))
    if "name" in cleaned:
        _name_taken(organisation, cleaned["name"], exclude=client.pk)
    save_changes(
        client,
        cleaned,
        fields=CLIENT_FIELDS,
        organisation=organisation,
        actor=actor,
        action=AuditAction.CLIENT_UPDATED,
    )
    return client


@transaction.atomic
def contact_invite(*, client: Client, actor: User, **fields: Any) -> Contact:
    """Make a person (``email``, ``name``) a contact of ``client`` and email them a link."""
    organisation = client.organisation
    require(
        actor,
        organisation,
        permissions.can_manage_clients(actor, organisation),
        _("Only owners and managers can invite client contacts."),
    )
    cleaned = INVITATION.clean(fields)
    address = cleaned["email"]
    if Membership.objects.filter(organisation=organisation, user__email=address).exists():
        # A member who was also the client's contact could approve the team's own work.
        raise InvalidInput(
            _("%(email)s is a member of %(organisation)s and cannot speak for its client.")
            % {"email": address, "organisation": organisation.name},
            details={"email": [_("This person is in your team: invite someone of the client.")]},
        )
    user, created = user_for_invitation(address, cleaned.get("name", ""))
    if Contact.objects.filter(client=client, user=user).exists():
        raise InvalidInput(
            _("%(email)s is already a contact of %(client)s.")
            % {"email": address, "client": client.name},
            details={"email": [_("This person is already a contact of this client.")]},
        )
    try:
        with transaction.atomic():
            contact = Contact.objects.create(client=client, user=user)
    except IntegrityError:
        raise InvalidInput(
            _("This person is already a contact of this client."),
            details={"email": [_("This person is already a contact of this client.")]},
        ) from None
    send_invitation(user=user, organisation=organisation, client=client, actor=actor)
    audit_record(
        organisation=organisation,
        actor=actor,
        action=AuditAction.CONTACT_INVITED,
        target=contact,
        data={"after": {"client": client.name, "email": address, "new_user": created}},
    )
    return contact
