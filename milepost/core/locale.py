"""ISO 3166 countries and ISO 4217 currencies, from Babel's CLDR data."""

from __future__ import annotations

from functools import cache

from babel import Locale
from babel.numbers import list_currencies

#: Codes CLDR lists as territories that are not ISO 3166-1 countries (XK, Kosovo, stays: it is
#: the code every European tax and banking system uses).
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


@cache
def countries() -> frozenset[str]:
    """Two-letter ISO 3166-1 country codes (regions, unions and pseudo-locales left out)."""
    return frozenset(
        code
        for code in Locale("en").territories
        if code.isalpha() and len(code) == 2 and code not in NOT_COUNTRIES
    )


@cache
def currencies() -> frozenset[str]:
    return frozenset(c for c in list_currencies() if len(c) == 3 and c.isalpha())


def is_country(code: str) -> bool:
    return code in countries()


def is_currency(code: str) -> bool:
    return code in currencies()


@cache
def country_name(code: str, language: str = "en") -> str:
    """``FR`` → ``France`` in ``language`` (the code itself when CLDR has no name for it)."""
    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (ValueError, TypeError):
        locale = Locale("en")
    return locale.territories.get((code or "").upper(), code or "")
