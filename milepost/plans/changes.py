"""Change orders as plain Python: what a change may touch in which milestone state, the plan after
it, what changed between two plans, and the money it moves.

No ORM here (as in ``rules.py``): a plan is a :class:`Plan` of :class:`Stage` values, a change
order's changes are the JSON the API takes, and every function returns values or problems.
Services read the rows into a plan, apply, and write the result.

The changes, in order (each milestone is named by its id, at most once):

- ``{"op": "update", "milestone": 12, "fields": {"budget": "3600.00", "planned_due":
  "2027-02-16", …}, "deliverables": [{"id": 4, "title": …, "acceptance_criteria": …},
  {"title": "Quote form"}], "shift_following": true, "price": "200.00"}`` — ``fields`` sets what
  it names; ``deliverables``, when given, is the whole new list (an item without an id is added,
  an earlier item left out is removed; an item's ``acceptance_criteria`` left out is kept);
  ``shift_following`` moves every later milestone that has not started by the working days the
  due date moved; ``price`` is what more revisions or a longer
  support window cost on an approved milestone (its only possible change);
- ``{"op": "add", "position": 4, "milestone": {"title": …, "budget": …, …, "deliverables": […]}}``
  — a new milestone at ``position`` (1 = first) of the plan as it stands at that change, after
  every approved one;
- ``{"op": "remove", "milestone": 12}`` — a milestone that has not started and has no invoice;
- ``{"op": "settings", "extra_revision_price": "150.00"}`` — what one more revision costs the
  client when theirs run out (``null``: not offered), part of the plan they accept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from milepost.core import display
from milepost.core.money import MoneyError, normalise, parse_amount

from .lifecycle.milestone import DONE, MilestoneStatus
from .models import BillingTrigger
from .rules import MilestoneSpec, Problem, is_working_day, next_working_day, validate_plan

#: What an update may set on a milestone, with how the JSON value is read.
FIELDS = (
    "title",
    "scope",
    "budget",
    "planned_start",
    "planned_due",
    "revision_quota",
    "support_window_days",
    "billing_trigger",
)
#: What may still change on an approved or closed milestone: only more of these, for a price.
AFTER_APPROVAL = ("revision_quota", "support_window_days")
OPS = ("update", "add", "remove", "settings")
#: The project's settings a change order may change (part of the plan the client accepts).
SETTINGS = ("extra_revision_price",)
#: The longest text a title may have (``Milestone.title``).
TITLE_MAX = 200


@dataclass(frozen=True)
class Item:
    """A deliverable: what the client tests, and how they know it passed."""

    id: int | None
    title: str
    acceptance_criteria: str = ""


@dataclass(frozen=True)
class Stage:
    """One milestone of a plan; ``id`` None for a milestone the change order adds (``ref`` tells
    added ones apart)."""

    id: int | None
    title: str
    budget: Decimal
    planned_start: dt.date | None
    planned_due: dt.date | None
    scope: str = ""
    revision_quota: int = 2
    support_window_days: int = 14
    billing_trigger: str = BillingTrigger.ON_APPROVAL
    deliverables: tuple[Item, ...] = ()
    status: str = MilestoneStatus.PLANNED
    #: An invoice was issued for it (approved, or started when billed on start).
    invoiced: bool = False
    #: Delivered at least once: its deliverables carry the client's verdicts.
    delivered: bool = False
    revisions_used: int = 0
    ref: str = ""

    @property
    def key(self) -> str:
        return f"m{self.id}" if self.id is not None else self.ref

    @property
    def frozen(self) -> bool:
        return self.status in DONE

    @property
    def started(self) -> bool:
        return self.status != MilestoneStatus.PLANNED


@dataclass(frozen=True)
class Plan:
    currency: str
    stages: tuple[Stage, ...]
    sequential_gating: bool = True
    project_start: dt.date | None = None
    extra_revision_price: Decimal | None = None

    @property
    def total(self) -> Decimal:
        return normalise(sum((s.budget for s in self.stages), Decimal(0)), self.currency)


@dataclass(frozen=True)
class Outcome:
    """The plan after the changes, and every reason they cannot be made (none: they can)."""

    plan: Plan
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def _label(position: int) -> str:
    return _("Milestone %(n)s") % {"n": position}


def _problem(code: str, message: str, position: int | None = None, name: str | None = None):
    return Problem(code, message, position, name)


# --- Reading the values of a change ---------------------------------------------------------


def _read(name: str, value: Any, currency: str) -> tuple[Any, str | None]:
    """The JSON ``value`` of field ``name`` as a Python value, or the reason it is not one."""
    if name in ("title", "scope"):
        if not isinstance(value, str):
            return None, _("Enter text.")
        text = value.strip()
        if name == "title" and len(text) > TITLE_MAX:
            return None, _("At most %(n)s characters.") % {"n": TITLE_MAX}
        return text, None
    if name == "budget":
        try:
            return parse_amount(value, currency, allow_zero=True), None
        except MoneyError as error:
            return None, str(error)
    if name in ("planned_start", "planned_due"):
        if isinstance(value, dt.date):
            return value, None
        try:
            return dt.date.fromisoformat(str(value)), None
        except ValueError:
            return None, _("Enter a date such as 2027-02-16.")
    if name in ("revision_quota", "support_window_days"):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 365:
            return None, _("Enter a whole number from 0 to 365.")
        return value, None
    if name == "billing_trigger":
        if value not in BillingTrigger.values:
            return None, _("Choose one of: %(choices)s.") % {
                "choices": ", ".join(BillingTrigger.values)
            }
        return value, None
    return None, _("This field cannot be changed.")


def _read_items(raw: Any, stage: Stage, position: int) -> tuple[tuple[Item, ...], list[Problem]]:
    if not isinstance(raw, list):
        return stage.deliverables, [
            _problem(
                "deliverables_invalid",
                _("%(m)s: the deliverables must be a list.") % {"m": _label(position)},
                position,
                "deliverables",
            )
        ]
    known = {item.id: item for item in stage.deliverables}
    items: list[Item] = []
    problems: list[Problem] = []
    seen: set[int] = set()
    for entry in raw:
        entry = entry if isinstance(entry, Mapping) else {}
        title = str(entry.get("title") or "").strip()
        item_id = entry.get("id")
        if not title:
            problems.append(
                _problem(
                    "deliverable_title_required",
                    _("%(m)s: every deliverable needs a title.") % {"m": _label(position)},
                    position,
                    "deliverables",
                )
            )
            continue
        if item_id is not None and (item_id not in known or item_id in seen):
            problems.append(
                _problem(
                    "deliverable_unknown",
                    _("%(m)s has no deliverable %(id)s.") % {"m": _label(position), "id": item_id},
                    position,
                    "deliverables",
                )
            )
            continue
        if item_id is not None:
            seen.add(item_id)
        if "acceptance_criteria" in entry or item_id is None:
            criteria = str(entry.get("acceptance_criteria") or "").strip()
        else:  # left out: kept ("" clears it)
            criteria = known[item_id].acceptance_criteria
        items.append(Item(item_id, title, criteria))
    return tuple(items), problems


# --- Working days ---------------------------------------------------------------------------


def working_days_between(start: dt.date, end: dt.date, holidays: Container[dt.date]) -> int:
    """How many working days ``end`` lies after ``start`` (negative: before it)."""
    sign = 1 if end >= start else -1
    low, high = (start, end) if sign > 0 else (end, start)
    count = 0
    day = low
    while day < high:
        day += dt.timedelta(days=1)
        if is_working_day(day, holidays):
            count += 1
    return sign * count


def shift_working_days(day: dt.date, days: int, holidays: Container[dt.date]) -> dt.date:
    """``day`` moved by ``days`` working days (a weekend or holiday first moves to the next
    working day)."""
    day = next_working_day(day, holidays)
    step = dt.timedelta(days=1 if days >= 0 else -1)
    for _i in range(abs(days)):
        day += step
        while not is_working_day(day, holidays):
            day += step
    return day


# --- Applying ---------------------------------------------------------------------------------


def apply(
    plan: Plan, changes: Sequence[Any], *, holidays: Container[dt.date] = frozenset()
) -> Outcome:
    """The plan after ``changes``, with every problem at once: the changes' own (unknown
    milestones, frozen ones, bad values) and the resulting plan's, by the rules of a new plan."""
    stages = list(plan.stages)
    problems: list[Problem] = []
    named: set[str] = set()
    added = 0
    settings: dict[str, Any] = {}
    if not isinstance(changes, list | tuple):
        return Outcome(plan, (_problem("changes_invalid", _("The changes must be a list.")),))
    for change in changes:
        change = change if isinstance(change, Mapping) else {}
        op = change.get("op")
        if op not in OPS:
            problems.append(
                _problem(
                    "change_invalid",
                    _("Each change is one of: %(ops)s.") % {"ops": ", ".join(OPS)},
                )
            )
            continue
        if op == "add":
            added += 1
            problems += _add(stages, change, plan.currency, ref=f"new-{added}")
            continue
        if op == "settings":
            value, problem = _read_settings(change, plan.currency)
            if problem is not None:
                problems.append(problem)
            else:
                settings.update(value)
            continue
        index = _find(stages, change.get("milestone"))
        if index is None:
            problems.append(
                _problem(
                    "milestone_unknown",
                    _("This project has no milestone %(id)s.") % {"id": change.get("milestone")},
                )
            )
            continue
        stage = stages[index]
        if stage.key in named:
            problems.append(
                _problem(
                    "change_duplicate",
                    _("%(m)s is named by more than one change.") % {"m": _label(index + 1)},
                    index + 1,
                )
            )
            continue
        named.add(stage.key)
        if op == "remove":
            refusal = remove_refusal(stage, index + 1)
            if refusal is not None:
                problems.append(refusal)
            else:
                del stages[index]
            continue
        problems += _update(stages, index, change, plan.currency, holidays)
    after = replace(plan, stages=tuple(stages), **settings)
    problems += plan_problems(after)
    return Outcome(after, tuple(problems))


