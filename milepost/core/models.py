"""Shared records: the outbox of domain events."""

from django.db import models
from django.utils import timezone


class DomainEvent(models.Model):
    """Something that happened in the domain (``milestone.approved``), kept as an outbox.

    Other parts of Milepost subscribe to these names (billing issues an invoice on approval);
    subscribers run inside the transaction that emitted the event, so both commit or neither.
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
