"""Every write about webhooks: endpoints (create, change, delete, rotate, test) and resends.

Owners only (``accounts.permissions.can_manage_organisation``). Input is cleaned here, every
problem at once (400 with the fields in ``details``), so the web, the API and the admin obey
the same rules; the URL is checked by the SSRF guard (``urlcheck``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from milepost.accounts.models import Organisation, User
from milepost.accounts.permissions import can_manage_organisation
from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record, diff
from milepost.core import clock
from milepost.core.errors import FIELDS_INVALID, InvalidInput, NotAllowed, RuleViolation

from . import outbox, payloads, signing
from .models import OutboundEvent, WebhookDelivery, WebhookEndpoint
from .public import EVENT_TYPES, TEST
from .urlcheck import url_clean

DESCRIPTION_MAX = 200
#: How long the previous secret keeps signing after a rotation.
PREVIOUS_SECRET_VALID = dt.timedelta(hours=24)


def _shown(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """What the audit log keeps of an endpoint (never its secrets)."""
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types),
        "enabled": endpoint.enabled,
    }


def _audit(endpoint: WebhookEndpoint, actor: User, action: AuditAction, data: dict) -> None:
    audit_record(
        organisation=endpoint.organisation, actor=actor, action=action, target=endpoint, data=data
    )


def require_owner(actor: User, organisation: Organisation | int) -> None:
    if not can_manage_organisation(actor, organisation):
        raise NotAllowed(_("Only an owner can manage webhooks."))


def _clean_event_types(value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError(_('A list of event names, or ["*"] for every event.'))
    names = list(dict.fromkeys(v.strip() for v in value))
    if not names:
        raise ValueError(_('Choose at least one event, or ["*"] for every event.'))
    if "*" in names:
        if len(names) > 1:
            raise ValueError(_('"*" already means every event: list nothing else with it.'))
        return names
    unknown = [n for n in names if n not in EVENT_TYPES]
    if unknown:
        raise ValueError(
            _("Unknown event types: %(names)s. Known: %(known)s.")
            % {"names": ", ".join(unknown), "known": ", ".join(EVENT_TYPES)}
        )
    return names


def endpoint_clean(data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """The endpoint's fields cleaned, every problem at once (400)."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    if "url" in data or not partial:
        try:
            cleaned["url"] = url_clean(str(data.get("url") or ""))
        except InvalidInput as error:
            errors["url"] = error.details["url"]
    if "description" in data:
        text = str(data.get("description") or "").strip()
        if len(text) > DESCRIPTION_MAX:
            errors["description"] = [_("At most %(n)s characters.") % {"n": DESCRIPTION_MAX}]
        cleaned["description"] = text
    if "event_types" in data or not partial:
        try:
            cleaned["event_types"] = _clean_event_types(data.get("event_types", ["*"]))
        except ValueError as error:
            errors["event_types"] = [str(error)]
    if "enabled" in data:
        if not isinstance(data["enabled"], bool):
            errors["enabled"] = [_("true or false.")]
        cleaned["enabled"] = data["enabled"]
    if errors:
        raise InvalidInput(str(FIELDS_INVALID), details=errors)
    return cleaned


def _refuse_duplicate(organisation_id: int, url: str, *, exclude: int | None = None) -> None:
    """One endpoint per URL in an organisation: a second would receive every event twice (a
    reloaded form made one)."""
    same = WebhookEndpoint.objects.filter(organisation_id=organisation_id, url=url)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        message = _("An endpoint for this URL exists already: change its events instead.")
        raise InvalidInput(str(FIELDS_INVALID), details={"url": [message]})


