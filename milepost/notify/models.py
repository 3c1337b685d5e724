"""Notifications in the app, preferences, reminders sent, calendar feeds (emails: mail.models)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from milepost.core.stamped import Stamped

USER = settings.AUTH_USER_MODEL


class Category(models.TextChoices):
    """What a notification is about; each user chooses email or in-app only per category."""

    PLAN = "plan", _("Plans proposed, accepted or declined")
    PROJECT = "project", _("Projects put on hold, resumed or cancelled")
    DELIVERY = "delivery", _("Milestones delivered for review")
    REVIEW = "review", _("Change requests, approvals and support requests")
    INVOICE = "invoice", _("Invoices issued")
    PAYMENT = "payment", _("Payments received")
    REVIEW_REMINDER = "review_reminder", _("Reminders about reviews waiting for you")
    DUE_REMINDER = "due_reminder", _("Milestones due soon or overdue")
    INVOICE_OVERDUE = "invoice_overdue", _("Overdue invoices")
    SUPPORT_WINDOW = "support_window", _("Support windows ending")


class Notification(Stamped):
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
            # updated_since, in the order a sync reads (docs/sync.md)
            models.Index(fields=["user", "updated_at"]),
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
