"""A project's timeline: for each milestone its baseline (plan v1), its current plan, what
happened (started, each delivery and change request, approval), its forecast and the working
days each side held it, read in four queries however long the project ran (and four for a
batch of projects, ``project_timelines``). The rules are
``forecast.rules``; this module gathers their facts."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from milepost.audit.models import AuditEvent
from milepost.core import clock
from milepost.plans.changes import working_days_between
from milepost.plans.models import ChangeOrder, Milestone, MilestoneStatus, PlanVersion, Project
from milepost.plans.services.common import holidays_for

from . import rules
from .rules import Change, Forecast, Hands, Wait

#: The milestone events that move it from one state to the next, and the state each leaves it
#: in when its data does not say (``after.status``).
MOVES = {
    "milestone.started": "in_progress",
    "milestone.prepaid": "in_progress",
    "milestone.prepayment_reversed": "awaiting_prepayment",
    "milestone.delivered": "in_review",
    "milestone.changes_requested": "changes_requested",
    "milestone.approved": "approved",
    "milestone.closed": "closed",
}
#: The events shown as marks on a milestone's bar.
MARKS = {"milestone.delivered": "delivered", "milestone.changes_requested": "changes_requested"}
#: A change order waits for the client from its proposal to the first of these.
CO_ANSWERS = {"change_order.accepted", "change_order.declined", "change_order.withdrawn"}
#: The plan waits for the client from its proposal to the first of these.
PLAN_ANSWERS = {"plan.accepted", "plan.declined", "plan.withdrawn"}


@dataclass(frozen=True)
class Mark:
    """Something that happened to a milestone on ``day``: a delivery (``number`` v1, v2…) or a
    request for changes."""

    day: dt.date
    kind: str
    number: int | None = None


@dataclass
class Row:
    """One milestone on the timeline."""

    milestone: Milestone
    baseline_start: dt.date | None
    baseline_due: dt.date | None
    started: dt.date | None
    approved: dt.date | None
    forecast: Forecast
    hands: Hands
    marks: list[Mark] = field(default_factory=list)

    @property
    def delivered(self) -> dt.date | None:
        """The day of the first delivery, if any."""
        return next((m.day for m in self.marks if m.kind == "delivered"), None)


@dataclass
class Timeline:
    project: Project
    today: dt.date
    rows: list[Row]
    #: The project's slippage in working days (its last milestone's): against plan v1 (None
    #: when that milestone was added by a change order) and against the plan now.
    slip_baseline: int | None
    slip_plan: int
    #: The working days in each side's hands, every milestone together, and the plan's own
    #: wait for the client's answer before it was accepted (in ``hands.client``).
    hands: Hands
    plan_wait: int
    holidays: Container[dt.date]

    @property
    def first_day(self) -> dt.date:
        days = [self.today, self.project.start_date]
        for row in self.rows:
            days += [row.milestone.planned_start, row.forecast.start]
            days += [d for d in (row.baseline_start, row.started) if d]
        return min(days)

    @property
    def last_day(self) -> dt.date:
        days = [self.today]
        for row in self.rows:
            days += [row.milestone.planned_due, row.forecast.end]
            days += [d for d in (row.baseline_due, row.approved) if d]
        return max(days)

    @property
    def forecast_end(self) -> dt.date | None:
        return self.rows[-1].forecast.end if self.rows else None


def local_day(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment is not None else None


def stage_of(milestone: Milestone, baseline: dict[int, tuple[dt.date, dt.date]]) -> rules.Stage:
    """The milestone as the forecast reads it (its project loaded), with its plan v1 dates."""
    baseline_start, baseline_due = baseline.get(milestone.pk, (None, None))
    return rules.Stage(
        id=milestone.pk,
        status=milestone.status,
        planned_start=milestone.planned_start,
        planned_due=milestone.planned_due,
        baseline_start=baseline_start,
        baseline_due=baseline_due,
        # Waiting for its prepayment, the work has not begun (it begins when that is paid).
        started=None
        if milestone.status == MilestoneStatus.AWAITING_PREPAYMENT
        else local_day(milestone.started_at),
        approved=local_day(milestone.approved_at),
        auto_approves=local_day(milestone.auto_approve_at),
    )


def forecasts_of(
    project: Project, milestones: Iterable[Milestone], *, today: dt.date
) -> dict[int, Forecast]:
    """Each milestone's forecast dates by id, without a query: the plan, its recorded
    moments and the working-day calendar (no baseline, so no slippage against it). For the
    calendar feed, which reads many projects at once."""
    milestones = sorted(milestones, key=lambda m: m.position)
    if not milestones:
        return {}
    holidays = _holidays(project, milestones, {}, today)
    stages = [stage_of(m, {}) for m in milestones]
    found = rules.forecast(stages, today=today, gating=project.sequential_gating, holidays=holidays)
    return {f.id: f for f in found}


def project_timeline(
    project: Project,
    *,
    today: dt.date | None = None,
    milestones: Iterable[Milestone] | None = None,
) -> Timeline:
    """The timeline of ``project`` (with its organisation loaded) as of ``today``. Pass the
    project's ``milestones`` when the caller has them loaded (the project page): one query
    fewer."""
    return project_timelines([project], today=today, milestones=milestones)[0]


def project_timelines(
    projects: Sequence[Project],
    *,
    today: dt.date | None = None,
    milestones: Iterable[Milestone] | None = None,
) -> list[Timeline]:
    """The timelines of ``projects`` (each with its organisation loaded), in their order: the
    same four queries for one project or a thousand (``forecast.services.refresh_many``)."""
    today = today or clock.today()
    ids = [p.pk for p in projects]
    loaded = milestones
    milestones: dict[int, list[Milestone]] = defaultdict(list)
    if loaded is None:
        loaded = Milestone.objects.filter(project_id__in=ids).order_by("project_id", "position")
    for m in sorted(loaded, key=lambda m: (m.project_id, m.position)):
        milestones[m.project_id].append(m)
    baselines = _baselines(ids)
    events: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for event in (
        AuditEvent.objects.filter(project_id__in=ids, action__in=_ACTIONS)
        .order_by("created_at", "chain", "sequence")
        .values("project_id", "action", "target_type", "target_id", "created_at", "data")
    ):
        events[event["project_id"]].append(event)
    touched = _touched_by_change_orders(ids)
    return [
        _timeline(
            project,
            milestones[project.pk],
            baselines.get(project.pk, {}),
            events[project.pk],
            touched,
            today,
        )
        for project in projects
    ]


def _timeline(
    project: Project,
    milestones: list[Milestone],
    baseline: dict[int, tuple[dt.date, dt.date]],
    events: list[dict[str, Any]],
    touched: dict[str, list[int]],
    today: dt.date,
) -> Timeline:
    for m in milestones:
        m.project = project
    holidays = _holidays(project, milestones, baseline, today)
    changes, marks, waits, plan_waits = _read(events, touched)
    stages = [stage_of(m, baseline) for m in milestones]
    forecasts = rules.forecast(
        stages, today=today, gating=project.sequential_gating, holidays=holidays
    )
    rows = []
    for m, stage, found in zip(milestones, stages, forecasts, strict=True):
        held = rules.hands(changes[m.pk], waits[m.pk], today=today, holidays=holidays)
        rows.append(
            Row(
                milestone=m,
                baseline_start=stage.baseline_start,
                baseline_due=stage.baseline_due,
                started=stage.started,
                approved=stage.approved,
                forecast=found,
                hands=held,
                marks=marks[m.pk],
            )
        )
    plan_wait = sum(
        max(working_days_between(start, end or today, holidays), 0) for start, end in plan_waits
    )
    slip_baseline, slip_plan = rules.project_slip(forecasts)
    total = sum((row.hands for row in rows), Hands()) + Hands(0, plan_wait)
    return Timeline(
        project=project,
        today=today,
        rows=rows,
        slip_baseline=slip_baseline,
        slip_plan=slip_plan,
        hands=total,
        plan_wait=plan_wait,
        holidays=holidays,
    )


_ACTIONS = [
    *MOVES,
    "change_order.proposed",
    *CO_ANSWERS,
    "plan.proposed",
    *PLAN_ANSWERS,
]


def _baselines(project_ids: list[int]) -> dict[int, dict[int, tuple[dt.date, dt.date]]]:
    """Each project's milestones' planned start and due date in plan v1, by id."""
    found: dict[int, dict[int, tuple[dt.date, dt.date]]] = {}
    for project_id, snapshot in PlanVersion.objects.filter(
        project_id__in=project_ids, version=1
    ).values_list("project_id", "snapshot"):
        dates = found[project_id] = {}
        for m in (snapshot or {}).get("milestones", []):
            if m.get("id") is not None:
                dates[m["id"]] = (
                    dt.date.fromisoformat(m["planned_start"]),
                    dt.date.fromisoformat(m["planned_due"]),
                )
    return found


def _touched_by_change_orders(project_ids: list[int]) -> dict[str, list[int]]:
    """The milestones each change order of the projects changes or removes, by its id (as the
    audit events name it); adding a milestone or changing the project's settings touches none."""
    touched = {}
    for pk, ops in ChangeOrder.objects.filter(project_id__in=project_ids).values_list(
        "pk", "changes"
    ):
        # An ``add`` names no milestone: its ``milestone`` is the new one's fields.
        touched[str(pk)] = [
            op["milestone"]
            for op in ops or []
            if isinstance(op.get("milestone"), int) and not isinstance(op["milestone"], bool)
        ]
    return touched


