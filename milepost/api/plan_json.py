"""Projects and milestones as the API renders them, built by hand for speed: each function gives
what its serializer in ``plan_serializers`` declares, field by field."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from milepost.core.money import normalise
from milepost.plans.models import Project

from .common import datetime_json


def _money(amount, currency: str) -> str | None:
    return None if amount is None else str(normalise(amount, currency))


def _date(value) -> str | None:
    return None if value is None else value.isoformat()


def approved_by(m: Any) -> str | None:
    """Who approved the milestone: their email, ``"system"`` when automatic, None when not yet.

    ``m`` is a model instance or a light row carrying ``approved_by_email`` (the selectors
    annotate it, so no user is loaded per milestone)."""
    if m.approved_at is None:
        return None
    if m.approved_by_id is None:
        return "system"
    email = getattr(m, "approved_by_email", None)
    return email if email is not None else m.approved_by.email


def project_json(p: Project, milestones: Iterable[Any]) -> dict:
    """A project as ProjectSerializer renders it, with ``milestones``: model instances, or the
    light rows of ``plans.selectors.plans_of`` (same attributes, ``deliverables`` a list)."""
    currency = p.currency
    plan = [milestone_json(m, currency) for m in milestones]
    # A contact's copy of a plan being revised with no milestone known shows no allocation.
    withheld = getattr(p, "plan_withheld", False)
    allocated = None if withheld else sum((m.budget for m in milestones), start=0)
    return {
        "id": p.pk,
        "name": p.name,
        "summary": p.summary,
        "client": p.client_id,
        "organisation": p.organisation_id,
        "currency": currency,
        "total_budget": _money(p.total_budget, currency),
        "allocated_budget": _money(allocated, currency),
        "status": p.status,
        "being_revised": p.being_revised,
        "start_date": _date(p.start_date),
        "plan_version": p.plan_version,
        "sequential_gating": p.sequential_gating,
        "pay_before_next": p.pay_before_next,
        "auto_approve_days": p.auto_approve_days,
        "default_revision_quota": p.default_revision_quota,
        "default_support_window_days": p.default_support_window_days,
        "payment_terms_days": p.payment_terms_days,
        "extra_revision_price": _money(p.extra_revision_price, currency),
        "on_hold_since": datetime_json(p.on_hold_since),
        "hold_reason": p.hold_reason,
        "cancelled_at": datetime_json(p.cancelled_at),
        "cancel_reason": p.cancel_reason,
        "updated_at": datetime_json(p.updated_at),
        "milestones": plan,
    }


def milestone_json(m: Any, currency: str) -> dict:
    """A milestone as MilestoneSerializer renders it (``currency``: its project's)."""
    deliverables = m.deliverables if isinstance(m.deliverables, list) else m.deliverables.all()
    return {
        "id": m.id,
        "project": m.project_id,
        "position": m.position,
        "title": m.title,
        "scope": m.scope,
        "budget": _money(m.budget, currency),
        "planned_start": _date(m.planned_start),
        "planned_due": _date(m.planned_due),
        "revision_quota": m.revision_quota,
        "revisions_used": m.revisions_used,
        "support_window_days": m.support_window_days,
        "billing_trigger": m.billing_trigger,
        "status": m.status,
        "revisions_left": m.revisions_left,
        "review_started_at": datetime_json(m.review_started_at),
        "auto_approve_at": datetime_json(m.auto_approve_at),
        "approved_at": datetime_json(m.approved_at),
        "approved_by": approved_by(m),
        "support_window_ends": datetime_json(m.support_ends_at),
        "deliverables": [
            {"id": d.id, "title": d.title, "acceptance_criteria": d.acceptance_criteria}
            for d in deliverables
        ],
        "updated_at": datetime_json(m.updated_at),
    }