def _read_settings(change: Mapping, currency: str) -> tuple[dict[str, Any], Problem | None]:
    unknown = set(change) - {"op", *SETTINGS}
    if unknown:
        return {}, _problem(
            "field_unknown",
            _("These settings cannot be changed: %(f)s.") % {"f": ", ".join(sorted(unknown))},
            name=sorted(unknown)[0],
        )
    values: dict[str, Any] = {}
    if "extra_revision_price" in change:
        raw = change["extra_revision_price"]
        if raw in (None, ""):
            values["extra_revision_price"] = None
        else:
            try:
                values["extra_revision_price"] = parse_amount(raw, currency)
            except MoneyError as error:
                return {}, _problem(
                    "value_invalid",
                    _("Price per extra revision: %(e)s") % {"e": error},
                    name="extra_revision_price",
                )
    return values, None


def milestone_id(value: Any) -> Any:
    """A milestone's id as sent: ``"3"`` is read as 3, as the API reads every id."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


def normalised(changes: Any) -> Any:
    """The changes as stored: each milestone named by its id as a number (``"3"``: 3)."""
    if not isinstance(changes, list):
        return changes
    return [
        {**c, "milestone": milestone_id(c["milestone"])}
        if isinstance(c, Mapping) and c.get("op") in ("update", "remove") and "milestone" in c
        else c
        for c in changes
    ]


def _find(stages: list[Stage], milestone: Any) -> int | None:
    """The index of the milestone with id ``milestone`` (or, for one not saved yet, that
    ``ref``)."""
    milestone = milestone_id(milestone)
    for index, stage in enumerate(stages):
        if stage.id is not None and stage.id == milestone and not isinstance(milestone, bool):
            return index
        if stage.id is None and stage.ref and stage.ref == milestone:
            return index
    return None


def remove_refusal(stage: Stage, position: int) -> Problem | None:
    """Why ``stage`` cannot be removed (None: it can)."""
    if stage.started or stage.invoiced:
        return _problem(
            "milestone_frozen",
            _("%(m)s has started or been invoiced: it cannot be removed.")
            % {"m": _label(position)},
            position,
        )
    return None


def _add(stages: list[Stage], change: Mapping, currency: str, *, ref: str) -> list[Problem]:
    position = change.get("position")
    last_done = max((i + 1 for i, s in enumerate(stages) if s.frozen), default=0)
    if (
        isinstance(position, bool)
        or not isinstance(position, int)
        or not last_done < position <= len(stages) + 1
    ):
        return [
            _problem(
                "position_invalid",
                _("A new milestone goes at a position from %(low)s to %(high)s.")
                % {"low": last_done + 1, "high": len(stages) + 1},
                name="position",
            )
        ]
    data = change.get("milestone")
    data = data if isinstance(data, Mapping) else {}
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for name in FIELDS:
        if name not in data:
            continue
        value, error = _read(name, data[name], currency)
        if error:
            problems.append(
                _problem("value_invalid", f"{_label(position)}: {error}", position, name)
            )
        else:
            values[name] = value
    stage = Stage(
        id=None,
        ref=ref,
        title=values.get("title", ""),
        budget=values.get("budget", Decimal(0)),
        planned_start=values.get("planned_start"),
        planned_due=values.get("planned_due"),
        **{k: values[k] for k in ("scope", "revision_quota", "support_window_days") if k in values},
        **({"billing_trigger": values["billing_trigger"]} if "billing_trigger" in values else {}),
    )
    if "deliverables" in data:
        raw = data["deliverables"]
        if isinstance(raw, list):  # a new milestone's deliverables are all new
            raw = [{**d, "id": None} if isinstance(d, Mapping) else d for d in raw]
        items, item_problems = _read_items(raw, stage, position)
        stage = replace(stage, deliverables=items)
        problems += item_problems
    stages.insert(position - 1, stage)
    return problems


def _update(
    stages: list[Stage],
    index: int,
    change: Mapping,
    currency: str,
    holidays: Container[dt.date],
) -> list[Problem]:
    stage = stages[index]
    position = index + 1
    fields = change.get("fields")
    problems: list[Problem] = []
    if fields is None:
        fields = {}
    elif not isinstance(fields, Mapping):
        problems.append(
            _problem(
                "fields_invalid",
                _('%(m)s: “fields” must be an object such as {"budget": "3600.00"}.')
                % {"m": _label(position)},
                position,
                "fields",
            )
        )
        fields = {}
    values: dict[str, Any] = {}
    for name, raw in fields.items():
        if name not in FIELDS:
            problems.append(
                _problem(
                    "field_unknown",
                    _("%(m)s: “%(f)s” cannot be changed.") % {"m": _label(position), "f": name},
                    position,
                    str(name),
                )
            )
            continue
        value, error = _read(name, raw, currency)
        if error:
            problems.append(
                _problem("value_invalid", f"{_label(position)}: {error}", position, name)
            )
            continue
        if value != getattr(stage, name):
            values[name] = value
    price = change.get("price")
    if stage.frozen:
        problems += _frozen_problems(stage, position, values, change)
        if price not in (None, ""):
            try:
                extra = parse_amount(price, currency, allow_zero=True)
            except MoneyError as error:
                problems.append(
                    _problem("value_invalid", f"{_label(position)}: {error}", position, "price")
                )
            else:
                values["budget"] = stage.budget + extra
        if problems:
            return problems
    else:
        if price not in (None, ""):
            problems.append(
                _problem(
                    "price_not_allowed",
                    _("%(m)s has not been approved: change its budget instead of a price.")
                    % {"m": _label(position)},
                    position,
                    "price",
                )
            )
        if "billing_trigger" in values and stage.invoiced:
            problems.append(
                _problem(
                    "milestone_frozen",
                    _("%(m)s has been invoiced: how it is billed cannot change.")
                    % {"m": _label(position)},
                    position,
                    "billing_trigger",
                )
            )
            del values["billing_trigger"]
        if values.get("revision_quota", stage.revision_quota) < stage.revisions_used:
            problems.append(
                _problem(
                    "quota_below_used",
                    _("%(m)s has used %(n)s revisions: its quota cannot be lower.")
                    % {"m": _label(position), "n": stage.revisions_used},
                    position,
                    "revision_quota",
                )
            )
        if "deliverables" in change:
            items, item_problems = _read_items(change["deliverables"], stage, position)
            problems += item_problems
            kept = {item.id for item in items}
            if stage.delivered and any(d.id not in kept for d in stage.deliverables):
                problems.append(
                    _problem(
                        "deliverable_tested",
                        _(
                            "%(m)s has been delivered: its deliverables carry the client's "
                            "verdicts and cannot be removed (edit them, or add new ones)."
                        )
                        % {"m": _label(position)},
                        position,
                        "deliverables",
                    )
                )
            if items != stage.deliverables:
                values["deliverables"] = items
    updated = replace(stage, **values)
    stages[index] = updated
    if change.get("shift_following") and stage.planned_due and updated.planned_due:
        moved = working_days_between(stage.planned_due, updated.planned_due, holidays)
        for later in range(index + 1, len(stages)):
            following = stages[later]
            if following.started or not (following.planned_start and following.planned_due):
                continue
            stages[later] = replace(
                following,
                planned_start=shift_working_days(following.planned_start, moved, holidays),
                planned_due=shift_working_days(following.planned_due, moved, holidays),
            )
    return problems


def _frozen_problems(
    stage: Stage, position: int, values: dict[str, Any], change: Mapping
) -> list[Problem]:
    """An approved milestone: only more revisions or a longer support window, for a price."""
    problems = []
    for name in values:
        if name not in AFTER_APPROVAL or values[name] < getattr(stage, name):
            problems.append(
                _problem(
                    "milestone_frozen",
                    _(
                        "%(m)s is approved: only more revisions or a longer support window can "
                        "be added to it."
                    )
                    % {"m": _label(position)},
                    position,
                    name,
                )
            )
    if "deliverables" in change:
        problems.append(
            _problem(
                "milestone_frozen",
                _("%(m)s is approved: its deliverables cannot change.") % {"m": _label(position)},
                position,
                "deliverables",
            )
        )
    return problems


def plan_problems(plan: Plan) -> list[Problem]:
    """The resulting plan's problems by the rules of a new plan (budgets > 0 that add up to the
    total, dates, gating), and a total above zero."""
    specs = [
        MilestoneSpec(i + 1, s.title, s.budget, s.planned_start, s.planned_due)
        for i, s in enumerate(plan.stages)
    ]
    return validate_plan(
        currency=plan.currency,
        total=plan.total,
        milestones=specs,
        sequential_gating=plan.sequential_gating,
        project_start=plan.project_start,
    )


# --- What changed -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class ItemChange:
    kind: str  # "added", "removed", "changed"
    title: str
    before: Item | None = None
    after: Item | None = None


@dataclass(frozen=True)
class StageChange:
    """One milestone's difference: ``added``, ``removed`` or ``changed`` (position in the later
    plan, or in the earlier one when removed)."""

    kind: str
    position: int
    title: str
    fields: tuple[FieldChange, ...] = ()
    deliverables: tuple[ItemChange, ...] = ()
    moved_from: int | None = None


@dataclass(frozen=True)
class PlanDiff:
    currency: str
    total_before: Decimal
    total_after: Decimal
    stages: tuple[StageChange, ...] = field(default_factory=tuple)
    settings: tuple[FieldChange, ...] = ()

    @property
    def price(self) -> Decimal:
        return self.total_after - self.total_before

    @property
    def empty(self) -> bool:
        return not self.stages and not self.settings


def diff(before: Plan, after: Plan) -> PlanDiff:
    """What changed from ``before`` to ``after``, milestone by milestone, field by field."""
    old = {s.key: (i + 1, s) for i, s in enumerate(before.stages)}
    new = {s.key: (i + 1, s) for i, s in enumerate(after.stages)}
    entries: list[StageChange] = []
    for key, (position, stage) in new.items():
        if key not in old:
            entries.append(
                StageChange(
                    "added",
                    position,
                    stage.title,
                    fields=tuple(FieldChange(name, None, getattr(stage, name)) for name in FIELDS),
                    deliverables=tuple(
                        ItemChange("added", d.title, after=d) for d in stage.deliverables
                    ),
                )
            )
            continue
        was_at, was = old[key]
        fields = tuple(
            FieldChange(name, getattr(was, name), getattr(stage, name))
            for name in FIELDS
            if getattr(was, name) != getattr(stage, name)
        )
        items = _item_changes(was.deliverables, stage.deliverables)
        if fields or items or was_at != position:
            entries.append(
                StageChange(
                    "changed",
                    position,
                    stage.title,
                    fields,
                    items,
                    moved_from=was_at if was_at != position else None,
                )
            )
    for key, (position, stage) in old.items():
        if key not in new:
            entries.append(StageChange("removed", position, stage.title))
    entries.sort(key=lambda e: (e.position, e.kind != "removed"))
    settings = tuple(
        FieldChange(name, getattr(before, name), getattr(after, name))
        for name in SETTINGS
        if getattr(before, name) != getattr(after, name)
    )
    return PlanDiff(before.currency, before.total, after.total, tuple(entries), settings)


def _item_changes(before: tuple[Item, ...], after: tuple[Item, ...]) -> tuple[ItemChange, ...]:
    old = {d.id: d for d in before if d.id is not None}
    changes = []
    kept = set()
    for item in after:
        was = old.get(item.id) if item.id is not None else None
        if was is None:
            changes.append(ItemChange("added", item.title, after=item))
            continue
        kept.add(item.id)
        if was != item:
            changes.append(ItemChange("changed", item.title, before=was, after=item))
    for item in before:
        if item.id is None or item.id not in kept:
            if item.id is None and item in after:
                continue
            changes.append(ItemChange("removed", item.title, before=item))
    return tuple(changes)


def describe_value(name: str, value: Any, currency: str) -> str:
    if value is None or value == "":
        return "—"
    if name == "budget":
        return display.money(value, currency)
    if name in ("planned_start", "planned_due"):
        return display.date(value)
    if name == "billing_trigger":
        return in_sentence(str(BillingTrigger(value).label))
    if name in ("revision_quota",):
        return str(value)
    if name == "support_window_days":
        return _("%(n)s days") % {"n": value}
    return display.clip(value)


#: How a field is named in a sentence about what changed.
FIELD_NAMES = {
    "title": lambda: _("title"),
    "scope": lambda: _("scope"),
    "budget": lambda: _("budget"),
    "planned_start": lambda: _("start"),
    "planned_due": lambda: _("due"),
    "revision_quota": lambda: _("revisions"),
    "support_window_days": lambda: _("support window"),
    "billing_trigger": lambda: _("billed"),
}


def in_sentence(label: str) -> str:
    """A choice's label inside a sentence: "On approval" → "on approval"."""
    return label[:1].lower() + label[1:]


