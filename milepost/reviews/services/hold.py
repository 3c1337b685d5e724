"""A project resumed after a hold: its review clocks move by the time it spent on hold.

``plans.services.project_resume`` moves the project; the review cycle's deadlines are this
app's: a review's auto-approval waits as long again (``Milestone.review_paused``), and a support
window still open when the hold began ends that much later (``Milestone.support_ends_at``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from milepost.accounts.models import User
from milepost.core import clock
from milepost.plans.lifecycle.milestone import (
    REVIEWING,
    SOURCES,
    MilestoneAction,
    auto_approve_deadline,
)
from milepost.plans.models import Milestone, Project
from milepost.plans.services import project_resume


@transaction.atomic
def project_resume_and_shift_clocks(*, project: Project, actor: User) -> Project:
    """Resume a project on hold and move its review and support deadlines by the hold."""
    since, held = project_resume(project=project, actor=actor)
    if held > dt.timedelta(0) and since is not None:
        milestones = Milestone.objects.filter(project=project)
        milestones.filter(status__in=REVIEWING, review_started_at__isnull=False).update(
            review_paused=F("review_paused") + held
        )
        milestones.filter(
            status__in=SOURCES[MilestoneAction.SUPPORT_REQUEST], support_ends_at__gt=since
        ).update(support_ends_at=F("support_ends_at") + held)
    project.refresh_from_db()
    return project


@dataclass(frozen=True)
class Moved:
    """A deadline a resume moves: the milestone, which one (``auto_approval`` or ``support``),
    when it falls once resumed now."""

    milestone: Milestone
    kind: str
    until: dt.datetime


def deadlines_moved_by_resume(project: Project, now: dt.datetime | None = None) -> list[Moved]:
    """What resuming ``project`` now would move, for the page that asks first (none unless on
    hold)."""
    since = project.on_hold_since
    if since is None:
        return []
    held = max((now or clock.now()) - since, dt.timedelta(0))
    moved = []
    milestones = Milestone.objects.filter(project=project).order_by("position")
    for m in milestones.filter(status__in=REVIEWING, review_started_at__isnull=False):
        if project.auto_approve_days:
            # What the deadline will be with the project active again (on hold it is None).
            until = auto_approve_deadline(
                m.status, m.review_started_at, project.auto_approve_days, m.review_paused + held
            )
            moved.append(Moved(m, "auto_approval", until))
    for m in milestones.filter(
        status__in=SOURCES[MilestoneAction.SUPPORT_REQUEST], support_ends_at__gt=since
    ):
        moved.append(Moved(m, "support", m.support_ends_at + held))
    return moved
