"""Values as a reader sees them, in the active language and the site's time zone.

Activity entries and notifications say money, dates and times through these, so nobody reads
``2026-03-01`` or ``1900.000 EUR`` in a sentence. Wrap a call in ``translation.override`` to
write for someone else (an email's recipient).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import get_language

from .money import MoneyError, format_money

#: Longer text is cut at a word and ends with "…".
TEXT_LIMIT = 60
#: Runs of spaces and line breaks; a no-break space (``1.900,00 €``) stays.
_SPACES = re.compile(r"[ \t\r\n\f\v]+")


def language() -> str:
    return get_language() or "en"


def locale_name() -> str:
    """The active language as Babel names it: ``de-ch`` → ``de_CH``."""
    code, _sep, region = language().partition("-")
    return f"{code}_{region.upper()}" if region else code


def money(amount: Any, currency: str) -> str:
    """``€1,900.00``; the amount as written when it is not a number or the currency is unknown."""
    try:
        return format_money(Decimal(str(amount)), currency, language())
    except (InvalidOperation, MoneyError, ValueError, TypeError):
        return f"{amount} {currency}".strip()


def as_date(value: Any) -> dt.date | None:
    """A date from a date, a datetime (in the site's time zone) or an ISO string."""
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def date(value: Any) -> str:
    """``1 Mar 2026`` in the reader's language (the value as written when it is no date)."""
    day = as_date(value)
    return formats.date_format(day, "DATE_FORMAT") if day is not None else str(value)


def datetime(value: Any) -> str:
    """``1 Mar 2026, 14:30`` in the site's time zone and the reader's language."""
    moment = value
    if not isinstance(moment, dt.datetime):
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "DATETIME_FORMAT")


def clip(text: Any, limit: int = TEXT_LIMIT) -> str:
    """The text on one line, cut at a word near ``limit`` characters with "…"."""
    flat = " ".join(_SPACES.split(str(text or "").strip()))
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] if " " in flat[:limit] else flat[:limit]
    return cut.rstrip(",;:.") + "…"
