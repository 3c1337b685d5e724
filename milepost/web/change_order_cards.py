"""The change-order editor's cards, drawn from a draft's stored ``changes``: each milestone's form
bound to what the change order says of it, its deliverables, the line the client will read, and
each problem of the draft placed on its card (beside its field where the card has it)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms

from milepost.plans import changes
from milepost.plans.lifecycle.milestone import MilestoneStatus
from milepost.plans.models import BillingTrigger

from .change_order_forms import (
    BLANK,
    PLAN_CODES,
    SETTINGS,
    AddedForm,
    ExistingForm,
    FrozenForm,
    ItemFormSet,
    SettingsForm,
    anchors,
    as_text,
    items_now,
    removable,
    stored_settings,
    unshown,
)


@dataclass
class Card:
    """One milestone in the editor: its form (bound to what the change order says), its
    deliverables, and the problems that are not beside one field."""

    key: str
    kind: str  # "existing", "frozen", "added", "blank"
    form: forms.Form
    items: Any = None
    stage: changes.Stage | None = None
    position: int | None = None
    status_label: str = ""
    removable: bool = False
    invoiced: bool = False
    changed: bool = False
    problems: list[str] = field(default_factory=list)
    summary: str = ""  # what the change order does to it, as the client will read it
    base: str = ""  # a frozen milestone's budget in the currency's decimals, for the live total

    @property
    def title(self) -> str:
        return self.stage.title if self.stage else ""

    @property
    def grid(self) -> list[forms.BoundField]:
        """The card's fields, in order (the options apart)."""
        return [self.form[name] for name in self.form.grid]


@dataclass
class Editor:
    cards: list[Card]
    added: list[Card]
    blank: Card
    dropped: int  # changes this editor cannot show (written through the API): kept on save
    settings: forms.Form | None = None


def _bound(form_class, prefix: str, values: Mapping[str, Any], **kwargs) -> forms.Form:
    data = {}
    for name, value in values.items():
        if value is True:
            data[f"{prefix}-{name}"] = "on"
        elif value not in (False, None):
            data[f"{prefix}-{name}"] = str(value)
    return form_class(data, prefix=prefix, **kwargs)


def _item_rows(
    items: Sequence[Mapping[str, Any]], removed: Sequence[changes.Item], prefix: str
) -> Any:
    rows = [
        {
            "id": str(i.get("id") or ""),
            "title": str(i.get("title") or ""),
            "acceptance_criteria": str(i.get("acceptance_criteria") or ""),
        }
        for i in items
        if isinstance(i, Mapping)
    ]
    rows += [
        {"id": str(d.id), "title": d.title, "acceptance_criteria": d.acceptance_criteria}
        for d in removed
    ]
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows) + 1), f"{prefix}-INITIAL_FORMS": "0"}
    gone = len(rows) - len(removed)
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{index}-{name}"] = value
        if index >= gone:
            data[f"{prefix}-{index}-remove"] = "on"
    initial = [{"id": row["id"]} for row in rows]
    formset = ItemFormSet(data, prefix=prefix, initial=initial)
    formset.is_valid()
    return formset


def _read(stored: Any, plan: changes.Plan):
    """The stored changes by milestone id, the additions with where they go (after milestone
    k of the plan now, 0 = at the start), and how many entries cannot be shown."""
    ids = {s.id: position for position, s in enumerate(plan.stages, start=1)}
    by_id: dict[int, Mapping] = {}
    added: list[tuple[object, Mapping]] = []
    order: list[object] = list(ids)
    dropped = len(unshown(stored, plan))
    for change in stored if isinstance(stored, list) else []:
        if not isinstance(change, Mapping):
            continue
        op = change.get("op")
        target = change.get("milestone")
        if op in ("update", "remove") and target in ids and target not in by_id:
            by_id[target] = change
            if op == "remove":
                order.remove(target)
        elif op == "add":
            position = change.get("position")
            if isinstance(position, bool) or not isinstance(position, int):
                position = len(order) + 1
            marker = object()
            order.insert(max(0, min(position - 1, len(order))), marker)
            added.append((marker, change))
    placed = []
    for marker, change in added:
        index = order.index(marker)
        earlier = [k for k in order[:index] if k in ids]
        placed.append((ids[earlier[-1]] if earlier else 0, change))
    return by_id, placed, dropped


