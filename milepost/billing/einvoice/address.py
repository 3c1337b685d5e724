"""Free-text postal addresses split into the fields of CII's PostalTradeAddress."""

from __future__ import annotations

from babel import Locale

# Languages in which a trailing country line of an address is recognised.
_COUNTRY_LOCALES = ("en", "de", "fr", "es", "it", "nl", "pl", "pt", "sv", "da")


def _is_country_line(line: str, country: str) -> bool:
    """``Germany``, ``Deutschland``, ``DE``: a last line that only repeats the country."""
    if not country:
        return False
    text = line.strip().casefold()
    if text == country.casefold():
        return True
    names = {
        (Locale.parse(code).territories.get(country) or "").casefold() for code in _COUNTRY_LOCALES
    }
    return text in names


def split_address(address: str, country: str = "") -> dict[str, str]:
    """Split a free-text address into CII's postal fields.

    A last line naming ``country`` is dropped (CountryID carries it). The last line left is the
    city line: when its first word holds a digit it is the postcode (``10115 Berlin``; ``Dublin 2
    D02 X285`` stays whole as the city). Up to three lines before it are the street lines; more
    are joined into the third. One line with commas is split on the commas.
    """
    lines = [line.strip() for line in (address or "").splitlines() if line.strip()]
    if len(lines) == 1 and "," in lines[0]:
        lines = [part.strip() for part in lines[0].split(",") if part.strip()]
    if len(lines) > 1 and _is_country_line(lines[-1], country):
        lines.pop()
    result: dict[str, str] = {}
    if not lines:
        return result
    city_line = lines.pop() if len(lines) > 1 else ""
    if city_line:
        first, _sep, rest = city_line.partition(" ")
        if rest and any(ch.isdigit() for ch in first):
            result["postcode"] = first
            result["city"] = rest.strip()
        else:
            result["city"] = city_line
    street = lines[:2] + ([", ".join(lines[2:])] if len(lines) > 2 else [])
    for key, line in zip(("line_one", "line_two", "line_three"), street, strict=False):
        result[key] = line
    return result
