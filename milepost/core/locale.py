"""ISO 3166 countries and ISO 4217 currencies, from Babel's CLDR data."""

from __future__ import annotations

import unicodedata
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.numbers import list_currencies

#: Codes CLDR lists as territories that are not ISO 3166-1 countries: unions and pseudo-locales,
#: and the codes ISO only reserves (Ascension, Clipperton, Sark, Diego Garcia, Ceuta and Melilla,
#: the Canary Islands, Tristan da Cunha), which no invoice or bank uses. XK, Kosovo, stays: it is
#: the code every European tax and banking system uses.
NOT_COUNTRIES = frozenset(
    {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"}
)


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


def _sort_key(name: str) -> str:
    """``Österreich`` sorts with the Os, not after ``Zypern``."""
    plain = unicodedata.normalize("NFKD", name)
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()


def _locale(language: str) -> Locale:
    try:
        return Locale.parse((language or "en").replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return Locale("en")


@cache
def country_choices(language: str = "en") -> tuple[tuple[str, str], ...]:
    """``(code, name)`` for every country, named in ``language`` and sorted by that name."""
    names = _locale(language).territories
    pairs = ((code, names.get(code, code)) for code in countries())
    return tuple(sorted(pairs, key=lambda pair: (_sort_key(pair[1]), pair[0])))


@cache
def country_name(code: str, language: str = "en") -> str:
    """``FR`` → ``France`` in ``language`` (the code itself when CLDR has no name for it)."""
    return _locale(language).territories.get((code or "").upper(), code or "")
