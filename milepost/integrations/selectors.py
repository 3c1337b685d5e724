"""Reads of webhooks and the event feed; visibility decided here (owners of the organisation)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from milepost.accounts.models import Role
from milepost.accounts.permissions import roles_of
from milepost.core.errors import InvalidInput, NotAllowed, NotFound

from .models import OutboundEvent, WebhookDelivery, WebhookEndpoint


def owned_organisations(user: Any) -> list[int]:
    """The organisations ``user`` owns; 403 when none (a member, a manager or a contact)."""
    owned = [org for org, role in roles_of(user).items() if role == Role.OWNER]
    if not owned:
        raise NotAllowed(_("Only an owner can manage webhooks."))
    return owned


def endpoints_of(user: Any, organisation_id: int | None = None) -> QuerySet[WebhookEndpoint]:
    owned = owned_organisations(user)
    rows = WebhookEndpoint.objects.filter(organisation_id__in=owned)
    if organisation_id is not None:
        rows = rows.filter(organisation_id=organisation_id)
    return rows.order_by("pk")


def endpoint_get(user: Any, pk: Any) -> WebhookEndpoint:
    """An endpoint of an organisation ``user`` owns; 403 to its other members, 404 to others."""
    try:
        endpoint = WebhookEndpoint.objects.select_related("organisation").get(pk=int(pk))
    except (ValueError, TypeError, WebhookEndpoint.DoesNotExist):
        raise NotFound(_("No such webhook endpoint.")) from None
    role = roles_of(user).get(endpoint.organisation_id)
    if role is None:
        raise NotFound(_("No such webhook endpoint."))
    if role != Role.OWNER:
        raise NotAllowed(_("Only an owner can manage webhooks."))
    return endpoint


def deliveries_of(endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The endpoint's delivery log, newest first."""
    return WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event").order_by("-pk")


def delivery_get(user: Any, pk: Any) -> WebhookDelivery:
    try:
        delivery = WebhookDelivery.objects.select_related("endpoint", "event").get(pk=int(pk))
    except (ValueError, TypeError, WebhookDelivery.DoesNotExist):
        raise NotFound(_("No such webhook delivery.")) from None
    endpoint_get(user, delivery.endpoint_id)
    return delivery


def _cursor(after: str, owned: list[int]) -> int:
    """The feed position of event ``evt_…`` (400 if it is not one of the feed's ids)."""
    text = after.removeprefix("evt_")
    try:
        uid = uuid.UUID(hex=text)
    except ValueError:
        uid = None
    pk = (
        OutboundEvent.objects.filter(uid=uid, organisation_id__in=owned)
        .values_list("pk", flat=True)
        .first()
        if uid
        else None
    )
    if pk is None:
        message = _("Not an event id of this feed (evt_…).")
        raise InvalidInput(message, details={"after": [message]})
    return pk


def events_of(
    user, *, after: str = "", organisation_id: int | None = None
) -> QuerySet[OutboundEvent]:
    """The event feed of the organisations ``user`` owns, oldest first, after ``after``."""
    owned = owned_organisations(user)
    rows = OutboundEvent.objects.filter(organisation_id__in=owned, is_test=False)
    if organisation_id is not None:
        rows = rows.filter(organisation_id=organisation_id)
    if after:
        rows = rows.filter(pk__gt=_cursor(after, owned))
    return rows.order_by("pk")
