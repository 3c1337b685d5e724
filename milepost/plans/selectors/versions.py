"""Reads about plan versions: the history of a project, one version as it stood, and what changed
between two of them. A fixed number of queries, however many versions a project has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from milepost.core.errors import NotFound

from ..changes import PlanDiff
from ..models import PlanVersion, Project
from ..versions import compare
from .projects import project_row


@dataclass(frozen=True)
class VersionDiff:
    """Version ``version`` compared with ``against`` (the earlier or later one named)."""

    version: PlanVersion
    against: PlanVersion
    diff: PlanDiff


def _missing(number: Any, field: str = "version") -> NotFound:
    """404 naming the version that does not exist, and the parameter that asked for it."""
    return NotFound(
        _("This project has no plan version %(n)s.") % {"n": number},
        details={field: [_("There is no version %(n)s.") % {"n": number}]},
    )


def plan_version_history(user: Any, project_id: Any) -> tuple[Project, list[PlanVersion]]:
    """The visible project and its versions, newest first, without their snapshots."""
    project = project_row(user, project_id)
    versions = list(
        PlanVersion.objects.filter(project=project)
        .select_related("accepted_by")
        .defer("snapshot")
        .order_by("-version")
    )
    for version in versions:
        version.project = project
    return project, versions


#: Version numbers are stored as 64-bit integers: a larger one names no version.
LARGEST = 2**63 - 1


def _versions(project: Project, numbers: set[int]) -> dict[int, PlanVersion]:
    wanted = sorted(n for n in numbers if 1 <= n <= LARGEST)
    rows = PlanVersion.objects.filter(project=project, version__in=wanted)
    found = {v.version: v for v in rows.select_related("accepted_by")}
    for version in found.values():
        version.project = project
    return found


def _number(value: Any) -> int:
    """A version number from the URL (anything else: that version does not exist)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _missing(value) from None


def plan_version_get(user: Any, project_id: Any, number: Any) -> PlanVersion:
    """Version ``number`` of a project the user sees, with ``accepted_by`` and its project, or
    NotFound (an invisible project, or no such version)."""
    project = project_row(user, project_id)
    number = _number(number)
    version = _versions(project, {number}).get(number)
    if version is None:
        raise _missing(number)
    return version


def _pair(
    project: Project, number: Any, against: int | None
) -> tuple[PlanVersion, PlanVersion | None]:
    """Version ``number`` and the one to compare it with (``against``, by default the one
    before: None for the baseline), in one query; NotFound names a version that is not there."""
    number = _number(number)
    chosen = against if against is not None else number - 1
    found = _versions(project, {number, chosen})
    if number not in found:
        raise _missing(number)
    if chosen not in found:
        if against is None and number == 1:
            return found[number], None
        raise _missing(chosen, "against")
    return found[number], found[chosen]


def _compared(version: PlanVersion, other: PlanVersion) -> VersionDiff:
    return VersionDiff(version, other, compare(other.snapshot, version.snapshot))


def plan_version_diff(
    user: Any, project_id: Any, number: Any, against: int | None = None
) -> VersionDiff:
    """What changed from version ``against`` (default: the one before) to version ``number``;
    ``against`` may be later (the changes back) or the same (nothing changed). NotFound names
    the version that does not exist."""
    version, other = _pair(project_row(user, project_id), number, against)
    if other is None:
        raise NotFound(
            _("Version 1 is the baseline: no version comes before it."),
            details={"against": [_("Name a version to compare with.")]},
        )
    return _compared(version, other)


@dataclass(frozen=True)
class VersionReading:
    """A version's page: the version, what changed against another (None for the baseline read
    on its own), and every version number of the project, oldest first."""

    version: PlanVersion
    compared: VersionDiff | None
    numbers: list[int]


def plan_version_read(
    user: Any, project_id: Any, number: Any, against: int | None = None
) -> VersionReading:
    """Version ``number`` with what changed since ``against`` (default: the version before; the
    baseline has none), and the numbers to compare it with: three queries, however many
    versions there are."""
    project = project_row(user, project_id)
    version, other = _pair(project, number, against)
    numbers = list(
        PlanVersion.objects.filter(project=project)
        .order_by("version")
        .values_list("version", flat=True)
    )
    return VersionReading(version, None if other is None else _compared(version, other), numbers)
