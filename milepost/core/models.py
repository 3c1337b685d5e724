"""Shared records: the outbox of domain events."""

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
