"""Helpers shared by the plan services: locking, the draft rule, field cleaning, snapshots."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

import holidays as holidays_lib
from django.utils.translation import gettext as _

from milepost.core.errors import FIELDS_INVALID, InvalidInput
from milepost.core.money import MoneyError, normalise, parse_amount

from ..lifecycle.project import ProjectAction, refusal
from ..models import MILESTONE_FIELDS, BillingTrigger, Milestone, Project
from ..rules import MilestoneSpec


def lock_project(project: Project) -> Project:
    """Re-read the project row with a write lock, so plan edits and proposals queue."""
    return (
        Project.objects.select_for_update()
        .select_related("organisation", "client")
        .get(pk=project.pk)
    )


def require_draft(project: Project) -> None:
    """Plans change only while in draft (``plan_locked`` otherwise: the project lifecycle)."""
    refused = refusal(project.status, ProjectAction.EDIT_PLAN)
    if refused is not None:
        raise refused.error()


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None


def _small_int(value: Any, maximum: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(_("Enter a whole number.")) from None
    if str(value).strip() != str(number) and not isinstance(value, int):
        raise ValueError(_("Enter a whole number."))
    if not 0 <= number <= maximum:
        raise ValueError(_("Between 0 and %(max)s.") % {"max": maximum})
    return number


def clean_milestone(
    data: dict[str, Any], *, currency: str, partial: bool, prefix: str = ""
) -> dict[str, Any]:
    """Check one milestone's fields and report every problem, keyed by field name."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    allowed = set(MILESTONE_FIELDS) | {"deliverables", "position"}
    for key in sorted(set(data) - allowed):
        errors[f"{prefix}{key}"] = [_("Unknown field.")]
    required = () if partial else ("title", "budget", "planned_start", "planned_due")
    for key in required:
        if data.get(key) in (None, ""):
            errors[f"{prefix}{key}"] = [_("This field is required.")]
    for key in MILESTONE_FIELDS:
        if key not in data or f"{prefix}{key}" in errors:
            continue
        value = data[key]
        try:
            if key == "title":
                value = str(value or "").strip()
                if not value:
                    raise ValueError(_("This field is required."))
                if len(value) > 200:
                    raise ValueError(_("At most 200 characters."))
            elif key == "scope":
                value = str(value or "").strip()
            elif key == "budget":
                value = parse_amount(value, currency)
            elif key in ("planned_start", "planned_due"):
                value = parse_date(value)
            elif key == "revision_quota":
                value = _small_int(value, 100)
            elif key == "support_window_days":
                value = _small_int(value, 365)
            elif key == "billing_trigger" and value not in BillingTrigger.values:
                raise ValueError(_("Choose on_approval or on_start."))
        except (ValueError, MoneyError) as exc:
            errors[f"{prefix}{key}"] = [str(exc)]
            continue
        cleaned[key] = value
    if "deliverables" in data:
        try:
            cleaned["deliverables"] = clean_deliverables(data["deliverables"], prefix=prefix)
        except InvalidInput as exc:
            errors.update(exc.details)
    if errors:
        raise InvalidInput(str(FIELDS_INVALID), details=errors)
    return cleaned


def check_dates(start: dt.date, due: dt.date, prefix: str = "") -> None:
    if start > due:
        raise InvalidInput(
            _("The due date is before the start date."),
            details={f"{prefix}planned_due": [_("The due date is before the start date.")]},
        )


def clean_deliverables(items: Any, *, prefix: str = "") -> list[dict[str, Any]]:
    if not isinstance(items, list):
        raise InvalidInput(
            _("Deliverables must be a list."),
            details={f"{prefix}deliverables": [_("Must be a list.")]},
        )
    errors: dict[str, list[str]] = {}
    cleaned = []
    for i, item in enumerate(items):
        where = f"{prefix}deliverables[{i}]."
        if not isinstance(item, dict):
            errors[f"{prefix}deliverables[{i}]"] = [_("Must be an object.")]
            continue
        title = str(item.get("title") or "").strip()
        if not title:
            errors[f"{where}title"] = [_("This field is required.")]
        elif len(title) > 200:
            errors[f"{where}title"] = [_("At most 200 characters.")]
        entry = {
            "title": title,
            "acceptance_criteria": str(item.get("acceptance_criteria") or "").strip(),
        }
        if item.get("id") is not None:
            entry["id"] = item["id"]
        cleaned.append(entry)
    if errors:
        raise InvalidInput(str(FIELDS_INVALID), details=errors)
    return cleaned


def holidays_for(country: str, years: range) -> holidays_lib.HolidayBase | set:
    """Public holidays of the organisation's country (none when the library does not know it)."""
    try:
        return holidays_lib.country_holidays(country, years=list(years))
    except NotImplementedError:
        return set()


def specs(milestones: list[Milestone]) -> list[MilestoneSpec]:
    return [
        MilestoneSpec(m.position, m.title, m.budget, m.planned_start, m.planned_due)
        for m in milestones
    ]


def snapshot(project: Project) -> dict[str, Any]:
    """The whole plan as JSON-ready data, as stored in a plan version."""
    milestones = project.milestones.prefetch_related("deliverables").order_by("position")
    return snapshot_of(project, project.client.name, milestones)


def snapshot_of(
    project: Project,
    client_name: str,
    milestones: Iterable[Milestone],
    deliverables: Callable[[Milestone], Iterable[Any]] = lambda m: m.deliverables.all(),
) -> dict[str, Any]:
    """``snapshot`` of milestones already read (in plan order), with each one's
    ``deliverables``: the bench data writes many plan versions at once with it."""
    return {
        "project": {
            "name": project.name,
            "client": client_name,
            "currency": project.currency,
            "total_budget": str(project.total),
            "start_date": project.start_date.isoformat(),
            "sequential_gating": project.sequential_gating,
            "extra_revision_price": None
            if project.extra_revision_price is None
            else str(normalise(project.extra_revision_price, project.currency)),
        },
        # Ids (since change orders) tell a milestone that changed from one removed and added.
        "milestones": [
            {
                "id": m.pk,
                "position": m.position,
                "title": m.title,
                "scope": m.scope,
                "budget": str(normalise(m.budget, project.currency)),
                "planned_start": m.planned_start.isoformat(),
                "planned_due": m.planned_due.isoformat(),
                "revision_quota": m.revision_quota,
                "support_window_days": m.support_window_days,
                "billing_trigger": m.billing_trigger,
                "deliverables": [
                    {"id": d.pk, "title": d.title, "acceptance_criteria": d.acceptance_criteria}
                    for d in deliverables(m)
                ],
            }
            for m in milestones
        ],
    }


def milestone_data(m: Milestone, currency: str) -> dict[str, Any]:
    """A milestone's editable fields, for before/after in the audit trail."""
    return {
        "title": m.title,
        "scope": m.scope,
        "budget": str(normalise(m.budget, currency)),
        "planned_start": m.planned_start.isoformat(),
        "planned_due": m.planned_due.isoformat(),
        "revision_quota": m.revision_quota,
        "support_window_days": m.support_window_days,
        "billing_trigger": m.billing_trigger,
    }


def milestone_audit_data(m: Milestone, currency: str) -> dict[str, Any]:
    """What an edit compares: the fields, and the deliverables with their criteria, in order."""
    return {
        **milestone_data(m, currency),
        "deliverables": [
            {"title": d.title, "acceptance_criteria": d.acceptance_criteria}
            for d in m.deliverables.order_by("position")
        ],
    }
