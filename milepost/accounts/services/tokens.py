"""API tokens: created with a raw value shown once, stored hashed, revocable."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.core import clock
from milepost.core.errors import InvalidInput, NotFound, RuleViolation

from ..models import ApiToken, User, hash_token


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
