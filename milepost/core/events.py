"""Domain events: record what happened and tell the parts of Milepost that care.

``emit()`` must run inside the transaction of the change. Handlers run synchronously in that
transaction; anything slow or external (email) they schedule with ``transaction.on_commit``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import connection

from . import clock
from .models import DomainEvent

Handler = Callable[[DomainEvent], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(name: str, handler: Handler) -> None:
    """Call ``handler(event)`` whenever an event called ``name`` is emitted."""
    if handler not in _handlers[name]:
        _handlers[name].append(handler)


def emit(name: str, *, organisation_id: int | None, **payload: Any) -> DomainEvent:
    if not connection.in_atomic_block:
        raise RuntimeError("emit() must run inside the transaction of the change.")
    event = DomainEvent.objects.create(
        name=name, organisation_id=organisation_id, payload=payload, created_at=clock.now()
    )
    for handler in list(_handlers[name]):
        handler(event)
    return event
