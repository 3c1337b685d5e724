"""The change-order editor: one card per milestone of the plan now, one per milestone the change
order adds, and a blank one to add another.

What is posted becomes the ``changes`` list of docs/change-orders.md (``changes_from_post``),
stored as typed, problems and all (``change_order_update`` keeps invalid drafts); the page is
drawn again from that list (``editor_cards``), so nothing typed is lost. The list is written in
one order — updates, then removals from the last, then additions — so that every change is
checked at the position the milestone has now, and each problem can be shown on its card.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from milepost.core.money import MoneyError, normalise, parse_amount
from milepost.plans import changes
from milepost.plans.lifecycle.milestone import MilestoneStatus
from milepost.plans.models import BillingTrigger

from .plan_forms import DateInput

#: The codes of the resulting plan's problems (``plans.rules.validate_plan``): their position is
#: the milestone's in the plan after the change order.
PLAN_CODES = frozenset(
    {
        "currency_invalid",
        "total_not_positive",
        "no_milestones",
        "title_required",
        "budget_not_positive",
        "budget_precision",
        "dates_missing",
        "dates_inverted",
        "starts_before_project",
        "dates_overlap",
        "budget_unallocated",
        "budget_over",
    }
)
NUMBERS = ("revision_quota", "support_window_days")
DATES = ("planned_start", "planned_due")
#: The blank card's prefix; added milestones are a1, a2, …
BLANK = "new"


def _text(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs=attrs)


class TextsForm(forms.Form):
    """The change order's title and reason (the service says what is required)."""

    title = forms.CharField(
        label=gettext_lazy("Title"), required=False, widget=_text(maxlength=200)
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (why the plan changes; the client reads it)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StageForm(forms.Form):
    """A milestone's fields, taken as typed: the rules (``plans.changes``) judge them."""

    title = forms.CharField(label=gettext_lazy("Title"), required=False)
    scope = forms.CharField(
        label=gettext_lazy("Scope"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    budget = forms.CharField(
        label=gettext_lazy("Budget"),
        required=False,
        widget=_text(inputmode="decimal", **{"data-budget": ""}),
    )
    planned_start = forms.CharField(label=gettext_lazy("Start"), required=False, widget=DateInput())
    planned_due = forms.CharField(label=gettext_lazy("Due"), required=False, widget=DateInput())
    revision_quota = forms.CharField(
        label=gettext_lazy("Revisions"), required=False, widget=_text(inputmode="numeric")
    )
    support_window_days = forms.CharField(
        label=gettext_lazy("Support window (days)"),
        required=False,
        widget=_text(inputmode="numeric"),
    )
    billing_trigger = forms.ChoiceField(
        label=gettext_lazy("Invoice"), required=False, choices=BillingTrigger.choices
    )

    #: The fields drawn in the card's grid, in order.
    grid = changes.FIELDS


class ExistingForm(StageForm):
    remove = forms.BooleanField(
        label=gettext_lazy("Remove this milestone from the plan"),
        required=False,
        widget=forms.CheckboxInput(attrs={"data-remove": ""}),
    )
    shift_following = forms.BooleanField(
        label=gettext_lazy(
            "Move the later milestones by as many working days as the due date moves"
        ),
        required=False,
    )


class FrozenForm(forms.Form):
    """An approved milestone: more revisions or a longer support window, for a price."""

    revision_quota = forms.CharField(
        label=gettext_lazy("Revisions"), required=False, widget=_text(inputmode="numeric")
    )
    support_window_days = forms.CharField(
        label=gettext_lazy("Support window (days)"),
        required=False,
        widget=_text(inputmode="numeric"),
    )
    price = forms.CharField(
        label=gettext_lazy("Price of the extra"),
        required=False,
        widget=_text(inputmode="decimal", **{"data-price": ""}),
        help_text=gettext_lazy("Added to its budget; invoiced at once on acceptance."),
    )

    grid = ("revision_quota", "support_window_days", "price")


class AddedForm(StageForm):
    after = forms.ChoiceField(label=gettext_lazy("Where"), required=False)
    drop = forms.BooleanField(
        label=gettext_lazy("Leave this new milestone out"),
        required=False,
        widget=forms.CheckboxInput(attrs={"data-remove": ""}),
    )

    def __init__(self, *args, anchors: Sequence[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["after"].choices = list(anchors)


class ItemForm(forms.Form):
    id = forms.CharField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(label=gettext_lazy("Deliverable"), required=False)
    acceptance_criteria = forms.CharField(
        label=gettext_lazy("Acceptance criteria"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    remove = forms.BooleanField(label=gettext_lazy("Remove"), required=False)


ItemFormSet = forms.formset_factory(ItemForm, extra=1)


# --- From what was posted to the changes ----------------------------------------------------------


def _clean(form: forms.Form) -> dict[str, Any]:
    form.is_valid()
    return getattr(form, "cleaned_data", {})


def _typed(name: str, raw: str) -> Any:
    """The JSON value for a field as typed: a whole number where one was typed, else the text."""
    text = raw.replace("\r\n", "\n").strip()
    if name in NUMBERS and text.isdigit():
        return int(text)
    return text


def _as_text(value: Any, currency: str) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(normalise(value, currency))
    return str(value)


def _unchanged(name: str, raw: str, stage: changes.Stage, currency: str) -> bool:
    now = getattr(stage, name)
    text = raw.replace("\r\n", "\n").strip()
    if name == "budget":
        try:
            return parse_amount(text, currency, allow_zero=True) == now
        except MoneyError:
            return False
    if name == "billing_trigger" and not text:
        return True  # not offered (an invoiced milestone): unchanged
    return text == _as_text(now, currency)


def _items_posted(data: Mapping, prefix: str) -> list[dict[str, Any]] | None:
    """The deliverables a card lists, in order (None when the card sent none)."""
    if f"{prefix}-TOTAL_FORMS" not in data:
        return None
    formset = ItemFormSet(data, prefix=prefix)
    formset.is_valid()
    items = []
    for form in formset.forms:
        data_ = getattr(form, "cleaned_data", {}) or {}
        if data_.get("remove"):
            continue
        title = (data_.get("title") or "").strip()
        criteria = (data_.get("acceptance_criteria") or "").replace("\r\n", "\n").strip()
        raw_id = (data_.get("id") or "").strip()
        if not (title or criteria or raw_id):
            continue  # the empty row
        item: dict[str, Any] = {"title": title, "acceptance_criteria": criteria}
        if raw_id.isdigit():
            item = {"id": int(raw_id), **item}
        items.append(item)
    return items


def _items_now(stage: changes.Stage) -> list[dict[str, Any]]:
    return [
        {"id": d.id, "title": d.title, "acceptance_criteria": d.acceptance_criteria}
        for d in stage.deliverables
    ]


def removable(stage: changes.Stage) -> bool:
    return changes.remove_refusal(stage, 0) is None


def last_frozen(plan: changes.Plan) -> int:
    return max((i for i, s in enumerate(plan.stages, start=1) if s.frozen), default=0)


def anchors(plan: changes.Plan) -> list[tuple[str, str]]:
    """Where a new milestone may go: after every approved one ("after milestone k")."""
    low = last_frozen(plan)
    choices = [] if low else [("0", _("At the start"))]
    for position, stage in enumerate(plan.stages, start=1):
        if position >= low:
            choices.append(
                (
                    str(position),
                    _("After milestone %(n)s (“%(title)s”)")
                    % {"n": position, "title": stage.title},
                )
            )
    return choices


def _added_prefixes(data: Mapping) -> list[str]:
    raw = str(data.get("added", "0"))
    count = int(raw) if raw.isdigit() else 0
    return [f"a{i}" for i in range(1, min(count, 50) + 1)]


def changes_from_post(plan: changes.Plan, data: Mapping) -> list[dict[str, Any]]:
    """The ``changes`` list the posted editor describes (a field not sent is unchanged)."""
    currency = plan.currency
    updates: list[dict[str, Any]] = []
    removes: list[dict[str, Any]] = []
    kept: list[int] = []  # positions of the milestones that stay
    for position, stage in enumerate(plan.stages, start=1):
        key = f"m{stage.id}"
        form_class = FrozenForm if stage.frozen else ExistingForm
        posted = _clean(form_class(data, prefix=key))
        if not stage.frozen and posted.get("remove") and removable(stage):
            removes.append({"op": "remove", "milestone": stage.id})
            continue
        kept.append(position)
        names = changes.AFTER_APPROVAL if stage.frozen else changes.FIELDS
        fields = {
            name: _typed(name, posted.get(name) or "")
            for name in names
            if f"{key}-{name}" in data
            and not _unchanged(name, posted.get(name) or "", stage, currency)
        }
        change: dict[str, Any] = {"op": "update", "milestone": stage.id}
        if fields:
            change["fields"] = fields
        if stage.frozen:
            price = (posted.get("price") or "").strip()
            if price:
                change["price"] = price
        else:
            items = _items_posted(data, f"{key}-d")
            if items is not None and items != _items_now(stage):
                change["deliverables"] = items
            if fields and posted.get("shift_following"):
                change["shift_following"] = True
        if len(change) > 2:
            updates.append(change)
    removes.reverse()  # from the last: each is checked at the position it has now
    adds = _adds_posted(plan, data, kept)
    return updates + removes + adds


def _adds_posted(plan: changes.Plan, data: Mapping, kept: list[int]) -> list[dict[str, Any]]:
    choices = anchors(plan)
    default = choices[-1][0] if choices else "0"
    wanted = []
    for prefix in [*_added_prefixes(data), BLANK]:
        posted = _clean(AddedForm(data, prefix=prefix, anchors=choices))
        if not posted or posted.get("drop"):
            continue
        values = {name: _typed(name, posted.get(name) or "") for name in changes.FIELDS}
        items = _items_posted(data, f"{prefix}-d") or []
        if prefix == BLANK and not (
            values["title"] or values["budget"] or values["scope"] or items
        ):
            continue  # the blank card left blank
        after = posted.get("after") or default
        anchor = int(after) if after.isdigit() else int(default)
        milestone = {
            **values,
            "deliverables": [{k: v for k, v in i.items() if k != "id"} for i in items],
        }
        wanted.append((anchor, milestone))
    wanted.sort(key=lambda pair: pair[0])  # stable: in the order typed after one milestone
    adds = []
    for index, (anchor, milestone) in enumerate(wanted):
        before = sum(1 for position in kept if position <= anchor)
        adds.append({"op": "add", "position": before + 1 + index, "milestone": milestone})
    return adds


# --- From the changes to the cards ----------------------------------------------------------------


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
    dropped: int  # changes this editor cannot show (written through the API)


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
    dropped = 0
    for change in stored if isinstance(stored, list) else []:
        if not isinstance(change, Mapping):
            dropped += 1
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
        else:
            dropped += 1
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
        values: dict[str, Any] = {n: _as_text(getattr(stage, n), currency) for n in names}
        values.update({n: _as_text(v, currency) for n, v in fields.items() if n in names})
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
            values["price"] = _as_text(change.get("price"), currency)
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
                card.items = _item_rows(_items_now(stage), [], f"{key}-d")
        card.form.is_valid()
        cards.append(card)
    added = []
    for index, (anchor, change) in enumerate(placed, start=1):
        data = change.get("milestone") if isinstance(change.get("milestone"), Mapping) else {}
        values = {n: _as_text(data.get(n), currency) for n in changes.FIELDS}
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
    editor = Editor(cards, added, blank, dropped)
    _place(editor, plan, stored, outcome)
    return editor


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
