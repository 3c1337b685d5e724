"""Reads of notifications and email delivery."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from milepost.core.ordering import order
from milepost.mail.models import OutgoingEmail

from .models import Notification

#: How the notifications sort (``core.ordering``): newest first unless asked.
NOTIFICATION_ORDERINGS = {
    "created": ("created_at", "id"),
    "updated_at": ("updated_at", "id"),  # a sync reads what changed in order (docs/sync.md)
}


def notifications_of(
    user: Any, *, unread: bool = False, ordering: str | None = None
) -> QuerySet[Notification]:
    """The user's notifications, newest first (``ordering="created"``: oldest first)."""
    items = Notification.objects.filter(user=user)
    if unread:
        items = items.filter(read_at__isnull=True)
    return order(items.order_by("-created_at", "-id"), ordering, NOTIFICATION_ORDERINGS)


def unread_count(user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_get(user: Any, pk: Any) -> Notification:
    from milepost.core.errors import NotFound

    try:
        return Notification.objects.get(user=user, pk=int(pk))
    except (Notification.DoesNotExist, TypeError, ValueError):
        raise NotFound("Notification not found.") from None


def undelivered_emails(organisation_id: int, limit: int = 20) -> list[OutgoingEmail]:
    """Emails that failed or are being retried, for the owner's settings page."""
    return list(
        OutgoingEmail.objects.filter(organisation_id=organisation_id, attempts__gt=0)
        .exclude(status=OutgoingEmail.Status.SENT)
        .order_by("-created_at")[:limit]
    )


def outgoing_email_get(pk: Any) -> OutgoingEmail:
    """One email of the outbox; who may act on it is decided by the service (404 or 403)."""
    from milepost.core.errors import NotFound

    try:
        return OutgoingEmail.objects.select_related("organisation").get(pk=int(pk))
    except (OutgoingEmail.DoesNotExist, TypeError, ValueError):
        raise NotFound("Not found.") from None