def _describe_added(entry: StageChange, currency: str) -> str:
    """ "Milestone 6 “Blog” added · budget €1,000.00 · 1 Mar 2027 → 12 Mar 2027 · 2 revisions ·
    support window 14 days · billed on approval · scope: … · deliverable “Posts” (test: …)"."""
    values = {change.field: change.after for change in entry.fields}
    parts = [_("%(m)s “%(t)s” added") % {"m": _label(entry.position), "t": entry.title}]
    if "budget" in values:
        budget = describe_value("budget", values["budget"], currency)
        parts.append(f"{FIELD_NAMES['budget']()} {budget}")
    if values.get("planned_start") or values.get("planned_due"):
        parts.append(
            f"{describe_value('planned_start', values.get('planned_start'), currency)}"
            f" → {describe_value('planned_due', values.get('planned_due'), currency)}"
        )
    if "revision_quota" in values:
        parts.append(_("%(n)s revisions") % {"n": values["revision_quota"]})
    if "support_window_days" in values:
        parts.append(
            f"{FIELD_NAMES['support_window_days']()} "
            f"{describe_value('support_window_days', values['support_window_days'], currency)}"
        )
    if values.get("billing_trigger"):
        parts.append(
            f"{FIELD_NAMES['billing_trigger']()} "
            f"{describe_value('billing_trigger', values['billing_trigger'], currency)}"
        )
    if values.get("scope"):
        parts.append(_("scope: %(s)s") % {"s": " ".join(str(values["scope"]).split())})
    for item in entry.deliverables:
        criteria = item.after.acceptance_criteria if item.after is not None else ""
        if criteria:
            parts.append(
                _("deliverable “%(t)s” (test: %(c)s)")
                % {"t": item.title, "c": " ".join(criteria.split())}
            )
        else:
            parts.append(_("deliverable “%(t)s”") % {"t": item.title})
    return " · ".join(parts)