@transaction.atomic
def endpoint_create(
    *, organisation: Organisation, actor: User, **data: Any
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint with its own secret; answers the endpoint and the secret (shown once)."""
    require_owner(actor, organisation)
    cleaned = endpoint_clean(data)
    _refuse_duplicate(organisation.pk, cleaned["url"])
    now = clock.now()
    secret = signing.secret_new()
    endpoint = WebhookEndpoint.objects.create(
        organisation=organisation,
        secret=secret,
        created_by=actor,
        created_at=now,
        updated_at=now,
        **cleaned,
    )
    _audit(endpoint, actor, AuditAction.WEBHOOK_ENDPOINT_CREATED, {"after": _shown(endpoint)})
    return endpoint, secret


@transaction.atomic
def endpoint_update(*, endpoint: WebhookEndpoint, actor: User, **data: Any) -> WebhookEndpoint:
    """Change the URL, description, event types or enabled; enabling again forgets past failures."""
    require_owner(actor, endpoint.organisation_id)
    cleaned = endpoint_clean(data, partial=True)
    if "url" in cleaned:
        _refuse_duplicate(endpoint.organisation_id, cleaned["url"], exclude=endpoint.pk)
    if cleaned.get("enabled") and not endpoint.enabled:
        cleaned.update(failing_since=None, disabled_reason="")
    before = _shown(endpoint)
    cleaned["updated_at"] = clock.now()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(**cleaned)
    endpoint.refresh_from_db()
    changed = diff(before, _shown(endpoint))
    if changed.get("after"):
        _audit(endpoint, actor, AuditAction.WEBHOOK_ENDPOINT_UPDATED, changed)
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint, actor: User) -> None:
    """Delete the endpoint and its delivery log; the events stay in the feed."""
    require_owner(actor, endpoint.organisation_id)
    _audit(endpoint, actor, AuditAction.WEBHOOK_ENDPOINT_DELETED, {"before": _shown(endpoint)})
    endpoint.delete()


@transaction.atomic
def endpoint_rotate_secret(
    *, endpoint: WebhookEndpoint, actor: User
) -> tuple[WebhookEndpoint, str]:
    """A new secret; the old one signs too for 24 hours, so receivers can switch over."""
    require_owner(actor, endpoint.organisation_id)
    now = clock.now()
    # A second rotation would replace the old secret that receivers may still use before the
    # day they were given is over (a reloaded page did): wait until it stops signing.
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if locked.previous_secret and locked.previous_secret_expires_at > now:
        raise RuleViolation(
            _(
                "The secret was rotated less than a day ago: the one before keeps signing until "
                "%(until)s. Rotate again after that."
            )
            % {
                "until": formats.date_format(
                    timezone.localtime(locked.previous_secret_expires_at), "DATETIME_FORMAT"
                )
            },
            code="rotation_pending",
        )
    endpoint = locked
    secret = signing.secret_new()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        secret=secret,
        previous_secret=endpoint.secret,
        previous_secret_expires_at=now + PREVIOUS_SECRET_VALID,
        updated_at=now,
    )
    endpoint.refresh_from_db()
    _audit(endpoint, actor, AuditAction.WEBHOOK_SECRET_ROTATED, {"url": endpoint.url})
    return endpoint, secret


@transaction.atomic
def endpoint_send_test(*, endpoint: WebhookEndpoint, actor: User) -> WebhookDelivery:
    """A ``webhook.test`` event to this endpoint only (an enabled one)."""
    require_owner(actor, endpoint.organisation_id)
    if not endpoint.enabled:
        raise RuleViolation(
            _("This endpoint is disabled: enable it to send a test event."),
            code="endpoint_disabled",
        )
    now = clock.now()
    event = OutboundEvent(
        organisation_id=endpoint.organisation_id,
        type=TEST,
        occurred_at=now,
        object_type="webhook_endpoint",
        object_id=endpoint.pk,
        sequence=0,
        is_test=True,
    )
    event.payload = payloads.envelope(
        event_id=event.public_id,
        event_type=TEST,
        created_at=now,
        organisation_id=endpoint.organisation_id,
        sequence=0,
        obj={"id": endpoint.pk, "url": endpoint.url, "message": "Hello from Milepost."},
    )
    event.save()
    return outbox.fan_out(event, endpoints=[endpoint])[0]


@transaction.atomic
def delivery_resend(*, delivery: WebhookDelivery, actor: User) -> WebhookDelivery:
    """The same event again to the same endpoint, as a new delivery due now (the log keeps both)."""
    require_owner(actor, delivery.endpoint.organisation_id)
    if not delivery.endpoint.enabled:
        raise RuleViolation(
            _("This endpoint is disabled: enable it to resend."), code="endpoint_disabled"
        )
    if delivery.status == WebhookDelivery.Status.PENDING:
        raise RuleViolation(
            _("This delivery is still being tried: it would go twice. Resend it once it failed."),
            code="delivery_pending",
        )
    return outbox.fan_out(delivery.event, endpoints=[delivery.endpoint], force=True)[0]
