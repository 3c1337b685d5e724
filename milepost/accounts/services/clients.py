"""The clients of an organisation and their contacts."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record, diff
from milepost.core.errors import InvalidInput
from milepost.core.locale import is_country

from .. import permissions
from ..models import Client, Contact, Organisation, User
from .common import clean_email, require
from .invitations import send_invitation, user_for_invitation

CLIENT_FIELDS = (
    "name",
    "legal_address",
    "vat_id",
    "country",
    "tax_rate",
    "reverse_charge",
    "language",
)


def _clean_client_fields(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Validate client fields and report every problem at once."""
    unknown = set(data) - set(CLIENT_FIELDS)
    errors: dict[str, list[str]] = {f: [_("Unknown field.")] for f in sorted(unknown)}
    cleaned: dict[str, Any] = {}
    for field in CLIENT_FIELDS:
        if field not in data:
            if field == "name" and not partial:
                errors["name"] = [_("This field is required.")]
            continue
        if field == "tax_rate":
            cleaned[field] = _optional_rate(data[field], errors)
            continue
        if field == "reverse_charge":
            if not isinstance(data[field], bool):
                errors[field] = [_("Must be true or false.")]
            cleaned[field] = bool(data[field])
            continue
        value = str(data[field] or "").strip()
        if field == "language" and value and value not in dict(settings.LANGUAGES):
            errors["language"] = [_("Choose one of the languages Milepost speaks.")]
        if field == "name" and not value:
            errors["name"] = [_("This field is required.")]
        elif field == "name" and len(value) > 200:
            errors["name"] = [_("At most 200 characters.")]
        elif field == "country":
            value = value.upper()
            if value and not is_country(value):
                errors["country"] = [_("Use a two-letter ISO 3166 code, such as DE or FR.")]
        elif field == "vat_id" and len(value) > 40:
            errors["vat_id"] = [_("At most 40 characters.")]
        cleaned[field] = value
    if errors:
        raise InvalidInput(_("Please correct the highlighted fields."), details=errors)
    return cleaned


def _optional_rate(value: Any, errors: dict[str, list[str]]) -> Decimal | None:
    """A tax rate override in percent, or None (use the organisation's)."""
    if value in (None, ""):
        return None
    try:
        rate = Decimal(str(value))
        if not (0 <= rate <= 100) or rate.as_tuple().exponent < -2:
            raise InvalidOperation
    except InvalidOperation:
        errors["tax_rate"] = [_("A percentage between 0 and 100 with at most 2 decimals.")]
        return None
    return rate


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
    cleaned = _clean_client_fields(fields, partial=False)
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
    cleaned = _clean_client_fields(fields, partial=True)
    if "name" in cleaned:
        _name_taken(organisation, cleaned["name"], exclude=client.pk)
    before = {f: getattr(client, f) for f in CLIENT_FIELDS}
    for field, value in cleaned.items():
        setattr(client, field, value)
    changes = diff(before, {f: getattr(client, f) for f in CLIENT_FIELDS})
    if changes["after"]:
        client.save(update_fields=list(changes["after"]))
        audit_record(
            organisation=organisation,
            actor=actor,
            action=AuditAction.CLIENT_UPDATED,
            target=client,
            data=changes,
        )
    return client


@transaction.atomic
def contact_invite(*, client: Client, email: str, name: str = "", actor: User) -> Contact:
    """Make a person a contact of ``client`` and email them a link to set a password."""
    organisation = client.organisation
    require(
        actor,
        organisation,
        permissions.can_manage_clients(actor, organisation),
        _("Only owners and managers can invite client contacts."),
    )
    address = clean_email(email)
    user, created = user_for_invitation(address, name)
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