def describe(entry: StageChange, currency: str) -> str:
    """ "Milestone 3 · budget €3,000.00 → €3,600.00 · due 9 Feb 2027 → 16 Feb 2027 · deliverable
    “Quote form” added", in the active language; an added milestone with all it holds."""
    head = _label(entry.position)
    if entry.kind == "added":
        return _describe_added(entry, currency)
    if entry.kind == "removed":
        return _("%(m)s “%(t)s” removed") % {"m": head, "t": entry.title}
    parts = [head]
    if entry.moved_from is not None:
        parts.append(_("moved from position %(n)s") % {"n": entry.moved_from})
    for change in entry.fields:
        if change.field == "scope":
            parts.append(_("scope changed"))
            continue
        parts.append(
            f"{FIELD_NAMES[change.field]()} {describe_value(change.field, change.before, currency)}"
            f" → {describe_value(change.field, change.after, currency)}"
        )
    for item in entry.deliverables:
        text = {
            "added": _("deliverable “%(t)s” added"),
            "removed": _("deliverable “%(t)s” removed"),
            "changed": _("deliverable “%(t)s” changed"),
        }[item.kind]
        parts.append(text % {"t": item.title})
    return " · ".join(parts)


def describe_settings(difference: PlanDiff) -> list[str]:
    """ "Price per extra revision: €100.00 → €150.00" (or "not offered")."""

    def said(value: Any) -> str:
        if value is None:
            return _("not offered")
        return display.money(value, difference.currency)

    return [
        _("Price per extra revision: %(before)s → %(after)s")
        % {"before": said(change.before), "after": said(change.after)}
        for change in difference.settings
    ]


