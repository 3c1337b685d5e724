"""Where a project stands against its plan, as pure functions of the plan, what happened and the
working-day calendar (weekends and the organisation's public holidays). Nothing here reads the
database or the clock: ``forecast.timeline`` gathers the facts and passes ``today``.

The rules, with examples, are in docs/forecast.md:

- **Forecast.** A milestone not started begins at the latest of its planned start, today and
  (with sequential gating) the working day after the forecast approval of the one before, and
  keeps its planned length in working days. One in progress ends at the latest of its planned
  due date, today (it still has to be delivered and approved) and the end of its planned length
  in working days from the day it started (begun late, it still takes that long). One sent back
  for changes ends at the later of its planned due date and today. One
  in review ends at the later of its planned due date and today, but no later than the day it
  approves itself (the auto-approval period bounds a review), and never before today. An
  approved one ended on the day it was approved.
- **Slippage.** The forecast (or actual) end against the planned due date, in working days:
  against the baseline (plan v1) and against the current plan. Positive is late.
- **Who held it up.** Each working day from a milestone's start to its approval (or today)
  belongs to one side: the agency while the milestone is in progress or sent back for changes;
  the client while it is in review, while its prepayment is awaited, or while a change order
  touching it waits for the client's answer.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from milepost.plans.changes import working_days_between
from milepost.plans.lifecycle.milestone import MilestoneStatus as S
from milepost.plans.rules import add_working_days, is_working_day, next_working_day

#: States in which the work is with the agency, and with the client.
AGENCY_STATES = frozenset({S.IN_PROGRESS, S.CHANGES_REQUESTED})
CLIENT_STATES = frozenset({S.IN_REVIEW, S.AWAITING_PREPAYMENT})
DONE_STATES = frozenset({S.APPROVED, S.CLOSED})
NOT_STARTED = frozenset({S.PLANNED, S.AWAITING_PREPAYMENT})


class Side(StrEnum):
    AGENCY = "agency"
    CLIENT = "client"


@dataclass(frozen=True)
class Stage:
    """One milestone as the forecast reads it. ``started`` and ``approved`` are the days it
    happened; ``auto_approves`` the day a review approves itself (None: not in review, or
    auto-approval is off)."""

    id: int
    status: str
    planned_start: dt.date
    planned_due: dt.date
    baseline_start: dt.date | None = None
    baseline_due: dt.date | None = None
    started: dt.date | None = None
    approved: dt.date | None = None
    auto_approves: dt.date | None = None


@dataclass(frozen=True)
class Forecast:
    """Where one milestone is expected to start and end (or did), and how late that is."""

    id: int
    start: dt.date
    end: dt.date
    done: bool
    #: Working days the end lies after the planned due date (negative: before); None without
    #: a baseline (a milestone a change order added).
    slip_baseline: int | None
    slip_plan: int


def working_days_in(start: dt.date, end: dt.date, holidays: Container[dt.date]) -> int:
    """How many working days the span from ``start`` to ``end`` (both included) holds, at least
    one: a milestone planned on a weekend still takes a day."""
    if end < start:
        return 1
    count = working_days_between(start, end, holidays) + (
        1 if is_working_day(start, holidays) else 0
    )
    return max(count, 1)


def slip(planned: dt.date | None, end: dt.date, holidays: Container[dt.date]) -> int | None:
    """Working days ``end`` lies after the working day ``planned`` falls on (negative: before)."""
    if planned is None:
        return None
    return working_days_between(next_working_day(planned, holidays), end, holidays)


def forecast(
    stages: Sequence[Stage],
    *,
    today: dt.date,
    gating: bool,
    holidays: Container[dt.date],
) -> list[Forecast]:
    """The forecast of every milestone, in plan order (see the module's rules)."""
    today_ = next_working_day(today, holidays)
    result: list[Forecast] = []
    previous_end: dt.date | None = None
    for stage in stages:
        start, end, done = _span(stage, today_, gating, previous_end, holidays)
        result.append(
            Forecast(
                id=stage.id,
                start=start,
                end=end,
                done=done,
                slip_baseline=slip(stage.baseline_due, end, holidays),
                slip_plan=slip(stage.planned_due, end, holidays) or 0,
            )
        )
        previous_end = end
    return result


def _span(
    stage: Stage,
    today: dt.date,
    gating: bool,
    previous_end: dt.date | None,
    holidays: Container[dt.date],
) -> tuple[dt.date, dt.date, bool]:
    planned_due = next_working_day(stage.planned_due, holidays)
    if stage.status in DONE_STATES:
        start = stage.started or stage.planned_start
        end = stage.approved or planned_due
        return start, max(end, start), True
    if stage.status in NOT_STARTED or stage.started is None:
        earliest = [stage.planned_start, today]
        if gating and previous_end is not None:
            earliest.append(previous_end + dt.timedelta(days=1))
        start = next_working_day(max(earliest), holidays)
        length = working_days_in(stage.planned_start, stage.planned_due, holidays)
        return start, add_working_days(start, length, holidays), False
    start = stage.started
    end = max(planned_due, today)
    if stage.status == S.IN_PROGRESS:
        # Begun late, the work still takes its planned length in working days.
        length = working_days_in(stage.planned_start, stage.planned_due, holidays)
        end = max(end, add_working_days(start, length, holidays))
    if stage.status == S.IN_REVIEW and stage.auto_approves is not None:
        end = max(min(end, next_working_day(stage.auto_approves, holidays)), today)
    return start, max(end, next_working_day(start, holidays)), False


def project_slip(forecasts: Sequence[Forecast]) -> tuple[int | None, int]:
    """The project's slippage: its last milestone's, against the baseline and the plan."""
    if not forecasts:
        return None, 0
    last = forecasts[-1]
    return last.slip_baseline, last.slip_plan


# --- Who held it up --------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """From ``day`` on, the milestone is in ``status`` (from its recorded events)."""

    day: dt.date
    status: str


@dataclass(frozen=True)
class Wait:
    """A change order touching the milestone waited for the client's answer, ``start`` to
    ``end`` (None: still waiting)."""

    start: dt.date
    end: dt.date | None


@dataclass(frozen=True)
class Hands:
    """Working days a milestone spent in each side's hands."""

    agency: int = 0
    client: int = 0

    @property
    def total(self) -> int:
        return self.agency + self.client

    def __add__(self, other: Hands) -> Hands:
        return Hands(self.agency + other.agency, self.client + other.client)


def hands(
    changes: Iterable[Change],
    waits: Iterable[Wait],
    *,
    today: dt.date,
    holidays: Container[dt.date],
) -> Hands:
    """Split the working days from the milestone's first change (its start) to its approval
    (or ``today``) between the sides: each span between two moments is the client's while the
    milestone is in a client state or a change order touching it waits, else the agency's. The
    two add up to ``working_days_between(start, end)``."""
    ordered = sorted(changes, key=lambda c: c.day)
    if not ordered:
        return Hands()
    start = ordered[0].day
    end = next((c.day for c in ordered if c.status in DONE_STATES), max(today, ordered[-1].day))
    waits = [(w.start, w.end or end) for w in waits]
    moments = sorted(
        {start, end}
        | {c.day for c in ordered if start < c.day < end}
        | {d for w in waits for d in w if start < d < end}
    )
    agency = client = 0
    for low, high in itertools.pairwise(moments):
        days = working_days_between(low, high, holidays)
        if _side(low, ordered, waits) is Side.CLIENT:
            client += days
        else:
            agency += days
    return Hands(agency, client)


def _side(day: dt.date, changes: list[Change], waits: list[tuple[dt.date, dt.date]]) -> Side:
    status = S.PLANNED
    for change in changes:
        if change.day <= day:
            status = change.status
    if status in CLIENT_STATES or any(low <= day < high for low, high in waits):
        return Side.CLIENT
    return Side.AGENCY
