"""What the account emails say. Their one-time links are minted when the email is sent.

The outbox row of an invitation or a password reset holds no body and no token: the worker calls
these functions at each attempt, so a usable link exists only in the email that leaves. Minting
an invitation link replaces the invitation's token hash, so a resend (or a retry) leaves only
the newest link working, valid for the full period from that email.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from milepost.core import clock

from .models import Invitation, User, hash_token


@dataclass(frozen=True)
class Content:
    subject: str
    text: str
    html: str


def site_link(viewname: str, *args: Any) -> str:
    """An absolute link for an email, from SITE_URL (emails have no request to ask)."""
    return settings.SITE_URL + reverse(viewname, args=args)


def _render(template: str, context: dict[str, Any], language: str) -> tuple[str, str]:
    with translation.override(language or settings.LANGUAGE_CODE):
        return (
            render_to_string(f"{template}.txt", context),
            render_to_string(f"{template}.html", context),
        )


# --- Invitations --------------------------------------------------------------------------------


def invitation_subject(organisation: Any, language: str) -> str:
    with translation.override(language or settings.LANGUAGE_CODE):
        return _("You are invited to %(name)s on Milepost") % {"name": organisation.name}


def invitation_context(
    *, user: User, organisation: Any, client: Any, inviter: Any, link: str, needs_password: bool
) -> dict[str, Any]:
    return {
        "user": user,
        "organisation": organisation,
        "client": client,
        "inviter": inviter,
        "link": link,
        "needs_password": needs_password,
        "days": settings.INVITATION_DAYS,
    }


def invitation_mint(invitation: Invitation) -> str | None:
    """A fresh raw token for an unused invitation (the previous link stops working), or None."""
    raw = secrets.token_urlsafe(32)
    minted = Invitation.objects.filter(
        pk=invitation.pk, used_at__isnull=True, revoked_at__isnull=True
    ).update(
        token_hash=hash_token(raw),
        expires_at=clock.now() + dt.timedelta(days=settings.INVITATION_DAYS),
    )
    return raw if minted == 1 else None


def invitation_content(invitation: Invitation) -> Content:
    """The invitation email with a newly minted link (a login link once the invitation is used)."""
    invitation = Invitation.objects.select_related(
        "user", "organisation", "client", "invited_by"
    ).get(pk=invitation.pk)
    user = invitation.user
    raw = invitation_mint(invitation)
    context = invitation_context(
        user=user,
        organisation=invitation.organisation,
        client=invitation.client,
        inviter=invitation.invited_by,
        link=site_link("web:invitation", raw) if raw else site_link("web:login"),
        needs_password=raw is not None,
    )
    text, html = _render("accounts/email/invitation", context, user.language)
    return Content(invitation_subject(invitation.organisation, user.language), text, html)


def invitation_notice(
    *, user: User, organisation: Any, client: Any, inviter: Any
) -> tuple[str, str]:
    """The invitation of someone who already has a password: a plain login link, no token."""
    context = invitation_context(
        user=user,
        organisation=organisation,
        client=client,
        inviter=inviter,
        link=site_link("web:login"),
        needs_password=False,
    )
    return _render("accounts/email/invitation", context, user.language)


# --- Password reset -----------------------------------------------------------------------------


def password_reset_subject(language: str) -> str:
    with translation.override(language or settings.LANGUAGE_CODE):
        return _("Choose a new Milepost password")


def password_reset_content(user: User) -> Content:
    """The reset email with a token made now (Django's: it dies when the password changes)."""
    link = site_link(
        "web:password_reset_confirm",
        urlsafe_base64_encode(force_bytes(user.pk)),
        default_token_generator.make_token(user),
    )
    context = {"user": user, "link": link}
    text, html = _render("accounts/email/password_reset", context, user.language)
    return Content(password_reset_subject(user.language), text, html)
