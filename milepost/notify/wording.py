"""A notification's words, written for each reader: their language, money and dates as they read.

Handlers build a ``Text`` (a lazy message and its values) instead of a finished string, and
``notify`` renders it once per recipient, so a German approver's bell and email say what a
German approver reads, whoever clicked the button. Amounts are ``Money`` (``€1,900.00``), dates
and datetimes are shown in the reader's format and the site's time zone: never ``2026-03-01``
or ``1900.000 EUR``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import translation

from milepost.core import display


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str
    signed: bool = False  # a change: "+€600.00", "\N{MINUS SIGN}€200.00"


class Text:
    """``Text(gettext_lazy("%(project)s costs %(total)s"), project=p.name, total=Money(...))``."""

    def __init__(self, message: Any, /, **values: Any) -> None:
        self.message = message
        self.values = values

    def render(self) -> str:
        """The sentence in the active language."""
        return str(self.message % {k: _shown(v) for k, v in self.values.items()})

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Text({self.message!r}, **{self.values!r})"


def render(text: Text | str, *, language: str = "") -> str:
    """``text`` for a reader of ``language`` (the site's language when they chose none).

    A plain lazy message (``gettext_lazy``) is translated for them too.
    """
    with translation.override(language or settings.LANGUAGE_CODE):
        return text.render() if isinstance(text, Text) else str(text or "")


def _shown(value: Any) -> Any:
    if isinstance(value, Money):
        if value.signed and value.amount:
            sign = "+" if value.amount > 0 else "\N{MINUS SIGN}"
            return sign + display.money(abs(value.amount), value.currency)
        return display.money(value.amount, value.currency)
    if isinstance(value, dt.datetime):
        return display.datetime(value)
    if isinstance(value, dt.date):
        return display.date(value)
    if isinstance(value, Text):
        return value.render()
    if isinstance(value, int):  # counts pick the plural form: keep them numbers
        return value
    return str(value)
