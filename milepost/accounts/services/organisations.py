"""Creating an organisation and changing its details and defaults."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record, diff
from milepost.core.errors import InvalidInput
from milepost.core.locale import is_country, is_currency

from .. import permissions
from ..models import Membership, Organisation, Role, User
from .common import require

ORGANISATION_FIELDS = (
    "name",
    "legal_name",
    "address",
    "vat_id",
    "country",
    "default_currency",
    "tax_rate",
    "payment_terms_days",
    "invoice_prefix",
    "bank_account_holder",
    "iban",
    "bic",
    "email",
    "sequential_gating",
    "pay_before_next",
    "auto_approve_days",
    "default_revision_quota",
    "default_support_window_days",
)


@transaction.atomic
def organisation_create(
    *, name: str, owner: User, actor: User | None = None, **fields: Any
) -> Organisation:
    """Create an organisation with ``owner`` as its first owner."""
    if not (name or "").strip():
        raise InvalidInput(
            _("A name is required."), details={"name": [_("This field is required.")]}
        )
    organisation = Organisation.objects.create(name=name.strip(), **fields)
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
    errors: dict[str, list[str]] = {}
    for field in set(fields) - set(ORGANISATION_FIELDS):
        errors[field] = [_("Unknown field.")]
    cleaned = {k: v for k, v in fields.items() if k in ORGANISATION_FIELDS}
    for key in (
        "name",
        "legal_name",
        "address",
        "vat_id",
        "invoice_prefix",
        "bank_account_holder",
        "email",
    ):
        if key in cleaned:
            cleaned[key] = str(cleaned[key] or "").strip()
    if "name" in cleaned and not cleaned["name"]:
        errors["name"] = [_("This field is required.")]
    if "country" in cleaned:
        cleaned["country"] = str(cleaned["country"] or "").strip().upper()
        if not is_country(cleaned["country"]):
            errors["country"] = [_("Use a two-letter ISO 3166 code, such as DE or FR.")]
    if "default_currency" in cleaned:
        cleaned["default_currency"] = str(cleaned["default_currency"] or "").strip().upper()
        if not is_currency(cleaned["default_currency"]):
            errors["default_currency"] = [_("Use an ISO 4217 currency code, such as EUR.")]
    if "tax_rate" in cleaned:
        try:
            cleaned["tax_rate"] = Decimal(str(cleaned["tax_rate"]))
            if (
                not (0 <= cleaned["tax_rate"] <= 100)
                or cleaned["tax_rate"].as_tuple().exponent < -2
            ):
                raise InvalidOperation
        except InvalidOperation:
            errors["tax_rate"] = [_("A percentage between 0 and 100 with at most 2 decimals.")]
    for key in ("iban", "bic"):
        if key in cleaned:
            cleaned[key] = "".join(str(cleaned[key] or "").split()).upper()
    if cleaned.get("iban") and not _iban_ok(cleaned["iban"]):
        errors["iban"] = [_("This IBAN is not valid (check digits).")]
    if cleaned.get("bic") and len(cleaned["bic"]) not in (8, 11):
        errors["bic"] = [_("A BIC has 8 or 11 characters.")]
    for key in ("sequential_gating", "pay_before_next"):
        if key in cleaned and not isinstance(cleaned[key], bool):
            errors[key] = [_("Must be true or false.")]
    for key, top in (
        ("auto_approve_days", 365),
        ("default_revision_quota", 100),
        ("default_support_window_days", 365),
        ("payment_terms_days", 365),
    ):
        if key in cleaned:
            value = cleaned[key]
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
                errors[key] = [_("A whole number from 0 to %(max)s.") % {"max": top}]
    if "invoice_prefix" in cleaned and not cleaned["invoice_prefix"]:
        errors["invoice_prefix"] = [_("This field is required.")]
    if errors:
        raise InvalidInput(_("Please correct the highlighted fields."), details=errors)
    before = {f: getattr(organisation, f) for f in ORGANISATION_FIELDS}
    for key, value in cleaned.items():
        setattr(organisation, key, value)
    changes = diff(before, {f: getattr(organisation, f) for f in ORGANISATION_FIELDS})
    if changes["after"]:
        organisation.save(update_fields=list(changes["after"]))
        audit_record(
            organisation=organisation,
            actor=actor,
            action=AuditAction.ORGANISATION_UPDATED,
            target=organisation,
            data=changes,
        )
    return organisation


def _iban_ok(iban: str) -> bool:
    """ISO 13616 check: move the first four characters to the end, letters to numbers, mod 97."""
    if not 15 <= len(iban) <= 34 or not iban.isalnum():
        return False
    digits = "".join(str(int(c, 36)) for c in iban[4:] + iban[:4])
    return int(digits) % 97 == 1
