"""The rules of a milestone plan, as plain Python: validation and working-day scheduling.

No ORM here, so every rule can be tested (and property-tested) without a database. Services
feed it plain values and turn its problems into ``plan_invalid`` refusals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from milepost.core.money import MoneyError, format_money, minor_digits, normalise, quantum


@dataclass(frozen=True)
class MilestoneSpec:
    """What validation needs to know about one milestone."""

    position: int
    title: str
    budget: Decimal | None
    planned_start: dt.date | None
    planned_due: dt.date | None


@dataclass(frozen=True)
class Problem:
    """One reason the plan cannot be proposed."""

    code: str
    message: str
    position: int | None = None
    field: str | None = None

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "position": self.position,
            "field": self.field,
        }


def allocation_gap(total: Decimal, allocated: Decimal) -> Decimal:
    """Positive: still to allocate; negative: allocated too much."""
    return total - allocated


def allocation_message(
    total: Decimal, allocated: Decimal, currency: str, locale: str = "en"
) -> str:
    """'€500.00 not yet allocated', 'over by €200.00', or 'fully allocated'."""
    gap = allocation_gap(total, allocated)
    if gap > 0:
        return _("%(amount)s not yet allocated") % {"amount": format_money(gap, currency, locale)}
    if gap < 0:
        return _("over by %(amount)s") % {"amount": format_money(-gap, currency, locale)}
    return _("fully allocated")


def validate_plan(
    *,
    currency: str,
    total: Decimal | None,
    milestones: Sequence[MilestoneSpec],
    sequential_gating: bool,
    project_start: dt.date | None = None,
) -> list[Problem]:
    """Return every reason the plan is not valid (an empty list means it is)."""
    problems: list[Problem] = []
    try:
        minor_digits(currency)
    except MoneyError:
        return [Problem("currency_invalid", _("Choose a valid currency."), field="currency")]
    if total is None or total <= 0:
        problems.append(
            Problem(
                "total_not_positive",
                _("The total budget must be greater than zero."),
                field="total_budget",
            )
        )
    if not milestones:
        problems.append(Problem("no_milestones", _("Add at least one milestone.")))
        return problems

    allocated = Decimal(0)
    previous: MilestoneSpec | None = None
    for m in sorted(milestones, key=lambda m: m.position):
        label = _("Milestone %(n)s") % {"n": m.position}
        if not (m.title or "").strip():
            problems.append(
                Problem(
                    "title_required", _("%(m)s needs a title.") % {"m": label}, m.position, "title"
                )
            )
        if m.budget is None or m.budget <= 0:
            problems.append(
                Problem(
                    "budget_not_positive",
                    _("%(m)s needs a budget greater than zero.") % {"m": label},
                    m.position,
                    "budget",
                )
            )
        elif m.budget != m.budget.quantize(quantum(currency)):
            problems.append(
                Problem(
                    "budget_precision",
                    _("%(m)s: too many decimals for %(c)s.") % {"m": label, "c": currency},
                    m.position,
                    "budget",
                )
            )
        else:
            allocated += m.budget
        if m.planned_start is None or m.planned_due is None:
            problems.append(
                Problem(
                    "dates_missing",
                    _("%(m)s needs a start and a due date.") % {"m": label},
                    m.position,
                    "planned_start",
                )
            )
        else:
            if m.planned_start > m.planned_due:
                problems.append(
                    Problem(
                        "dates_inverted",
                        _("%(m)s is due before it starts.") % {"m": label},
                        m.position,
                        "planned_due",
                    )
                )
            if project_start and m.planned_start < project_start:
                problems.append(
                    Problem(
                        "starts_before_project",
                        _("%(m)s starts before the project does.") % {"m": label},
                        m.position,
                        "planned_start",
                    )
                )
            if (
                sequential_gating
                and previous is not None
                and previous.planned_due is not None
                and m.planned_start < previous.planned_due
            ):
                problems.append(
                    Problem(
                        "dates_overlap",
                        _("%(m)s starts before milestone %(p)s is due.")
                        % {"m": label, "p": previous.position},
                        m.position,
                        "planned_start",
                    )
                )
        previous = m

    if (
        total is not None
        and total > 0
        and allocated != total
        and not any(p.code in {"budget_not_positive", "budget_precision"} for p in problems)
    ):
        gap = allocation_gap(total, allocated)
        problems.append(
            Problem(
                "budget_unallocated" if gap > 0 else "budget_over",
                _("Milestone budgets add up to %(allocated)s, not %(total)s: %(gap)s.")
                % {
                    "allocated": format_money(normalise(allocated, currency), currency),
                    "total": format_money(total, currency),
                    "gap": allocation_message(total, allocated, currency),
                },
                field="budget",
            )
        )
    return problems


# --- Working days -------------------------------------------------------------------------------


def is_working_day(day: dt.date, holidays: Container[dt.date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def next_working_day(day: dt.date, holidays: Container[dt.date]) -> dt.date:
    """``day`` itself when it is a working day, else the first one after it."""
    while not is_working_day(day, holidays):
        day += dt.timedelta(days=1)
    return day


def add_working_days(start: dt.date, days: int, holidays: Container[dt.date]) -> dt.date:
    """The last day of a span of ``days`` working days beginning on working day ``start``."""
    day = next_working_day(start, holidays)
    for _i in range(max(days, 1) - 1):
        day = next_working_day(day + dt.timedelta(days=1), holidays)
    return day


def schedule(
    start: dt.date, durations: Sequence[int], holidays: Container[dt.date]
) -> list[tuple[dt.date, dt.date]]:
    """Place milestones back to back: each starts the working day after the previous is due."""
    spans = []
    day = start
    for days in durations:
        first = next_working_day(day, holidays)
        last = add_working_days(first, days, holidays)
        spans.append((first, last))
        day = last + dt.timedelta(days=1)
    return spans


HolidayLookup = Callable[[str, Sequence[int]], Container[dt.date]]
