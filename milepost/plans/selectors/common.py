"""What every read about plans shares: the one visibility filter, ids, the reader's organisation."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from milepost.accounts.permissions import organisations_of, roles_of

from ..models import Project
from ..permissions import project_roles_of


def visible_to(user: Any, *, organisation: str = "organisation_id", project: str = "pk") -> Q:
    """The rows whose project ``user`` may see: their agency's, or shared with them as a client
    contact (``project_roles_of``). The one visibility filter: ``organisation`` and ``project``
    name the fields of another model's rows (an invoice's ``project_id``, a milestone's
    ``project__organisation_id``)."""
    return Q(**{f"{organisation}__in": list(roles_of(user))}) | Q(
        **{f"{project}__in": list(project_roles_of(user))}
    )


def reuse_organisation(user: Any, project: Project) -> None:
    """Members' organisations were loaded with their roles: hand the project the same object."""
    organisation = organisations_of(user).get(project.organisation_id)
    if organisation is not None:
        project.organisation = organisation