def editor_cards(
    plan: changes.Plan, stored: Any, defaults: Mapping[str, Any], outcome: changes.Outcome
) -> Editor:
    """The cards for a draft whose changes are ``stored``, with the problems of its
    ``outcome`` placed on them."""
    currency = plan.currency
    by_id, placed, dropped = _read(stored, plan)
    choices = anchors(plan)
    cards = []
    for position, stage in enumerate(plan.stages, start=1):
        key = f"m{stage.id}"
        change = by_id.get(stage.id, {})
        fields = change.get("fields") if isinstance(change.get("fields"), Mapping) else {}
        names = changes.AFTER_APPROVAL if stage.frozen else changes.FIELDS
        values: dict[str, Any] = {n: as_text(getattr(stage, n), currency) for n in names}
        values.update({n: as_text(v, currency) for n, v in fields.items() if n in names})
        card = Card(
            key=key,
            kind="frozen" if stage.frozen else "existing",
            form=None,  # type: ignore[arg-type]
            stage=stage,
            position=position,
            status_label=str(MilestoneStatus(stage.status).label),
            removable=not stage.frozen and removable(stage),
            invoiced=stage.invoiced,
            changed=bool(change),
        )
        if stage.frozen:
            card.base = as_text(stage.budget, currency)
            values["price"] = as_text(change.get("price"), currency)
            card.form = _bound(FrozenForm, key, values)
        else:
            values["remove"] = change.get("op") == "remove"
            values["shift_following"] = bool(change.get("shift_following"))
            card.form = _bound(ExistingForm, key, values)
            if stage.invoiced:  # how an invoiced milestone is billed cannot change
                card.form.fields["billing_trigger"].disabled = True
                card.form.initial["billing_trigger"] = values["billing_trigger"]
            listed = change.get("deliverables")
            if isinstance(listed, list):
                present = {i.get("id") for i in listed if isinstance(i, Mapping)}
                removed = [d for d in stage.deliverables if d.id not in present]
                card.items = _item_rows(listed, removed, f"{key}-d")
            else:
                card.items = _item_rows(items_now(stage), [], f"{key}-d")
        card.form.is_valid()
        cards.append(card)
    added = []
    for index, (anchor, change) in enumerate(placed, start=1):
        data = change.get("milestone") if isinstance(change.get("milestone"), Mapping) else {}
        values = {n: as_text(data.get(n), currency) for n in changes.FIELDS}
        values["after"] = str(anchor)
        key = f"a{index}"
        card = Card(
            key=key,
            kind="added",
            form=_bound(AddedForm, key, values, anchors=choices),
            changed=True,
        )
        listed = data.get("deliverables")
        card.items = _item_rows(listed if isinstance(listed, list) else [], [], f"{key}-d")
        card.form.is_valid()
        added.append(card)
    blank_values = {
        **{n: "" for n in changes.FIELDS},
        "revision_quota": defaults.get("revision_quota", ""),
        "support_window_days": defaults.get("support_window_days", ""),
        "billing_trigger": BillingTrigger.ON_APPROVAL,
        "after": choices[-1][0] if choices else "0",
    }
    blank = Card(
        key=BLANK, kind="blank", form=_bound(AddedForm, BLANK, blank_values, anchors=choices)
    )
    blank.form.is_valid()
    blank.items = _item_rows([], [], f"{BLANK}-d")
    editor = Editor(cards, added, blank, dropped, _settings_form(plan, stored, outcome))
    _place(editor, plan, stored, outcome)
    _summarise(editor, plan, outcome)
    return editor


def _settings_form(plan: changes.Plan, stored: Any, outcome: changes.Outcome) -> forms.Form:
    """The price per extra revision as the change order sets it (as typed), or as it is now."""
    value = as_text(plan.extra_revision_price, plan.currency)
    for change in stored_settings(stored):
        if "extra_revision_price" in change:
            value = as_text(change["extra_revision_price"], plan.currency)
    form = _bound(SettingsForm, SETTINGS, {"extra_revision_price": value})
    form.is_valid()
    for problem in outcome.problems:
        if problem.field == "extra_revision_price" and problem.position is None:
            form.add_error("extra_revision_price", problem.message)
    return form


def _summarise(editor: Editor, plan: changes.Plan, outcome: changes.Outcome) -> None:
    """Each existing milestone's line of what changes (``plans.changes.describe``)."""
    by_key = {card.key: card for card in editor.cards}
    after = {position: s for position, s in enumerate(outcome.plan.stages, start=1)}
    before = {position: s for position, s in enumerate(plan.stages, start=1)}
    for entry in changes.diff(plan, outcome.plan).stages:
        stage = (before if entry.kind == "removed" else after).get(entry.position)
        card = by_key.get(f"m{stage.id}") if stage is not None and stage.id else None
        if card is not None:
            card.summary = changes.describe(entry, plan.currency)


def _place(editor: Editor, plan: changes.Plan, stored: Any, outcome: changes.Outcome) -> None:
    """Put each problem on its card, beside its field where the card has it. Problems of the
    plan after the change order name its final position; the others the position the change
    was checked at (the plan now, for updates and removals written by this editor)."""
    problems = outcome.problems
    if not problems:
        return
    listed = stored if isinstance(stored, list) else []
    final = {position: s for position, s in enumerate(outcome.plan.stages, start=1)}
    by_key = {card.key: card for card in editor.cards}
    add_positions = {}
    added_cards = iter(editor.added)
    adds = [c for c in listed if isinstance(c, Mapping) and c.get("op") == "add"]
    for change, card in zip(adds, added_cards, strict=False):
        add_positions[change.get("position")] = card
    refs = {f"new-{n}": card for n, card in enumerate(editor.added, start=1)}
    own = Counter(
        p
        for p in changes.apply(
            plan, [c for c in listed if isinstance(c, Mapping) and c.get("op") != "add"]
        ).problems
        if p.code not in PLAN_CODES
    )
    for problem in problems:
        card = None
        if problem.position is None:
            continue
        if problem.code in PLAN_CODES:
            stage = final.get(problem.position)
            if stage is not None:
                card = by_key.get(f"m{stage.id}") if stage.id is not None else refs.get(stage.ref)
        elif own[problem]:
            own[problem] -= 1
            if 0 < problem.position <= len(editor.cards):
                card = editor.cards[problem.position - 1]
        else:
            card = add_positions.get(problem.position)
        if card is None:
            continue
        name = problem.field
        if name and name in card.form.fields and not card.form.fields[name].disabled:
            card.form.add_error(name, problem.message)
        else:
            card.problems.append(problem.message)
