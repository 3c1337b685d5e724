"""Writing to the audit trail. Called by every service that changes state, plan, money or access."""

from __future__ import annotations

from typing import Any

from django.db import connection, models

from milepost.core import clock

from .actions import AuditAction
from .chain import chain_key, event_hash, normalise_data
from .models import AuditChainHead, AuditEvent


def audit_record(
    *,
    organisation: models.Model | None,
    actor: Any | None,
    action: AuditAction,
    target: models.Model,
    data: dict[str, Any] | None = None,
    project: models.Model | None = None,
) -> AuditEvent:
    """Append one event to its organisation's chain, inside the caller's transaction.

    The chain head row is locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's IMMEDIATE
    transactions already serialise writers), so concurrent writers queue instead of forking.
    """
    action = AuditAction(action)  # refuses codes that are not in the enum
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record() must run inside the transaction of the change.")
    org_id = organisation.pk if organisation is not None else None
    key = chain_key(org_id)
    AuditChainHead.objects.bulk_create([AuditChainHead(chain=key)], ignore_conflicts=True)
    head = AuditChainHead.objects.select_for_update().get(chain=key)

    actor_id = getattr(actor, "pk", None)
    fields = {
        "chain": key,
        "sequence": head.last_sequence + 1,
        "created_at": clock.now(),
        "actor_id": actor_id,
        "actor_label": actor.email if actor_id else "system",
        "action": str(action),
        "target_type": target._meta.label_lower,
        "target_id": str(target.pk),
        "project_id": project.pk if project is not None else None,
        "data": normalise_data(data or {}),
    }
    digest = event_hash(prev_hash=head.last_hash, **fields)
    event = AuditEvent.objects.create(
        organisation_id=org_id, prev_hash=head.last_hash, hash=digest, **fields
    )
    AuditChainHead.objects.filter(pk=head.pk).update(last_sequence=event.sequence, last_hash=digest)
    return event


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Keep only the fields that changed, as {"before": {...}, "after": {...}}."""
    changed = [k for k in after if before.get(k) != after.get(k)]
    return {
        "before": {k: before.get(k) for k in changed},
        "after": {k: after[k] for k in changed},
    }
