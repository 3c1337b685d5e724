"""Shared records: the outbox of domain events, and the API's idempotency keys."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class DomainEvent(models.Model):
    """Something that happened in the domain (``milestone.approved``): the transactional outbox.

    ``core.events.emit`` writes the row in the transaction of the change it announces, so a
    rolled-back change leaves no event and a committed one is never lost. Notifications are
    told synchronously; the outbound webhooks will read this table after commit (decision D24).
    No rule of the product hangs on an event: services call each other (approval issues its
    invoice by calling ``invoice_issue``).
    """

    name = models.CharField(max_length=64)
    organisation_id = models.PositiveBigIntegerField(null=True, db_index=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["name", "created_at"])]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"


class IdempotencyKey(models.Model):
    """A client's ``Idempotency-Key`` and the answer its first request got (core/idempotency.py).

    The row is inserted, ``running``, before the request's work starts: the unique constraint on
    (user, key) is what makes a second request with the key wait its turn or be refused. Once the
    work has answered, the answer is kept here for 24 hours and replayed to repeats.
    """

    class State(models.TextChoices):
        RUNNING = "running"
        DONE = "done"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.CharField(max_length=255)
    #: SHA-256 of the request's method, path and body (``idempotency.fingerprint``).
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=8, choices=State.choices, default=State.RUNNING)
    created_at = models.DateTimeField()
    #: When the running request claimed the key; a claim left this long is taken over.
    claimed_at = models.DateTimeField()
    status = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=255, blank=True)
    body = models.BinaryField(default=b"")
    headers = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user"),
            models.CheckConstraint(
                condition=models.Q(state="running") | models.Q(status__isnull=False),
                name="idempotency_key_done_has_answer",
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_key_created")]

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"
