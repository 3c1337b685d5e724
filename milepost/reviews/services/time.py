"""Time-driven work: auto-approval, ended support windows, paid prepayments. Safe to run again."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from milepost.core import clock
from milepost.core.errors import RuleViolation
from milepost.plans.lifecycle.milestone import SOURCES, MilestoneAction, project_states_allowing
from milepost.plans.models import Milestone

from .approval import milestone_auto_approve
from .prepayment import milestone_prepayment_received, prepaid_but_waiting
from .support import milestone_close

logger = logging.getLogger(__name__)


@dataclass
class TickReport:
    auto_approved: int = 0
    closed: int = 0
    released: int = 0


def _due_reviews(now: dt.datetime):
    candidates = Milestone.objects.filter(
        status__in=SOURCES[MilestoneAction.AUTO_APPROVE],
        project__status__in=project_states_allowing(MilestoneAction.AUTO_APPROVE),
        project__auto_approve_days__gt=0,
        review_started_at__isnull=False,
    ).select_related("project", "project__organisation")
    # Python filter: the period is a per-project number of days (portable across databases).
    return [m for m in candidates if m.auto_approve_at is not None and m.auto_approve_at <= now]


def run_due_work(now: dt.datetime | None = None) -> TickReport:
    """Auto-approve reviews past their period, close ended support windows, and begin the work
    of milestones whose prepayment is paid but that still wait (a payment that did not release).

    Projects on hold and cancelled ones are left alone (``PROJECT_HOLDS`` in
    ``plans.lifecycle.milestone``). Each milestone is its own transaction with a conditional
    update, so running this twice, or in two processes at once, never approves, closes or
    releases anything twice.
    """
    now = now or clock.now()
    report = TickReport()
    for milestone in prepaid_but_waiting():
        try:
            milestone_prepayment_received(milestone=milestone)
            report.released += 1
            logger.warning(
                "Milestone %s still waited for its paid prepayment: released.", milestone.pk
            )
        except RuleViolation as exc:
            logger.info("Skipped releasing milestone %s: %s", milestone.pk, exc.code)
    for milestone in _due_reviews(now):
        try:
            milestone_auto_approve(milestone=milestone)
            report.auto_approved += 1
        except RuleViolation as exc:
            logger.info("Skipped auto-approval of milestone %s: %s", milestone.pk, exc.code)
    ended = Milestone.objects.filter(
        status__in=SOURCES[MilestoneAction.CLOSE],
        project__status__in=project_states_allowing(MilestoneAction.CLOSE),
        support_ends_at__lte=now,
    ).select_related("project", "project__organisation")
    for milestone in ended:
        try:
            milestone_close(milestone=milestone)
            report.closed += 1
        except RuleViolation as exc:
            logger.info("Skipped closing milestone %s: %s", milestone.pk, exc.code)
    return report