def lines(difference: PlanDiff) -> list[str]:
    """Every line of what changed: the milestones', then the settings'."""
    return [
        *(describe(entry, difference.currency) for entry in difference.stages),
        *describe_settings(difference),
    ]


# --- Money --------------------------------------------------------------------------------------


def invoiced_at_once(before: Plan, after: Plan) -> list[tuple[Stage, Decimal]]:
    """Milestones already invoiced whose budget the change moves, with by how much: invoiced at
    acceptance (a credit note when negative). The others are billed with their milestone."""
    old = {s.key: s for s in before.stages}
    moved = []
    for stage in after.stages:
        was = old.get(stage.key)
        if was is not None and was.invoiced and stage.budget != was.budget:
            moved.append((stage, stage.budget - was.budget))
    return moved


# --- Changes from a plan to another (for revising and for the inverse) -----------------------


def changes_between(before: Plan, after: Plan) -> list[dict[str, Any]]:
    """The changes that turn ``before`` into ``after`` (an added milestone of ``after`` comes
    back as an ``add``, so applying them to ``before`` and comparing without ids gives
    ``after``)."""
    changes: list[dict[str, Any]] = []
    kept = {s.key for s in after.stages}
    for stage in before.stages:
        if stage.key not in kept:
            changes.append({"op": "remove", "milestone": stage.id or stage.ref})
    old = {s.key: s for s in before.stages}
    for position, stage in enumerate(after.stages, start=1):
        was = old.get(stage.key)
        if was is None or stage.id is None:
            changes.append({"op": "add", "position": position, "milestone": as_json(stage)})
            continue
        fields = {
            n: _json(getattr(stage, n)) for n in FIELDS if getattr(stage, n) != getattr(was, n)
        }
        change: dict[str, Any] = {"op": "update", "milestone": stage.id}
        if fields:
            change["fields"] = fields
        if stage.deliverables != was.deliverables:
            present = {d.id for d in was.deliverables}
            change["deliverables"] = [
                _item_json(d if d.id in present else replace(d, id=None))
                for d in stage.deliverables
            ]
        if len(change) > 2:
            changes.append(change)
    for name in SETTINGS:
        if getattr(before, name) != getattr(after, name):
            changes.append({"op": "settings", name: _json(getattr(after, name))})
    return changes


def _json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _item_json(item: Item) -> dict[str, Any]:
    data: dict[str, Any] = {"title": item.title, "acceptance_criteria": item.acceptance_criteria}
    if item.id is not None:
        data["id"] = item.id
    return data


def as_json(stage: Stage) -> dict[str, Any]:
    """A milestone as an ``add`` change carries it."""
    return {
        **{name: _json(getattr(stage, name)) for name in FIELDS},
        "deliverables": [
            {"title": d.title, "acceptance_criteria": d.acceptance_criteria}
            for d in stage.deliverables
        ],
    }
