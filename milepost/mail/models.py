"""The email outbox: one row per email, written in the transaction of the action that sends it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutgoingEmail(models.Model):
    """An email to send, with its delivery attempts: the outbox the worker drains.

    A notification keeps its rendered body. An invitation or a password reset keeps none: its
    one-time link is minted when the email is sent (``notify.delivery.content``), so no usable
    token is ever stored here. The table kept the name it had in notify, where it began.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    class Kind(models.TextChoices):
        MESSAGE = "message", _("Notification")
        INVITATION = "invitation", _("Invitation")
        PASSWORD_RESET = "password_reset", _("Password reset")

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.MESSAGE)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invitation = models.ForeignKey(
        "accounts.Invitation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("The invitation whose link is minted when this email is sent."),
    )
    #: A notification's ``notify.models.Category``; blank for invitations and password resets.
    category = models.CharField(max_length=20, blank=True)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    text = models.TextField(blank=True)
    html = models.TextField(blank=True)
    headers = models.JSONField(default=dict)
    invoice = models.ForeignKey(
        "billing.Invoice",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Attach this invoice's PDF."),
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "notify_outgoingemail"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notify_outg_status_8d0768_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="invitation") | models.Q(invitation__isnull=False),
                name="outgoing_email_invitation_has_invitation",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="message") | (models.Q(text="") & models.Q(html="")),
                name="outgoing_email_token_kinds_store_no_body",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to} ({self.status})"
