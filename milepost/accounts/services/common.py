"""Helpers shared by the account services: the access gate, cleaning emails and passwords."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record, diff
from milepost.core.errors import InvalidInput, NotAllowed, NotFound

from .. import inputs, permissions
from ..models import Organisation, User


def require(actor: Any, organisation: Organisation, allowed: bool, message: str) -> None:
    """404 when the organisation is invisible to the actor, 403 when the role is not enough."""
    if not permissions.can_view_organisation(actor, organisation):
        raise NotFound(_("Not found."))
    if not allowed:
        raise NotAllowed(message)


def clean_email(email: Any, field: str = "email") -> str:
    """An address outside a declared input (project access, the first-install command)."""
    try:
        address = inputs.email(email)
        if not address:
            raise ValueError(_("Enter a valid email address."))
    except ValueError as error:
        raise InvalidInput(str(error), details={field: [str(error)]}) from None
    return address


def clean_password(user: User, password: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(
            _("Choose a stronger password."), details={"password": list(exc.messages)}
        ) from None


def save_changes(
    instance: Any,
    cleaned: dict[str, Any],
    *,
    fields: tuple[str, ...],
    organisation: Organisation,
    actor: User,
    action: AuditAction,
) -> None:
    """Set the cleaned values; save and audit only the fields that changed (none: no write)."""
    before = {f: getattr(instance, f) for f in fields}
    for name, value in cleaned.items():
        setattr(instance, name, value)
    changes = diff(before, {f: getattr(instance, f) for f in fields})
    if changes["after"]:
        instance.save(update_fields=list(changes["after"]))
        audit_record(
            organisation=organisation, actor=actor, action=action, target=instance, data=changes
        )
