"""The change-order editor's forms: one per milestone of the plan now, one per milestone the change
order adds, and a blank one to add another (the cards are ``change_order_cards``).

What is posted becomes the ``changes`` list of docs/change-orders.md (``changes_from_post``),
stored as typed, problems and all (``change_order_update`` keeps invalid drafts); the page is
drawn again from that list (``editor_cards``), so nothing typed is lost. The list is written in
one order — updates, then removals from the last, then additions — so that every change is
checked at the position the milestone has now, and each problem can be shown on its card.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from milepost.core.money import MoneyError, normalise, parse_amount
from milepost.plans import changes
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


class SettingsForm(forms.Form):
    """The project's settings a change order may change: what one more revision costs."""

    extra_revision_price = forms.CharField(
        label=gettext_lazy("Price per extra revision"),
        required=False,
        widget=_text(inputmode="decimal"),
        help_text=gettext_lazy(
            "What the client pays for one more revision when theirs run out; empty: not offered."
        ),
    )


#: The settings card's prefix.
SETTINGS = "settings"


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


def as_text(value: Any, currency: str) -> str:
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
    return text == as_text(now, currency)


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


def items_now(stage: changes.Stage) -> list[dict[str, Any]]:
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


def unshown(stored: Any, plan: changes.Plan) -> list[Any]:
    """The stored changes this editor does not draw (an unknown op, a milestone not in the plan
    now, a second change to one milestone, …): a save keeps them as they are."""
    ids = {s.id for s in plan.stages}
    seen: set[Any] = set()
    kept = []
    for change in stored if isinstance(stored, list) else []:
        op = change.get("op") if isinstance(change, Mapping) else None
        target = change.get("milestone") if isinstance(change, Mapping) else None
        if op in ("update", "remove") and target in ids and target not in seen:
            seen.add(target)
        elif op not in ("add", "settings"):
            kept.append(change)
    return kept


def stored_settings(stored: Any) -> list[Mapping]:
    return [
        c
        for c in (stored if isinstance(stored, list) else [])
        if isinstance(c, Mapping) and c.get("op") == "settings"
    ]


def _settings_posted(plan: changes.Plan, data: Mapping, stored: Any) -> list[Any]:
    """The settings change the editor describes (the stored ones when it sent no field)."""
    if f"{SETTINGS}-extra_revision_price" not in data:
        return list(stored_settings(stored))
    raw = (_clean(SettingsForm(data, prefix=SETTINGS)).get("extra_revision_price") or "").strip()
    now = plan.extra_revision_price
    if not raw:
        return [] if now is None else [{"op": "settings", "extra_revision_price": None}]
    try:
        if now is not None and parse_amount(raw, plan.currency) == now:
            return []
    except MoneyError:
        pass  # stored as typed: the rules say what is wrong with it
    return [{"op": "settings", "extra_revision_price": raw}]


def changes_from_post(plan: changes.Plan, data: Mapping, stored: Any = ()) -> list[dict[str, Any]]:
    """The ``changes`` list the posted editor describes (a field not sent is unchanged); the
    ``stored`` changes it does not draw are kept."""
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
            if items is not None and items != items_now(stage):
                change["deliverables"] = items
            if fields and posted.get("shift_following"):
                change["shift_following"] = True
        if len(change) > 2:
            updates.append(change)
    removes.reverse()  # from the last: each is checked at the position it has now
    adds = _adds_posted(plan, data, kept)
    return updates + removes + adds + _settings_posted(plan, data, stored) + unshown(stored, plan)


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
