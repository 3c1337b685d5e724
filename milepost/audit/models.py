"""The append-only, hash-chained event log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


class AuditEvent(models.Model):
    """One recorded change: who, when, what, before and after."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        help_text=_("Empty for events about a user alone (their tokens, their password)."),
    )
    chain = models.CharField(max_length=32, editable=False)
    sequence = models.PositiveBigIntegerField(editable=False)
    created_at = models.DateTimeField(editable=False)
    # DO_NOTHING: the hashed actor id must outlive the user (SET_NULL would break the chain).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(max_length=254, editable=False)
    action = models.CharField(max_length=64, editable=False)  # an AuditAction value
    target_type = models.CharField(max_length=64, editable=False)
    target_id = models.CharField(max_length=64, editable=False)
    project_id = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        db_index=True,
        editable=False,
        help_text=_("The project the event belongs to, for its activity feed."),
    )
    data = models.JSONField(default=dict, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        ordering = ["chain", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "sequence"], name="audit_chain_sequence"),
        ]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.chain}#{self.sequence} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")


class AuditChainHead(models.Model):
    """The last link of each chain: the row writers lock, and proof the tail was not cut."""

    chain = models.CharField(max_length=32, unique=True)
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"{self.chain} @ {self.last_sequence}"