def _holidays(
    project: Project,
    milestones: list[Milestone],
    baseline: dict,
    today: dt.date,
) -> Container[dt.date]:
    """The organisation's public holidays over the years the project spans (and two more),
    built once per country and years (``_calendar``)."""
    days = [today, project.start_date] + [
        d for m in milestones for d in (m.planned_start, m.planned_due)
    ]
    days += [d for span in baseline.values() for d in span]
    return _calendar(project.organisation.country, min(days).year, max(days).year + 3)


@functools.lru_cache(maxsize=64)
def _calendar(country: str, first: int, last: int) -> Container[dt.date]:
    """The public holidays of ``country`` from ``first`` to ``last`` (excluded), built once
    per process: the library takes milliseconds to build a few years, and a feed or a page
    reads the same calendar for every project of an organisation."""
    return holidays_for(country, range(first, last))


def _read(
    events: Iterable[dict[str, Any]], touched: dict[str, list[int]]
) -> tuple[dict, dict, dict, list]:
    changes: dict[int, list[Change]] = defaultdict(list)
    marks: dict[int, list[Mark]] = defaultdict(list)
    waits: dict[int, list[Wait]] = defaultdict(list)
    open_cos: dict[str, dt.date] = {}
    plan_waits: list[tuple[dt.date, dt.date | None]] = []
    for event in events:
        action, day, data = event["action"], local_day(event["created_at"]), event["data"] or {}
        if action in MOVES:
            milestone = data.get("milestone")
            if milestone is None:
                continue
            status = (data.get("after") or {}).get("status") or MOVES[action]
            changes[milestone].append(Change(day, status))
            if action in MARKS:
                marks[milestone].append(Mark(day, MARKS[action], data.get("delivery")))
        elif action == "change_order.proposed":
            open_cos[event["target_id"]] = day
        elif action in CO_ANSWERS and event["target_id"] in open_cos:
            start = open_cos.pop(event["target_id"])
            for milestone in touched.get(event["target_id"], []):
                waits[milestone].append(Wait(start, day))
        elif action == "plan.proposed":
            plan_waits.append((day, None))
        elif action in PLAN_ANSWERS and plan_waits and plan_waits[-1][1] is None:
            plan_waits[-1] = (plan_waits[-1][0], day)
    for target, start in open_cos.items():
        for milestone in touched.get(target, []):
            waits[milestone].append(Wait(start, None))
    return changes, marks, waits, plan_waits
