"""Every write about accounts: organisations, members, clients, contacts, invitations, tokens.

Each function checks the actor's rights, validates, writes, records the audit event in the same
transaction, and sends email only after the transaction commits.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record, diff
from milepost.core import clock
from milepost.core.errors import InvalidInput, NotAllowed, NotFound, RuleViolation
from milepost.core.locale import is_country, is_currency
from milepost.mail.models import OutgoingEmail
from milepost.mail.services import email_queue

from . import emails, permissions
from .models import (
    ApiToken,
    Client,
    Contact,
    Invitation,
    Membership,
    Organisation,
    Role,
    User,
    hash_token,
    normalize_email,
)

CLIENT_FIELDS = (
    "name",
    "legal_address",
    "vat_id",
    "country",
    "tax_rate",
    "reverse_charge",
    "language",
)
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


def _require(actor: Any, organisation: Organisation, allowed: bool, message: str) -> None:
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


# --- Organisations and members ------------------------------------------------------------------


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
    _require(
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


def _user_for_invitation(email: str, name: str) -> tuple[User, bool]:
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user, False
    return User.objects.create_user(email=email, name=(name or "").strip()), True


def _send_invitation(
    *, user: User, organisation: Organisation, client: Client | None, actor: User
) -> None:
    """Queue a one-time password link, or a plain notice when the user already has a password.

    The link is not made here: the outbox row points at the invitation, and the worker mints the
    token when the email leaves (``accounts/emails.py``), so no raw token is ever stored.
    """
    subject = emails.invitation_subject(organisation, user.language)
    if user.has_usable_password():
        text, html = emails.invitation_notice(
            user=user, organisation=organisation, client=client, inviter=actor
        )
        email_queue(
            to=user.email,
            subject=subject,
            user=user,
            organisation=organisation,
            text=text,
            html=html,
        )
        return
    invitation = Invitation.objects.create(
        user=user,
        organisation=organisation,
        client=client,
        # A placeholder nobody knows: the link that works is minted when the email is sent.
        token_hash=hash_token(secrets.token_urlsafe(32)),
        invited_by=actor,
        expires_at=clock.now() + dt.timedelta(days=settings.INVITATION_DAYS),
    )
    email_queue(
        kind=OutgoingEmail.Kind.INVITATION,
        to=user.email,
        subject=subject,
        user=user,
        organisation=organisation,
        invitation=invitation,
    )


@transaction.atomic
def member_invite(
    *, organisation: Organisation, email: str, name: str = "", role: str, actor: User
) -> Membership:
    """Add a person to the organisation with ``role`` and email them a link."""
    _require(
        actor,
        organisation,
        permissions.can_manage_members(actor, organisation),
        _("Only an owner can invite members."),
    )
    address = clean_email(email)
    if role not in Role.values:
        raise InvalidInput(_("Choose a valid role."), details={"role": [_("Choose a valid role.")]})
    user, created = _user_for_invitation(address, name)
    if Membership.objects.filter(organisation=organisation, user=user).exists():
        raise InvalidInput(
            _("%(email)s is already a member.") % {"email": address},
            details={"email": [_("This person is already a member.")]},
        )
    membership = Membership.objects.create(organisation=organisation, user=user, role=role)
    _send_invitation(user=user, organisation=organisation, client=None, actor=actor)
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
    _require(
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
    _require(
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


# --- Clients and contacts -----------------------------------------------------------------------


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
    _require(
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
    _require(
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
    _require(
        actor,
        organisation,
        permissions.can_manage_clients(actor, organisation),
        _("Only owners and managers can invite client contacts."),
    )
    address = clean_email(email)
    user, created = _user_for_invitation(address, name)
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
    _send_invitation(user=user, organisation=organisation, client=client, actor=actor)
    audit_record(
        organisation=organisation,
        actor=actor,
        action=AuditAction.CONTACT_INVITED,
        target=contact,
        data={"after": {"client": client.name, "email": address, "new_user": created}},
    )
    return contact


# --- Invitations and passwords ------------------------------------------------------------------


def invitation_lookup(raw_token: str) -> Invitation:
    """Find a usable invitation by its raw token, or say why it cannot be used."""
    invitation = (
        Invitation.objects.select_related("user", "organisation")
        .filter(token_hash=hash_token(raw_token or ""))
        .first()
    )
    if invitation is None:
        raise NotFound(_("This invitation link is not valid."), code="invitation_invalid")
    if invitation.used_at is not None:
        raise RuleViolation(
            _("This invitation link has already been used. Log in, or reset your password."),
            code="invitation_used",
        )
    if invitation.expires_at <= clock.now():
        raise RuleViolation(
            _("This invitation link has expired. Ask the person who invited you for a new one."),
            code="invitation_expired",
        )
    return invitation


def _clean_password(user: User, password: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(
            _("Choose a stronger password."), details={"password": list(exc.messages)}
        ) from None


def _retire_invitations(user: User) -> None:
    """Once a password is set, no other invitation link may set it again."""
    Invitation.objects.filter(user=user, used_at__isnull=True).update(used_at=clock.now())


@transaction.atomic
def invitation_accept(*, raw_token: str, password: str) -> User:
    """Set the invited user's password; the link works once."""
    invitation = invitation_lookup(raw_token)
    user = invitation.user
    _clean_password(user, password)
    used = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
        used_at=clock.now()
    )
    if used != 1:
        raise RuleViolation(
            _("This invitation link has already been used."), code="invitation_used"
        )
    user.set_password(password)
    user.save(update_fields=["password"])
    _retire_invitations(user)
    audit_record(
        organisation=invitation.organisation,
        actor=user,
        action=AuditAction.INVITATION_ACCEPTED,
        target=invitation,
        data={"email": user.email},
    )
    return user


