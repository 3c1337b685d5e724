"""Countries from CLDR: only ISO 3166-1 codes, named and sorted in the reader's language."""

from __future__ import annotations

from milepost.core.locale import country_choices, country_name, is_country


def test_reserved_codes_are_not_countries():
    # CLDR names them, ISO 3166-1 only reserves them: no invoice or bank uses them.
    for code in ("AC", "CP", "CQ", "DG", "EA", "IC", "TA", "EU", "UN", "ZZ"):
        assert not is_country(code), code
    assert is_country("DE") and is_country("XK")


def test_country_choices_are_every_country_named_in_the_language_sorted_by_name():
    german = country_choices("de")
    codes = [code for code, _name in german]
    assert len(codes) == len(set(codes)) == 250
    assert all(is_country(code) for code in codes)
    names = dict(german)
    assert names["DE"] == "Deutschland" and names["AT"] == "Österreich"
    # Umlauts sort with their letter: Ägypten among the As, Österreich among the Os.
    assert codes.index("EG") < codes.index("AL")  # Ägypten before Albanien
    assert codes.index("OM") < codes.index("AT") < codes.index("PK")  # Oman, Österreich, Pakistan
    assert dict(country_choices("en"))["DE"] == "Germany"


def test_an_unknown_language_falls_back_to_english():
    assert dict(country_choices("xx"))["FR"] == "France"
    assert country_name("FR", "xx") == "France"
