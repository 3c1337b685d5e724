"""Notifications in the app, emails on their way out, reminders sent, calendar feeds."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class Category(models.TextChoices):
    """What a notification is about; each user chooses email or in-app only per category."""

    PLAN = "plan", _("Plans proposed, accepted or declined")
    DELIVERY = "delivery", _("Milestones delivered for review")
    REVIEW = "review", _("Change requests, approvals and support requests")
    INVOICE = "invoice", _("Invoices issued")
    PAYMENT = "payment", _("Payments received")
    REVIEW_REMINDER = "review_reminder", _("Reminders about reviews waiting for you")
    DUE_REMINDER = "due_reminder", _("Milestones due soon or overdue")
    INVOICE_OVERDUE = "invoice_overdue", _("Overdue invoices")
    SUPPORT_WINDOW = "support_window", _("Support windows ending")


class Notification(models.Model):
    """One line in a user's bell."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="notifications")
    category = models.CharField(max_length=20, choices=Category.choices)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(fields=["user", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.title


class Preference(models.Model):
    """Email for this category, or in-app only. No row means email (the default)."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="notification_prefs")
    category = models.CharField(max_length=20, choices=Category.choices)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="notification_pref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.category}: {'email' if self.email else 'in-app'}"


class OutgoingEmail(models.Model):
    """An email to send, with its delivery attempts: the outbox the worker drains.

    A notification keeps its rendered body. An invitation or a password reset keeps none: its
    one-time link is minted when the email is sent (``delivery.content``), so no usable token
    is ever stored here.
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
    user = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
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
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)
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
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
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


class Reminder(models.Model):
    """A reminder already sent for one occasion: the key makes it happen at most once."""

    key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A user's private iCalendar feed; replacing the token revokes the old URL."""

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar of {self.user_id}"
