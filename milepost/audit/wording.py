"""What an activity entry says: "changed milestone 2 “Design”: budget €2,000.00 → €1,900.00".

An event's ``data`` keeps what changed as ``before``/``after`` (values as JSON: amounts and
dates as strings). This module reads it back for people, in the active language: money in the
event's currency, dates in the reader's format, choices by their labels, long text cut to a
short diff. It only reads: events written before a detail was recorded (a milestone's title,
the currency, the deliverables before an edit) still render, with what they have.

The sentences themselves are in ``audit/sentences.py``. Field labels and kinds come from the
event's target model (``target_type`` is its ``app_label.model``), looked up in Django's app
registry, so audit imports no app above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from functools import cache
from typing import Any

from babel.numbers import format_percent
from django.apps import apps
from django.db import models
from django.utils.translation import gettext as _

from milepost.core import display

from .actions import AuditAction
from .sentences import ACTION_LABELS, BY_POSITION, SENTENCES

#: Fields that hold an amount of money in the event's currency.
MONEY_FIELDS = frozenset(
    {"budget", "total_budget", "amount", "net", "tax", "gross", "paid", "extra_revision_price"}
)
#: Fields that hold a percentage.
PERCENT_FIELDS = frozenset({"tax_rate"})
#: A long text's change shows at most this many edits, each cut at this many characters.
DIFF_PARTS, DIFF_WORDS = 3, 40

#: Actions whose before/after is an edit worth spelling out field by field.
EDITS = frozenset(
    {
        AuditAction.ORGANISATION_UPDATED,
        AuditAction.CLIENT_UPDATED,
        AuditAction.MEMBER_ROLE_CHANGED,
        AuditAction.PROJECT_UPDATED,
        AuditAction.MILESTONE_UPDATED,
        AuditAction.TEMPLATE_UPDATED,
    }
)


@dataclass(frozen=True)
class Change:
    """One field that changed: its name and the values before and after, as recorded."""

    field: str
    old: Any
    new: Any


def changes_of(data: dict[str, Any], target_type: str = "") -> list[Change]:
    """The fields whose recorded values differ between ``before`` and ``after``.

    In the order of the target model's fields, then the other keys by name: stored JSON keeps
    no order (PostgreSQL's jsonb sorts keys its own way), so the order is decided here.
    """
    before, after = data.get("before"), data.get("after")
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    keys = sorted({*before, *after}, key=lambda k: (_field_order(target_type).get(k, 10**6), k))
    return [Change(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


#: The target type of a change order's events (its ``_meta.label_lower``).
CHANGE_ORDER = "plans.changeorder"


def change_order_name(event: Any) -> str:
    """How an event about a change order names it: "CO-2 · Add a blog section" (its title as
    it was then); "" for any other event."""
    data = event.data if isinstance(event.data, dict) else {}
    if event.target_type != CHANGE_ORDER or data.get("number") in (None, ""):
        return ""
    title = display.clip(data["title"]) if data.get("title") else ""
    return f"CO-{data['number']} · {title}" if title else f"CO-{data['number']}"


def describe(event: Any, *, currency: str = "") -> str:
    """The entry's sentence after the actor's name, in the active language.

    ``currency`` is the project's, for events that did not record their own.
    """
    data = event.data if isinstance(event.data, dict) else {}
    facts = _facts(event.action, data, currency)
    if name := change_order_name(event):
        facts["change_order"] = name
    text = _sentence(event.action, facts)
    if event.action in EDITS:
        phrases = [
            phrase(event.target_type, change, currency=event_currency(data, currency))
            for change in changes_of(data, event.target_type)
            if change.field != "status"  # a state's move is the action itself
        ]
        if phrases:
            text = _("%(what)s: %(changes)s") % {"what": text, "changes": "; ".join(phrases)}
    if facts.get("reason"):
        text = _("%(what)s: “%(reason)s”") % {"what": text, "reason": facts["reason"]}
    return text


def phrase(target_type: str, change: Change, *, currency: str | tuple[str, str] = "") -> str:
    """``budget €2,000.00 → €1,900.00``; ``scope changed: added “…”``; ``deliverables: …``."""
    old_currency, new_currency = (currency, currency) if isinstance(currency, str) else currency
    label = field_label(target_type, change.field)
    if change.field == "deliverables":
        return _("%(field)s: %(what)s") % {"field": label, "what": _deliverables(change)}
    field = _model_field(target_type, change.field)
    if isinstance(field, models.TextField) and not (_short(change.old) and _short(change.new)):
        return _text_diff(label, str(change.old or ""), str(change.new or ""))
    return _("%(field)s %(old)s → %(new)s") % {
        "field": label,
        "old": value(target_type, change.field, change.old, currency=old_currency),
        "new": value(target_type, change.field, change.new, currency=new_currency),
    }


def value(target_type: str, name: str, raw: Any, *, currency: str = "") -> str:
    """One recorded value as people read it."""
    if raw is None or raw == "":
        return "—"
    if name in MONEY_FIELDS and currency:
        return display.money(raw, currency)
    if name in PERCENT_FIELDS:
        return _percent(raw)
    field = _model_field(target_type, name)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(raw, raw))
    if isinstance(field, models.BooleanField) or isinstance(raw, bool):
        return _("on") if raw else _("off")
    if isinstance(field, models.DateTimeField):
        return display.datetime(raw)
    if isinstance(field, models.DateField):
        return display.date(raw)
    if isinstance(raw, list):
        return ", ".join(f"“{display.clip(item)}”" for item in raw)
    if isinstance(field, models.TextField | models.CharField) and name != "currency":
        return f"“{display.clip(raw)}”"
    return display.clip(raw)


def field_label(target_type: str, name: str) -> str:
    field = _model_field(target_type, name)
    if field is not None and getattr(field, "verbose_name", None):
        return str(field.verbose_name)
    return name.replace("_", " ")


@cache
def _model(target_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(target_type)
    except (LookupError, ValueError):
        return None


@cache
def _field_order(target_type: str) -> dict[str, int]:
    model = _model(target_type)
    fields = model._meta.concrete_fields if model is not None else ()
    return {field.name: i for i, field in enumerate(fields)}


def _model_field(target_type: str, name: str) -> models.Field | None:
    model = _model(target_type)
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except Exception:  # FieldDoesNotExist: a key that is not a column (deliverables, email)
        return None
    return field if isinstance(field, models.Field) else None


def event_currency(data: dict[str, Any], fallback: str) -> str | tuple[str, str]:
    """The event's currency, or (before, after) when the edit changed it."""
    own = data.get("currency") or fallback
    before, after = data.get("before") or {}, data.get("after") or {}
    if isinstance(before, dict) and isinstance(after, dict) and "currency" in after:
        return (before.get("currency") or own, after["currency"])
    return own


def _facts(action: str, data: dict[str, Any], fallback_currency: str) -> dict[str, str]:
    """The details a sentence may name, formatted; missing ones are left out."""
    currency = data.get("currency") or fallback_currency
    before = data.get("before") if isinstance(data.get("before"), dict) else {}
    after = data.get("after") if isinstance(data.get("after"), dict) else {}
    shown = after or before
    facts: dict[str, str] = {}
    for key in ("position", "number", "invoice", "cancels", "email"):
        if data.get(key) not in (None, ""):
            facts[key] = str(data[key])
    for key in ("email", "client"):  # a removed contact names them in ``before``
        if isinstance(shown.get(key), str) and shown[key]:
            facts.setdefault(key, shown[key])
    if shown.get("position") is not None:
        facts.setdefault("position", str(shown["position"]))
    if shown.get("number"):
        facts.setdefault("number", str(shown["number"]))
    title = data.get("title") or shown.get("title")
    if title:
        facts["title"] = display.clip(title)
    if data.get("reason"):
        facts["reason"] = display.clip(data["reason"], 120)
    if action == "deliverable.verdict":
        if data.get("deliverable_title"):
            facts["deliverable"] = display.clip(data["deliverable_title"])
        if data.get("delivery") not in (None, ""):
            facts["delivery"] = str(data["delivery"])
        if after.get("status"):
            facts["verdict"] = value("reviews.verdict", "status", after["status"]).lower()
    if after.get("role"):
        facts["role"] = value("plans.projectaccess", "role", after["role"])
    if action == "milestone.moved" and {"position"} <= set(before) & set(after):
        facts["old"], facts["new"] = str(before["position"]), str(after["position"])
    money_currency = shown.get("currency") or currency
    if money_currency:
        for key, source in (
            ("budget", shown.get("budget")),
            ("total", data.get("total_budget")),
            ("gross", shown.get("gross") or data.get("gross")),
            ("amount", data.get("amount")),
        ):
            if source not in (None, ""):
                facts[key] = display.money(source, money_currency)
    return facts


def _sentence(action: str, facts: dict[str, str]) -> str:
    for table in (SENTENCES, BY_POSITION):
        sentence = table.get(action)
        if sentence is None:
            continue
        try:
            return str(sentence) % facts
        except KeyError:
            continue
    return str(ACTION_LABELS.get(action, action))


def _short(text: Any) -> bool:
    flat = str(text or "")
    return "\n" not in flat and len(flat) <= display.TEXT_LIMIT


def _text_diff(label: str, old: str, new: str) -> str:
    """The words added, removed or replaced, at most ``DIFF_PARTS`` of them, each cut short."""
    before, after = old.split(), new.split()
    parts = []
    opcodes = SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes()
    edits = [op for op in opcodes if op[0] != "equal"]
    for tag, i1, i2, j1, j2 in edits[:DIFF_PARTS]:
        removed, added = _words(before[i1:i2]), _words(after[j1:j2])
        if tag == "replace":
            parts.append(_("“%(old)s” → “%(new)s”") % {"old": removed, "new": added})
        elif tag == "insert":
            parts.append(_("added “%(text)s”") % {"text": added})
        else:
            parts.append(_("removed “%(text)s”") % {"text": removed})
    if len(edits) > DIFF_PARTS:
        parts.append(_("%(count)s more") % {"count": len(edits) - DIFF_PARTS})
    if not parts:  # only the spacing or the line breaks differ
        parts.append(_("spacing"))
    return _("%(field)s changed: %(what)s") % {"field": label, "what": "; ".join(parts)}


def _words(words: list[str]) -> str:
    return display.clip(" ".join(words), DIFF_WORDS)


def _deliverables(change: Change) -> str:
    """Added, removed and re-worded deliverables; old entries list the new titles only."""
    old, new = _items(change.old), _items(change.new)
    if change.old is None:
        return ", ".join(f"“{display.clip(title)}”" for title in new) or "—"
    parts = []
    added = [t for t in new if t not in old]
    removed = [t for t in old if t not in new]
    reworded = [t for t in new if t in old and new[t] != old[t]]
    if added:
        parts.append(_("added %(titles)s") % {"titles": _quoted(added)})
    if removed:
        parts.append(_("removed %(titles)s") % {"titles": _quoted(removed)})
    if reworded:
        parts.append(_("acceptance criteria of %(titles)s changed") % {"titles": _quoted(reworded)})
    if not parts and list(old) != list(new):
        parts.append(_("reordered"))
    return ", ".join(parts) or "—"


def _items(raw: Any) -> dict[str, str]:
    """Deliverables as {title: acceptance criteria}, from dicts or (older entries) titles."""
    items: dict[str, str] = {}
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict):
            items[str(item.get("title", ""))] = str(item.get("acceptance_criteria", ""))
        else:
            items[str(item)] = ""
    return items


def _quoted(titles: list[str]) -> str:
    return ", ".join(f"“{display.clip(title)}”" for title in titles)


def _percent(raw: Any) -> str:
    """``19.00`` → ``19%``; ``7.50`` → ``7.5%``, in the reader's number format."""
    try:
        number = Decimal(str(raw))
    except InvalidOperation:
        return str(raw)
    return format_percent(number / 100, format="#,##0.###%", locale=display.locale_name())
