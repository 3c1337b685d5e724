"""Creating projects (blank, from a template, or from a list of milestones) and changing them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from milepost.accounts import permissions
from milepost.accounts.models import Client, Organisation, User
from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record, diff
from milepost.core.errors import FIELDS_INVALID, InvalidInput, NotAllowed, NotFound
from milepost.core.locale import is_currency
from milepost.core.money import MoneyError, parse_amount, split

from ..lifecycle.project import ProjectAction
from ..models import Deliverable, Milestone, Project
from ..permissions import require
from ..rules import schedule
from .common import (
    check_dates,
    clean_milestone,
    holidays_for,
    lock_project,
    parse_date,
    require_draft,
)
from .templates import template_definition

PROJECT_FIELDS = (
    "name",
    "summary",
    "currency",
    "total_budget",
    "start_date",
    "sequential_gating",
    "pay_before_next",
    "auto_approve_days",
    "default_revision_quota",
    "default_support_window_days",
    "payment_terms_days",
    "extra_revision_price",
)
#: Fields that shape the plan: frozen once the plan is proposed (after acceptance, the price of
#: an extra revision changes by a change order).
PLAN_FIELDS = {
    "currency",
    "total_budget",
    "start_date",
    "sequential_gating",
    "extra_revision_price",
}


def _clean_project(
    data: dict[str, Any], *, partial: bool, currency: str | None = None
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for key in ("name", "currency", "total_budget", "start_date"):
        if not partial and data.get(key) in (None, ""):
            errors[key] = [_("This field is required.")]
    if "name" in data and "name" not in errors:
        name = str(data["name"] or "").strip()
        if not name:
            errors["name"] = [_("This field is required.")]
        elif len(name) > 200:
            errors["name"] = [_("At most 200 characters.")]
        cleaned["name"] = name
    if "summary" in data:
        cleaned["summary"] = str(data["summary"] or "").strip()
    if "currency" in data and "currency" not in errors:
        code = str(data["currency"] or "").strip().upper()
        if not is_currency(code):
            errors["currency"] = [_("Unknown currency: use an ISO 4217 code such as EUR.")]
        cleaned["currency"] = code
    currency = cleaned.get("currency", currency)
    if "total_budget" in data and "total_budget" not in errors and "currency" not in errors:
        try:
            cleaned["total_budget"] = parse_amount(data["total_budget"], currency or "EUR")
        except MoneyError as exc:
            errors["total_budget"] = [str(exc)]
    if "start_date" in data and "start_date" not in errors:
        try:
            cleaned["start_date"] = parse_date(data["start_date"])
        except ValueError as exc:
            errors["start_date"] = [str(exc)]
    if "extra_revision_price" in data and "currency" not in errors:
        raw = data["extra_revision_price"]
        if raw in (None, ""):
            cleaned["extra_revision_price"] = None
        else:
            try:
                cleaned["extra_revision_price"] = parse_amount(raw, currency or "EUR")
            except MoneyError as exc:
                errors["extra_revision_price"] = [str(exc)]
    for key in ("sequential_gating", "pay_before_next"):
        if key in data:
            if not isinstance(data[key], bool):
                errors[key] = [_("Must be true or false.")]
            cleaned[key] = data[key]
    limits = {
        "auto_approve_days": 365,
        "default_revision_quota": 100,
        "default_support_window_days": 365,
        "payment_terms_days": 365,
    }
    for key, maximum in limits.items():
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
                errors[key] = [_("A whole number from 0 to %(max)s.") % {"max": maximum}]
            cleaned[key] = value
    if errors:
        raise InvalidInput(str(FIELDS_INVALID), details=errors)
    return cleaned


def _template_milestones(
    organisation: Organisation,
    slug: str,
    total,
    currency: str,
    start: dt.date,
    defaults: dict[str, int],
) -> list[dict[str, Any]]:
    definition = template_definition(organisation, slug)
    if definition is None:
        raise InvalidInput(
            _("There is no template “%(slug)s”.") % {"slug": slug},
            details={"template": [_("Unknown template.")]},
        )
    items = definition["milestones"]
    budgets = split(total, [item["share"] for item in items], currency, at_least_one_unit=True)
    if any(budget <= 0 for budget in budgets):  # fewer minor units than milestones
        message = _("The total is too small to share among %(n)s milestones.") % {"n": len(items)}
        raise InvalidInput(message, details={"total_budget": [message]})
    years = range(start.year, start.year + 3)
    spans = schedule(
        start, [item["duration_days"] for item in items], holidays_for(organisation.country, years)
    )
    return [
        {
            "title": item["title"],
            "scope": item.get("scope", ""),
            "budget": budget,
            "planned_start": first,
            "planned_due": last,
            "revision_quota": item.get("revision_quota", defaults["revision_quota"]),
            "support_window_days": item.get("support_window_days", defaults["support_window_days"]),
            "billing_trigger": item.get("billing_trigger", "on_approval"),
            "deliverables": item.get("deliverables", []),
        }
        for item, budget, (first, last) in zip(items, budgets, spans, strict=True)
    ]


def _create_milestones(project: Project, items: list[dict[str, Any]]) -> None:
    for position, item in enumerate(items, start=1):
        deliverables = item.pop("deliverables", [])
        milestone = Milestone.objects.create(project=project, position=position, **item)
        Deliverable.objects.bulk_create(
            Deliverable(
                milestone=milestone,
                position=i,
                title=d["title"],
                acceptance_criteria=d.get("acceptance_criteria", ""),
            )
            for i, d in enumerate(deliverables, start=1)
        )


@transaction.atomic
def project_create(
    *,
    organisation: Organisation,
    client: Client | None,
    actor: User,
    template: str | None = None,
    milestones: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Project:
    """Create a draft project, blank, from a template slug, or from a list of milestones."""
    if not permissions.can_view_organisation(actor, organisation):
        raise NotFound(_("Not found."))
    if not permissions.can_create_project(actor, organisation):
        raise NotAllowed(_("Only owners and managers can create projects."))
    errors: dict[str, list[str]] = {}
    if client is None or client.organisation_id != organisation.pk:
        errors["client"] = [_("Choose one of your clients.")]
    if template and milestones:
        errors["template"] = [_("Give a template or a list of milestones, not both.")]
    elif template and template_definition(organisation, template) is None:
        errors["template"] = [_("There is no template “%(slug)s”.") % {"slug": template}]
    try:
        cleaned = _clean_project(fields, partial=False)
    except InvalidInput as exc:
        errors.update(exc.details)
        # Keep a valid currency, so the milestones' problems are reported in the same answer.
        code = str(fields.get("currency") or "").strip().upper()
        cleaned = {} if "currency" in exc.details or not is_currency(code) else {"currency": code}
    defaults = {
        "revision_quota": organisation.default_revision_quota,
        "support_window_days": organisation.default_support_window_days,
    }
    items: list[dict[str, Any]] = []
    if not errors and template:
        items = _template_milestones(
            organisation,
            template,
            cleaned["total_budget"],
            cleaned["currency"],
            cleaned["start_date"],
            defaults,
        )
    elif milestones is not None and "currency" in cleaned:
        if not isinstance(milestones, list):
            errors["milestones"] = [_("Must be a list.")]
        else:
            for i, raw in enumerate(milestones):
                prefix = f"milestones[{i}]."
                try:
                    item = clean_milestone(
                        raw if isinstance(raw, dict) else {},
                        currency=cleaned["currency"],
                        partial=False,
                        prefix=prefix,
                    )
                    check_dates(item["planned_start"], item["planned_due"], prefix)
                except InvalidInput as exc:
                    errors.update(exc.details)
                    continue
                item.setdefault("revision_quota", defaults["revision_quota"])
                item.setdefault("support_window_days", defaults["support_window_days"])
                items.append(item)
    if errors:
        raise InvalidInput(str(FIELDS_INVALID), details=errors)

    # The organisation's settings, unless the project's own were given.
    settings = {
        "sequential_gating": organisation.sequential_gating,
        "pay_before_next": organisation.pay_before_next,
        "auto_approve_days": organisation.auto_approve_days,
        "default_revision_quota": organisation.default_revision_quota,
        "default_support_window_days": organisation.default_support_window_days,
        "payment_terms_days": organisation.payment_terms_days,
        "tax_rate": organisation.tax_rate,
    }
    project = Project.objects.create(
        organisation=organisation, client=client, created_by=actor, **{**settings, **cleaned}
    )
    _create_milestones(project, items)
    audit_record(
        organisation=organisation,
        actor=actor,
        action=AuditAction.PROJECT_CREATED,
        target=project,
        project=project,
        data={
            "after": {
                "name": project.name,
                "client": client.name,
                "currency": project.currency,
                "total_budget": str(project.total),
                "start_date": project.start_date,
                "template": template or "",
                "milestones": len(items),
            }
        },
    )
    return project


@transaction.atomic
def project_update(*, project: Project, actor: User, **fields: Any) -> Project:
    """Change a project's details; plan-shaping fields only while the plan is a draft."""
    require(actor, ProjectAction.UPDATE, project)
    project = lock_project(project)
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise InvalidInput(
            str(FIELDS_INVALID),
            details={k: [_("Unknown field.")] for k in sorted(unknown)},
        )
    if PLAN_FIELDS & set(fields):
        require_draft(project)
    cleaned = _clean_project(fields, partial=True, currency=project.currency)
    if "currency" in cleaned and "total_budget" not in cleaned:
        try:
            parse_amount(project.total_budget.normalize(), cleaned["currency"])
        except MoneyError as exc:
            raise InvalidInput(str(exc), details={"total_budget": [str(exc)]}) from None
    before = {k: getattr(project, k) for k in cleaned}
    for key, value in cleaned.items():
        setattr(project, key, value)
    changes = diff(before, cleaned)
    if changes["after"]:
        project.save(update_fields=list(changes["after"]))
        audit_record(
            organisation=project.organisation,
            actor=actor,
            action=AuditAction.PROJECT_UPDATED,
            target=project,
            project=project,
            data={"currency": project.currency, **changes},
        )
    return project