def _home_organisation(user: User) -> Organisation | None:
    """The organisation whose owners see this user's undelivered account emails."""
    membership = user.memberships.select_related("organisation").order_by("pk").first()
    if membership is not None:
        return membership.organisation
    contact = Contact.objects.filter(user=user).select_related("client__organisation").first()
    return contact.client.organisation if contact is not None else None


@transaction.atomic
def password_reset_request(*, email: str) -> int:
    """Queue a reset link for the active account with this address (normalised), if there is one.

    The answer to the person asking is the same either way; the link is minted when the email is
    sent. Accounts without a password (an invitation not yet accepted) get none, as in Django.
    """
    address = normalize_email(str(email or ""))
    users = [
        u for u in User.objects.filter(email=address, is_active=True) if u.has_usable_password()
    ]
    for user in users:
        email_queue(
            kind=OutgoingEmail.Kind.PASSWORD_RESET,
            to=user.email,
            subject=emails.password_reset_subject(user.language),
            user=user,
            organisation=_home_organisation(user),
        )
    return len(users)


@transaction.atomic
def user_set_password(*, user: User, password: str, actor: User | None = None) -> User:
    """Change a password (settings page or reset link)."""
    _clean_password(user, password)
    user.set_password(password)
    user.save(update_fields=["password"])
    _retire_invitations(user)
    audit_record(
        organisation=None,
        actor=actor or user,
        action=AuditAction.PASSWORD_CHANGED,
        target=user,
        data={"email": user.email},
    )
    return user


@transaction.atomic
def user_update_profile(*, user: User, name: str, actor: User) -> User:
    if user.pk != actor.pk:
        raise NotFound(_("Not found."))
    user.name = (name or "").strip()[:150]
    user.save(update_fields=["name"])
    return user


# --- API tokens ---------------------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, user: User, name: str = "", actor: User) -> tuple[ApiToken, str]:
    """Create a token and return it with its raw value, which is shown once and never stored."""
    if user.pk != actor.pk and not actor.is_superuser:
        raise NotFound(_("Not found."))
    label = (name or "").strip() or _("API token")
    if len(label) > 100:
        raise InvalidInput(
            _("At most 100 characters."), details={"name": [_("At most 100 characters.")]}
        )
    raw = "mp_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=label, prefix=raw[:10], token_hash=hash_token(raw)
    )
    audit_record(
        organisation=None,
        actor=actor,
        action=AuditAction.API_TOKEN_CREATED,
        target=token,
        data={"after": {"name": label, "prefix": token.prefix}},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke a token at once; requests using it get 401 from then on."""
    if token.user_id != actor.pk:
        raise NotFound(_("Not found."))
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=clock.now()
    )
    if revoked != 1:
        raise RuleViolation(_("This token is already revoked."), code="state_conflict")
    token.refresh_from_db()
    audit_record(
        organisation=None,
        actor=actor,
        action=AuditAction.API_TOKEN_REVOKED,
        target=token,
        data={"before": {"name": token.name, "prefix": token.prefix}},
    )
    return token


def api_token_authenticate(raw: str) -> User | None:
    """Return the active user owning an unrevoked token, or None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
