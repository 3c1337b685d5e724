"""Invitations: the email with a one-time link, looking the link up, and accepting it."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.core import clock
from milepost.core.errors import NotFound, RuleViolation
from milepost.mail.models import OutgoingEmail
from milepost.mail.services import email_queue

from .. import emails
from ..models import Client, Invitation, Organisation, User, hash_token
from .common import clean_password


def user_for_invitation(email: str, name: str) -> tuple[User, bool]:
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user, False
    return User.objects.create_user(email=email, name=(name or "").strip()), True


def send_invitation(
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


def retire_invitations(user: User) -> None:
    """Once a password is set, no other invitation link may set it again."""
    Invitation.objects.filter(user=user, used_at__isnull=True).update(used_at=clock.now())


@transaction.atomic
def invitation_accept(*, raw_token: str, password: str) -> User:
    """Set the invited user's password; the link works once."""
    invitation = invitation_lookup(raw_token)
    user = invitation.user
    clean_password(user, password)
    used = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
        used_at=clock.now()
    )
    if used != 1:
        raise RuleViolation(
            _("This invitation link has already been used."), code="invitation_used"
        )
    user.set_password(password)
    user.save(update_fields=["password"])
    retire_invitations(user)
    audit_record(
        organisation=invitation.organisation,
        actor=user,
        action=AuditAction.INVITATION_ACCEPTED,
        target=invitation,
        data={"email": user.email},
    )
    return user
