"""Plan versions as plain values: the plan a stored snapshot holds, what changed between two of
them, and that difference as the API's JSON.

No ORM here: a snapshot is the JSON ``services.common.snapshot`` wrote into a ``PlanVersion``;
the plan is a :class:`changes.Plan`, the difference a :class:`changes.PlanDiff`.

Milestones are told apart by their ``id`` when both snapshots record one for every milestone and
deliverable; older snapshots have none, and then a milestone is the one at the same position and
a deliverable the one with the same title (a renamed deliverable shows as removed and added).
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from milepost.core.money import normalise

from .changes import Item, Plan, PlanDiff, Stage, describe, describe_settings, diff
from .models import BillingTrigger


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _amount(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def has_ids(snapshot: Mapping[str, Any]) -> bool:
    """Whether every milestone and deliverable of the snapshot records its id."""
    milestones = snapshot.get("milestones") or []
    return all(
        m.get("id") is not None and all(d.get("id") is not None for d in m.get("deliverables", []))
        for m in milestones
    )


def _title_id(title: str, occurrence: int) -> int:
    """A stand-in id for a deliverable of a snapshot without ids: the same title (and the same
    nth time it occurs in its milestone) gives the same number; negative, never a real id."""
    return -1 - zlib.crc32(f"{occurrence}\x00{title}".encode())


def _items(raw: Any, *, keyed: bool) -> tuple[Item, ...]:
    items = []
    seen: dict[str, int] = {}
    for entry in raw or []:
        title = str(entry.get("title") or "")
        if keyed:
            item_id = entry.get("id")
        else:
            seen[title] = seen.get(title, 0) + 1
            item_id = _title_id(title, seen[title])
        items.append(Item(item_id, title, str(entry.get("acceptance_criteria") or "")))
    return tuple(items)


def plan_of_snapshot(snapshot: Mapping[str, Any], *, keyed: bool | None = None) -> Plan:
    """The plan a version's snapshot holds: budgets as Decimal, dates as dates, deliverables.

    ``keyed``: tell milestones and deliverables apart by their recorded ids (None: when the
    snapshot has them all); otherwise by position and by title (see the module's docstring)."""
    if keyed is None:
        keyed = has_ids(snapshot)
    project = snapshot.get("project") or {}
    stages = []
    for position, m in enumerate(snapshot.get("milestones") or [], start=1):
        stages.append(
            Stage(
                id=m.get("id") if keyed else None,
                ref="" if keyed else f"p{position}",
                title=str(m.get("title") or ""),
                scope=str(m.get("scope") or ""),
                budget=_amount(m.get("budget")),
                planned_start=_date(m.get("planned_start")),
                planned_due=_date(m.get("planned_due")),
                revision_quota=int(m.get("revision_quota") or 0),
                support_window_days=int(m.get("support_window_days") or 0),
                billing_trigger=m.get("billing_trigger") or BillingTrigger.ON_APPROVAL,
                deliverables=_items(m.get("deliverables"), keyed=keyed),
            )
        )
    return Plan(
        currency=str(project.get("currency") or ""),
        stages=tuple(stages),
        sequential_gating=bool(project.get("sequential_gating", True)),
        project_start=_date(project.get("start_date")),
        extra_revision_price=None
        if project.get("extra_revision_price") in (None, "")
        else _amount(project["extra_revision_price"]),
    )


def snapshot_total(snapshot: Mapping[str, Any]) -> Decimal:
    """The project total the version records (the sum of its budgets when it records none)."""
    project = snapshot.get("project") or {}
    if project.get("total_budget") not in (None, ""):
        return normalise(_amount(project["total_budget"]), str(project.get("currency") or ""))
    return plan_of_snapshot(snapshot).total


def compare(before: Mapping[str, Any], after: Mapping[str, Any]) -> PlanDiff:
    """What changed from the snapshot ``before`` to ``after`` (by ids only when both have them)."""
    keyed = has_ids(before) and has_ids(after)
    return diff(plan_of_snapshot(before, keyed=keyed), plan_of_snapshot(after, keyed=keyed))


# --- JSON ----------------------------------------------------------------------------------------


def value_json(name: str, value: Any, currency: str) -> Any:
    """A field's value as the API gives it: money as a string, a date as ISO, the rest as is."""
    if value is None:
        return None
    if name in ("budget", "extra_revision_price"):
        return str(normalise(value, currency))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def diff_json(plan_diff: PlanDiff) -> dict[str, Any]:
    """A diff as the API gives it: totals and price as money strings, then each milestone that
    was added, removed or changed, field by field, with the sentence for people (``text``)."""
    currency = plan_diff.currency
    return {
        "currency": currency,
        "total_before": str(normalise(plan_diff.total_before, currency)),
        "total_after": str(normalise(plan_diff.total_after, currency)),
        "price": str(normalise(plan_diff.price, currency)),
        "milestones": [
            {
                "kind": entry.kind,
                "position": entry.position,
                "title": entry.title,
                "moved_from": entry.moved_from,
                "fields": [
                    {
                        "field": change.field,
                        "before": value_json(change.field, change.before, currency),
                        "after": value_json(change.field, change.after, currency),
                    }
                    for change in entry.fields
                ],
                "deliverables": [
                    {"kind": item.kind, "title": item.title} for item in entry.deliverables
                ],
                "text": describe(entry, currency),
            }
            for entry in plan_diff.stages
        ],
        "settings": [
            {
                "field": change.field,
                "before": value_json(change.field, change.before, currency),
                "after": value_json(change.field, change.after, currency),
                "text": text,
            }
            for change, text in zip(plan_diff.settings, describe_settings(plan_diff), strict=True)
        ],
    }


def plan_json(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """The plan a snapshot holds as the API gives it: the total, the currency and each milestone
    with its deliverables (``id`` null where the version did not record it)."""
    plan = plan_of_snapshot(snapshot)
    currency = plan.currency
    raw = snapshot.get("milestones") or []
    milestones = []
    for position, (stage, m) in enumerate(zip(plan.stages, raw, strict=True), start=1):
        milestones.append(
            {
                "id": m.get("id"),
                "position": position,
                "title": stage.title,
                "scope": stage.scope,
                "budget": str(normalise(stage.budget, currency)),
                "planned_start": value_json("planned_start", stage.planned_start, currency),
                "planned_due": value_json("planned_due", stage.planned_due, currency),
                "revision_quota": stage.revision_quota,
                "support_window_days": stage.support_window_days,
                "billing_trigger": stage.billing_trigger,
                "deliverables": [
                    {
                        "id": d.get("id"),
                        "title": str(d.get("title") or ""),
                        "acceptance_criteria": str(d.get("acceptance_criteria") or ""),
                    }
                    for d in m.get("deliverables") or []
                ],
            }
        )
    return {
        "currency": currency,
        "total": str(snapshot_total(snapshot)),
        "start_date": value_json("start_date", plan.project_start, currency),
        "milestones": milestones,
    }
