"""ISO 3166 countries and ISO 4217 currencies, from Babel's CLDR data."""

from __future__ import annotations

from functools import cache

from babel import Locale
from babel.numbers import list_currencies


@cache
def countries() -> frozenset[str]:
    """Two-letter country codes (numeric UN regions like '001' left out)."""
    return frozenset(code for code in Locale("en").territories if code.isalpha() and len(code) == 2)


@cache
def currencies() -> frozenset[str]:
    return frozenset(c for c in list_currencies() if len(c) == 3 and c.isalpha())


def is_country(code: str) -> bool:
    return code in countries()


def is_currency(code: str) -> bool:
    return code in currencies()
