"""Reads about plan templates: the built-in ones and the organisations' own."""

from __future__ import annotations

from typing import Any

from milepost.accounts.permissions import roles_of
from milepost.core.errors import NotFound
from milepost.core.lookup import pk_of

from ..builtin_templates import BUILTIN_TEMPLATES
from ..models import PlanTemplate


def templates_for(
    user: Any, organisation_id: int | None = None, *, search: str | None = None
) -> list[dict[str, Any]]:
    """Built-in templates, then the organisation's own ones (``search``: a piece of the name)."""
    org_ids = list(roles_of(user))
    if organisation_id is not None:
        org_ids = [organisation_id] if organisation_id in org_ids else []
    own = PlanTemplate.objects.filter(organisation_id__in=org_ids).order_by("name", "id")
    result = [
        {
            "slug": t["slug"],
            "name": t["name"],
            "description": t["description"],
            "builtin": True,
            "id": None,
            "organisation": None,
            "milestones": t["milestones"],
        }
        for t in BUILTIN_TEMPLATES.values()
    ]
    result += [
        {
            "slug": t.slug,
            "name": t.name,
            "description": t.description,
            "builtin": False,
            "id": t.pk,
            "organisation": t.organisation_id,
            "milestones": t.milestones,
        }
        for t in own
    ]
    if search:
        needle = search.casefold()
        result = [t for t in result if needle in str(t["name"]).casefold()]
    return result


def template_get(user: Any, template_id: Any) -> PlanTemplate:
    template = PlanTemplate.objects.filter(
        pk=pk_of(template_id), organisation_id__in=list(roles_of(user))
    ).first()
    if template is None:
        raise NotFound("Template not found.")
    return template
