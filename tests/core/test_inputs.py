"""Declared inputs: one declaration cleans a write's fields and reports every problem at once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from milepost.core.errors import InvalidInput
from milepost.core.inputs import Field, Input, boolean, country, rate, text, whole_number

PERSON = Input(
    name=Field(text, required=True, max_length=5),
    country=Field(country),
    tax_rate=rate(),
    days=whole_number(10, required=True),
    active=Field(boolean),
)


def test_clean_trims_and_converts_the_fields_given():
    cleaned = PERSON.clean(
        {"name": " Ann ", "country": "de", "tax_rate": "7.5", "days": 3, "active": True}
    )
    assert cleaned == {
        "name": "Ann",
        "country": "DE",
        "tax_rate": Decimal("7.5"),
        "days": 3,
        "active": True,
    }


def test_every_problem_is_reported_at_once_by_field():
    with pytest.raises(InvalidInput) as refused:
        PERSON.clean(
            {
                "name": "Annabel",
                "country": "Germany",
                "tax_rate": "100.5",
                "days": True,
                "active": "yes",
                "nickname": "A",
            }
        )
    assert refused.value.status == 400
    assert refused.value.details == {
        "nickname": ["Unknown field."],
        "name": ["At most 5 characters."],
        "country": ["Use a two-letter ISO 3166 code, such as DE or FR."],
        "tax_rate": ["A percentage between 0 and 100 with at most 2 decimals."],
        "days": ["A whole number from 0 to 10."],
        "active": ["Must be true or false."],
    }


def test_required_fields_must_be_given_unless_partial_and_never_emptied():
    with pytest.raises(InvalidInput) as refused:
        PERSON.clean({})
    assert refused.value.details == {
        "name": ["This field is required."],
        "days": ["This field is required."],
    }
    assert PERSON.clean({"country": ""}, partial=True) == {"country": ""}
    with pytest.raises(InvalidInput) as refused:
        PERSON.clean({"name": "  ", "days": None}, partial=True)
    assert set(refused.value.details) == {"name", "days"}


def test_null_characters_never_reach_the_database():
    with pytest.raises(InvalidInput) as refused:
        PERSON.clean({"name": "A\x00n", "country": "D\x00E"}, partial=True)
    assert refused.value.details == {
        "name": ["Null characters are not allowed."],
        "country": ["Null characters are not allowed."],
    }


def test_an_optional_rate_left_empty_is_none():
    assert PERSON.clean({"tax_rate": ""}, partial=True) == {"tax_rate": None}


def test_attrs_show_the_rule_to_people():
    assert PERSON["name"].attrs == {"maxlength": "5"}
    assert PERSON["days"].attrs == {"min": "0", "max": "10"}
    assert PERSON["tax_rate"].attrs == {"min": "0", "max": "100", "step": "0.01"}
