"""Helpers shared by the account services: the access gate, cleaning emails and passwords."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from milepost.core.errors import InvalidInput, NotAllowed, NotFound

from .. import permissions
from ..models import Organisation, User, normalize_email


def require(actor: Any, organisation: Organisation, allowed: bool, message: str) -> None:
    """404 when the organisation is invisible to the actor, 403 when the role is not enough."""
    if not permissions.can_view_organisation(actor, organisation):
        raise NotFound(_("Not found."))
    if not allowed:
        raise NotAllowed(message)


def clean_email(email: Any, field: str = "email") -> str:
    address = normalize_email(str(email or ""))
    try:
        validate_email(address)
    except ValidationError:
        raise InvalidInput(
            _("Enter a valid email address."),
            details={field: [_("Enter a valid email address.")]},
        ) from None
    return address


def clean_password(user: User, password: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(
            _("Choose a stronger password."), details={"password": list(exc.messages)}
        ) from None
