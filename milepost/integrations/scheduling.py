"""The integrations' part of the tick: due deliveries, and endpoints failing for days."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from milepost.accounts.models import Membership, Role
from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.core import clock
from milepost.mail.services import email_queue

from .models import WebhookEndpoint
from .sending import send_due

#: An endpoint whose attempts have all failed for this long is disabled and its owners emailed.
DISABLE_AFTER = dt.timedelta(days=3)


def tick_step(now: dt.datetime) -> dict[str, int]:
    sent = send_due(now)
    return {
        "webhooks_sent": sent["sent"],
        "webhooks_retrying": sent["retrying"],
        "webhooks_failed": sent["failed"],
        "webhook_endpoints_disabled": disable_failing(now),
    }


def disable_failing(now: dt.datetime | None = None) -> int:
    """Disable every endpoint failing since ``DISABLE_AFTER`` ago, and email its organisation's
    owners (a conditional update: two schedulers never disable or email twice)."""
    now = now or clock.now()
    stale = WebhookEndpoint.objects.filter(
        enabled=True, failing_since__lte=now - DISABLE_AFTER
    ).select_related("organisation")
    disabled = 0
    for endpoint in stale:
        with transaction.atomic():
            reason = _("Every attempt failed for 3 days.")
            updated = WebhookEndpoint.objects.filter(pk=endpoint.pk, enabled=True).update(
                enabled=False, disabled_reason=reason, updated_at=now
            )
            if updated:
                audit_record(
                    organisation=endpoint.organisation,
                    actor=None,
                    action=AuditAction.WEBHOOK_ENDPOINT_UPDATED,
                    target=endpoint,
                    data={"before": {"enabled": True}, "after": {"enabled": False}, "why": reason},
                )
                _tell_owners(endpoint)
                disabled += 1
    return disabled


def _tell_owners(endpoint: WebhookEndpoint) -> None:
    owners = Membership.objects.filter(
        organisation=endpoint.organisation, role=Role.OWNER, user__is_active=True
    ).select_related("user")
    link = settings.SITE_URL.rstrip("/") + reverse("webhooks:detail", args=[endpoint.pk])
    for membership in owners:
        user = membership.user
        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject = _("Webhook endpoint disabled: %(url)s") % {"url": endpoint.url}
            text = _(
                "Milepost could not deliver events to %(url)s for 3 days, so it stopped "
                "sending to it. Fix the receiver, then enable the endpoint again and resend "
                "what failed: %(link)s"
            ) % {"url": endpoint.url, "link": link}
        email_queue(
            to=user.email,
            subject=subject,
            user=user,
            organisation=endpoint.organisation,
            text=text,
        )
