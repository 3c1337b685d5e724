"""A user's own account: password reset, password change, profile."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.core.errors import NotFound
from milepost.mail.models import OutgoingEmail
from milepost.mail.services import email_queue

from .. import emails
from ..models import Contact, Organisation, User, normalize_email
from .common import clean_password
from .invitations import retire_invitations


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
    clean_password(user, password)
    user.set_password(password)
    user.save(update_fields=["password"])
    retire_invitations(user)
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
