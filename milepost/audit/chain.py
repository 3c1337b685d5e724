"""How an event is hashed. Pure functions: no ORM."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any


def chain_key(organisation_id: int | None) -> str:
    """Name the chain of an organisation, or the chain of user-only events."""
    return f"org:{organisation_id}" if organisation_id is not None else "users"


def canonical_json(value: Any) -> str:
    """Serialise deterministically: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def normalise_data(data: dict[str, Any]) -> dict[str, Any]:
    """Make data JSON-native (Decimals, dates and UUIDs become strings) so it hashes stably."""
    return json.loads(json.dumps(data, default=str))


def event_hash(
    *,
    prev_hash: str,
    chain: str,
    sequence: int,
    created_at: dt.datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    target_type: str,
    target_id: str,
    project_id: int | None,
    data: dict[str, Any],
) -> str:
    """Return SHA-256 over the previous hash and the canonical JSON of the event."""
    body = canonical_json(
        {
            "chain": chain,
            "sequence": sequence,
            "created_at": created_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor_id": actor_id,
            "actor_label": actor_label,
            "action": action,
            "target_type": target_type,
            "target_id": target_id,
            "project_id": project_id,
            "data": data,
        }
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()
