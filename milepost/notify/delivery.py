"""Sending what is in the outbox (mail), with retries and backoff; failures stay visible."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import socket

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q

from milepost.core import clock
from milepost.mail.models import OutgoingEmail

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


class Undeliverable(LookupError):
    """The email can never be sent (its account is gone or inactive): it fails at once."""


def content(email: OutgoingEmail) -> tuple[str, str, str]:
    """Subject, text and HTML. Invitations and resets are rendered now, with a fresh link."""
    from milepost.accounts import emails

    if email.kind == OutgoingEmail.Kind.INVITATION:
        if email.invitation.revoked_at is not None:
            raise Undeliverable("The invitation was revoked.")
        rendered = emails.invitation_content(email.invitation)
    elif email.kind == OutgoingEmail.Kind.PASSWORD_RESET:
        if email.user is None or not email.user.is_active:
            raise Undeliverable("The account no longer exists or is inactive.")
        rendered = emails.password_reset_content(email.user)
    else:
        return email.subject, email.text, email.html
    return rendered.subject, rendered.text, rendered.html


def recipient(email: OutgoingEmail) -> str:
    """Where it goes: an invitation or a reset to the person's address now, not when queued."""
    if email.kind == OutgoingEmail.Kind.INVITATION:
        return email.invitation.user.email
    if email.kind == OutgoingEmail.Kind.PASSWORD_RESET and email.user is not None:
        return email.user.email
    return email.to


def _message(email: OutgoingEmail) -> EmailMultiAlternatives:
    subject, text, html = content(email)
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=[email.to], headers=email.headers
    )
    message.attach_alternative(html, "text/html")
    return message


#: Errors that say the server cannot be reached at all (refused, timed out, hung up): the rest of
#: a batch would only wait for the same timeout one by one, so it waits for the next run.
UNREACHABLE = (
    TimeoutError,
    ConnectionError,
    smtplib.SMTPConnectError,
    smtplib.SMTPServerDisconnected,
    socket.gaierror,
)


def send_one(email_id: int) -> str:
    """Claim the email (so two workers never both send it), send it, record the outcome."""
    return _attempt(email_id)[0]


def _attempt(email_id: int) -> tuple[str, bool]:
    """The outcome, and whether the server could not be reached at all."""
    now = clock.now()
    claimed = OutgoingEmail.objects.filter(
        _claimable(), pk=email_id, next_attempt_at__lte=now
    ).update(
        status=OutgoingEmail.Status.SENDING,
        attempts=F("attempts") + 1,
        next_attempt_at=now + CLAIM_LEASE,
    )
    if claimed != 1:
        return "skipped", False
    email = OutgoingEmail.objects.select_related("invoice", "user", "invitation__user").get(
        pk=email_id
    )
    email.to = recipient(email)  # kept on the row, so the outbox shows where it went
    try:
        message = _message(email)
        if email.invoice_id:
            from milepost.billing.pdf import invoice_pdf

            message.attach(
                f"{email.invoice.number}.pdf", invoice_pdf(email.invoice), "application/pdf"
            )
        message.send()
    except Undeliverable as exc:  # no retry can help
        OutgoingEmail.objects.filter(pk=email.pk).update(
            to=email.to, status=OutgoingEmail.Status.FAILED, last_error=str(exc)
        )
        logger.warning("Email %s to %s cannot be sent: %s", email.pk, email.to, exc)
        return "failed", False
    except Exception as exc:  # any transport error: retry later, never lose the email
        give_up = email.attempts >= settings.EMAIL_MAX_ATTEMPTS
        OutgoingEmail.objects.filter(pk=email.pk).update(
            to=email.to,
            status=OutgoingEmail.Status.FAILED if give_up else OutgoingEmail.Status.PENDING,
            next_attempt_at=clock.now() + backoff(email.attempts),
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        logger.warning(
            "Email %s to %s failed (attempt %s): %s", email.pk, email.to, email.attempts, exc
        )
        return ("failed" if give_up else "retry"), isinstance(exc, UNREACHABLE)
    OutgoingEmail.objects.filter(pk=email.pk).update(
        to=email.to, status=OutgoingEmail.Status.SENT, sent_at=clock.now(), last_error=""
    )
    return "sent", False


def send_due(limit: int = 200) -> dict[str, int]:
    """Send every pending email whose time has come (the scheduler calls this each minute)."""
    counts: dict[str, int] = {}
    due = (
        OutgoingEmail.objects.filter(_claimable(), next_attempt_at__lte=clock.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in list(due):
        outcome, unreachable = _attempt(pk)
        counts[outcome] = counts.get(outcome, 0) + 1
        if unreachable:
            break  # one timeout per run, not one per email
    return counts
