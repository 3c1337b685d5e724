"""Sending what is in the outbox, with retries and backoff; failures stay visible."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q

from milepost.core import clock

from .models import OutgoingEmail

logger = logging.getLogger(__name__)


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8, 16 minutes… after the first, second, third… failure."""
    return dt.timedelta(minutes=2 ** max(attempts - 1, 0))


#: How long a claim lasts: a worker that died while sending leaves the email to be sent again.
CLAIM_LEASE = dt.timedelta(minutes=15)


def _claimable() -> Q:
    """Pending, or claimed by a worker that died before recording the outcome (lease over)."""
    return Q(status=OutgoingEmail.Status.PENDING) | Q(
        status=OutgoingEmail.Status.SENDING, attempts__lt=settings.EMAIL_MAX_ATTEMPTS
    )


def send_one(email_id: int) -> str:
    """Claim the email (so two workers never both send it), send it, record the outcome."""
    now = clock.now()
    claimed = OutgoingEmail.objects.filter(
        _claimable(), pk=email_id, next_attempt_at__lte=now
    ).update(
        status=OutgoingEmail.Status.SENDING,
        attempts=F("attempts") + 1,
        next_attempt_at=now + CLAIM_LEASE,
    )
    if claimed != 1:
        return "skipped"
    email = OutgoingEmail.objects.select_related("invoice").get(pk=email_id)
    message = EmailMultiAlternatives(
        subject=email.subject, body=email.text, to=[email.to], headers=email.headers
    )
    message.attach_alternative(email.html, "text/html")
    try:
        if email.invoice_id:
            from milepost.billing.pdf import invoice_pdf

            message.attach(
                f"{email.invoice.number}.pdf", invoice_pdf(email.invoice), "application/pdf"
            )
        message.send()
    except Exception as exc:  # any transport error: retry later, never lose the email
        give_up = email.attempts >= settings.EMAIL_MAX_ATTEMPTS
        OutgoingEmail.objects.filter(pk=email.pk).update(
            status=OutgoingEmail.Status.FAILED if give_up else OutgoingEmail.Status.PENDING,
            next_attempt_at=clock.now() + backoff(email.attempts),
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        logger.warning(
            "Email %s to %s failed (attempt %s): %s", email.pk, email.to, email.attempts, exc
        )
        return "failed" if give_up else "retry"
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=OutgoingEmail.Status.SENT, sent_at=clock.now(), last_error=""
    )
    return "sent"


def send_due(limit: int = 200) -> dict[str, int]:
    """Send every pending email whose time has come (the scheduler calls this each minute)."""
    counts: dict[str, int] = {}
    due = (
        OutgoingEmail.objects.filter(_claimable(), next_attempt_at__lte=clock.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in list(due):
        outcome = send_one(pk)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
