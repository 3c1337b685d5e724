"""Plan templates: the built-in ones and each organisation's own."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from milepost.accounts import permissions
from milepost.accounts.models import Organisation, User
from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.core import clock
from milepost.core.errors import FIELDS_INVALID, InvalidInput, NotAllowed, NotFound

from ..builtin_templates import BUILTIN_TEMPLATES
from ..lifecycle.project import ProjectAction
from ..models import PlanTemplate, Project
from ..permissions import require
from ..rules import is_working_day
from .common import clean_deliverables, holidays_for


def template_definition(organisation: Organisation, slug: str) -> dict[str, Any] | None:
    """The organisation's template with this slug, else the built-in one, else None."""
    own = PlanTemplate.objects.filter(organisation=organisation, slug=slug).first()
    if own is not None:
        return {
            "slug": own.slug,
            "name": own.name,
            "description": own.description,
            "milestones": own.milestones,
        }
    return BUILTIN_TEMPLATES.get(slug)


def _working_days(project: Project, start, due) -> int:
    hols = holidays_for(project.organisation.country, range(start.year, due.year + 1))
    days, day = 0, start
    while day <= due:
        days += is_working_day(day, hols)
        day = day.fromordinal(day.toordinal() + 1)
    return max(days, 1)


def clean_template_milestones(items: Any) -> list[dict[str, Any]]:
    """Check a template's milestones: title, a positive share, a duration in working days."""
    if not isinstance(items, list) or not items:
        raise InvalidInput(
            _("A template needs at least one milestone."),
            details={"milestones": [_("Add at least one milestone.")]},
        )
    errors: dict[str, list[str]] = {}
    cleaned = []
    for i, item in enumerate(items):
        where = f"milestones[{i}]."
        item = item if isinstance(item, dict) else {}
        title = str(item.get("title") or "").strip()
        if not title:
            errors[f"{where}title"] = [_("This field is required.")]
        try:
            share = Decimal(str(item.get("share")))
            if not share > 0:
                raise ValueError
        except Exception:
            errors[f"{where}share"] = [_("A share of the total greater than zero.")]
            share = Decimal(0)
        duration = item.get("duration_days")
        if isinstance(duration, bool) or not isinstance(duration, int) or not 1 <= duration <= 999:
            errors[f"{where}duration_days"] = [_("Working days, from 1 to 999.")]
        try:
            deliverables = clean_deliverables(item.get("deliverables", []), prefix=where)
        except InvalidInput as exc:
            errors.update(exc.details)
            deliverables = []
        cleaned.append(
            {
                "title": title,
                "scope": str(item.get("scope") or ""),
                "share": str(share),
                "duration_days": duration,
                "revision_quota": int(item.get("revision_quota", 2) or 0),
                "support_window_days": int(item.get("support_window_days", 14) or 0),
                "billing_trigger": item.get("billing_trigger", "on_approval"),
                "deliverables": [
                    {k: d[k] for k in ("title", "acceptance_criteria")} for d in deliverables
                ],
            }
        )
    if errors:
        raise InvalidInput(str(FIELDS_INVALID), details=errors)
    return cleaned


@transaction.atomic
def template_save_from_project(
    *, project: Project, name: str, actor: User, description: str = ""
) -> PlanTemplate:
    """Save a project's plan as one of the organisation's templates (shares and durations)."""
    require(actor, ProjectAction.SAVE_TEMPLATE, project)
    label = (name or "").strip()
    if not label:
        raise InvalidInput(
            _("Name the template."), details={"name": [_("This field is required.")]}
        )
    milestones = list(project.milestones.prefetch_related("deliverables").order_by("position"))
    if not milestones:
        raise InvalidInput(
            _("The plan has no milestones to save."),
            details={"milestones": [_("Add at least one milestone.")]},
        )
    total = sum((m.budget for m in milestones), Decimal(0))
    items = [
        {
            "title": m.title,
            "scope": m.scope,
            "share": str((m.budget * 100 / total).quantize(Decimal("0.0001"))),
            "duration_days": _working_days(project, m.planned_start, m.planned_due),
            "revision_quota": m.revision_quota,
            "support_window_days": m.support_window_days,
            "billing_trigger": m.billing_trigger,
            "deliverables": [
                {"title": d.title, "acceptance_criteria": d.acceptance_criteria}
                for d in m.deliverables.all()
            ],
        }
        for m in milestones
    ]
    base = slugify(label)[:50] or "template"
    slug, n = base, 2
    taken = set(
        PlanTemplate.objects.filter(organisation_id=project.organisation_id).values_list(
            "slug", flat=True
        )
    ) | set(BUILTIN_TEMPLATES)
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    template = PlanTemplate.objects.create(
        organisation_id=project.organisation_id,
        slug=slug,
        name=label[:200],
        description=description.strip(),
        milestones=items,
    )
    audit_record(
        organisation=project.organisation,
        actor=actor,
        action=AuditAction.TEMPLATE_SAVED,
        target=template,
        data={"after": {"name": template.name, "slug": slug, "from_project": project.pk}},
    )
    return template


def _require_template(actor: User, template: PlanTemplate) -> None:
    if not permissions.can_view_organisation(actor, template.organisation_id):
        raise NotFound(_("Template not found."))
    if not permissions.can_manage_templates(actor, template.organisation_id):
        raise NotAllowed(_("Only owners and managers can edit templates."))


@transaction.atomic
def template_update(*, template: PlanTemplate, actor: User, **fields: Any) -> PlanTemplate:
    """Change an organisation template's name, description or milestones."""
    _require_template(actor, template)
    unknown = set(fields) - {"name", "description", "milestones"}
    if unknown:
        raise InvalidInput(
            str(FIELDS_INVALID),
            details={k: [_("Unknown field.")] for k in sorted(unknown)},
        )
    before = {
        "name": template.name,
        "description": template.description,
        "milestones": len(template.milestones),
    }
    if "name" in fields:
        name = str(fields["name"] or "").strip()
        if not name:
            raise InvalidInput(
                _("Name the template."), details={"name": [_("This field is required.")]}
            )
        template.name = name[:200]
    if "description" in fields:
        template.description = str(fields["description"] or "").strip()
    if "milestones" in fields:
        template.milestones = clean_template_milestones(fields["milestones"])
    template.updated_at = clock.now()
    template.save()
    audit_record(
        organisation=template.organisation,
        actor=actor,
        action=AuditAction.TEMPLATE_UPDATED,
        target=template,
        data={
            "before": before,
            "after": {
                "name": template.name,
                "description": template.description,
                "milestones": len(template.milestones),
            },
        },
    )
    return template


@transaction.atomic
def template_delete(*, template: PlanTemplate, actor: User) -> None:
    """Delete an organisation template; projects made from it are unaffected."""
    _require_template(actor, template)
    audit_record(
        organisation=template.organisation,
        actor=actor,
        action=AuditAction.TEMPLATE_DELETED,
        target=template,
        data={"before": {"name": template.name, "slug": template.slug}},
    )
    template.delete()
