"""Public events (what webhooks send and the feed lists), endpoints, and delivery attempts."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class OutboundEvent(models.Model):
    """One public event (``milestone.approved``) with its versioned payload, as sent.

    Written by the bus listener in the transaction of the change (``integrations.outbox``), so
    a rolled-back change leaves none. ``sequence`` counts the events of one object (1, 2, …).
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    domain_event = models.OneToOneField(
        "core.DomainEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    type = models.CharField(max_length=64)
    occurred_at = models.DateTimeField(default=timezone.now)
    object_type = models.CharField(max_length=32)
    object_id = models.PositiveBigIntegerField()
    sequence = models.PositiveIntegerField(default=1)
    payload = models.JSONField(default=dict)
    #: A ``webhook.test`` event sent to one endpoint: not in the feed, no sequence of its own.
    is_test = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["organisation", "id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "object_id", "sequence"],
                condition=models.Q(is_test=False),
                name="outbound_event_sequence_per_object",
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.public_id}"

    @property
    def public_id(self) -> str:
        return f"evt_{self.uid.hex}"


class WebhookEndpoint(models.Model):
    """A URL of an organisation that hears about the event types it chose (``["*"]``: all)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.CharField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list)
    enabled = models.BooleanField(default=True)
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    #: The first failed attempt since the last success; three days of it disables the endpoint.
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return "*" in self.event_types or event_type in self.event_types


class WebhookDelivery(models.Model):
    """One event for one endpoint: its attempts, the last answer, and when to try again."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SUCCEEDED = "succeeded", "succeeded"
        FAILED = "failed", "failed"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(OutboundEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    #: Every attempt, success or failure moves it (``?updated_since=`` of the delivery log).
    updated_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event.type} → {self.endpoint.url} ({self.status})"
